"""Reading masks (rank-3 targets) in flat memory: peak memory and time of a scan at two sizes.

Run: ``python benchmarks/masks.py [--quick]``. Writes (n, 128, 128) uint8 masks of 3 classes
(a square of class 1 or 2 on background 0) into ``benchmarks/data`` at n = 2,000 and 20,000
(33 MB and 328 MB; ``--quick``: 200 and 2,000), then for each size runs a fresh interpreter that
scans the file with ``outhead.reading.scan_target`` and reports its peak resident memory (the
child's own ``VmHWM``) and the median wall time of 3 scans. Flat memory means the peak at the
large size stays near the peak at the small one, although the file is 10 times larger.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
SIDE = 128

_CHILD = """
import statistics, sys, time
from outhead.reading import scan_target
times = []
for _ in range(3):
    start = time.perf_counter()
    stats = scan_target(sys.argv[1])
    times.append(time.perf_counter() - start)
assert stats.n_rows == int(sys.argv[2])
for line in open('/proc/self/status'):
    if line.startswith('VmHWM:'):
        print(int(line.split()[1]) / 1024, statistics.median(times))
"""


def write_masks(n: int) -> Path:
    """``n`` masks of SIDE x SIDE, written in blocks (the writer stays in flat memory too)."""
    path = DATA / f"masks_{n}x{SIDE}.npy"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    out = np.lib.format.open_memmap(path, mode="w+", dtype="uint8", shape=(n, SIDE, SIDE))
    rng = np.random.default_rng(n)
    for start in range(0, n, 500):
        block = np.zeros((min(500, n - start), SIDE, SIDE), dtype="uint8")
        for i in range(len(block)):
            r, c = rng.integers(0, SIDE // 2, 2)
            block[i, r : r + SIDE // 3, c : c + SIDE // 3] = 1 + (start + i) % 2
        out[start : start + len(block)] = block
    out.flush()
    del out
    return path


def measure(path: Path, n: int) -> tuple[float, float]:
    """(peak MB, median seconds) of a fresh interpreter scanning ``path``."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(n * SIDE * SIDE)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    peak, seconds = proc.stdout.split()
    return float(peak), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args()
    sizes = (200, 2000) if args.quick else (2000, 20000)
    rows = []
    for n in sizes:
        path = write_masks(n)
        peak, seconds = measure(path, n)
        rows.append((n, path.stat().st_size / 1e6, peak, seconds))
    print(f"{'masks':>8} {'file MB':>9} {'peak MB':>9} {'seconds':>9}")
    for n, size, peak, seconds in rows:
        print(f"{n:>8,} {size:>9.1f} {peak:>9.1f} {seconds:>9.2f}")
    print(f"peak ratio large / small: {rows[1][2] / rows[0][2]:.2f}x "
          f"for a {rows[1][1] / rows[0][1]:.0f}x larger file")


if __name__ == "__main__":
    main()
