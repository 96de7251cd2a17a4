#!/bin/sh
# value-sets.py displays over tests/valuesets/bad-displays: exit 1 and one message per defect.
# Usage: check_bad_displays.sh PYTHON SCRIPT BAD_DIR DATA
set -u
out=$("$1" "$2" displays "$3" "$4" 2>&1)
rc=$?
fail=0
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc"; fail=1; }
for want in \
  "valuesets.diabetes_codes.displays.icd10cm.E11.9: 'Diabetes type 2, no complications' is not the source's title 'Type 2 diabetes mellitus without complications'" \
  "valuesets.diabetes_codes.displays.icd10cm.I10: the value set does not contain the code" \
  "valuesets.diabetes_codes.displays.snomed.44054006: 'Diabetes mellitus type 2' is not the source's title 'Diabetes mellitus type 2 (disorder)'" \
  "valuesets.diabetes_codes.displays.snomed.73211009: no source gives this code a title" \
  "valuesets.diabetes_codes: icd10cm code E13 has the title 'Other specified diabetes mellitus' and no display" \
  "FAIL: 5 display problem(s)"; do
  case "$out" in
    *"$want"*) ;;
    *) echo "missing: $want"; fail=1 ;;
  esac
done
# E11's display is the table's title: it must not be reported.
case "$out" in *"displays.icd10cm.E11:"*) echo "E11 reported as a problem"; fail=1 ;; esac
[ $fail -eq 0 ] && echo "ok: every display defect reported" || echo "$out"
exit $fail
