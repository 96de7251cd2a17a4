#!/usr/bin/env bash
# Peer engines against carecoord on the same rule and the same generated records, in one run.
#   bash bench/peers/run.sh [RECORDS]      (default 2000; needs `make` first, and node + npm)
# Installs json-logic-engine, @marcbachmann/cel-js and @gorules/zen-engine from the npm
# registry into a scratch folder (build/peers), never into the repository. A peer that
# cannot be installed is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${1:-2000}
AS_OF=2026-11-27
SINCE=2025-11-27   # as_of - 365 days: "admitted in the last 365 days"
SCRATCH=$BUILD/peers
mkdir -p "$SCRATCH"
if command -v npm >/dev/null; then
  (cd "$SCRATCH" &&
   npm install --no-save --no-audit --no-fund --prefix . json-logic-engine @marcbachmann/cel-js @gorules/zen-engine \
     > install.log 2>&1 || echo "npm install failed (see $SCRATCH/install.log): peers that are missing are skipped")
fi
"$BUILD/bench/popgen" --as-of $AS_OF --count "$N" --seed 1 --output "$SCRATCH/records.ndjson"

# carecoord: the reference answer, and its timings on the same records.
ref=$("$BUILD/carecoord" eval --rules bench/rule.yaml --as-of $AS_OF --format csv --jobs 1 "$SCRATCH/records.ndjson" \
      | python3 -c 'import csv, sys; print(sum(r["tier"] == "case_management" for r in csv.DictReader(sys.stdin)))')
cc=$("$BUILD/bench/json_bench" --benchmark_filter='BM_Population_RuleFile' --benchmark_format=json 2>/dev/null |
     python3 -c 'import json, sys
b = {x["name"]: x["cpu_time"] / 1000 for x in json.load(sys.stdin)["benchmarks"]}
print("%.3f\t%.3f" % (b["BM_Population_RuleFile_Evaluate"], b["BM_Population_RuleFile_DecodeEvaluate"]))')
printf "%-36s %8s %14s %20s\n" engine matches "us/eval" "us/record (parse+eval)"
printf "%-36s %8s %14s %20s\n" carecoord "$ref" $(echo "$cc" | cut -f1) $(echo "$cc" | cut -f2)
if command -v node >/dev/null; then
  cp bench/peers/peers.mjs "$SCRATCH/"   # node resolves the peers from the script's own folder
  (cd "$SCRATCH" && node peers.mjs records.ndjson $SINCE $AS_OF) | while IFS=$'\t' read -r name m e p; do
    if [ -z "${e:-}" ]; then printf "%-36s %s\n" "$name" "$m"; else
      flag=""; [ "$m" = "$ref" ] || flag="  (disagrees with carecoord: $ref)"
      printf "%-36s %8s %14s %20s%s\n" "$name" "$m" "$e" "$p" "$flag"; fi
  done
else
  echo "node not found: peers skipped"
fi
