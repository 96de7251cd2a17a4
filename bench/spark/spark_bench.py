"""Throughput of carecoord on Spark (carecoord.spark) next to `carecoord eval`, and the
per-batch overhead. Not a test: it prints figures for bench/RESULTS.md.

    python3 bench/spark/spark_bench.py --build build --count 100000

Steps, on one NDJSON file of generated records (build/bench/popgen):
  1. `carecoord eval --format ndjson --jobs 1` and `--jobs 2`, output to /dev/null;
  2. carecoord.spark on local[1] and local[2]: spark.read.text -> evaluate -> the "noop"
     sink (every row computed, nothing written), timed around the action only (the JVM and
     the session are already up), after a warm-up run on a small sample;
  3. the library call alone, Engine.evaluate_ndjson, on batches of 1..10,000 records
     (fixed cost per call + cost per record), and the Python side of a batch
     (evaluate_documents: library call, split, error rows) per record;
  4. Spark on local[2] with 100 records per Arrow batch against 10,000: the difference,
     per extra batch, is Spark's per-batch overhead.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
AS_OF = "2026-11-27"


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of process `root` and every live descendant, including
    the children they have reaped (cutime, cstime): the cost of the work whatever else runs
    on this shared machine."""
    procs = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            procs[int(pid)] = (int(f[1]), sum(int(x) for x in f[11:15]))  # ppid; utime stime cutime cstime
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in procs.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(procs[p][1] for p in tree if p in procs) / os.sysconf("SC_CLK_TCK")


def measured(fn, root: int = 0) -> tuple:
    """(wall seconds, CPU seconds): of the process tree under `root`, or of the child
    processes this process waits for when root is 0."""
    if root:
        c0 = tree_cpu(root)
    else:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        c0 = r.ru_utime + r.ru_stime
    wall = timed(fn)
    if root:
        c1 = tree_cpu(root)
    else:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        c1 = r.ru_utime + r.ru_stime
    return wall, c1 - c0


def spark_run(master: str, path: str, count: int, per_batch: int = 10000, typed: bool = True,
              report: bool = False) -> float:
    from pyspark.sql import SparkSession

    from carecoord import spark as ccs

    s = (SparkSession.builder.master(master).appName("carecoord-bench")
         .config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "2g")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(per_batch))
         .config("spark.sql.files.maxPartitionBytes", str(16 << 20))
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    try:
        rules = ccs.Rulesets.from_path(ROOT / "rulesets")
        df = s.read.text(path).withColumnRenamed("value", "document")
        # warm-up: Python workers started, engines loaded
        ccs.evaluate(df.limit(200), rules, as_of=AS_OF).write.format("noop").mode("overwrite").save()
        out = ccs.evaluate(df, rules, as_of=AS_OF)
        if not typed:  # the typed columns are not asked for: Spark skips from_json
            out = out.select("determination", "error")
        jvm = s.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
        wall, cpu = measured(lambda: out.write.format("noop").mode("overwrite").save(), root=jvm)
        if report:
            print(f"spark {master}{'' if typed else ' (determination and error only)'}: {wall:.1f} s, "
                  f"{count / wall:,.0f} records/s; CPU {cpu:.1f} s (JVM + Python workers), "
                  f"{cpu / count * 1e6:.0f} us per record")
        return wall
    finally:
        s.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--work", default="/tmp/carecoord-spark-bench")
    ap.add_argument("--spark-only", action="store_true", help="steps 1 and 2 only")
    args = ap.parse_args()
    build = pathlib.Path(args.build).resolve()
    os.environ.setdefault("CARECOORD_LIBRARY", str(build / "capi" / "libcarecoord.so"))
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = str(ROOT / "capi" / "python") + os.pathsep + os.environ.get("PYTHONPATH", "")
    sys.path.insert(0, str(ROOT / "capi" / "python"))
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    pop = work / f"population-{args.count}.ndjson"
    if not pop.exists():
        subprocess.run([str(build / "bench" / "popgen"), "--as-of", AS_OF, "--count", str(args.count), "--seed", "1",
                        "--output", str(pop)], check=True)
    n = args.count
    size = pop.stat().st_size
    print(f"records: {n}, {size / n:.0f} bytes each on average")

    for jobs in (1, 2):
        t, cpu = measured(lambda: subprocess.run([str(build / "carecoord"), "eval", "--rules", str(ROOT / "rulesets"),
                                          "--as-of", AS_OF, "--format", "ndjson", "--jobs", str(jobs),
                                          "--output", "/dev/null", str(pop)], check=True))
        print(f"carecoord eval --jobs {jobs}: {t:.1f} s, {n / t:,.0f} records/s; CPU {cpu:.1f} s, "
              f"{cpu / n * 1e6:.0f} us per record")

    for master in ("local[1]", "local[2]"):
        spark_run(master, str(pop), n, report=True)
    spark_run("local[2]", str(pop), n, typed=False, report=True)
    if args.spark_only:
        return

    import carecoord
    from carecoord import spark as ccs

    lines = [x for x in pop.read_bytes().split(b"\n") if x][:10000]
    with carecoord.Engine.load(ROOT / "rulesets") as engine:
        engine.evaluate_ndjson(b"\n".join(lines[:100]) + b"\n", AS_OF)
        fits = []
        for k in (1, 10, 100, 1000, 10000):
            reps = max(1, 2000 // k)
            buf = b"\n".join(lines[:k]) + b"\n"
            t = timed(lambda: [engine.evaluate_ndjson(buf, AS_OF) for _ in range(reps)]) / reps
            fits.append((k, t))
            print(f"evaluate_ndjson batch of {k:>5}: {t * 1e3:9.3f} ms per call, {t / k * 1e6:7.1f} us per record")
        # fixed cost per call: the 1-record call less one record at the 10,000-record rate
        per_record = fits[-1][1] / fits[-1][0]
        print(f"library: {per_record * 1e6:.1f} us per record, fixed cost per call "
              f"{max(0.0, fits[0][1] - per_record) * 1e6:.1f} us")
        docs = [x.decode() for x in lines]
        t = timed(lambda: ccs.evaluate_documents(engine, docs, AS_OF))
        print(f"evaluate_documents (the Python side of a batch), one process: {len(docs) / t:,.0f} records/s, "
              f"{t / len(docs) * 1e6:.1f} us per record")

    small, large = 100, 10000
    t_small = spark_run("local[2]", str(pop), n, per_batch=small)
    t_large = spark_run("local[2]", str(pop), n, per_batch=large)
    extra = n / small - n / large
    print(f"spark local[2], {small} records per batch: {t_small:.1f} s; {large}: {t_large:.1f} s; "
          f"overhead per extra batch: {(t_small - t_large) / extra * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
