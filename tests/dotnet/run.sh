#!/bin/sh
# Builds capi/dotnet/Carecoord.cs and one program (with the Checks.cs beside it, if any) with Mono's mcs (warnings are errors),
# then runs the program with mono against the libcarecoord.so just built.
# Usage: run.sh OUT_DIR LIBRARY SOURCE_DIR PROGRAM.cs [ARGS...]
set -eu
out=$1 lib=$2 src=$3 program=$4
shift 4
mkdir -p "$out"
name=$(basename "$program" .cs)
mcs -nologo -warnaserror -target:library -out:"$out/Carecoord.dll" "$src/capi/dotnet/Carecoord.cs"
# Test programs share Checks.cs from their folder; an example program has none.
shared="$(dirname "$program")/Checks.cs"
[ -f "$shared" ] || shared=""
mcs -nologo -warnaserror -r:"$out/Carecoord.dll" -out:"$out/$name.exe" "$program" $shared
# DllImport("carecoord") resolves to libcarecoord.so on the native search path.
LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec mono "$out/$name.exe" "$@"
