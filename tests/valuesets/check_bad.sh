#!/bin/sh
# value-sets.py icd10cm over tests/valuesets/bad: exit 1 and one message per defect.
# Usage: check_bad.sh PYTHON SCRIPT BAD_DIR
set -u
out=$("$1" "$2" icd10cm "$3" 2>&1)
rc=$?
fail=0
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc"; fail=1; }
for want in \
  "valuesets.no_such_code.icd10cm: 'E12' is not an ICD-10-CM code, category or subcategory" \
  "valuesets.no_such_code.icd10cm: 'E12' matches no billable ICD-10-CM code" \
  "valuesets.bad_range_end.icd10cm: 'E08-E12' range end E12 is not an ICD-10-CM code or category" \
  "valuesets.empty_wildcard.icd10cm: 'Q99.x8' matches no billable ICD-10-CM code" \
  "valuesets.dead_exclusion.exclude: 'J44.9' excludes no code the value set includes" \
  "FAIL: 5 problem(s)"; do
  case "$out" in
    *"$want"*) ;;
    *) echo "missing: $want"; fail=1 ;;
  esac
done
# E11 itself is fine: it must not be reported.
case "$out" in *"'E11'"*) echo "E11 reported as a problem"; fail=1 ;; esac
[ $fail -eq 0 ] && echo "ok: every defect reported" || echo "$out"
exit $fail
