#!/usr/bin/env bash
# The gateway's crash test at full length: `radseal serve` in gate mode, forwarding to a throwaway Orthanc by STOW-RS,
# is killed with SIGKILL during a stream of uploads (one in five unsigned), KILLS times (default 30), IMAGES uploads
# per round (default 50). After the last restart every acknowledged image must be in Orthanc (signed) or in quarantine
# (unsigned), no unsigned image may be in Orthanc, and the forward journal may name no spool entry twice. The test
# suite runs the same test with 3 kills of 25 uploads.
# Usage: bash scripts/gateway-crash.sh [KILLS] [IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/RadSeal.Cli.Tests -c Release --verbosity quiet -nologo
RADSEAL_GATEWAY_KILLS="${1:-30}" RADSEAL_GATEWAY_IMAGES="${2:-50}" dotnet test tests/RadSeal.Cli.Tests -c Release --no-build \
  --filter "FullyQualifiedName~GatewayCrashTests" --logger "console;verbosity=detailed"
