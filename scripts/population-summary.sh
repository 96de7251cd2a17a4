#!/usr/bin/env bash
# A population summary of `carecoord eval --format ndjson` output (standard input):
# patients per tier, per program status and per follow-up trigger due. Patients deceased at
# the as-of date ("deceased" set) are counted apart: the tier, program and trigger counts are
# of the living, and the deceased get a line of their own.
# Usage: carecoord eval ... --format ndjson INPUT | scripts/population-summary.sh
set -euo pipefail
awk '
function section(s, from, to,    a, b) {
    a = index(s, from); if (a == 0) return "";
    s = substr(s, a + length(from)); b = index(s, to);
    return b ? substr(s, 1, b - 1) : s;
}
{
    ++patients;
    if ($0 ~ /"deceased":"[0-9-]*"\}[[:space:]]*$/) { ++deceased; next; }
    if (match($0, /"tier":\{"id":"[^"]*"/)) { t = substr($0, RSTART + 14, RLENGTH - 15); if (!(t in tier)) torder[++nt] = t; ++tier[t]; }
    p = section($0, "\"programs\":[", "],\"triggers\":");
    while (match(p, /"id":"[^"]*","status":"[^"]*"/)) {
        m = substr(p, RSTART, RLENGTH); p = substr(p, RSTART + RLENGTH);
        split(m, f, "\""); id = f[4]; st = f[8];
        if (!(id in seen)) { seen[id] = 1; order[++n] = id; }
        count[id, st]++;
    }
    tr = section($0, "\"triggers\":[", "],\"missing\":");
    any = 0;
    while (match(tr, /"id":"[^"]*","status":"[^"]*"/)) {
        m = substr(tr, RSTART, RLENGTH); tr = substr(tr, RSTART + RLENGTH);
        split(m, f, "\""); ++trig[f[4] " (" f[8] ")"]; any = 1;
    }
    with_triggers += any;
}
END {
    printf "patients: %d\n", patients;
    printf "deceased at the as-of date: %d (no tier above routine, no program, no trigger; not counted below)\n", deceased;
    printf "living: %d\n\nper tier (living):\n", patients - deceased;
    for (i = 1; i <= nt; ++i) printf "  %-30s %5d\n", torder[i], tier[torder[i]];
    printf "\nper program (living):           eligible  unknown  not eligible\n";
    for (i = 1; i <= n; ++i) { id = order[i];
        printf "  %-30s %8d %8d %13d\n", id, count[id, "eligible"], count[id, "unknown"], count[id, "not_eligible"]; }
    printf "\nliving patients with follow-up triggers due: %d\n", with_triggers;
    for (k in trig) printf "  %-45s %5d\n", k, trig[k];
}'
