// Package packs embeds the content packs that ship with microlearn (the demo pack the demo
// seed imports), so that the binary works from any directory.
package packs

import "embed"

// FS holds the packs, one directory each (demo/).
//
//go:embed all:demo
var FS embed.FS

// Demo is the directory of the demo pack in FS.
const Demo = "demo"
