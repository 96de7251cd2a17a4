#!/bin/sh
# Runs a command, and once more if it fails. Used only for the PySpark suite: on a loaded
# 2-core machine PySpark's Python worker occasionally fails to start (an EOFException in
# PythonWorkerFactory.createSocket, seen once in several full runs), which is Spark's
# start-up, not carecoord. A real failure fails both runs.
"$@" && exit 0
echo "retry_once: the command failed; running it once more (see tests/python/retry_once.sh)" >&2
exec "$@"
