#!/usr/bin/env bash
# The long robustness run: the test suite's byte-flip and garbage fuzzing with many more cases.
# Usage: bash scripts/fuzz.sh [CASES]   (default 200000; the test suite runs 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
export RADSEAL_FUZZ_CASES=${1:-200000}
dotnet test tests/RadSeal.Dicom.Tests -c Release --filter "FullyQualifiedName~Robustness"
