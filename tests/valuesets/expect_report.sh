#!/bin/sh
# Runs one value-sets.py report over a directory of defects and holds its output against an
# expectation file: the report must exit 1, print every `want:` line and no `absent:` line.
# Usage: expect_report.sh EXPECT_FILE PYTHON SCRIPT SUBCOMMAND ARG...
set -u
expect=$1
shift
out=$("$@" 2>&1)
rc=$?
fail=0
[ "$rc" -eq 1 ] || { echo "expected exit 1, got $rc"; fail=1; }
while IFS= read -r line; do
  case "$line" in
    "want: "*)
      want=${line#want: }
      case "$out" in *"$want"*) ;; *) echo "missing: $want"; fail=1 ;; esac ;;
    "absent: "*)
      absent=${line#absent: }
      case "$out" in *"$absent"*) echo "reported, but must not be: $absent"; fail=1 ;; esac ;;
  esac
done < "$expect"
[ $fail -eq 0 ] && echo "ok: every defect of $(basename "$expect") reported" || echo "$out"
exit $fail
