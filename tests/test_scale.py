"""Issue 8: the scaffolded script at scale: ``--stream`` (tables larger than memory).

Fast tests render the stream script for every target encoding and reading format and lint it,
run its split function on its own, and check scaffold's refusals. The slow ones train: a table
in Parquet shards, read in chunks, learns past the baseline, and the script's peak memory does
not grow with the table (while the in-memory script's does, by about the table's size).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from outhead.cli import app
from outhead.errors import UsageError
from outhead.render import FeatureSpec, ScaffoldOptions, render_script
from tests.conftest import ROOT, SAMPLE_DATA
from tests.scaffold_cases import CASES, Case
from tests.test_render import ruff, script_function

STREAM = ScaffoldOptions(stream=True)
TABLE = str(SAMPLE_DATA / "machines_table.csv")
GASES = str(SAMPLE_DATA / "noble_gas.csv")


def as_table(case: Case, **source: Any) -> Case:
    """The case's target as columns of one table with two feature columns (what --stream reads)."""
    columns = (*case.target.columns, "x", "colour")
    target = replace(case.target, all_columns=columns, **source)
    return Case(case.name, case.recommendation, target, FeatureSpec(target, ("x", "colour"), True))


def stream_cases() -> dict[str, Case]:
    cases = {name: as_table(case) for name, case in CASES.items() if name != "table"}
    cases["table"] = CASES["table"]
    base = CASES["table"]
    cases["table-parquet"] = as_table(base, format="parquet", header=None, delimiter=None)
    cases["table-npy"] = as_table(base, format="npy", header=None, delimiter=None)
    cases["table-tsv-no-header"] = as_table(base, delimiter="\t", header=False, decimal=",")
    return cases


def render(case: Case, options: ScaffoldOptions = STREAM) -> str:
    return render_script(
        case.recommendation, target_source=case.target, features=case.features, options=options
    )


def test_stream_scripts_render_parse_and_pass_ruff(tmp_path: Path) -> None:
    variants = {
        "stream": STREAM,
        "stream-logits": ScaffoldOptions(stream=True, from_logits=True),
        "stream-no-hidden": ScaffoldOptions(stream=True, hidden=()),
    }
    for name, case in stream_cases().items():
        for variant, options in variants.items():
            if variant == "stream-logits" and not case.recommendation.layout.is_classification:
                continue
            text = render(case, options)
            ast.parse(text)
            assert "def survey(" in text and "read_chunks(" in text
            assert "load_table(" not in text.split("def main")[1]  # never the whole table
            (tmp_path / f"{name.replace('-', '_')}__{variant.replace('-', '_')}.py").write_text(
                text
            )
    ruff(tmp_path)


def test_stream_reads_each_format_in_chunks() -> None:
    cases = stream_cases()
    assert "chunksize=chunk_rows" in render(cases["table"])
    assert "iter_batches(batch_size=chunk_rows)" in render(cases["table-parquet"])
    assert "import pyarrow.parquet as pq" in render(cases["table-parquet"])
    assert 'mmap_mode="r"' in render(cases["table-npy"])
    tsv = render(cases["table-tsv-no-header"])
    assert 'sep="\\t"' in tsv and 'decimal=","' in tsv and "header=None" in tsv
    assert "--stream" not in render(cases["table"], ScaffoldOptions())  # the default: in memory
    assert "def survey(" not in render(cases["table"], ScaffoldOptions())


def test_the_split_is_a_stable_hash_of_the_row() -> None:
    import numpy as np
    import pandas as pd

    split_of = script_function(
        render(CASES["table"]),
        "split_of",
        np=np,
        pd=pd,
        VALIDATION_FRACTION=0.2,
        TEST_FRACTION=0.2,
    )
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=20_000), "c": rng.choice(["a", "b"], 20_000)})
    whole, place = split_of(frame, 42)
    # However the table is cut into chunks, each row lands in the same split.
    cuts = range(0, 20_000, 777)
    pieces = np.concatenate([split_of(frame.iloc[i : i + 777], 42)[0] for i in cuts])
    assert (pieces == whole).all()
    assert ((place >= 0) & (place < 1)).all()
    fractions = np.bincount(whole, minlength=3) / len(whole)
    assert np.allclose(fractions, [0.6, 0.2, 0.2], atol=0.015)
    # Another seed gives another split; the same seed, the same one.
    assert (split_of(frame, 7)[0] != whole).mean() > 0.3
    assert (split_of(frame.copy(), 42)[0] == whole).all()


def test_check_streamable_refusals() -> None:
    table = CASES["table"]
    with pytest.raises(UsageError, match=r"--stream.*standard input"):
        render(replace(table, target=replace(table.target, path="-")))
    with pytest.raises(UsageError, match=r"--stream.*\.npz"):
        npz = replace(table.target, format="npz", key="a")
        render(Case("npz", table.recommendation, npz, replace(table.features, source=npz)))
    with pytest.raises(UsageError, match="--stream reads one table"):
        render(CASES["binary"])
    with pytest.raises(UsageError, match="--stream and --distribute"):
        render(table, ScaffoldOptions(stream=True, distribute=True))


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-", "--target", "failed", "--stream"], "table", "--stream reads the table again"),
        (
            [GASES, "--features", str(SAMPLE_DATA / "gas_features.csv"), "--stream"],
            None,
            "--stream reads one table",
        ),
    ],
)
def test_bad_stream_input_is_one_line_and_exit_2(
    args: list[str], stdin: str | None, message: str
) -> None:
    text = Path(TABLE).read_text() if stdin == "table" else None
    result = CliRunner().invoke(app, ["scaffold", *args], input=text)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_stream_option_reaches_the_script(tmp_path: Path) -> None:
    out = tmp_path / "train.py"
    result = CliRunner().invoke(
        app, ["scaffold", TABLE, "--target", "failed", "--stream", "--out", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "# --stream: the table is never held in memory" in text
    assert '"--chunk-rows"' in text


# --- slow: the stream script trains, in flat memory ----------------------------------------

#: Prints the process's own peak resident memory (VmHWM, kB) when the script ends.
PEAK = (
    "import runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally:\n"
    "    hwm = [s for s in open('/proc/self/status') if s.startswith('VmHWM:')][0]\n"
    "    sys.stderr.write(f'\\nPEAK_KB {hwm.split()[1]}\\n')\n"
)
N_NUMBERS = 100
SMALL = ["--chunk-rows", "5000", "--shuffle-rows", "20000", "--sample-rows", "5000"]


def write_shards(folder: Path, n_rows: int, n_shards: int) -> int:
    """A table with a yes/no label in Parquet shards; returns its size in memory (bytes)."""
    import numpy as np
    import pandas as pd

    folder.mkdir(parents=True)
    rng = np.random.default_rng(8)
    total = 0
    for shard in range(n_shards):
        m = n_rows // n_shards
        x = rng.normal(size=(m, N_NUMBERS))
        colour = rng.choice(["red", "green", "blue"], m)
        logit = 1.5 * x[:, 0] - x[:, 1] + 0.8 * x[:, 2] * x[:, 3] + (colour == "red") - 0.3
        frame = pd.DataFrame(x, columns=[f"x{i:03d}" for i in range(N_NUMBERS)])
        frame["colour"] = colour
        frame["label"] = np.where(logit + rng.logistic(size=m) > 0, "yes", "no")
        frame.to_parquet(folder / f"part-{shard:03d}.parquet", index=False)
        total += int(frame.memory_usage(deep=True).sum())
    (folder / "_SUCCESS").write_text("")  # as Spark writes it: not a shard
    return total


def scaffold_and_run(
    data: Path, folder: Path, stream: bool, *extra: str
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Scaffold a script for the table, run it; the run and its peak memory (kB)."""
    from outhead.scaffold import scaffold_script

    folder.mkdir(parents=True, exist_ok=True)
    result = scaffold_script(
        str(data),
        target_columns=["label"],
        options=ScaffoldOptions(stream=stream, batch_size=512, epochs=2),
        script_dir=str(folder),
    )
    script = folder / "train.py"
    script.write_text(result.script)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    # glibc gives each thread that allocates (TensorFlow's tf.data threads run the reading
    # generator) its own arena, which keeps freed chunks: tens of MB that grow with the number
    # of batches up to a bound, whatever the table. Two arenas keep that out of the measure.
    env["MALLOC_ARENA_MAX"] = "2"
    env.pop("TF_CONFIG", None)
    args = [sys.executable, "-c", PEAK, str(script), "--output-dir", str(folder / "out"), *extra]
    proc = subprocess.run(args, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    peak = [line for line in proc.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return proc, int(peak[-1].split()[1]) if peak else 0


@pytest.mark.slow
def test_stream_learns_from_shards_in_flat_memory(tmp_path: Path) -> None:
    small, big = tmp_path / "small", tmp_path / "big"
    write_shards(small, 50_000, 2)
    table_bytes = write_shards(big, 200_000, 8)
    assert table_bytes > 150e6

    run_small, peak_small = scaffold_and_run(small, tmp_path / "run_small", True, *SMALL)
    run_big, peak_big = scaffold_and_run(big, tmp_path / "run_big", True, *SMALL)
    for run in (run_small, run_big):
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    # It learns past the trivial baseline, and the saved model takes raw columns.
    metrics = json.loads((tmp_path / "run_big" / "out" / "metrics.json").read_text())
    assert metrics["test"]["auc"] > 0.8 > metrics["baseline"]["auc"]
    assert metrics["test"]["loss"] < metrics["baseline"]["loss"]
    assert "split by a hash of each row" in run_big.stdout
    predicted = run_big.stdout.split("first test rows, predicted: ")[1].strip()
    assert set(ast.literal_eval(predicted)) <= {"no", "yes"}
    train, val, test = (int(n) for n in run_big.stdout.split("rows: ")[1].split()[0:6:2])
    assert train + val + test == 200_000 and abs(test - 40_000) < 1_500

    # Four times the rows, in the same memory: the table is never held (it is 4x the small one).
    growth = (peak_big - peak_small) * 1024
    print(f"peak kB: stream {peak_small} (50k rows), {peak_big} (200k rows); table {table_bytes}")
    assert growth < 0.15 * table_bytes, (peak_small, peak_big, table_bytes)

    # The in-memory script on the same table holds it: the measure can tell the difference.
    run_whole, peak_whole = scaffold_and_run(big, tmp_path / "run_whole", False)
    assert run_whole.returncode == 0, run_whole.stderr[-3000:]
    print(f"peak kB: in memory {peak_whole} (200k rows)")
    assert (peak_whole - peak_big) * 1024 > 0.5 * table_bytes, (peak_whole, peak_big)


@pytest.mark.slow
def test_stream_script_refuses_standard_input(tmp_path: Path) -> None:
    from outhead.scaffold import scaffold_script

    result = scaffold_script(TABLE, target_columns=["failed"], options=STREAM)
    script = tmp_path / "train.py"
    script.write_text(result.script)
    proc = subprocess.run(
        [sys.executable, str(script), "--data-file", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --data-file:") and "--stream" in last


# --- slow: --distribute, two processes on 127.0.0.1 ------------------------------------------


def distribute_env(**variables: str) -> dict[str, str]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    for name in list(env):
        if name.startswith("KERAS_DISTRIBUTION_") or name in ("TF_CONFIG", "KERAS_BACKEND"):
            del env[name]
    env.update(variables)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def distributed_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --distribute script for a 4,000-row table with a yes/no label and signal."""
    pytest.importorskip("jax")
    import numpy as np
    import pandas as pd

    from outhead.scaffold import scaffold_script

    folder = tmp_path_factory.mktemp("distribute")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 6))
    kind = rng.choice(["a", "b", "c"], 4000)
    logit = 2 * x[:, 0] - 1.5 * x[:, 1] + x[:, 2] * x[:, 3] + (kind == "a") - 0.5
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(6)])
    frame["kind"] = kind
    frame["label"] = np.where(logit + rng.logistic(size=4000) > 0, "yes", "no")
    frame.to_csv(folder / "table.csv", index=False)
    result = scaffold_script(
        str(folder / "table.csv"),
        target_columns=["label"],
        options=ScaffoldOptions(distribute=True, batch_size=64, epochs=8, patience=3),
        script_dir=str(folder),
    )
    script = folder / "train.py"
    script.write_text(result.script)
    return script


@pytest.mark.slow
def test_two_processes_on_localhost_match_one_process(distributed_script: Path) -> None:
    folder = distributed_script.parent
    one = subprocess.run(
        [sys.executable, str(distributed_script), "--output-dir", str(folder / "one")],
        cwd=folder, env=distribute_env(), capture_output=True, text=True, timeout=600,
    )
    assert one.returncode == 0, one.stdout[-3000:] + one.stderr[-3000:]
    assert "process 0 of 1" in one.stdout

    address = f"127.0.0.1:{free_port()}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(distributed_script), "--output-dir", str(folder / "two")],
            cwd=folder,
            env=distribute_env(
                KERAS_DISTRIBUTION_JOB_ADDRESSES=address,
                KERAS_DISTRIBUTION_NUM_PROCESSES="2",
                KERAS_DISTRIBUTION_PROCESS_ID=str(rank),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in (0, 1)
    ]
    try:
        outs = [proc.communicate(timeout=600) for proc in procs]
    finally:
        for proc in procs:  # a process that died leaves the other waiting: never leave it
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, out[-3000:] + err[-3000:]
    assert "process 0 of 2, 2 device(s) in all" in outs[0][0]
    assert "process 1 of 2" in outs[1][0]
    assert "test split" not in outs[1][0]  # only process 0 scores and writes
    # predict_labels() on the saved model under JAX (its StringLookup runs outside predict()).
    predicted = outs[0][0].split("first test rows, predicted: ")[1].strip()
    assert set(ast.literal_eval(predicted)) <= {"no", "yes"}

    single = json.loads((folder / "one" / "metrics.json").read_text())
    double = json.loads((folder / "two" / "metrics.json").read_text())
    assert double["baseline"] == single["baseline"]  # the same split on every process
    assert double["test"]["auc"] > double["baseline"]["auc"] + 0.3
    assert abs(double["test"]["auc"] - single["test"]["auc"]) < 0.02
    assert abs(double["test"]["loss"] - single["test"]["loss"]) < 0.05
    assert abs(double["test"]["binary_accuracy"] - single["test"]["binary_accuracy"]) < 0.03
    assert (folder / "two" / "model.keras").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"KERAS_DISTRIBUTION_PROCESS_ID": "1"},
            "missing: KERAS_DISTRIBUTION_JOB_ADDRESSES, KERAS_DISTRIBUTION_NUM_PROCESSES",
        ),
        (
            {
                "KERAS_DISTRIBUTION_JOB_ADDRESSES": "127.0.0.1:1",
                "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
                "KERAS_DISTRIBUTION_PROCESS_ID": "2",
            },
            "KERAS_DISTRIBUTION_PROCESS_ID one of 0..N-1",
        ),
    ],
)
def test_an_incomplete_cluster_stops_with_one_line(
    distributed_script: Path, variables: dict[str, str], message: str
) -> None:
    proc = subprocess.run(
        [sys.executable, str(distributed_script)],
        cwd=distributed_script.parent, env=distribute_env(**variables),
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: --distribute") and message in last
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_a_process_without_a_full_batch_stops_with_one_line(distributed_script: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(distributed_script), "--batch-size", "4000",
             "--output-dir", str(distributed_script.parent / "empty")],
            cwd=distributed_script.parent,
            env=distribute_env(
                KERAS_DISTRIBUTION_JOB_ADDRESSES=address,
                KERAS_DISTRIBUTION_NUM_PROCESSES="2",
                KERAS_DISTRIBUTION_PROCESS_ID=str(rank),
            ),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for rank in (0, 1)
    ]
    try:
        outs = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for rank, (proc, (_, err)) in enumerate(zip(procs, outs, strict=True)):
        assert proc.returncode == 1
        last = err.strip().splitlines()[-1]
        assert last.startswith(f"error: --distribute: process {rank} of 2 has 1200 rows")
