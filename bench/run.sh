#!/usr/bin/env bash
# Benchmarks (measured, never asserted in tests):
#  1. `radseal dump` vs `dcmdump` vs pydicom over the same 1,000 files (950 CT-like 0.5 MB, 50 DX-like 20 MB),
#     timed as whole processes with hyperfine;
#  2. BenchmarkDotNet: header parsing and pixel reading, with allocations ([MemoryDiagnoser]).
# Usage: bash bench/run.sh [corpus-dir]   (the corpus, ~1.5 GB, is generated once and reused)
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v dcmdump >/dev/null || missing+=(dcmtk)
[ -d /usr/lib/python3/dist-packages/pydicom ] || missing+=(python3-pydicom)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

corpus=${1:-${TMPDIR:-/tmp}/radseal-bench-corpus}
dotnet build src/RadSeal.Cli -c Release --verbosity quiet -nologo
dotnet build bench/RadSeal.Benchmarks -c Release --verbosity quiet -nologo
if [ ! -f "$corpus/.complete" ]; then
  rm -rf "$corpus"
  dotnet bench/RadSeal.Benchmarks/bin/Release/net10.0/RadSeal.Benchmarks.dll make-corpus "$corpus" 950 50
  touch "$corpus/.complete"
fi
radseal=src/RadSeal.Cli/bin/Release/net10.0/radseal

echo "== dump of 1,000 files: radseal vs dcmdump (-M: long values not loaded, like radseal) vs pydicom"
hyperfine --warmup 1 --runs 5 \
  "$radseal dump $corpus/*.dcm" \
  "dcmdump -M $corpus/*.dcm" \
  "dcmdump $corpus/*.dcm" \
  "/usr/bin/python3 bench/pydicom_dump.py $corpus/*.dcm"

echo "== BenchmarkDotNet"
dotnet bench/RadSeal.Benchmarks/bin/Release/net10.0/RadSeal.Benchmarks.dll --filter '*' --memory
