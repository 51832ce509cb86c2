#!/usr/bin/env bash
# Ledger benchmarks (measured, never asserted in tests):
#  1. appends/s with durable acknowledgements, SQLite and PostgreSQL, through the library (TransparencyLog) and
#     through the HTTP API (`radseal log serve`, load generator on the same machine);
#  2. a log of 10 million entries built through the same append path (timed), then BenchmarkDotNet on it:
#     inclusion proof (server side: plan, one batched SQLite read, assemble), verification, consistency proof.
# PostgreSQL runs as a throwaway cluster on loopback (initdb/pg_ctl into a temp dir), stopped at the end.
# Usage: bash bench/ledger.sh [work-dir]   (RADSEAL_LEDGER_ENTRIES overrides the 10,000,000; the big log is reused)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=${1:-${TMPDIR:-/tmp}/radseal-ledger-bench}
entries=${RADSEAL_LEDGER_ENTRIES:-10000000}
mkdir -p "$work"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || {
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

dotnet build src/RadSeal.Cli -c Release --verbosity quiet -nologo
dotnet build bench/RadSeal.Benchmarks -c Release --verbosity quiet -nologo
bench() { dotnet bench/RadSeal.Benchmarks/bin/Release/net10.0/RadSeal.Benchmarks.dll "$@"; }
radseal=src/RadSeal.Cli/bin/Release/net10.0/radseal

# Starts `radseal log serve` on a free port; sets server_pid and server_url.
serve() {
  "$radseal" log serve --db "$1" --urls http://127.0.0.1:0 ${2:+--token-file "$2"} >"$work/serve.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do grep -q '^listening ' "$work/serve.out" && break; sleep 0.1; done
  server_url=$(awk '/^listening /{print $2}' "$work/serve.out")
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; }

echo "== appends/s: SQLite"
rm -f "$work"/append.db*
bench ledger-append --db "$work/append.db" --entries 200000 --concurrency 1024
bench ledger-append --db "$work/append.db" --entries 50000 --concurrency 64
serve "$work/append.db"
bench ledger-append-http --url "$server_url" --token "$(cat "$work/append.db.token")" --entries 50000 --concurrency 256
stop_server

echo "== appends/s: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n 1) (throwaway cluster on 127.0.0.1)"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/radseal-pgbench.XXXXXX")
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pgdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir" start >/dev/null
trap 'as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null; rm -rf "$pgdir"' EXIT
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U postgres radseal_bench
pg="postgresql://postgres@127.0.0.1:$port/radseal_bench"
bench ledger-append --db "$pg" --entries 200000 --concurrency 1024
bench ledger-append --db "$pg" --entries 50000 --concurrency 64
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/pg.token"
serve "$pg" "$work/pg.token"
bench ledger-append-http --url "$server_url" --token "$(cat "$work/pg.token")" --entries 50000 --concurrency 256
stop_server

echo "== a log of $entries entries (built once through the append path, then reused)"
if [ ! -f "$work/big.complete" ] || [ "$(cat "$work/big.complete")" != "$entries" ]; then
  rm -f "$work"/big.db*
  bench ledger-build --db "$work/big.db" --entries "$entries"
  echo "$entries" >"$work/big.complete"
fi
ls -l "$work/big.db"

echo "== BenchmarkDotNet: proofs at $entries entries"
RADSEAL_LEDGER_DB="$work/big.db" bench --filter '*InclusionProofBenchmarks*' --memory
