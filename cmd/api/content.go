package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
)

// contentCommand is `api content`.
func contentCommand() command {
	return command{
		summary: "content import --programme ID DIR | --global DIR: import a content pack (idempotent)",
		run:     runContent,
	}
}

func runContent(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: api content import --programme ID DIR  (or --global DIR for the global library)")
	}
	fs := flag.NewFlagSet("content import", flag.ContinueOnError)
	fs.SetOutput(out)
	programmeID := fs.String("programme", "", "the programme whose library receives the pack")
	global := fs.Bool("global", false, "import into the global library every programme can use")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*programmeID == "") == !*global {
		return errors.New("usage: api content import --programme ID DIR  (or --global DIR)")
	}
	if *programmeID != "" {
		if _, err := a.Programmes.Programme(ctx, *programmeID); err != nil {
			return fmt.Errorf("programme %q: %w", *programmeID, err)
		}
	}
	files, err := contentpack.ReadFS(os.DirFS(fs.Arg(0)), ".")
	if err != nil {
		return fmt.Errorf("read pack: %w", err)
	}
	pack, _ := contentpack.Parse(files) // problems travel in pack.Problems; Import reports them
	items, err := a.Content.Import(ctx, "", *programmeID, pack)
	if err == nil {
		counts := map[content.ImportOutcome]int{}
		for _, it := range items {
			counts[it.Outcome]++
			fmt.Fprintf(out, "%-9s %-9s %-40s %s v%d\n", it.Outcome, it.Item.Kind, it.Item.Key, it.Item.ID, it.Item.Version)
		}
		fmt.Fprintf(out, "pack %s: %d created, %d updated, %d unchanged\n", pack.ID, counts[content.ImportCreated],
			counts[content.ImportUpdated], counts[content.ImportUnchanged])
		return nil
	}
	var pe *content.PackErrors
	if errors.As(err, &pe) {
		for _, e := range pe.Errors {
			fmt.Fprintf(out, "%s: %s %s\n", e.Source, e.Pointer, e.Detail)
		}
		return fmt.Errorf("the pack has %d problems; nothing was imported", len(pe.Errors))
	}
	return err
}
