"""Reading rules: every format, the sniffing heuristics, column selection and bad input."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outhead.errors import (
    ColumnError,
    EmptyTargetError,
    FormatError,
    InputError,
    OutheadError,
    UsageError,
)
from outhead.reading import (
    detect_delimiter,
    detect_header,
    read_schema,
    scan_target,
    select_columns,
)
from outhead.stats import DISTINCT_CAP


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, str):
        p.write_text(text, encoding="utf-8", newline="")
    else:
        p.write_bytes(text)
    return p


def small_chunks(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Cut CSV text into chunks of about ``size`` bytes (to test what crosses chunks)."""
    import outhead.reading.text as reading

    for name in ("CSV_CHUNK_BYTES", "CSV_CHUNK_MIN", "CSV_CHUNK_MAX"):
        monkeypatch.setattr(reading, name, size)


def col(stats, name=None):  # type: ignore[no-untyped-def]
    if name is None:
        assert len(stats.columns) == 1
        return stats.columns[0]
    return next(c for c in stats.columns if c.name == name)


# ---------------------------------------------------------------------------------------------
# CSV / TSV
# ---------------------------------------------------------------------------------------------


def test_csv_with_header_reads_int_labels(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "label\n0\n1\n1\n2\n")
    s = scan_target(p)
    c = col(s)
    assert s.n_rows == 4
    assert s.source.header is True and s.source.format == "csv"
    assert s.source.columns == ("label",)
    assert c.type == "integer" and c.counts == {0: 1, 1: 2, 2: 1}
    assert c.minimum == 0 and c.maximum == 2 and c.all_integer
    assert s.head == (("0",), ("1",), ("1",), ("2",))
    assert any(n.code == "header-detected" for n in s.notes)


def test_csv_without_header_names_columns_by_index(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "0,1\n1,0\n0,1\n")
    s = scan_target(p)
    assert s.source.header is False
    assert s.source.columns == ("0", "1")
    assert s.n_rows == 3
    assert s.matrix is not None and s.matrix.row_sum_counts == {1.0: 3}


def test_header_forced_either_way(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "cat\ndog\ncat\n")
    assert scan_target(p).n_rows == 3  # "cat" recurs: data
    s = scan_target(p, header=True)
    assert s.n_rows == 2 and s.source.columns == ("cat",)
    p2 = write(tmp_path, "z.csv", "label\n1\n2\n")
    s2 = scan_target(p2, header=False)
    assert s2.n_rows == 3 and col(s2).type == "string"


def test_rare_first_label_without_header_is_data(tmp_path: Path) -> None:
    labels = ["zebra"] + [f"class_{i % 40}" for i in range(500)] + ["zebra"]
    s = scan_target(write(tmp_path, "y.csv", "\n".join(labels) + "\n"))
    assert s.source.header is False and s.n_rows == 502


def test_string_labels_are_stripped_and_missing_tokens_are_missing(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "label\n cat \ndog\nNA\n\nN/A\nnan\nNaN\nnull\nNone\n  NA \ncat\n")
    c = col(scan_target(p))
    assert c.type == "string"
    assert c.counts == {"cat": 2, "dog": 1}
    assert c.n_missing == 8
    assert c.missing_rows == (2, 3, 4, 5, 6)


def test_ints_and_whole_floats_are_the_same_label(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "y\n1\n1.0\n0\n0.0\n1\n")
    c = col(scan_target(p))
    assert c.counts == {0: 2, 1: 3}
    assert all(type(k) is int for k in c.counts)
    assert c.type == "integer" and c.all_integer


def test_float_column_keeps_fractions(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "y\n0.5\n1.5\n2\n")
    c = col(scan_target(p))
    assert c.type == "float" and not c.all_integer
    assert c.counts == {0.5: 1, 1.5: 1, 2: 1}
    assert c.total == pytest.approx(4.0)
    assert c.total_sq == pytest.approx(sum((x - 4 / 3) ** 2 for x in (0.5, 1.5, 2)))


def test_inf_is_missing_and_nonfinite(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "y\n1.5\ninf\n-inf\n2\n")
    c = col(scan_target(p))
    assert c.n_missing == 2 and c.n_nonfinite == 2 and c.missing_rows == (1, 2)
    assert c.counts == {1.5: 1, 2: 1}


def test_booleans(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "y\nTrue\nFalse\ntrue\nfalse\n\nTRUE\n")
    c = col(scan_target(p))
    assert c.type == "bool"
    assert c.counts == {True: 3, False: 2}
    assert c.n_missing == 1


def test_bom_crlf_and_quotes(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", '\ufeff"name","label"\r\n"a, b",x\r\nc,"y"\r\nd,x\r\n')
    s = scan_target(p)
    assert s.source.all_columns == ("name", "label")
    assert col(s, "label").counts == {"x": 2, "y": 1}
    assert col(s, "name").counts == {"a, b": 1, "c": 1, "d": 1}


@pytest.mark.parametrize(
    ("name", "text", "delimiter"),
    [
        ("y.csv", "a;b\n1;2\n3;4\n", ";"),
        ("y.csv", "a|b\n1|2\n3|4\n", "|"),
        ("y.tsv", "a\tb\n1\t2\n3\t4\n", "\t"),
        ("y.txt", "a\tb\n1\t2\n3\t4\n", "\t"),
        ("y.txt", "a,b\n1,2\n3,4\n", ","),
    ],
)
def test_delimiter_is_sniffed(tmp_path: Path, name: str, text: str, delimiter: str) -> None:
    s = scan_target(write(tmp_path, name, text))
    assert s.source.delimiter == delimiter
    assert s.source.columns == ("a", "b")
    assert col(s, "b").counts == {2: 1, 4: 1}


def test_tsv_format_is_reported(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.tsv", "a\tb\n1\t2\n"))
    assert s.source.format == "tsv"


def test_ints_then_text_in_a_later_chunk_reads_the_column_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    small_chunks(monkeypatch, 64)
    body = "".join(f"{i % 3}\n" for i in range(200)) + "cat\n"
    s = scan_target(write(tmp_path, "y.csv", "y\n" + body))
    c = col(s)
    assert c.type == "string"
    assert c.counts == {"0": 67, "1": 67, "2": 66, "cat": 1}
    assert [n.code for n in s.notes].count("mixed-types") == 1
    assert any(n.code == "mixed-types" and "'cat'" in n.message for n in s.notes)


def test_a_word_among_numbers_in_one_chunk_is_flagged(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.csv", "y\n1\n2\noops\n1\n"))
    assert col(s).type == "string"
    warnings = [n for n in s.notes if n.code == "mixed-types"]
    assert len(warnings) == 1 and "'oops'" in warnings[0].message
    assert warnings[0].severity == "warning"
    plain = scan_target(write(tmp_path, "z.csv", "y\ncat\ndog\n1\ncat\n"))
    assert not [n for n in plain.notes if n.code == "mixed-types"]


def test_ints_then_floats_in_a_later_chunk_widen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    small_chunks(monkeypatch, 64)
    body = "".join(f"{i % 3}\n" for i in range(200)) + "1.0\n2.5\n"
    c = col(scan_target(write(tmp_path, "y.csv", "y\n" + body)))
    assert c.type == "float"
    assert c.counts == {0: 67, 1: 68, 2: 66, 2.5: 1}


def test_all_missing_first_chunk_then_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    small_chunks(monkeypatch, 64)
    body = "a,\n" * 50 + "b,3\nb,4\n"
    s = scan_target(write(tmp_path, "y.csv", "x,y\n" + body))
    c = col(s, "y")
    assert c.counts == {3: 1, 4: 1} and c.n_missing == 50


def test_chunks_do_not_change_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    rng = np.random.default_rng(1)
    labels = rng.choice(["a", "b", "c", "NA"], size=500)
    p = write(tmp_path, "y.csv", "id,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(labels)))
    whole = scan_target(p)
    small_chunks(monkeypatch, 100)
    small = scan_target(p, batch_rows=7)
    assert small.columns == whole.columns
    assert small.head == whole.head


def test_ragged_csv_names_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "a,b\n1,2\n3,4\n5\n6,7\n")
    with pytest.raises(FormatError, match=r"line 4") as exc:
        scan_target(p)
    assert exc.value.path == str(p)
    assert str(exc.value).startswith(str(p) + ": ")


def test_single_column_blank_lines_are_missing_but_trailing_ones_are_not(tmp_path: Path) -> None:
    c = col(scan_target(write(tmp_path, "y.csv", "y\n1\n\n2\n\n\n")))
    assert c.n_missing == 1 and c.counts == {1: 1, 2: 1}


def test_cp1252_text_is_read_with_a_note(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "label\ncaf\u00e9\nth\u00e9\ncaf\u00e9\n".encode("cp1252"))
    s = scan_target(p)
    assert col(s).counts == {"caf\u00e9": 2, "th\u00e9": 1}
    assert any(n.code == "encoding" for n in s.notes)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_csv(tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import bz2
    import gzip
    import lzma

    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    p = tmp_path / f"y.tsv{suffix}"
    with opener(p, "wb") as fh:
        fh.write(b"id\tlabel\n" + b"".join(b"%d\t%s\n" % (i, b"ab"[i % 2 : i % 2 + 1])
                                          for i in range(300)))
    small_chunks(monkeypatch, 256)
    s = scan_target(p, columns=["label"])
    assert s.source.format == "tsv" and s.source.delimiter == "\t"
    assert col(s).counts == {"a": 150, "b": 150}


def test_compressed_npy_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"compressed \.npy files are not supported"):
        scan_target(write(tmp_path, "y.npy.gz", b"x"))


def test_stdin(tmp_path: Path) -> None:
    s = scan_target("-", stdin=io.BytesIO(b"label\ncat\ndog\ncat\n"))
    assert s.source.path == "-" and s.source.n_bytes is None
    assert col(s).counts == {"cat": 2, "dog": 1}


def test_progress_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", "y\n" + "1\n" * 100 + "\n\n")
    seen: list[tuple[int, int | None]] = []
    scan_target(p, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (p.stat().st_size, p.stat().st_size)


# ---------------------------------------------------------------------------------------------
# Column selection
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def wide(tmp_path: Path) -> Path:
    return write(tmp_path, "wide.csv", "id,x,label_a,label_b,3\n1,0.5,1,0,9\n2,0.7,0,1,9\n")


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        (["x"], ("x",)),
        (["1"], ("x",)),
        (["-1"], ("3",)),
        (["3"], ("3",)),  # a column named "3" wins over index 3
        (["label_*"], ("label_a", "label_b")),
        (["label_b", "label_*"], ("label_b", "label_a")),
        (None, ("x", "label_a", "label_b", "3")),  # every column but the row index "id"
        (["id", "x"], ("id", "x")),  # named, the index is read
    ],
)
def test_column_selectors(wide: Path, selectors: list[str] | None, expected: tuple[str]) -> None:
    s = scan_target(wide, columns=selectors)
    assert s.source.columns == expected
    assert s.source.all_columns == ("id", "x", "label_a", "label_b", "3")


def test_column_not_found_lists_columns(wide: Path) -> None:
    with pytest.raises(ColumnError) as exc:
        scan_target(wide, columns=["label"])
    assert exc.value.message == "column 'label' not found; columns are: id, x, label_a, label_b, 3"
    assert exc.value.path == str(wide)


def test_glob_matching_nothing_is_an_error() -> None:
    with pytest.raises(ColumnError, match="'y_\\*' not found"):
        select_columns(["a", "b"], ["y_*"])


def test_index_out_of_range_is_an_error() -> None:
    with pytest.raises(ColumnError):
        select_columns(["a", "b"], ["5"])


def test_read_schema_lists_columns_and_types(wide: Path) -> None:
    schema = read_schema(wide)
    assert schema.source.all_columns == ("id", "x", "label_a", "label_b", "3")
    assert schema.types == ("integer", "float", "integer", "integer", "integer")
    assert schema.to_dict()["columns"][1] == {"name": "x", "type": "float"}


# ---------------------------------------------------------------------------------------------
# Label sets
# ---------------------------------------------------------------------------------------------

GASES = ["He|Ne", "Ar", "Kr|Xe", "He", "Ne|Ar|Kr", "Xe", "He|Xe", "Rn", "Ar|Rn", "He|Ne"]


@pytest.mark.parametrize("sep", ["|", ";"])
def test_label_sets_are_detected(tmp_path: Path, sep: str) -> None:
    rows = [r.replace("|", sep) for r in GASES]
    s = scan_target(write(tmp_path, "y.csv", "gases\n" + "\n".join(rows) + "\n"))
    ls = s.labelsets
    assert ls is not None and ls.separator == sep
    assert ls.token_counts == {"Ar": 3, "He": 4, "Kr": 2, "Ne": 3, "Rn": 2, "Xe": 3}
    assert ls.size_counts == {1: 4, 2: 5, 3: 1}
    assert ls.n_tokens == 6


def test_label_sets_with_comma_in_a_tsv(tmp_path: Path) -> None:
    rows = [r.replace("|", ",") for r in GASES]
    text = "id\tgases\n" + "".join(f"{i}\t{r}\n" for i, r in enumerate(rows))
    s = scan_target(write(tmp_path, "y.tsv", text), columns=["gases"])
    assert s.labelsets is not None and s.labelsets.separator == ","


def test_label_set_separator_forced(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.csv", "g\na b\nc\n"), sep=" ")
    assert s.labelsets is not None and s.labelsets.token_counts == {"a": 1, "b": 1, "c": 1}


def test_plain_labels_are_not_label_sets(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.csv", "y\ncat\ndog\ncat\nbird\n"))
    assert s.labelsets is None


def test_decimal_commas_are_not_label_sets(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.csv", "y;z\n1,5;a\n2,5;b\n1,5;c\n3,0;d\n"), columns=["y"])
    assert s.labelsets is None


# ---------------------------------------------------------------------------------------------
# NPY / NPZ
# ---------------------------------------------------------------------------------------------


def test_npy_vector_and_column_vector_mean_the_same(tmp_path: Path) -> None:
    y = np.array([0, 1, 1, 2, 1])
    np.save(tmp_path / "a.npy", y)
    np.save(tmp_path / "b.npy", y.reshape(-1, 1))
    a, b = scan_target(tmp_path / "a.npy"), scan_target(tmp_path / "b.npy")
    assert a.columns == b.columns
    assert a.source.columns == ("0",) and a.source.format == "npy"
    assert col(a).counts == {0: 1, 1: 3, 2: 1}


def test_npy_matrix_columns_and_matrix_stats(tmp_path: Path) -> None:
    m = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 0]], dtype=np.int8)
    np.save(tmp_path / "m.npy", m)
    s = scan_target(tmp_path / "m.npy")
    assert s.source.columns == ("0", "1", "2")
    assert s.matrix is not None
    assert s.matrix.row_sum_counts == {0.0: 1, 1.0: 2, 2.0: 1}
    assert s.matrix.row_examples == {0.0: (3,), 1.0: (0, 1), 2.0: (2,)}
    assert s.matrix.n_rows_off_one == 2 and s.matrix.off_one_rows == (2, 3)
    assert [c.counts for c in s.columns] == [{0: 3, 1: 1}, {0: 2, 1: 2}, {0: 3, 1: 1}]


def test_npy_bytes_are_decoded(tmp_path: Path) -> None:
    np.save(tmp_path / "s.npy", np.array([b"cat", b"dog", "caf\u00e9".encode()]))
    assert col(scan_target(tmp_path / "s.npy")).counts == {"cat": 1, "dog": 1, "caf\u00e9": 1}


def test_npy_unicode_bool_and_float(tmp_path: Path) -> None:
    np.save(tmp_path / "u.npy", np.array(["a", "b", " a"]))
    np.save(tmp_path / "b.npy", np.array([True, False, True]))
    np.save(tmp_path / "f.npy", np.array([0.5, np.nan, 1.0, np.inf]))
    assert col(scan_target(tmp_path / "u.npy")).counts == {"a": 2, "b": 1}
    assert col(scan_target(tmp_path / "b.npy")).counts == {True: 2, False: 1}
    f = col(scan_target(tmp_path / "f.npy"))
    assert f.counts == {0.5: 1, 1: 1} and f.n_missing == 2 and f.n_nonfinite == 1


def test_missing_tokens_in_binary_string_arrays(tmp_path: Path) -> None:
    """``df.y.astype(str)`` writes NaN as 'nan': string arrays follow the text-file rule."""
    np.save(tmp_path / "u.npy", np.array(["EU", "nan", "US", "", " NA "]))
    c = col(scan_target(tmp_path / "u.npy"))
    assert c.counts == {"EU": 1, "US": 1} and c.missing_rows == (1, 3, 4)
    pq.write_table(pa.table({"y": ["None", None, "EU"]}), tmp_path / "t.parquet")
    c = col(scan_target(tmp_path / "t.parquet"))
    assert c.counts == {"EU": 1} and c.n_missing == 2


def test_npy_object_array_is_refused_unread(tmp_path: Path) -> None:
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(FormatError, match="object arrays are refused"):
        scan_target(tmp_path / "o.npy")


def test_npy_complex_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "c.npy", np.array([1 + 2j]))
    with pytest.raises(FormatError, match="dtype complex128"):
        scan_target(tmp_path / "c.npy")


def test_npy_big_endian_and_float16(tmp_path: Path) -> None:
    np.save(tmp_path / "b.npy", np.array([1, 2, 2], dtype=">i4"))
    np.save(tmp_path / "h.npy", np.array([0.5, 1.0], dtype=np.float16))
    assert col(scan_target(tmp_path / "b.npy")).counts == {1: 1, 2: 2}
    assert col(scan_target(tmp_path / "h.npy")).counts == {0.5: 1, 1: 1}


def test_npy_six_dims_is_refused(tmp_path: Path) -> None:
    # ranks 3 to 5 are maps (tests/test_maps.py); from 6 on an array is refused
    np.save(tmp_path / "t.npy", np.zeros((2, 2, 2, 2, 2, 2)))
    with pytest.raises(FormatError, match="6 dimensions"):
        scan_target(tmp_path / "t.npy")


def test_npy_that_is_not_npy(tmp_path: Path) -> None:
    p = write(tmp_path, "y.npy", "label\n1\n")
    with pytest.raises(FormatError, match=r"not a \.npy file"):
        scan_target(p)


@pytest.mark.parametrize("content", [b"\x93NUMPY", b"\x93NUMPY\x01\x00\x10\x00{'descr': 'x"])
def test_npy_truncated_header(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(FormatError):
        scan_target(write(tmp_path, "y.npy", content))


def test_npy_empty(tmp_path: Path) -> None:
    np.save(tmp_path / "e.npy", np.zeros((0,)))
    with pytest.raises(EmptyTargetError):
        scan_target(tmp_path / "e.npy")


def test_npz_only_array_and_keys(tmp_path: Path) -> None:
    np.savez(tmp_path / "one.npz", y=np.array([1, 2, 2]))
    s = scan_target(tmp_path / "one.npz")
    assert s.source.key == "y" and s.source.format == "npz" and col(s).counts == {1: 1, 2: 2}
    np.savez_compressed(tmp_path / "two.npz", x=np.zeros((3, 2)), y=np.eye(3)[[0, 1, 1]])
    with pytest.raises(UsageError, match="several arrays; choose one with --key: x, y"):
        scan_target(tmp_path / "two.npz")
    with pytest.raises(UsageError, match="keys are: x, y"):
        scan_target(tmp_path / "two.npz", key="z")
    s2 = scan_target(tmp_path / "two.npz", key="y", batch_rows=2)
    assert s2.matrix is not None and s2.matrix.row_sum_counts == {1.0: 3}


def test_npz_fortran_order(tmp_path: Path) -> None:
    m = np.asfortranarray(np.array([[1, 0], [0, 1], [1, 0]], dtype=np.int64))
    np.savez(tmp_path / "f.npz", y=m)
    s = scan_target(tmp_path / "f.npz")
    assert [c.counts for c in s.columns] == [{0: 1, 1: 2}, {0: 2, 1: 1}]


def test_npz_that_is_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"not a \.npz file"):
        scan_target(write(tmp_path, "y.npz", b"garbage"))


def test_npz_object_array_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    np.save(buf, np.array([None, 1], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "o.npz", "w") as zf:
        zf.writestr("y.npy", buf.getvalue())
    with pytest.raises(FormatError, match="object arrays"):
        scan_target(tmp_path / "o.npz")


# ---------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------


def test_parquet_file_reads_only_target_columns(tmp_path: Path) -> None:
    t = pa.table({"x": [0.1, 0.2, 0.3, 0.4], "y": ["a", None, "b", "a"], "z": [1, 0, 1, 1]})
    pq.write_table(t, tmp_path / "t.parquet", row_group_size=2)
    s = scan_target(tmp_path / "t.parquet", columns=["y"], batch_rows=1)
    assert s.source.format == "parquet" and s.source.all_columns == ("x", "y", "z")
    c = col(s)
    assert c.counts == {"a": 2, "b": 1} and c.missing_rows == (1,)


def test_parquet_directory_is_one_dataset(tmp_path: Path) -> None:
    d = tmp_path / "ds"
    d.mkdir()
    pq.write_table(pa.table({"y": [1, 2]}), d / "part-0.parquet")
    pq.write_table(pa.table({"y": [2, 3, 3]}), d / "part-1.parquet")
    s = scan_target(d)
    assert s.n_rows == 5 and col(s).counts == {1: 1, 2: 2, 3: 2}
    assert s.source.n_bytes == sum(f.stat().st_size for f in d.iterdir())


def test_parquet_dictionary_and_bool_columns(tmp_path: Path) -> None:
    t = pa.table({"c": pa.array(["x", "y", "x"]).dictionary_encode(), "b": [True, None, False]})
    pq.write_table(t, tmp_path / "t.pq")
    s = scan_target(tmp_path / "t.pq")
    assert col(s, "c").counts == {"x": 2, "y": 1}
    assert col(s, "b").counts == {True: 1, False: 1} and col(s, "b").n_missing == 1


def test_parquet_list_column_is_label_sets(tmp_path: Path) -> None:
    t = pa.table({"tags": [["He", "Ne"], ["Ar"], [], None, ["He"], ["Ne", "He"]]})
    pq.write_table(t, tmp_path / "l.parquet")
    s = scan_target(tmp_path / "l.parquet")
    assert s.labelsets is not None and s.labelsets.separator == "|"
    assert s.labelsets.token_counts == {"Ar": 1, "He": 3, "Ne": 2}
    assert s.labelsets.size_counts == {0: 1, 1: 2, 2: 2}  # the empty list: no labels
    assert s.columns[0].n_missing == 1  # the null list


def test_parquet_int_list_column(tmp_path: Path) -> None:
    pq.write_table(pa.table({"y": [[1, 2], [2], [3, 1]]}), tmp_path / "l.parquet")
    ls = scan_target(tmp_path / "l.parquet").labelsets
    assert ls is not None and ls.token_counts == {"1": 2, "2": 2, "3": 1}


def test_parquet_struct_column_is_refused(tmp_path: Path) -> None:
    pq.write_table(pa.table({"s": [{"a": 1}, {"a": 2}], "y": [0, 1]}), tmp_path / "s.parquet")
    with pytest.raises(ColumnError, match="column 's' has type struct"):
        scan_target(tmp_path / "s.parquet", columns=["s"])
    assert scan_target(tmp_path / "s.parquet", columns=["y"]).n_rows == 2


def test_parquet_directory_with_a_column_missing_from_one_file(tmp_path: Path) -> None:
    d = tmp_path / "ds"
    d.mkdir()
    pq.write_table(pa.table({"y": [1, 2], "z": ["a", "b"]}), d / "a.parquet")
    pq.write_table(pa.table({"y": [3]}), d / "b.parquet")
    (d / "_SUCCESS").write_text("")
    s = scan_target(d, columns=["z"])
    assert col(s).counts == {"a": 1, "b": 1} and col(s).missing_rows == (2,)


def test_parquet_that_is_not_parquet(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not a parquet file"):
        scan_target(write(tmp_path, "y.parquet", "a,b\n1,2\n"))


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    np.save(tmp_path / "y.npy", np.array([1, 2]))
    (tmp_path / "y.npy").rename(tmp_path / "y.bin")
    assert scan_target(tmp_path / "y.bin").source.format == "npy"
    assert scan_target(write(tmp_path, "y.dat", "y\n1\n2\n")).source.format == "csv"


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("empty.csv", "", EmptyTargetError, "the file is empty"),
        ("blank.csv", "\n\n", EmptyTargetError, "the file is empty"),
        ("header.csv", "label\n", EmptyTargetError, "header but no data rows"),
        ("header2.csv", "a,b\n\n", EmptyTargetError, "header but no data rows"),
        ("ragged.csv", "a,b\n1,2\n3\n", FormatError, "ragged row at line 3"),
    ],
)
def test_bad_text_input(
    tmp_path: Path, name: str, content: str, error: type[OutheadError], message: str
) -> None:
    p = write(tmp_path, name, content)
    with pytest.raises(error, match=message) as exc:
        scan_target(p)
    assert exc.value.path == str(p)
    assert exc.value.message == exc.value.message.lower()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file") as exc:
        scan_target(tmp_path / "nope.csv")
    assert exc.value.path == str(tmp_path / "nope.csv")


def test_directory_without_parquet(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises((EmptyTargetError, FormatError)):
        scan_target(tmp_path / "d")


def test_invalid_utf8_bytes_in_npy(tmp_path: Path) -> None:
    np.save(tmp_path / "s.npy", np.array([b"\xff\xfe", b"a"]))
    with pytest.raises(FormatError, match="utf-8"):
        scan_target(tmp_path / "s.npy")


# ---------------------------------------------------------------------------------------------
# Heuristics as tables
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["label"], ["1"], ["0"]], True),
        ([["label"], ["cat"], ["dog"], ["cat"]], True),
        ([["cat"], ["dog"], ["cat"]], False),
        ([["1"], ["0"], ["1"]], False),
        ([["a", "b"], ["1", "x"], ["2", "y"]], True),
        ([["0", "1", "2"], ["1", "0", "0"], ["0", "0", "1"]], True),
        ([["1", "0", "0"], ["0", "1", "0"]], False),
        ([["He|Ne"], ["Ne"], ["He"], ["Ar|Ne"]], False),
        ([["gases"], ["Ne"], ["He|Ar"], ["Ar|Ne"]], True),
        ([["True"], ["False"]], False),
        ([["label"]], True),
        ([["3"]], False),
        ([["id1"], ["id2"], ["id3"], ["id4"], ["id5"], ["id6"]], False),
    ],
)
def test_detect_header(rows: list[list[str]], expected: bool) -> None:
    assert detect_header(rows)[0] is expected


@pytest.mark.parametrize(
    ("lines", "preferred", "expected"),
    [
        (["a,b", "1,2"], None, ","),
        (["a;b", "1;2"], None, ";"),
        (["a\tb", "1\t2"], None, "\t"),
        (["a|b", "1|2"], None, "|"),
        (["a", "1"], None, None),
        (['"x,y";z', '"1,2";3'], None, ";"),
        (["Kr|Xe", "He", "Ne|Ar"], None, None),
        (["a,b", "1,2", "3"], ",", ","),
        (["a,b;c", "1,2;3", "4,5;6"], ";", ";"),
    ],
)
def test_detect_delimiter(lines: list[str], preferred: str | None, expected: str | None) -> None:
    assert detect_delimiter(lines, preferred) == expected


def test_reading_does_not_import_pandas() -> None:
    code = "import sys, outhead.reading; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_scanning_any_format_does_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas from ``to_numpy`` and Python scalars: the readers avoid both."""
    write(tmp_path, "a.csv", "s,i,f,b,ls\nx, 1,0.5,True,a|b\n,NA,,,b\n y ,3,inf,false,a\n")
    np.save(tmp_path / "u.npy", np.array(["a", "b"]))
    np.save(tmp_path / "s.npy", np.array([b"a", b"b"]))
    np.save(tmp_path / "m.npy", np.array([[0.5, 0.5], [np.nan, 1.0]]))
    np.savez(tmp_path / "z.npz", y=np.array([1, 2]))
    t = pa.table({"y": pa.array([1, None, 3]), "s": ["a", None, "b"], "b": [True, None, False]})
    pq.write_table(t, tmp_path / "t.parquet")
    (tmp_path / "ds").mkdir()
    pq.write_table(t, tmp_path / "ds" / "p.parquet")
    code = (
        "import sys\n"
        "from outhead.reading import scan_target, read_schema\n"
        f"d = {str(tmp_path)!r}\n"
        "for f in ['a.csv', 'u.npy', 's.npy', 'm.npy', 'z.npz', 't.parquet', 'ds']:\n"
        "    scan_target(d + '/' + f); read_schema(d + '/' + f)\n"
        "scan_target(d + '/a.csv', columns=['ls'])\n"
        "scan_target(d + '/a.csv', columns=['s', 'i'])\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_distinct_cap_on_a_csv(tmp_path: Path) -> None:
    n = DISTINCT_CAP + 10
    p = write(tmp_path, "y.csv", "y\n" + "".join(f"{i}.5\n" for i in range(n)))
    c = col(scan_target(p))
    assert c.counts is None and c.n_distinct == DISTINCT_CAP + 1 and c.type == "float"


# ---------------------------------------------------------------------------------------------
# Chunk boundaries of real CSV text
# ---------------------------------------------------------------------------------------------


CELLS = {
    "int": st.integers(-5, 20).map(str),
    "float": st.sampled_from(["0.5", "1.0", "2", "-3.25", "inf", "1e3"]),
    "text": st.sampled_from(["a", "b", " a", "cat", "dog "]),
    "bool": st.sampled_from(["True", "False", "true"]),
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(st.sampled_from(sorted(CELLS)), min_size=1, max_size=3),
    data=st.data(),
    chunk=st.integers(8, 64),
    batch=st.one_of(st.none(), st.integers(1, 50)),
)
def test_csv_chunks_and_batches_do_not_change_the_stats(
    tmp_path: Path, kinds: list[str], data: st.DataObject, chunk: int, batch: int | None
) -> None:
    """The same CSV read in one chunk, and in small chunks and batches, gives the same stats
    (a late class, a late float among ints, a late word among numbers, missing cells anywhere)."""
    import outhead.reading.text as reading

    n = data.draw(st.integers(1, 80))
    # In a one-column file an empty line at the end reads as the editor's, not as a cell.
    missing = st.sampled_from(["", "NA", "nan"] if len(kinds) > 1 else ["NA", "nan"])
    columns = []
    for first in kinds:
        # the cells change kind at some row: ints then floats, numbers then a word...
        late = data.draw(st.sampled_from(sorted(CELLS)))
        switch = data.draw(st.integers(0, n))
        head = data.draw(st.lists(st.one_of(CELLS[first], missing), min_size=switch,
                                  max_size=switch))
        tail = data.draw(st.lists(st.one_of(CELLS[late], missing), min_size=n - switch,
                                  max_size=n - switch))
        columns.append(head + tail)
    lines = [",".join(f"c{j}" for j in range(len(kinds)))]
    lines += [",".join(col[i] for col in columns) for i in range(n)]
    p = tmp_path / f"y{chunk}.csv"
    p.write_text("\n".join(lines) + "\n")
    whole = scan_target(p, header=True)
    with pytest.MonkeyPatch.context() as mp:
        for name in ("CSV_CHUNK_BYTES", "CSV_CHUNK_MIN", "CSV_CHUNK_MAX"):
            mp.setattr(reading, name, chunk)
        split = scan_target(p, header=True, batch_rows=batch)
    assert split.n_rows == whole.n_rows == n
    assert split.head == whole.head
    for a, b in zip(split.columns, whole.columns, strict=True):
        assert (a.type, a.counts, a.n_missing, a.missing_rows, a.n_nonfinite) == (
            b.type, b.counts, b.n_missing, b.missing_rows, b.n_nonfinite
        )
        assert a.minimum == b.minimum and a.maximum == b.maximum
        assert a.total == pytest.approx(b.total)
    assert split.matrix == whole.matrix


def test_progress_reaches_the_total_for_binary_formats(tmp_path: Path) -> None:
    np.save(tmp_path / "m.npy", np.eye(4, dtype=np.int8)[np.arange(100) % 4])
    np.savez(tmp_path / "m.npz", y=np.arange(100))
    pq.write_table(pa.table({"y": list(range(100))}), tmp_path / "t.parquet", row_group_size=10)
    for name in ("m.npy", "m.npz", "t.parquet"):
        seen: list[tuple[int, int | None]] = []
        scan_target(tmp_path / name, batch_rows=7, progress=lambda d, t, s=seen: s.append((d, t)))
        size = (tmp_path / name).stat().st_size
        assert len(seen) > 1 and seen[-1] == (size, size), name
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_read_schema_of_binary_formats(tmp_path: Path) -> None:
    np.save(tmp_path / "m.npy", np.zeros((3, 2), dtype=np.float32))
    np.savez(tmp_path / "z.npz", y=np.array(["a", "b"]))
    pq.write_table(pa.table({"a": [1], "b": ["x"], "c": [True]}), tmp_path / "t.parquet")
    m = read_schema(tmp_path / "m.npy")
    assert m.source.all_columns == ("0", "1") and m.types == ("float", "float") and m.n_rows == 3
    z = read_schema(tmp_path / "z.npz")
    assert z.source.key == "y" and z.types == ("string",)
    t = read_schema(tmp_path / "t.parquet")
    assert t.types == ("integer", "string", "bool") and t.n_rows == 1


# ---------------------------------------------------------------------------------------------
# New-user review: quoted commas, files that are not text, decimal commas, ``?``, id headers
# ---------------------------------------------------------------------------------------------

CITIES = ["New York, NY", "Portland, OR", "Portland, ME", "Austin, TX", "Salem, OR"]


def test_quoted_commas_in_a_one_column_csv_are_one_class(tmp_path: Path) -> None:
    text = "city\n" + "".join(f'"{CITIES[i % len(CITIES)]}"\n' for i in range(300))
    s = scan_target(write(tmp_path, "cities.csv", text))
    assert s.source.delimiter == ","
    assert s.source.header is True
    assert s.labelsets is None
    assert col(s).name == "city" and col(s).counts == {c: 60 for c in CITIES}


def test_quoted_commas_on_stdin_are_one_class(tmp_path: Path) -> None:
    text = "y\n" + '"yes, good"\n"no, bad"\n' * 150
    s = scan_target("-", stdin=io.BytesIO(text.encode()))
    assert s.source.delimiter == ","
    assert s.labelsets is None and col(s).counts == {"yes, good": 150, "no, bad": 150}


def test_forced_separator_no_cell_holds_is_not_label_sets(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.csv", "y\ncat\ndog\ncat\n"), sep="|")
    assert s.labelsets is None
    assert col(s).counts == {"cat": 2, "dog": 1}
    assert any(n.code == "labelset-separator" and "'|'" in n.message for n in s.notes)


def _parquet_bytes(tmp_path: Path) -> bytes:
    pq.write_table(pa.table({"y": [1, 2, 3] * 100}), tmp_path / "real.parquet")
    return (tmp_path / "real.parquet").read_bytes()


def _npz_bytes(tmp_path: Path) -> bytes:
    np.savez(tmp_path / "real.npz", y=np.arange(3))
    return (tmp_path / "real.npz").read_bytes()


def _npy_bytes(tmp_path: Path) -> bytes:
    np.save(tmp_path / "real.npy", np.arange(3))
    return (tmp_path / "real.npy").read_bytes()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_parquet_bytes, "looks like a parquet file, not csv text: rename it .parquet"),
        (_npy_bytes, "looks like an npy file, not csv text: rename it .npy"),
        (_npz_bytes, r"looks like a zip archive \(npz\), not csv text: rename it .npz"),
        (lambda p: __import__("gzip").compress(b"y\n1\n2\n"), "looks like a gzip file.*\\.gz"),
        (lambda p: b"y\n1\x00\x00\x07\n2\n", "looks like a binary file"),
        (lambda p: "y\n1\n".encode("utf-16"), "looks like utf-16 text.*utf-8"),
    ],
)
def test_binary_content_named_csv_is_refused(
    tmp_path: Path, make: Callable[[Path], bytes], message: str
) -> None:
    p = write(tmp_path, "y.csv", make(tmp_path))
    with pytest.raises(FormatError, match="(?i)" + message) as exc:
        scan_target(p)
    assert "\n" not in exc.value.message
    with pytest.raises(FormatError, match="(?i)" + message.split(":")[0]):
        scan_target("-", stdin=io.BytesIO(make(tmp_path)))


def test_parquet_on_stdin_says_to_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"file named \.parquet.*instead of standard input"):
        scan_target("-", stdin=io.BytesIO(_parquet_bytes(tmp_path)))


def test_bytes_neither_utf8_nor_cp1252_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="neither utf-8 nor cp1252"):
        scan_target(write(tmp_path, "y.csv", b"y\na\x81b\nc\n"))


@pytest.mark.parametrize("name", ["y.npy", "y.parquet", "y.npz"])
def test_text_named_binary_is_a_format_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(FormatError) as exc:
        scan_target(write(tmp_path, name, "y\n1\n2\n"))
    assert "\n" not in exc.value.message


def test_binary_named_csv_leaks_nothing_to_stderr(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", _parquet_bytes(tmp_path))
    out = subprocess.run([sys.executable, "-m", "outhead", "inspect", str(p)],
                         capture_output=True, text=True)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "looks like a Parquet file" in lines[0]
    assert "Exception ignored" not in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "outhead", "inspect", "-"],
                         input=p.read_bytes(), capture_output=True)
    assert out.returncode != 0 and len(out.stderr.strip().splitlines()) == 1


def test_decimal_commas_in_a_semicolon_file_are_numbers(tmp_path: Path) -> None:
    rows = "".join(f"{i % 97},{i % 10}{i % 7};{i % 3}\n" for i in range(400))
    s = scan_target(write(tmp_path, "eu.csv", "Preis;Menge\n" + rows))
    preis = col(s, "Preis")
    assert preis.type == "float"
    values = [float(f"{i % 97}.{i % 10}{i % 7}") for i in range(400)]
    assert preis.minimum == min(values) and preis.maximum == max(values)
    assert col(s, "Menge").type == "integer"
    notes = [n for n in s.notes if n.code == "decimal-comma"]
    assert len(notes) == 1 and notes[0].severity == "note" and "Preis" in notes[0].message


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,5\n2,5\n",  # comma-delimited: two int columns
        "a;b\n1,5;0.5\n2,5;1.5\n",  # a decimal point elsewhere: left as text
        "a;b\n1.234,5;1\n2.345,5;2\n",  # thousands separators: left as text
        "a;b\nx,y;1\nz,w;2\n",  # words
    ],
)
def test_no_decimal_comma_when_ambiguous(tmp_path: Path, text: str) -> None:
    s = scan_target(write(tmp_path, "y.csv", text))
    assert not [n for n in s.notes if n.code == "decimal-comma"]
    assert s.columns[0].type != "float"


def test_question_mark_is_missing(tmp_path: Path) -> None:
    s = scan_target(write(tmp_path, "y.csv", "a,b\n1,x\n?,?\n3, ? \n"))
    assert col(s, "a").type == "integer" and col(s, "a").n_missing == 1
    assert col(s, "b").n_missing == 2 and col(s, "b").counts == {"x": 1}
    np.save(tmp_path / "u.npy", np.array(["a", "?", "b"]))
    assert col(scan_target(tmp_path / "u.npy")).n_missing == 1


def test_header_over_unique_ids_is_detected(tmp_path: Path) -> None:
    text = "uid\n" + "".join(f"u{i:06d}\n" for i in range(10_000))
    s = read_schema(write(tmp_path, "ids.csv", text))
    assert s.source.header is True and s.source.all_columns == ("uid",)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["uid"]] + [[f"u{i:06d}"] for i in range(50)], True),
        ([["id"]] + [[f"AB-{i:04d}"] for i in range(50)], True),
        ([["u999999"]] + [[f"u{i:06d}"] for i in range(50)], False),
        ([["Paris"]] + [[w] for w in ["London", "Rome", "Berlin", "Madrid", "Oslo"]], False),
        ([["0"]] + [[str(i)] for i in range(1, 50)], False),  # pandas' lone 0: ambiguous
        ([["0", "1"]] + [[str(i), str(i * 2 + 1)] for i in range(5, 50)], True),
    ],
)
def test_detect_header_shapes(rows: list[list[str]], expected: bool) -> None:
    assert detect_header(rows)[0] is expected


@pytest.mark.parametrize(
    ("first", "late", "message"),
    [(b"caf\xe9", b"a\x81b", "neither utf-8 nor cp1252"), (b"cafe", b"a\xe9b", "not valid utf-8")],
)
def test_bad_bytes_past_the_sniffed_lines_are_a_format_error(
    tmp_path: Path, first: bytes, late: bytes, message: str
) -> None:
    p = write(tmp_path, "y.csv", b"y\n" + (first + b"\n") * 20_000 + late + b"\n" + b"x\n" * 10)
    with pytest.raises(FormatError, match=message):
        scan_target(p)


def test_quoted_commas_in_a_two_column_csv_are_no_label_sets(tmp_path: Path) -> None:
    text = "id,city\n" + "".join(f'{i},"{CITIES[i % len(CITIES)]}"\n' for i in range(300))
    s = scan_target(write(tmp_path, "cities.csv", text), columns=["city"])
    assert s.labelsets is None and len(col(s).counts or {}) == len(CITIES)


def test_pandas_name_of_a_blank_header_cell_selects_it(tmp_path: Path) -> None:
    p = write(tmp_path, "y.csv", ",label\n0,a\n1,b\n2,a\n")
    assert scan_target(p, columns=["Unnamed: 0"]).source.columns == ("unnamed_0",)
