#!/usr/bin/env bash
# The gateway's crash tests at full length. `radseal serve` in gate mode is killed with SIGKILL, again and again:
#  - STOW-RS: forwarding to a throwaway Orthanc by STOW-RS, during a stream of uploads (one in five unsigned), KILLS times
#    (default 30), IMAGES uploads per round (default 50);
#  - DIMSE: forwarding to Orthanc by C-STORE, during one storescu association per round streaming DIMSE_IMAGES C-STOREs
#    (default 1000, one in five unsigned), DIMSE_KILLS times (default 3); an image counts as acknowledged when storescu
#    logged "Received Store Response (Success)" for it.
# After the last restart every acknowledged image must be in Orthanc (signed) or in quarantine (unsigned), no unsigned
# image may be in Orthanc, Orthanc may hold no UID twice and the forward journal may name no spool entry twice. The test
# suite runs both with 3 kills of 25 images.
# Usage: bash scripts/gateway-crash.sh [KILLS] [IMAGES] [DIMSE_KILLS] [DIMSE_IMAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/RadSeal.Cli.Tests -c Release --verbosity quiet -nologo
RADSEAL_GATEWAY_KILLS="${1:-30}" RADSEAL_GATEWAY_IMAGES="${2:-50}" \
RADSEAL_GATEWAY_DIMSE_KILLS="${3:-3}" RADSEAL_GATEWAY_DIMSE_IMAGES="${4:-1000}" \
  dotnet test tests/RadSeal.Cli.Tests -c Release --no-build \
  --filter "FullyQualifiedName~GatewayCrashTests" --logger "console;verbosity=detailed"
