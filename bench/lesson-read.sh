#!/usr/bin/env bash
# Benchmark: authenticated warm GET /v1/lessons/{id} vs a bare Fiber handler returning the
# same bytes, side by side with wrk (Debian package "wrk"). Not run by CI. Figures go to
# docs/benchmarks.md ("## Content").
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get install -y wrk" >&2
  exit 1
fi
exec go run ./bench/lesson-read "$@"
