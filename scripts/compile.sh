#!/usr/bin/env bash
# Builds the single-file binary dist/l7trace with the shim (and through it
# the BPF object) embedded. deno compile needs a denort runtime: DENORT_BIN,
# or a download Deno can make.
set -euo pipefail
if [ -z "${DENORT_BIN:-}" ]; then
  echo "make binary: no denort runtime: set DENORT_BIN=/path/to/denort (deno compile cannot download one here)" >&2
  exit 1
fi
if [ ! -x "$DENORT_BIN" ]; then
  echo "make binary: DENORT_BIN=$DENORT_BIN is not an executable file" >&2
  exit 1
fi
mkdir -p dist
deno compile --allow-all --no-check \
  --include build/libl7trace.so \
  --include workers/shard_worker.ts \
  --output dist/l7trace main.ts
echo "make binary: dist/l7trace"
