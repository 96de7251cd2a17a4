#!/usr/bin/env bash
# Installs the Debian packages the build and the test suites need, and only those missing.
# Run by `make demo` and `make test`; safe to run again.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libyaml-cpp-dev libhowardhinnant-date-dev doctest-dev libsimdjson-dev
)
# Extra package sets, named by the caller: `install-deps.sh python dotnet`.
for extra in "$@"; do
  case "$extra" in
    python) packages+=(python3 python3-pytest python3-pip) ;;  # pip: the `pip install ./capi/python` test
    dotnet) packages+=(mono-mcs mono-runtime) ;;
    abi) packages+=(abigail-tools) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    bench) packages+=(libbenchmark-dev) ;;
    valgrind) packages+=(valgrind) ;;
    coverage) packages+=(gcovr) ;;  # make coverage: gcov (from g++) and the report
    *) echo "install-deps.sh: unknown package set '$extra'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# A mirror hiccup should not fail the build: retry the index update and the install once.
for attempt in 1 2; do
  if $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    exit 0
  fi
  echo "install-deps.sh: apt-get failed (attempt $attempt)" >&2
  sleep 5
done
exit 1
