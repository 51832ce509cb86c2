#!/usr/bin/env bash
# Runs every RadSeal test on a fresh Debian machine: installs the peer tools (and PostgreSQL) the tests use when missing,
# checks formatting, builds, runs all test projects and ends with one line of totals: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Real peers, not mocks: DCMTK, dicom3tools, pydicom (for Debian's python3), GDCM, openssl, SoftHSM2.
missing=()
command -v dcmdump >/dev/null || missing+=(dcmtk)
command -v dciodvfy >/dev/null || missing+=(dicom3tools)
[ -d /usr/lib/python3/dist-packages/pydicom ] || missing+=(python3-pydicom)
command -v gdcmdump >/dev/null || missing+=(libgdcm-tools)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy) # pydicom's pixel_array (pixel tests)
# PostgreSQL for the ledger's store tests: they initdb a throwaway cluster on loopback and stop it again.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# Signatures: openssl (CA, TSA, RIPEMD-160 cross-check), SoftHSM2 (PKCS#11 token) and opensc's pkcs11-tool.
command -v openssl >/dev/null || missing+=(openssl)
[ -f /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
command -v pkcs11-tool >/dev/null || missing+=(opensc)
# Training app: the browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
# Inspect renders its HTML report in the same Chromium (headless screenshot).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Inspect: Node.js runs @trustnxt/c2pa-ts (the C2PA peer, from the npm registry).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# Gateway: Debian's Orthanc (with its DICOMweb plugin) as the PACS behind the gate, curl as the STOW-RS client.
[ -x /usr/sbin/Orthanc ] || missing+=(orthanc)
[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || missing+=(orthanc-dicomweb)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing peer tools: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

c2pa_peer=tests/RadSeal.Forensics.Tests/c2pa
if [ ! -d "$c2pa_peer/node_modules" ]; then
  # Not `npm ci`: it insists every optional platform binary of cbor-extract (a speed-up c2pa-ts can do without) is
  # in the lock, and the registry served here lacks the version the lock names. `install --no-save` still follows
  # the committed lock for everything it installs.
  echo "Installing the C2PA peer (npm install in $c2pa_peer)"
  (cd "$c2pa_peer" && npm install --no-save --no-audit --no-fund --loglevel=error)
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "== restore and build"
dotnet restore RadSeal.slnx --verbosity quiet
dotnet build RadSeal.slnx -c Release --no-restore --verbosity quiet -nologo

echo "== format check (dotnet format --verify-no-changes)"
format_failed=0
dotnet format whitespace RadSeal.slnx --verify-no-changes --verbosity quiet || format_failed=1

echo "== generated dictionary is up to date (tools/dictionary/generate.py --check)"
dictionary_failed=0
/usr/bin/python3 tools/dictionary/generate.py --check || dictionary_failed=1

echo "== tests"
results=artifacts/test-results
rm -rf "$results"
test_status=0
dotnet test RadSeal.slnx -c Release --no-build --verbosity quiet --results-directory "$results" \
  --logger "trx" --logger "console;verbosity=minimal" || test_status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ "$format_failed" -ne 0 ]; then
  echo "Formatting differs from .editorconfig: run 'dotnet format whitespace RadSeal.slnx'."
  failed=$((failed + 1))
fi
if [ "$dictionary_failed" -ne 0 ]; then
  echo "The generated dictionary differs from tools/dictionary/generate.py's output: rerun it."
  failed=$((failed + 1))
fi
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $test_status without a failed test: counting it as a failure."
  failed=$((failed + 1))
fi
if [ "$passed" -eq 0 ]; then
  echo "No test ran."
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
