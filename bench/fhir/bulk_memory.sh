#!/bin/sh
# Peak RSS of the bulk reader at 600 and 3,000 patients (bench/RESULTS.md, docs/fhir.md).
# Usage: bench/fhir/bulk_memory.sh [BUILD_DIR]   (from the repository root)
set -eu
build=${1:-build}
src=../shared/data/fhir-synthea-10
tmp=$(mktemp -d /tmp/carecoord-bulk-memory.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for n in 600 3000; do
  python3 bench/fhir/make_population.py "$src" "$tmp/p$n" "$n"
  printf '%s: ' "$n"
  "$build/bench/fhir_bulk_memory" "$tmp/p$n"
  rm -rf "$tmp/p$n"
done
