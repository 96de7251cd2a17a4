#!/usr/bin/env bash
# Installs the Debian packages the build and the test suites need, and only those missing.
# Run by `make demo` and `make test`; safe to run again.
set -euo pipefail

packages=(
  cmake ninja-build g++ make pkg-config
  libyaml-cpp-dev libhowardhinnant-date-dev doctest-dev libsimdjson-dev
)
# Extra package sets, named by the caller: `install-deps.sh python dotnet`.
want_spark=0
for extra in "$@"; do
  case "$extra" in
    python) packages+=(python3 python3-pytest python3-pip python3-jsonschema python3-yaml) ;;  # pip: the `pip install ./capi/python` test; jsonschema: tests/schemas
    dotnet) packages+=(mono-mcs mono-runtime) ;;
    abi) packages+=(abigail-tools) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    bench) packages+=(libbenchmark-dev) ;;
    valgrind) packages+=(valgrind) ;;
    spark)  # and the Python packages below, from PyPI; Java 17 unless a java is on PATH
      want_spark=1
      packages+=(python3-pip)
      command -v java >/dev/null || packages+=(openjdk-17-jre-headless) ;;
    wheel) packages+=(patchelf python3-pip) ;;  # `make wheel`: bundled libraries get an $ORIGIN rpath
    coverage) packages+=(gcovr) ;;  # make coverage: gcov (from g++) and the report
    browser) packages+=(chromium python3) ;;  # tests/html: the diff report laid out by headless Chromium
    *) echo "install-deps.sh: unknown package set '$extra'" >&2; exit 2 ;;
  esac
done

# The Spark set (capi/python/spark_tests, carecoord.spark): PySpark in local mode, with the
# Arrow and pandas versions it supports, for the python3 that CMake finds first on PATH
# (tests/python/CMakeLists.txt). Installed with pip only when one of them is missing.
# pyspark 3.5 runs on Java 8/11/17: the machine's Java 17 (`java -version`) is used.
SPARK_PIP=("pyspark==3.5.3" "pyarrow==17.0.0" "pandas==2.2.3" "numpy==1.26.4")
spark_python_ok() {
  python3 - <<'PY' 2>/dev/null
import importlib.metadata as m
want = {"pyspark": "3.5.3", "pyarrow": "17.0.0", "pandas": "2.2.3", "numpy": "1.26.4"}
raise SystemExit(0 if all(m.version(k) == v for k, v in want.items()) else 1)
PY
}
install_spark_python() {
  command -v java >/dev/null || { echo "install-deps.sh: pyspark needs java on PATH" >&2; exit 1; }
  spark_python_ok && return 0
  echo "Installing with pip: ${SPARK_PIP[*]}"
  python3 -m pip install -q --disable-pip-version-check "${SPARK_PIP[@]}" ||
    python3 -m pip install -q --disable-pip-version-check --break-system-packages "${SPARK_PIP[@]}"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
finish() { [ $want_spark -eq 0 ] || install_spark_python; exit 0; }
[ ${#missing[@]} -eq 0 ] && finish

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
    finish
  fi
  echo "install-deps.sh: apt-get failed (attempt $attempt)" >&2
  sleep 5
done
exit 1
