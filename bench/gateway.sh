#!/usr/bin/env bash
# storescu sending the same signed files to the RadSeal gateway (gate mode, every check on: signature against the
# trusted CA, watermark verified if present, every decision logged in the ledger, accepted images kept in the embedded
# archive) and to DCMTK's storescp writing files, timed as whole runs with hyperfine. The gateway's run lasts until its
# spool is drained (every image checked, logged and archived), not only until storescu has its Success statuses.
# A third SCP gives the floor: RadSeal's storage SCP that only fsyncs each file and its folder before Success.
# Usage: bash bench/gateway.sh [CT_COUNT] [DX_COUNT]   (defaults 200 CT-like 0.5 MB + 10 DX-like 20 MB); RUNS=N;
# PARALLEL=N also times N storescu processes at once (each a share of the files) against each SCP.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v storescp >/dev/null || missing+=(dcmtk)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's DCMTK leaves Nagle's algorithm on unless TCP_NODELAY=1 is set; storescu -> storescp then stalls ~45 ms per
# C-STORE on delayed ACKs (bench/dimse.sh, docs/performance.md), which would flatter the gateway. RadSeal sets it itself.
export TCP_NODELAY=1
ct=${1:-200}; dx=${2:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/radseal-gateway-bench.XXXXXX")
trap 'kill "${scp_pid:-}" "${gw_pid:-}" "${floor_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
dotnet build bench/RadSeal.Benchmarks -c Release --verbosity quiet -nologo
dotnet build src/RadSeal.Cli -c Release --verbosity quiet -nologo
bench="dotnet bench/RadSeal.Benchmarks/bin/Release/net10.0/RadSeal.Benchmarks.dll"
radseal="src/RadSeal.Cli/bin/Release/net10.0/radseal"
$bench make-corpus "$work/corpus" "$ct" "$dx"

export RADSEAL_BENCH_PW=bench-password-0123
$radseal ca init "$work/ca" --name "Bench CA" --password env:RADSEAL_BENCH_PW >/dev/null
$radseal device enroll --ca "$work/ca" --ca-password env:RADSEAL_BENCH_PW --serial BENCH-0001 --manufacturer RadSeal \
  --model Bench --out "$work/device" --key-password env:RADSEAL_BENCH_PW >/dev/null
# Signed in one process (as bench/signatures.sh does), stamping the device's serial: the default, fail-closed policy.
$bench sign-corpus "$work/corpus" "$work/signed" "$work/device.key" "$work/device.pem" "$RADSEAL_BENCH_PW" BENCH-0001

# Where a decision's CPU goes, per step, one thread (bench gate-costs): read, parse, signature, watermark, ledger entry;
# the opt-in inspect check in parentheses.
$bench gate-costs "$work/signed" "$work/ca/trust.pem"

port_gw=11163; port_dcmtk=11164; port_floor=11165; web=5093
$radseal serve --db "$work/gw.db" --urls "http://127.0.0.1:$web" --trust "$work/ca/trust.pem" \
  --dicom-port "$port_gw" > "$work/gw.out" 2> "$work/gw.err" & gw_pid=$!
mkdir -p "$work/out-storescp"
storescp -od "$work/out-storescp" "$port_dcmtk" & scp_pid=$!
# The floor under any spool that answers Success only for data on disk: RadSeal's SCP with a handler that fsyncs the
# file, renames it and fsyncs the folder, and does nothing else (no checks, no ledger); its listener starts write-back
# while a data set streams in, as the gateway's does. storescp does not sync at all.
mkdir -p "$work/out-floor"; mkfifo "$work/hold"; sleep 100000 > "$work/hold" & hold_pid=$!
$bench dimse-scp "$port_floor" "$work/out-floor" durable < "$work/hold" 2> "$work/floor.log" & floor_pid=$!
sleep 5
cat > "$work/drained.sh" <<DRAIN
until curl -sf http://127.0.0.1:$web/gateway | grep -q '"incoming":0,"outbox":0,"inProgress":0'; do sleep 0.02; done
DRAIN

# Each run starts with no dirty pages: the corpus just written, and storescp's unsynced 1.5 GB from its previous run,
# would otherwise be written back during whichever run comes next and billed to it. `sync` is not timed.
sync
hyperfine --warmup 1 --runs "${RUNS:-5}" --prepare sync --export-markdown "$work/result.md" \
  -n "storescu -> radseal gate (checked, logged, archived)" "storescu -xe -aec RADSEAL 127.0.0.1 $port_gw $work/signed/*.dcm && bash $work/drained.sh" \
  -n "storescu -> radseal SCP, fsync before Success, no checks (the floor)" "storescu -xe -aec FLOOR 127.0.0.1 $port_floor $work/signed/*.dcm" \
  -n "storescu -> storescp (files written)" "storescu -xe -aec STORESCP 127.0.0.1 $port_dcmtk $work/signed/*.dcm"
cat "$work/result.md"
if [ "${PARALLEL:-0}" -gt 1 ]; then
  # Several modalities at once (PARALLEL storescu processes, each a share of the files): the gateway's flushes are
  # group commits, so concurrent associations share them.
  split=$(mktemp -d "$work/split.XXXX"); i=0
  for f in "$work"/signed/*.dcm; do mkdir -p "$split/$((i % PARALLEL))"; ln -s "$f" "$split/$((i % PARALLEL))/"; i=$((i + 1)); done
  par() { local aec=$1 port=$2; for d in "$split"/*; do storescu -xe -aec "$aec" 127.0.0.1 "$port" "$d"/*.dcm & done; wait; }
  export -f par; export split
  hyperfine --shell bash --warmup 1 --runs "${RUNS:-5}" --prepare sync --export-markdown "$work/result-parallel.md" \
    -n "$PARALLEL x storescu -> radseal gate (checked, logged, archived)" "par RADSEAL $port_gw && bash $work/drained.sh" \
    -n "$PARALLEL x storescu -> radseal SCP, fsync before Success (the floor)" "par FLOOR $port_floor" \
    -n "$PARALLEL x storescu -> storescp" "par STORESCP $port_dcmtk"
  cat "$work/result-parallel.md"
fi
kill "$hold_pid" 2>/dev/null || true
state=$(curl -s http://127.0.0.1:$web/gateway)
echo "gateway: $state"
# Every file is signed by the trusted device: a quarantined one is a defect, not a figure.
case "$state" in
  *'"quarantine":0'*) ;;
  *) kept="${TMPDIR:-/tmp}/radseal-gateway-bench-$(date +%s)"; mkdir -p "$kept"
     cp -r "$work/gw.out" "$work/gw.err" "$work/gw.db.spool/quarantine" "$kept/" 2>/dev/null || true
     echo "ERROR: the gateway quarantined images it should have accepted; its log and quarantine are in $kept" >&2; exit 1 ;;
esac
echo "files: $(ls "$work/signed" | wc -l) signed, $(du -sh "$work/signed" | cut -f1)"
