#!/usr/bin/env bash
# storescu sending the same files to RadSeal's storage SCP (a handler that only keeps each file) and to DCMTK's
# storescp writing files, timed as whole storescu runs with hyperfine. Measured, never asserted in tests.
# Usage: bash bench/dimse.sh [CT_COUNT] [DX_COUNT]   (defaults 200 CT-like 0.5 MB + 10 DX-like 20 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v storescp >/dev/null || missing+=(dcmtk)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

ct=${1:-200}; dx=${2:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/radseal-dimse-bench.XXXXXX")
trap 'kill "${scp_pid:-}" "${rs_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build bench/RadSeal.Benchmarks -c Release --verbosity quiet -nologo
bench="dotnet bench/RadSeal.Benchmarks/bin/Release/net10.0/RadSeal.Benchmarks.dll"
$bench make-corpus "$work/corpus" "$ct" "$dx"

port_rs=11161; port_dcmtk=11162
mkfifo "$work/hold"
$bench dimse-scp "$port_rs" "$work/out-radseal" < "$work/hold" 2> "$work/radseal.log" & rs_pid=$!
exec 3> "$work/hold"   # keeps the SCP's stdin open until this script ends
storescp -od "$work/out-storescp" "$port_dcmtk" & scp_pid=$!
mkdir -p "$work/out-storescp"
sleep 3

# -xe: explicit little endian first, the corpus's own syntax, so neither side converts anything.
hyperfine --warmup 1 --runs "${RUNS:-5}" \
  "storescu -xe -aec RADSEAL 127.0.0.1 $port_rs $work/corpus/*.dcm" \
  "storescu -xe -aec STORESCP 127.0.0.1 $port_dcmtk $work/corpus/*.dcm"
echo "files kept: radseal $(ls "$work/out-radseal" | wc -l), storescp $(ls "$work/out-storescp" | wc -l)"
exec 3>&-
