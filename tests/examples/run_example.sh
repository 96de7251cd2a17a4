#!/bin/sh
# Runs one example program and checks its output: exit status 0, a tier line, and every
# line of expected.txt. examples/patients/recent_hf_discharge_ffs.yaml at 2026-11-27 was
# discharged home with home health on Tuesday 2026-11-24 at 13:15 (Medicare FFS), so the
# rules give: TCM eligible (a community discharge within 30 days); the call due 72 clock
# hours later, 2026-11-27T13:15; the TCM contact 2 business days later with Thanksgiving
# (Thursday 26) skipped, Friday 2026-11-27. The care plan replays enrolment (Monday
# 2026-11-02 09:00: the initial assessment 14 days later, 2026-11-16) to an active plan, then
# that discharge: in_transition, with the call and the contact on the same dates as the
# triggers. The output is kept in OUT for the comparison of the four examples.
# Usage: run_example.sh EXPECTED OUT COMMAND [ARGS...]
set -eu
expected=$1 out=$2
shift 2
"$@" > "$out"
cat "$out"
grep -Eq '^tier: (routine|care_coordination|case_management)$' "$out" || { echo "no tier line"; exit 1; }
while IFS= read -r line; do
  grep -Fxq "$line" "$out" || { echo "missing line: $line"; exit 1; }
done < "$expected"
