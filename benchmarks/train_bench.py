"""Benchmark of issue 8: the script outhead scaffolds against a hand-written Keras pipeline.

Run from the repository root::

    python benchmarks/train_bench.py                        # 0.1M, 1M and 4M rows (minutes)
    python benchmarks/train_bench.py --sizes 100000         # one size
    python benchmarks/train_bench.py --json results.json    # also write the figures as JSON

Each size is one seeded table (``benchmarks/data/train_table_<n>.csv``, git-ignored): 20 numeric
features, 3 categorical ones (5, 20 and 100 levels) and a yes/no label with signal. For each
size, in one run, in turn:

* ``handwritten``: ``benchmarks/handwritten.py`` (pandas -> numpy, ``get_dummies``, a
  ``Normalization`` layer, ``model.fit`` on arrays);
* ``scaffold``: the script ``outhead scaffold TABLE --target label`` writes;
* ``scaffold --stream``: the script ``outhead scaffold TABLE --target label --stream`` writes
  (reads the table in batches; flat memory).

Every contender trains the same network (hidden layers 64 and 32, one sigmoid unit) for one
epoch at batch 1024, on the same split fractions (60/20/20), on CPU. Wall time and peak memory
(the child's ``ru_maxrss`` from ``wait4``, what ``/usr/bin/time -f %M`` reports) are of the
whole process, imports included; a contender past ``--max-rss-mb`` (8 GB) is stopped and
reported so. The test AUC is each contender's own (the scaffolded scripts write it to
metrics.json).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
PY = sys.executable
N_NUMERIC = 20
LEVELS = (5, 20, 100)


def table(n: int) -> Path:
    """The seeded table of n rows (written once, then reused)."""
    path = DATA / f"train_table_{n}.csv"
    if path.exists():
        return path
    import pyarrow as pa
    import pyarrow.csv as pcsv

    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(8)
    weights = rng.normal(0, 1, N_NUMERIC) * (rng.random(N_NUMERIC) < 0.6)
    effects = [rng.normal(0, 0.8, k) for k in LEVELS]
    names = [[f"{'abc'[i]}{j:03d}" for j in range(k)] for i, k in enumerate(LEVELS)]
    # Numbers on their own scales and offsets, the same for every row (the rows are i.i.d.).
    scale, offset = rng.uniform(0.5, 20, N_NUMERIC), rng.uniform(-50, 50, N_NUMERIC)
    partial = path.with_suffix(".part")
    plain = pcsv.WriteOptions(quoting_style="none")  # no quotes: nothing here needs them
    with pcsv.CSVWriter(partial, schema=_schema(pa), write_options=plain) as writer:
        for start in range(0, n, 500_000):
            m = min(500_000, n - start)
            z = rng.normal(0, 1, (m, N_NUMERIC))
            x = z * scale + offset
            ids = [rng.integers(0, k, m) for k in LEVELS]
            logit = 0.5 * z @ weights + np.sin(2 * z[:, 0]) + 0.6 * z[:, 1] * z[:, 2]
            logit += sum(e[i] for e, i in zip(effects, ids, strict=True)) - 0.8
            label = np.where(logit + rng.logistic(0, 1, m) > 0, "yes", "no")
            columns = {f"x{j:02d}": np.round(x[:, j], 4) for j in range(N_NUMERIC)}
            columns |= {f"c{i}": np.array(names[i])[idx] for i, idx in enumerate(ids)}
            columns["label"] = label
            writer.write_table(pa.table(columns, schema=_schema(pa)))
    partial.rename(path)
    return path


def _schema(pa: object) -> object:
    fields = [(f"x{j:02d}", pa.float64()) for j in range(N_NUMERIC)]  # type: ignore[attr-defined]
    fields += [(f"c{i}", pa.string()) for i in range(len(LEVELS))]  # type: ignore[attr-defined]
    return pa.schema([*fields, ("label", pa.string())])  # type: ignore[attr-defined]


def env() -> dict[str, str]:
    out = dict(os.environ)
    out.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    out.pop("TF_CONFIG", None)
    return out


def timed(args: list[str], log: Path, max_rss_mb: float) -> tuple[float, float] | None:
    """Wall seconds and peak RSS (MB) of one command; None if it went past max_rss_mb.

    The peak is the child's ru_maxrss from wait4(), what ``/usr/bin/time -f %M`` reports. The
    resident memory is also polled twice a second, and a child past max_rss_mb is stopped
    (the machine is shared).
    """
    start = time.perf_counter()
    stopped = False
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env(), stdout=out, stderr=subprocess.STDOUT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if not stopped and rss_mb(proc.pid) > max_rss_mb:
                proc.kill()
                stopped = True
            time.sleep(0.5)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if stopped:
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed (log: {log}):\n{log.read_text()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024  # kB on Linux


def rss_mb(pid: int) -> float:
    """The resident memory of a running process (MB)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def scaffold(path: Path, n: int, stream: bool) -> Path:
    script = RESULTS / f"train_{n}{'_stream' if stream else ''}.py"
    args = [PY, "-m", "outhead", "scaffold", str(path), "--target", "label", "--out",
            str(script), "--force", "--batch-size", "1024", "--epochs", "1"]
    if stream:
        args.append("--stream")
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True)
    return script


def run_size(n: int, contenders: list[str], max_rss_mb: float) -> dict[str, dict[str, float]]:
    path = table(n)
    out: dict[str, dict[str, float]] = {}
    for name in contenders:
        folder = RESULTS / f"{name.replace(' ', '_').replace('-', '')}_{n}"
        folder.mkdir(parents=True, exist_ok=True)
        if name == "handwritten":
            result = folder / "result.json"
            args = [PY, "benchmarks/handwritten.py", str(path), "--out", str(result)]
        else:
            script = scaffold(path, n, stream=name.endswith("--stream"))
            args = [PY, str(script), "--output-dir", str(folder)]
        measured = timed(args, folder / "log.txt", max_rss_mb)
        if measured is None:
            print(f"  {n:>9,} rows  {name:<18} stopped: over {max_rss_mb:.0f} MB", flush=True)
            continue
        if name == "handwritten":
            auc = json.loads(result.read_text())["auc"]
        else:
            auc = json.loads((folder / "metrics.json").read_text())["test"]["auc"]
        seconds, mb = measured
        out[name] = {"seconds": seconds, "peak_mb": mb, "auc": auc}
        print(f"  {n:>9,} rows  {name:<18} {seconds:7.1f} s {mb:8.0f} MB  AUC {auc:.4f}",
              flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,4000000")
    parser.add_argument(
        "--contenders", default="handwritten,scaffold,scaffold --stream",
        help="comma-separated, of: handwritten, scaffold, scaffold --stream",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--max-rss-mb", type=float, default=8000, help="stop a contender past this (MB)"
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    contenders = [c.strip() for c in args.contenders.split(",")]
    figures = {n: run_size(n, contenders, args.max_rss_mb) for n in sizes}

    print("\nrows        contender            seconds   ratio   peak MB   ratio     AUC   ΔAUC")
    for n, results in figures.items():
        ref = results.get("handwritten")
        for name, r in results.items():
            ratios = ("", "", "")
            if ref is not None and name != "handwritten":
                ratios = (
                    f"{r['seconds'] / ref['seconds']:.2f}x",
                    f"{r['peak_mb'] / ref['peak_mb']:.2f}x",
                    f"{r['auc'] - ref['auc']:+.4f}",
                )
            print(f"{n:>10,}  {name:<18} {r['seconds']:9.1f} {ratios[0]:>7} {r['peak_mb']:9.0f} "
                  f"{ratios[1]:>7} {r['auc']:7.4f} {ratios[2]:>6}")
    stream = {n: r["scaffold --stream"]["peak_mb"] for n, r in figures.items()
              if "scaffold --stream" in r}
    if 1_000_000 in stream and 4_000_000 in stream:
        print(f"\nscaffold --stream peak memory, 4M / 1M rows: "
              f"{stream[4_000_000] / stream[1_000_000]:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
