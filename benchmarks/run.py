"""Benchmarks of issue 5: outhead against the baselines, alternating, medians and ratios.

Run from the repository root::

    python benchmarks/run.py            # the sizes of benchmarks/README.md (minutes, ~1 GB disk)
    python benchmarks/run.py --quick    # small sizes, seconds

Files are generated (seeded) into ``benchmarks/data/`` (git-ignored) and reused. Each round
runs every contender once, in turn, so that a slow spell of a shared machine hits all of them;
the table reports the median over rounds. Peak memory is the child's own ``VmHWM``.

Contenders:

* CSV, a label column: ``pyarrow.csv.read_csv`` (parse only), outhead's ``scan_target``
  (in-process), ``pandas.read_csv`` + ``sklearn.utils.multiclass.type_of_target``; and as
  commands, ``python -m outhead inspect FILE --json`` against ``python -c`` running the
  pyarrow parse (both pay the interpreter start).
* NPY, an int8 multi-hot matrix: one numpy pass over the memory map (row sums and column
  sums) against ``scan_target``, in-process and as commands.
* Memory: peak RSS of a scan of the same kind of file at two sizes (10x apart).
* Start-up: ``python -c "import pandas"``, ``python -m outhead --help`` and ``inspect`` on a
  10-row file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
PY = sys.executable

SIZES = {
    "full": {"csv": 10_000_000, "npy": 4_000_000, "mem_small": 1_000_000, "mem_big": 10_000_000},
    "quick": {"csv": 1_000_000, "npy": 400_000, "mem_small": 100_000, "mem_big": 1_000_000},
}
LABELS = ["cat", "dog", "bird", "fish", "horse", "cow", "sheep", "goat", "duck", "frog"]


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def int_csv(n: int) -> Path:
    """A one-column CSV with a header and n integer labels 0..9."""
    path = DATA / f"labels_int_{n}.csv"
    if not path.exists():
        import numpy as np

        rng = np.random.default_rng(0)
        with open(path, "w") as fh:
            fh.write("label\n")
            for start in range(0, n, 1_000_000):
                y = rng.integers(0, 10, min(1_000_000, n - start))
                fh.write("\n".join(map(str, y.tolist())) + "\n")
    return path


def str_csv(n: int) -> Path:
    """A one-column CSV with a header and n string labels (10 classes)."""
    path = DATA / f"labels_str_{n}.csv"
    if not path.exists():
        import numpy as np

        rng = np.random.default_rng(1)
        with open(path, "w") as fh:
            fh.write("species\n")
            for start in range(0, n, 1_000_000):
                y = rng.integers(0, 10, min(1_000_000, n - start))
                fh.write("\n".join(LABELS[i] for i in y.tolist()) + "\n")
    return path


def multihot_npy(n: int, k: int = 50) -> Path:
    """An n x k int8 multi-hot matrix (each label on with probability 0.1)."""
    path = DATA / f"multihot_{n}x{k}.npy"
    if not path.exists():
        import numpy as np

        rng = np.random.default_rng(2)
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.int8, shape=(n, k))
        for start in range(0, n, 500_000):
            stop = min(n, start + 500_000)
            out[start:stop] = rng.random((stop - start, k)) < 0.1
        out.flush()
        del out
    return path


def tiny_csv() -> Path:
    path = DATA / "tiny.csv"
    if not path.exists():
        path.write_text("label\n" + "".join(f"{i % 3}\n" for i in range(10)))
    return path


# ---------------------------------------------------------------------------------------------
# Contenders
# ---------------------------------------------------------------------------------------------


def pyarrow_parse(path: Path) -> Callable[[], object]:
    def run() -> object:
        import pyarrow.csv as pcsv

        return pcsv.read_csv(path)

    return run


def outhead_scan(path: Path) -> Callable[[], object]:
    def run() -> object:
        from outhead.reading import scan_target

        return scan_target(path)

    return run


def pandas_sklearn(path: Path) -> Callable[[], object]:
    def run() -> object:
        import pandas as pd
        from sklearn.utils.multiclass import type_of_target

        y = pd.read_csv(path)
        return type_of_target(y.iloc[:, 0])

    return run


def numpy_pass(path: Path) -> Callable[[], object]:
    def run() -> object:
        import numpy as np

        a = np.load(path, mmap_mode="r")
        return a.sum(axis=1), a.sum(axis=0)

    return run


def command(*args: str) -> Callable[[], object]:
    def run() -> object:
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
        return proc.stdout

    return run


def timed(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds of each contender over ``rounds``, running them in turn each round."""
    for fn in contenders.values():  # warm the page cache and the imports
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


_HWM = (
    "def hwm():\n"
    "    # VmHWM: this process's own peak RSS (ru_maxrss would carry over the parent's through\n"
    "    # fork and exec, and the parent here holds pandas and the benchmark data)\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1])\n"
)


def peak_rss_mb(path: Path | None) -> float:
    """Peak resident memory (MB) of a fresh interpreter that scans ``path`` (None: imports)."""
    code = _HWM + "import sys\nfrom outhead.reading import scan_target\n"
    if path is not None:
        code += "scan_target(sys.argv[1])\n"
    else:
        code += "import numpy, pyarrow.csv, pyarrow.compute, pyarrow.parquet\n"
    code += "print(hwm())\n"
    args = [PY, "-c", code] + ([str(path)] if path is not None else [])
    for _ in range(3):
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode == 0:
            return int(proc.stdout.strip()) / 1024  # kB -> MB
        # once seen on the loaded shared machine: a child killed by SIGABRT; say so, try again
        print(f"warning: {path} exited with {proc.returncode}: {proc.stderr.strip()[-300:]}",
              file=sys.stderr)
    raise RuntimeError(f"measuring the peak memory of a scan of {path} failed 3 times")


def peak_rss_cli_mb(path: Path) -> float | None:
    """Peak resident memory (MB) of ``outhead inspect FILE --json``, by ``/usr/bin/time``."""
    if not Path("/usr/bin/time").exists():
        return None
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", PY, "-m", "outhead", "inspect", str(path), "--json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    return int(proc.stderr.strip().splitlines()[-1]) / 1024


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per comparison")
    parser.add_argument("--skip-pandas", action="store_true", help="skip pandas + sklearn")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sizes = SIZES["quick" if args.quick else "full"]
    DATA.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    rows: list[tuple[str, str, float, str]] = []
    figures: dict[str, object] = {"sizes": sizes, "rounds": args.rounds, "cpus": os.cpu_count()}

    def report(group: str, results: dict[str, float], ref: str) -> None:
        for name, sec in results.items():
            ratio = "" if name == ref else f"{sec / results[ref]:.2f}x {ref}"
            rows.append((group, name, sec, ratio))
        figures[group] = results

    n = sizes["csv"]
    for kind, make in (("int", int_csv), ("str", str_csv)):
        path = make(n)
        group = f"csv {n:,} rows, {kind} labels ({path.stat().st_size / 1e6:.0f} MB)"
        contenders = {
            "pyarrow.csv.read_csv": pyarrow_parse(path),
            "outhead scan_target": outhead_scan(path),
        }
        if not args.skip_pandas:
            contenders["pandas.read_csv + type_of_target"] = pandas_sklearn(path)
        report(group, timed(contenders, args.rounds), "pyarrow.csv.read_csv")
        parse_cmd = f"import pyarrow.csv as c; c.read_csv({str(path)!r})"
        report(
            group + ", commands",
            timed(
                {
                    "python -c read_csv": command(PY, "-c", parse_cmd),
                    "outhead inspect --json": command(PY, "-m", "outhead", "inspect", str(path),
                                                      "--json"),
                },
                args.rounds,
            ),
            "python -c read_csv",
        )

    n = sizes["npy"]
    path = multihot_npy(n)
    group = f"npy {n:,} x 50 int8 multi-hot ({path.stat().st_size / 1e6:.0f} MB)"
    report(
        group,
        timed({"numpy mmap pass": numpy_pass(path), "outhead scan_target": outhead_scan(path)},
              args.rounds),
        "numpy mmap pass",
    )
    np_cmd = (
        f"import numpy as np; a = np.load({str(path)!r}, mmap_mode='r'); "
        "a.sum(axis=1); a.sum(axis=0)"
    )
    report(
        group + ", commands",
        timed(
            {
                "python -c numpy pass": command(PY, "-c", np_cmd),
                "outhead inspect --json": command(PY, "-m", "outhead", "inspect", str(path),
                                                  "--json"),
            },
            args.rounds,
        ),
        "python -c numpy pass",
    )

    tiny = tiny_csv()
    report(
        "start-up",
        timed(
            {
                'python -c "import pandas"': command(PY, "-c", "import pandas"),
                "outhead --help": command(PY, "-m", "outhead", "--help"),
                "outhead inspect (10 rows) --json": command(PY, "-m", "outhead", "inspect",
                                                            str(tiny), "--json"),
            },
            args.rounds,
        ),
        'python -c "import pandas"',
    )

    memory: dict[str, float] = {"interpreter + imports": peak_rss_mb(None)}
    for label, key in (("small", "mem_small"), ("big", "mem_big")):
        m = sizes[key]
        memory[f"csv {m:,} rows"] = peak_rss_mb(int_csv(m))
        memory[f"csv str {m:,} rows"] = peak_rss_mb(str_csv(m))
        memory[f"npy {m:,} x 50"] = peak_rss_mb(multihot_npy(m))
        for what, f in (("csv", int_csv(m)), ("npy", multihot_npy(m))):
            cli = peak_rss_cli_mb(f)
            if cli is not None:
                memory[f"inspect {what} {m:,}"] = cli
        del label
    figures["peak_rss_mb"] = memory

    width = max(len(r[1]) for r in rows)
    group = None
    for g, name, sec, ratio in rows:
        if g != group:
            print(f"\n{g}")
            group = g
        print(f"  {name:<{width}}  {sec:8.3f} s  {ratio}")
    print("\npeak memory (MB, VmHWM of a fresh interpreter)")
    for name, mb in memory.items():
        print(f"  {name:<{width}}  {mb:8.1f}")
    small, big = sizes["mem_small"], sizes["mem_big"]
    for prefix, tail in (("csv", " rows"), ("csv str", " rows"), ("npy", " x 50"),
                         ("inspect csv", ""), ("inspect npy", "")):
        if f"{prefix} {big:,}{tail}" in memory:
            ratio = memory[f"{prefix} {big:,}{tail}"] / memory[f"{prefix} {small:,}{tail}"]
            print(f"  {prefix} peak {big:,} / {small:,}: {ratio:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
