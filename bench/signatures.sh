#!/usr/bin/env bash
# Signature verification, measured (never asserted in tests):
#  1. `radseal verify DIR` vs `dcmsign --verify` run per file, over the same 1,000 signed files (950 CT-like 0.5 MB,
#     50 DX-like 20 MB), whole processes timed with hyperfine;
#  2. the single-core SHA-256 bound: `openssl speed -evp sha256` bytes/s vs `radseal verify --jobs 1` over the 20 MB
#     files only (bytes hashed per second of wall time);
#     and, in one warm process, bytes per CPU-second of the signature check vs SHA-256 of the same files;
#  3. BenchmarkDotNet: one 20 MB signature check vs SHA-256 of its pixels alone, and managed RIPEMD-160.
# Usage: bash bench/signatures.sh [work-dir]   (the corpus, ~1.5 GB unsigned + 1.5 GB signed, is made once)
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v dcmsign >/dev/null || missing+=(dcmtk)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=${1:-${TMPDIR:-/tmp}/radseal-bench-signatures}
mkdir -p "$work"
dotnet build src/RadSeal.Cli -c Release --verbosity quiet -nologo
dotnet build bench/RadSeal.Benchmarks -c Release --verbosity quiet -nologo
radseal=src/RadSeal.Cli/bin/Release/net10.0/radseal
bench="dotnet bench/RadSeal.Benchmarks/bin/Release/net10.0/RadSeal.Benchmarks.dll"
export RADSEAL_BENCH_PW=bench-password

if [ ! -f "$work/.complete" ]; then
  rm -rf "$work/plain" "$work/signed" "$work/ca" "$work/device".*
  $bench make-corpus "$work/plain" 950 50
  $radseal ca init "$work/ca" --name "Bench CA" --password env:RADSEAL_BENCH_PW
  $radseal device enroll --ca "$work/ca" --ca-password env:RADSEAL_BENCH_PW --serial BENCH-0001 --manufacturer RadSeal \
    --model Bench --out "$work/device" --key-password env:RADSEAL_BENCH_PW
  $bench sign-corpus "$work/plain" "$work/signed" "$work/device.key" "$work/device.pem" "$RADSEAL_BENCH_PW" BENCH-0001
  mkdir -p "$work/signed-dx" && cp "$work/signed"/dx-*.dcm "$work/signed-dx/"
  touch "$work/.complete"
fi
trust="$work/ca/trust.pem"

echo "== sanity: both tools accept every file"
$radseal verify "$work/signed" --trust "$trust" | tail -n 1
fails=0; for f in "$work/signed"/*.dcm; do dcmsign --verify +rg +cf "$trust" "$f" >/dev/null 2>&1 || fails=$((fails + 1)); done
echo "dcmsign: $fails of $(ls "$work/signed" | wc -l) files failed"

echo "== 1,000 files: radseal verify DIR vs dcmsign --verify per file"
hyperfine --warmup 1 --runs 5 --export-markdown "$work/verify.md" \
  "$radseal verify $work/signed --trust $trust" \
  "for f in $work/signed/*.dcm; do dcmsign --verify +rg +cf $trust \$f >/dev/null || exit 1; done"

echo "== single-core SHA-256 bound vs radseal verify --jobs 1 on the 20 MB files"
openssl speed -evp sha256 2>/dev/null | tail -n 2
bytes=$(cat "$work/signed-dx"/*.dcm | wc -c)
hyperfine --warmup 1 --runs 7 --export-json "$work/dx.json" "$radseal verify $work/signed-dx --trust $trust --jobs 1"
mean=$(/usr/bin/python3 -c "import json;print(json.load(open('$work/dx.json'))['results'][0]['median'])")
/usr/bin/python3 -c "print(f'radseal verify --jobs 1: {$bytes/$mean/1e6:.0f} MB/s over {$bytes/1e6:.0f} MB (median {$mean:.3f} s)')"

echo "== in one warm process, CPU time: signature check vs SHA-256 of the same 20 MB files"
$bench verify-throughput "$work/signed-dx" 5

echo "== BenchmarkDotNet"
$bench --filter '*VerifyBenchmarks*' --memory
