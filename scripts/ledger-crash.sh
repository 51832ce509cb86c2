#!/usr/bin/env bash
# The ledger's crash test at full length: `radseal log serve` is killed with SIGKILL during a stream of appends,
# N times (default 100), and after every restart each acknowledged entry must still be provable and the log must
# extend every checkpoint it handed out. The test suite runs the same test with 10 kills.
# Usage: bash scripts/ledger-crash.sh [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/RadSeal.Cli.Tests -c Release --verbosity quiet -nologo
RADSEAL_CRASH_KILLS="${1:-100}" dotnet test tests/RadSeal.Cli.Tests -c Release --no-build \
  --filter "FullyQualifiedName~LogCrashTests" --logger "console;verbosity=detailed"
