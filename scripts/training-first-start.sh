#!/usr/bin/env bash
# Seconds from launching `radseal serve` on an empty store to its "listening" line (tables, admin, demo set installed).
set -euo pipefail
# Usage: bash scripts/training-first-start.sh [src/RadSeal.Cli/bin/Release/net10.0/radseal.dll] (build the CLI in Release first)
radseal_dll=$(realpath "${1:-src/RadSeal.Cli/bin/Release/net10.0/radseal.dll}")
dir=$(mktemp -d)
cd "$dir"
start=$(date +%s.%N)
coproc SERVER { exec dotnet "$radseal_dll" serve --urls http://127.0.0.1:0; }
while read -r line <&"${SERVER[0]}"; do
  case $line in listening*) end=$(date +%s.%N); break;; esac
done
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
echo "first start: $(echo "$end - $start" | bc) s"
rm -rf "$dir"
