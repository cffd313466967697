"""Reading a target file: any supported format in, :class:`~outhead.stats.TargetStats` out.

:func:`scan_target` streams the file in batches (never the whole file in memory) and folds them
into statistics with :class:`~outhead.stats.StatsAccumulator`. :func:`read_schema` lists the
columns of a file and their types from its first batch only.

Formats, chosen by extension (case-insensitive), else by the first bytes:

* ``.csv`` / ``.tsv`` / ``.txt`` (also compressed: ``.gz``, ``.bz2``, ``.xz``) and ``-``
  (standard input, spooled to a temporary file): text, delimiter among ``,`` ``;`` tab ``|``
  sniffed (:func:`detect_delimiter`; lines without one outside quotes are one column, with
  ``,`` for ``.csv`` and standard input, tab for ``.tsv``), header detected
  (:func:`detect_header`), UTF-8 or else cp1252, parsed by ``pyarrow.csv`` in chunks of whole
  lines (the next chunk is parsed while the current one is counted). A column's type is fixed
  by the first chunk where it has a value; ints meeting a float later are widened, numbers
  meeting a word later make the scan start again with that column as text (a ``mixed-types``
  warning). Numbers with a decimal comma (``20,53``) in a file not delimited by ``,`` are read
  as numbers (a ``decimal-comma`` note). Bytes that are not text (a Parquet, NPY, NPZ or gzip
  file named ``.csv`` or piped in, NUL bytes, UTF-16) are refused before parsing, naming what
  they look like.
* ``.npy``: memory-mapped, ``allow_pickle=False`` (object arrays are refused).
* ``.npz``: one array (``key``, or the only one), streamed out of the archive.
* ``.parquet`` / ``.pq``, or a directory of Parquet files: read by row groups, target columns
  only.

Nothing here prints; ``progress(bytes_done, bytes_total_or_None)`` is called after each batch.
Heavy modules (numpy, pyarrow) are imported inside the functions; pandas is never imported.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import fnmatch
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any, NoReturn

from outhead.diagnostics import Diagnostic
from outhead.errors import (
    ColumnError,
    EmptyTargetError,
    FormatError,
    InputError,
    OutheadError,
    UsageError,
)
from outhead.stats import (
    MISSING_TOKENS,
    ColumnType,
    Format,
    Source,
    StatsAccumulator,
    TargetStats,
)

Progress = Callable[[int, "int | None"], None]

#: Bytes of text parsed per CSV chunk: big enough for pyarrow's threads, small enough to keep
#: memory flat (two chunks and their parsed columns are all that is held at once). The first
#: chunk has this size; later ones are sized so that their parsed columns take about
#: CSV_TABLE_BYTES (a column of small ints takes 4 times its text), within the bounds below.
CSV_CHUNK_BYTES = 2 << 20
CSV_TABLE_BYTES = 4 << 20
CSV_CHUNK_MIN, CSV_CHUNK_MAX = 1 << 20, 8 << 20
#: Text columns of the first CSV chunk with more distinct values than this are read as plain
#: strings (free text, ids): their counts pass the cap anyway.
AUTO_DICT_MAX = 1 << 16
AUTO_DICT = True
#: Text cells are not matched against the missing tokens by the parser: the statistics check
#: each distinct value of the dictionary instead (after stripping), which costs nothing.
STRINGS_NULL = False
#: Bytes of a binary (NPY, NPZ) batch.
BINARY_BATCH_BYTES = 8 << 20
#: Rows of a Parquet batch.
PARQUET_BATCH_ROWS = 1 << 20
#: Text looked at to sniff the delimiter and the header.
SNIFF_BYTES = 64 << 10
SNIFF_LINES = 2000
DELIMITERS = (",", "\t", ";", "|")
TRUE_VALUES = ("True", "true", "TRUE")
FALSE_VALUES = ("False", "false", "FALSE")

_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".npy": "npy",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class Schema:
    """The columns of a file and their types, from its first batch (no statistics).

    ``types`` holds one :data:`~outhead.stats.ColumnType` per column of ``source.all_columns``:
    for CSV it is what pyarrow infers from the first chunk (a later chunk may widen it);
    ``n_rows`` is known for binary formats and None for text.
    """

    source: Source
    types: tuple[ColumnType, ...]
    n_rows: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source.to_dict(),
            "columns": [
                {"name": n, "type": t}
                for n, t in zip(self.source.all_columns, self.types, strict=True)
            ],
            "n_rows": self.n_rows,
        }


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def scan_target(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    key: str | None = None,
    header: bool | None = None,
    sep: str | None = None,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
    batch_rows: int | None = None,
    matrix: bool = True,
) -> TargetStats:
    """Read a target file in one streaming pass and return its statistics.

    Args:
        path: the file, a directory of Parquet files, or ``-`` for CSV on standard input.
        columns: target column selectors: a name, a 0-based index (``"3"``, when no column has
            that name; ``"-1"`` is the last) or a glob (``label_*``). Default: every column.
        key: NPZ: the array to read (default: the only one).
        header: CSV/TSV: force the first line to be (True) or not be (False) a header; None
            detects it.
        sep: the separator inside a cell of label sets (``Kr|Xe``); None detects it.
        stdin: the binary stream read for ``-`` (default ``sys.stdin.buffer``).
        progress: called as ``progress(bytes_done, bytes_total_or_None)`` after each batch.
        batch_rows: at most this many rows per batch (tests use it to cut batches small).
        matrix: gather row-wise statistics for targets of two or more numeric columns.

    Returns:
        The statistics of the target columns, with the :class:`~outhead.stats.Source`.

    Raises:
        InputError: the file does not exist or cannot be read.
        EmptyTargetError: the file has no data rows.
        FormatError: the contents are not what the name says (not NPY, not Parquet, binary
            bytes where text was expected, a ragged CSV, an object array, bytes that are
            neither UTF-8 nor cp1252).
        ColumnError: a column selector matches nothing.
        UsageError: NPZ without ``key`` holding several arrays, or an unknown ``key``.
    """
    reader = _open_reader(path, key=key, header=header, stdin=stdin)
    try:
        index_note: Diagnostic | None = None
        names = list(getattr(reader, "all_columns", ()))
        if not columns and len(names) > 1 and is_row_index(names[0]):
            # A saved pandas index or an id column is not part of the target.
            columns = names[1:]
            index_note = _note(
                "row-index",
                f"left out column {names[0]!r}: it looks like a row index, not a target",
                "name the target columns to read it",
            )
        stats = reader.scan(columns, sep=sep, progress=progress, batch_rows=batch_rows,
                            matrix=matrix)
        if index_note is not None:
            stats = dataclasses.replace(stats, notes=(index_note, *stats.notes))
        return stats
    except OutheadError as exc:
        if exc.path is None:
            exc.path = reader.display
        raise
    except UnicodeDecodeError:
        # cp1252 chosen from the first lines, a byte it does not define further on
        raise FormatError("the file is neither utf-8 nor cp1252 text; save it as utf-8",
                          path=reader.display) from None
    except Exception as exc:
        if type(exc).__module__.startswith("pyarrow") and "utf8" in str(exc).lower():
            raise FormatError("the file is not valid utf-8 text past its first lines; save it "
                              "as utf-8", path=reader.display) from None
        if type(exc).__module__.startswith("pyarrow"):
            # pyarrow's word on contents it cannot read (a type it cannot turn into text...)
            raise FormatError(f"cannot read the data: {str(exc).lower()}",
                              path=reader.display) from None
        raise
    finally:
        reader.close()


def read_schema(
    path: str | os.PathLike[str],
    *,
    key: str | None = None,
    header: bool | None = None,
    stdin: IO[bytes] | None = None,
) -> Schema:
    """List every column of a file with its type, without reading the whole file.

    Args:
        path, key, header, stdin: as for :func:`scan_target`.

    Returns:
        A :class:`Schema` (``source.columns`` and ``source.all_columns`` are every column).

    Raises:
        The errors of :func:`scan_target`, except :class:`ColumnError`.
    """
    reader = _open_reader(path, key=key, header=header, stdin=stdin)
    try:
        return reader.schema()
    except OutheadError as exc:
        if exc.path is None:
            exc.path = reader.display
        raise
    finally:
        reader.close()


#: First-column names that mean "row index", not data: R's rownames, a saved pandas index (a
#: blank header cell, which outhead names ``unnamed_0``), an id.
_ROW_INDEX = re.compile(r"(rownames|row\.names|row_?id|row|index|id|unnamed_0|unnamed: ?0)")


def is_row_index(name: str) -> bool:
    """Whether a first column's name says it numbers the rows rather than holding data."""
    return _ROW_INDEX.fullmatch(name.strip().lower()) is not None


def select_columns(
    available: Sequence[str], selectors: Sequence[str] | None, *, path: str | None = None
) -> list[int]:
    """Resolve column selectors to indices into ``available``, in the order given.

    Each selector is, in order of precedence: an exact column name; an integer (``"3"``,
    ``"-1"``) used as a 0-based index; a glob (``label_*``, ``y[0-9]``) matching names in file
    order. A column selected twice is kept once.

    Raises:
        ColumnError: a selector matches nothing (the message lists the columns).
    """
    if not selectors:
        return list(range(len(available)))
    index = {name: i for i, name in enumerate(available)}
    chosen: list[int] = []
    for sel in selectors:
        # pandas calls a blank header cell "Unnamed: 3"; outhead names it unnamed_3.
        unnamed = re.fullmatch(r"Unnamed: (\d+)", sel)
        if unnamed and sel not in index:
            sel = f"unnamed_{unnamed.group(1)}"
        if sel in index:
            hits = [index[sel]]
        elif re.fullmatch(r"-?\d+", sel.strip()) and -len(available) <= int(sel) < len(available):
            hits = [int(sel) % len(available)]
        elif any(ch in sel for ch in "*?["):
            hits = [i for i, name in enumerate(available) if fnmatch.fnmatchcase(name, sel)]
        else:
            hits = []
        if not hits:
            raise ColumnError(
                f"column {sel!r} not found; columns are: {_list_names(available)}", path=path
            )
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def detect_delimiter(lines: Sequence[str], preferred: str | None = None) -> str | None:
    """Sniff the field delimiter from the first lines of a text file.

    A candidate (``,`` tab ``;`` ``|``, counted outside double quotes) must occur on the first
    line, and every line must hold it as many times as the first line does. The ``preferred``
    delimiter (from the extension: ``,`` for ``.csv``, tab for ``.tsv``) needs only half of the
    lines to agree (the others are ragged rows, reported as such) and wins when it qualifies;
    otherwise the qualifying candidate with the most fields, ties going to the order above.
    ``;`` and ``|`` also separate labels inside a cell, hence the strict rule for them. None
    means a single column (the reader then parses it with ``preferred`` when no line holds that
    outside quotes, so that ``"Portland, OR"`` in a ``.csv`` is one cell, not two labels).
    """
    if not lines:
        return None
    counts = {d: [_count_outside_quotes(line, d) for line in lines] for d in DELIMITERS}
    qualified: list[tuple[int, int, str]] = []
    for rank, d in enumerate(DELIMITERS):
        c = counts[d]
        if c[0] == 0:
            continue
        same = sum(1 for x in c if x == c[0])
        if same == len(c) or (d == preferred and same * 2 >= len(c)):
            qualified.append((c[0], -rank, d))
    if not qualified:
        return None
    if preferred is not None and any(d == preferred for _, _, d in qualified):
        return preferred
    return max(qualified)[2]


def detect_header(rows: Sequence[Sequence[str]]) -> tuple[bool, str]:
    """Decide whether the first of some parsed CSV rows is a header, and say why.

    Per column, the first cell votes:

    * *header, strongly*: it is text (not a number, bool or missing token) over a column whose
      other cells are numbers or bools;
    * *data*: it is a number or a bool, or its text recurs in the column (as a whole cell or as
      a label of a label set);
    * *header, weakly*: text that never recurs below, over a column whose cells do recur;
    * *header, weakly*: text of another shape than every cell below, over a column of unique
      text cells that all share one shape (``uid`` over ``u000123``, ``u000124``...: the runs
      of letters, digits and other characters, or else the length);
    * nothing: text over a column of other unique text (ids, titles).

    The first row is a header when no text cell votes data and the strong votes outnumber the
    number cells (a header may name a column ``3``), or when every column votes header (weakly
    or strongly). A first row that is exactly ``0, 1, ...``
    over numeric rows (pandas' default column names) is a header too, and so is a row of
    distinct numbers of which some cannot be data (``1960`` over 0/1 cells, ``1`` over
    True/False: the names ``pandas.get_dummies`` gives to years or integer codes). A file of
    one line is a header when every cell is text (so a lone ``label`` line is an empty target).

    Returns:
        (is_header, reason) - the reason in words, for the note shown to the user.
    """
    if not rows:
        return False, "no lines"
    first, rest = rows[0], rows[1:]
    if not rest:
        texts = all(_cell_kind(v) == "text" for v in first)
        return texts, "the only line is text" if texts else "the only line holds values"
    width = len(first)
    if width >= 2 and [v.strip() for v in first] == [str(i) for i in range(width)]:
        rest_kinds = {_cell_kind(r[j]) for r in rest for j in range(min(width, len(r)))}
        if rest_kinds <= {"number", "missing", "bool"} and not any(
            [v.strip() for v in r] == [v.strip() for v in first] for r in rest
        ):
            return True, "the first line numbers the columns 0, 1, ... over rows of values"
    strong = weak = data = numbers = impossible = 0
    for j, v0 in enumerate(first):
        kind = _cell_kind(v0)
        below = [r[j].strip() for r in rest if j < len(r)]
        present = [v for v in below if _cell_kind(v) != "missing"]
        if kind == "missing":
            continue
        if kind == "number" and _outside_indicator(v0.strip(), present):
            # 1960 over a column of 0/1 (or True/False): no row of this column can hold it.
            impossible += 1
            continue
        if kind in ("number", "bool"):
            numbers += 1
            continue
        text = v0.strip()
        if present and all(_cell_kind(v) in ("number", "bool") for v in present):
            strong += 1
            continue
        tokens_below = set(present)
        for v in present:
            tokens_below.update(t for t in _LABEL_SPLIT.split(v) if t)
        own = {t for t in _LABEL_SPLIT.split(text) if t}
        if text in tokens_below or (own and own <= tokens_below):
            data += 1
        elif len(set(present)) < len(present) or len(present) < 5:
            weak += 1
        elif _other_shape(text, present):
            # unique text of one shape (ids such as u000123) under a word of another (uid)
            weak += 1
        # else: a column of unique text (ids, titles) says nothing either way; the other
        # columns decide.
    if data == 0 and strong > numbers:
        return True, "the first line is text over columns of numbers"
    names = [v.strip() for v in first]
    if impossible and data == 0 and len(set(names)) == len(names):
        return True, (
            "the first line holds numbers that no row below can hold, over columns of 0/1 or "
            "True/False: column names"
        )
    if data == numbers == 0 and weak > 0 and len({v.strip() for v in first}) == len(first):
        return True, "the first line holds names that never recur in the rows below"
    return False, "the first line looks like data"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_LABEL_SPLIT = re.compile(r"\s*[|;,/]\s*")
_MISSING = frozenset(MISSING_TOKENS)
_BOOLS = frozenset(TRUE_VALUES + FALSE_VALUES)


_SHAPE_RUNS = re.compile(r"([a-z]|[0-9])\1*")


def _shape(value: str) -> str:
    """The shape of a text cell: its runs of letters, digits and other characters."""
    classes = "".join("a" if ch.isalpha() else "9" if ch.isdigit() else ch for ch in value)
    return _SHAPE_RUNS.sub(r"\1", classes)


def _other_shape(first: str, below: Sequence[str]) -> bool:
    """Whether the cells ``below`` share one shape (and maybe one length) that ``first`` lacks."""
    shape = _shape(below[0])
    if any(_shape(v) != shape for v in below):
        return False
    if _shape(first) != shape:
        return True
    length = len(below[0])
    return len(first) != length and all(len(v) == length for v in below)


def _outside_indicator(number: str, below: Sequence[str]) -> bool:
    """Whether ``number`` cannot be a cell of a column whose present cells are ``below``: the
    column holds only True/False, or only 0/1 (at least 2 rows of them), and it is neither."""
    if not below:
        return False
    if all(v in _BOOLS for v in below):
        return True
    try:
        values = {float(v) for v in below}
    except ValueError:
        return False
    return len(below) >= 2 and values <= {0.0, 1.0} and float(number) not in (0.0, 1.0)


def _cell_kind(value: str) -> str:
    v = value.strip()
    if v in _MISSING:
        return "missing"
    if v in _BOOLS:
        return "bool"
    try:
        float(v)
    except ValueError:
        # A decimal comma (20,53) is a number too: unquoted, it only occurs when the field
        # delimiter is not a comma.
        return "number" if _DECIMAL_COMMA.fullmatch(v) else "text"
    return "number"


_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")


def _count_outside_quotes(line: str, delim: str) -> int:
    if '"' not in line:
        return line.count(delim)
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def _list_names(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown


def _note(code: str, message: str, fix: str | None = None) -> Diagnostic:
    return Diagnostic(code=code, message=message, fix=fix, severity="note")


def _column_type(arrow_type: Any) -> ColumnType:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "float"
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_null(arrow_type):
        return "empty"
    return "string"


def _numpy_column_type(dtype: Any) -> ColumnType:
    types: dict[str, ColumnType] = {"i": "integer", "u": "integer", "f": "float", "b": "bool"}
    return types.get(dtype.kind, "string")


_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}


def _compression(path: str) -> str | None:
    """``gzip``/``bz2``/``xz`` for compressed text (``y.csv.gz``), else None."""
    return _COMPRESSED.get(os.path.splitext(path)[1].lower())


def _open_binary(path: str, compression: str | None, *, raw: bool = False) -> Any:
    """The file as a stream of bytes, decompressed on the fly when it is compressed.

    ``raw``: unbuffered, for reads straight into the caller's buffer (``readinto``)."""
    if compression == "gzip":
        import gzip

        return gzip.open(path, "rb")
    if compression == "bz2":
        import bz2

        return bz2.open(path, "rb")
    if compression == "xz":
        import lzma

        return lzma.open(path, "rb")
    return open(path, "rb", buffering=0 if raw else -1)


def _sniff_format(path: str) -> str:
    if os.path.isdir(path):
        return "parquet"
    if _compression(path) is not None:
        inner = os.path.splitext(os.path.splitext(path)[0])[1].lower()
        if _EXTENSIONS.get(inner, "text") not in ("csv", "tsv", "text"):
            raise FormatError(
                f"compressed {inner} files are not supported; only compressed text (csv, tsv)",
                path=path,
            )
        return _EXTENSIONS.get(inner, "text")
    ext = os.path.splitext(path)[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    try:
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        reason = str(exc.strerror or exc).lower()
        raise InputError(f"cannot read the file: {reason}", path=path) from None
    if magic.startswith(b"\x93NUMPY"):
        return "npy"
    if magic.startswith(b"PK\x03\x04"):
        return "npz"
    if magic.startswith(b"PAR1"):
        return "parquet"
    return "text"


def _open_reader(
    path: str | os.PathLike[str], *, key: str | None, header: bool | None, stdin: IO[bytes] | None
) -> _Reader:
    display = os.fspath(path)
    if display == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _CsvReader(display, None, header=header, stream=stream)
    if not os.path.exists(display):
        raise InputError("no such file", path=display)
    fmt = _sniff_format(display)
    if os.path.isdir(display) and fmt == "parquet":
        return _ParquetReader(display, dataset=True)
    if not os.path.isfile(display):
        raise InputError("not a regular file", path=display)
    if not os.access(display, os.R_OK):
        raise InputError("permission denied", path=display)
    if fmt == "npy":
        return _NpyReader(display)
    if fmt == "npz":
        return _NpzReader(display, key=key)
    if fmt == "parquet":
        return _ParquetReader(display, dataset=False)
    preferred = {"csv": ",", "tsv": "\t"}.get(fmt)
    return _CsvReader(display, preferred, header=header, stream=None)


class _Reader:
    """A file opened for reading: its columns, then its batches."""

    display: str

    def scan(
        self,
        selectors: Sequence[str] | None,
        *,
        sep: str | None,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        raise NotImplementedError

    def schema(self) -> Schema:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _split(batch_rows: int | None, n: int) -> Iterator[tuple[int, int]]:
    step = n if not batch_rows or batch_rows >= n else batch_rows
    for start in range(0, n, max(step, 1)):
        yield start, min(n, start + step)


# ---------------------------------------------------------------------------------------------
# CSV / TSV / text
# ---------------------------------------------------------------------------------------------


class _RestartAsText(Exception):
    """A column met text after its first chunk was read as numbers: read again as text."""

    def __init__(self, column: str, value: str | None) -> None:
        super().__init__(column)
        self.column = column
        self.value = value


class _CsvReader(_Reader):
    def __init__(
        self,
        display: str,
        preferred: str | None,
        *,
        header: bool | None,
        stream: IO[bytes] | None,
    ) -> None:
        self.display = display
        self._tmp: str | None = None
        if stream is not None:
            # stdin is spooled to a temporary file: it is sniffed, and may be read twice.
            import shutil
            import tempfile

            fd, self._tmp = tempfile.mkstemp(prefix="outhead-stdin-", suffix=".csv")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
            self.file = self._tmp
            self.n_bytes: int | None = None
            self.compression: str | None = None
        else:
            self.file = display
            self.n_bytes = os.path.getsize(display)
            self.compression = _compression(display)
        self.notes: list[Diagnostic] = []
        self._sniff(preferred, header)

    def close(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)

    # -- sniffing -----------------------------------------------------------------------------
    def _sniff(self, preferred: str | None, header: bool | None) -> None:
        with _open_binary(self.file, self.compression) as fh:
            raw = _read_upto(fh, SNIFF_BYTES)
            at_eof = len(raw) < SNIFF_BYTES or not fh.read(1)
        self._refuse_binary(raw)
        bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        self.data_start = bom
        self.encoding = "utf8"
        try:
            # the sample may end inside a character: ignore its last 3 bytes
            raw[bom:].decode("utf-8") if at_eof else raw[bom:-3].decode("utf-8")
        except UnicodeDecodeError:
            # Not UTF-8: the other encoding CSV exports commonly use (Excel on Windows).
            try:
                raw[bom:].decode("cp1252")
            except UnicodeDecodeError:
                raise FormatError("the file is neither utf-8 nor cp1252 text; save it as utf-8",
                                  path=self.display) from None
            self.encoding = "cp1252"
            self.notes.append(_note("encoding", "the file is not utf-8; it was read as cp1252"))
        text = raw[bom:].decode("utf-8" if self.encoding == "utf8" else "cp1252",
                                errors="replace")
        lines = text.splitlines()
        if not at_eof and lines and not text.endswith(("\n", "\r")):
            lines = lines[:-1]  # a partial last line would look ragged
        if not at_eof:
            lines = lines[:SNIFF_LINES]
        if not any(line.strip() for line in lines):
            raise EmptyTargetError("the file is empty", path=self.display)
        # Leading blank lines carry nothing and would confuse both guesses.
        skip = 0
        while skip < len(lines) and not lines[skip].strip():
            skip += 1
        lines = lines[skip : skip + SNIFF_LINES]
        self.delimiter = detect_delimiter([ln for ln in lines if ln.strip()], preferred)
        # One column: with the extension's delimiter (``,`` for csv and standard input) when
        # no line holds it outside quotes, so that ``"Portland, OR"`` is one cell of one
        # column and ``,`` is no label separator in it.
        fallback = preferred or ("," if self._tmp is not None else None)
        if self.delimiter is None and fallback is not None and not any(
            _count_outside_quotes(ln, fallback) for ln in lines
        ):
            self.delimiter = fallback
        delim = self.delimiter or _unused_delimiter(text)
        self.parse_delimiter = delim
        rows = list(csv.reader([ln for ln in lines if ln.strip()], delimiter=delim))
        if header is None:
            self.header, reason = detect_header(rows)
            if self.header:
                self.notes.append(
                    _note(
                        "header-detected",
                        f"the first line was read as a header ({reason})",
                        "pass --no-header if it is data",
                    )
                )
        else:
            self.header = header
        first = rows[0] if rows else []
        width = len(first)
        if self.header:
            names = [v.strip() or f"unnamed_{j}" for j, v in enumerate(first)]
        else:
            names = [str(j) for j in range(width)]
        self.all_columns = _dedupe(names)
        self.decimal_point = "."
        comma_columns = _decimal_comma_columns(rows[1:] if self.header else rows,
                                               self.delimiter)
        if comma_columns:
            self.decimal_point = ","
            shown = _list_names([self.all_columns[j] for j in comma_columns])
            self.notes.append(_note(
                "decimal-comma",
                f"numbers with a decimal comma (such as 20,5) read as numbers in: {shown}",
            ))
        # Byte offset where data starts: after the BOM, leading blank lines and the header.
        with _open_binary(self.file, self.compression) as fh:
            _read_upto(fh, bom)
            n_skip = skip + (1 if self.header else 0)
            for _ in range(n_skip):
                fh.readline()
            self.data_start = fh.tell()
            self.first_data_line = n_skip + 1
            has_data = any(line.strip() for line in iter(fh.readline, b""))
        if not has_data:
            raise EmptyTargetError("the file has a header but no data rows", path=self.display)
        base = self.display[: -len(os.path.splitext(self.display)[1])] if self.compression else (
            self.display
        )
        ext = os.path.splitext(base)[1].lower()
        self.format: Format = "tsv" if self.delimiter == "\t" or ext == ".tsv" else "csv"

    def _refuse_binary(self, raw: bytes) -> None:
        """Refuse bytes that are not text (a Parquet file named ``.csv``, binary on stdin)."""
        what = _binary_kind(raw, self.compression)
        if what is None:
            return
        name, ext = what
        if ext is None:
            fix = "save it as utf-8 text" if name.endswith("text") else "give a csv, tsv, " \
                "npy, npz or parquet file"
        elif self._tmp is not None:
            fix = f"save it to a file named {ext} and pass that instead of standard input"
        else:
            fix = f"rename it {ext}"
        raise FormatError(f"looks like {name}, not csv text: {fix}", path=self.display)

    # -- parsing ------------------------------------------------------------------------------
    def _options(self, targets: Sequence[str], types: dict[str, Any], threads: bool) -> Any:
        import pyarrow.csv as pcsv

        read = pcsv.ReadOptions(column_names=list(self.all_columns), use_threads=threads,
                                encoding=self.encoding)
        parse = pcsv.ParseOptions(
            delimiter=self.parse_delimiter,
            ignore_empty_lines=len(self.all_columns) > 1,
        )
        convert = pcsv.ConvertOptions(
            include_columns=list(targets),
            column_types=types,
            decimal_point=self.decimal_point,
            null_values=list(MISSING_TOKENS),
            strings_can_be_null=STRINGS_NULL,
            quoted_strings_can_be_null=True,
            true_values=list(TRUE_VALUES),
            false_values=list(FALSE_VALUES),
            # Text is dictionary-encoded while it is parsed, on pyarrow's threads: the
            # statistics then count distinct values once instead of hashing every row again.
            auto_dict_encode=AUTO_DICT,
            auto_dict_max_cardinality=AUTO_DICT_MAX,
        )
        return read, parse, convert

    def _chunks(self, batch_rows: int | None) -> Iterator[tuple[Any, int, int]]:
        """Yield (chunk of whole lines as a memoryview, its byte offset, bytes read so far).

        Each chunk is read straight into a fresh buffer behind the partial line left over from
        the previous one (no copy of the chunk itself): memory is one chunk and its columns.
        """
        self._chunk_bytes = CSV_CHUNK_BYTES
        with _open_binary(self.file, self.compression, raw=True) as fh:
            _skip(fh, self.data_start)
            offset = self.data_start
            rest = b""
            while True:
                chunk_bytes = self._chunk_bytes
                data = bytearray(len(rest) + chunk_bytes)
                data[: len(rest)] = rest
                view = memoryview(data)
                got = _read_into(fh, view[len(rest) :])
                at_eof = got < chunk_bytes  # a short read of a regular file: its end
                size = len(rest) + got
                if size == 0:
                    return
                if at_eof:
                    # Blank lines at the very end are the editor's, not missing cells.
                    end = size
                    while end > 0 and data[end - 1] in (10, 13):
                        end -= 1
                    if end == 0:
                        return
                    cut = min(size, end + 1)
                    rest = b""
                else:
                    cut = data.rfind(b"\n", 0, size) + 1
                    if cut == 0:
                        # one very long line: read on with a bigger chunk
                        rest = bytes(view[:size])
                        self._chunk_bytes *= 2
                        continue
                    rest = bytes(view[cut:size])
                # at the end, what was read includes the blank lines left out of the chunk
                yield view[:cut], offset, offset + (size if at_eof else cut)
                offset += cut
                if at_eof:
                    return

    def _line_at(self, offset: int) -> int:
        """The 1-based line number of the byte at ``offset`` (only ever needed for an error)."""
        line = self.first_data_line
        with _open_binary(self.file, self.compression) as fh:
            _skip(fh, self.data_start)
            todo = offset - self.data_start
            while todo > 0:
                buf = fh.read(min(todo, 1 << 24))
                if not buf:
                    break
                line += buf.count(b"\n")
                todo -= len(buf)
        return line

    def _parse(self, chunk: Any, offset: int, targets: Sequence[str],
               types: dict[str, Any], fixed: bool) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        while True:
            read, parse, convert = self._options(targets, types, True)
            try:
                table = pcsv.read_csv(pa.BufferReader(pa.py_buffer(chunk)), read_options=read,
                                      parse_options=parse, convert_options=convert,
                                      memory_pool=_parse_pool())
            except pa.ArrowInvalid as exc:
                msg = str(exc)
                m = re.search(r"In CSV column #(\d+): .*conversion error to (\w+)", msg)
                if m is None:
                    self._raise_parse_error(chunk, offset, targets, types, msg)
                name = self.all_columns[int(m.group(1))]
                current = types.get(name)
                if "utf8" in msg.lower() or (
                    current is not None and (pa.types.is_dictionary(current)
                                             or pa.types.is_string(current))
                ):
                    raise FormatError(
                        f"column {name!r} is not valid {self.encoding.replace('utf8', 'utf-8')} "
                        "text",
                        path=self.display,
                    ) from None
                if current is not None and pa.types.is_integer(current):
                    types[name] = pa.float64()  # ints then 1.5: the same numbers, widened
                    continue
                if current is not None and pa.types.is_null(current):
                    del types[name]
                    continue
                if fixed:
                    bad = re.search(r"invalid value '(.*)'", msg)
                    raise _RestartAsText(name, bad.group(1) if bad else None) from None
                types[name] = _text_type()
                continue
            # A column's type is fixed by the first chunk where it has a value: later chunks
            # must convert to it (or widen int to float), as one read of the whole file would.
            for name, t in zip(table.column_names, table.schema.types, strict=True):
                if name not in types and not pa.types.is_null(t):
                    basic = (pa.types.is_integer(t) or pa.types.is_floating(t)
                             or pa.types.is_boolean(t) or pa.types.is_dictionary(t)
                             or pa.types.is_string(t))
                    types[name] = t if basic else _text_type()
            return table

    def _raise_parse_error(self, chunk: Any, offset: int, targets: Sequence[str],
                           types: dict[str, Any], msg: str) -> NoReturn:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        found: list[Any] = []

        def handler(row: Any) -> str:
            found.append(row)
            return "error"

        read, parse, convert = self._options(targets, types, False)
        parse.invalid_row_handler = handler
        with contextlib.suppress(pa.ArrowInvalid):
            pcsv.read_csv(pa.BufferReader(pa.py_buffer(chunk)), read_options=read,
                          parse_options=parse, convert_options=convert)
        if found:
            row = found[0]
            first_line = self._line_at(offset)
            line = first_line + row.number - 1 if row.number is not None else None
            where = f"line {line}" if line is not None else "a line"
            raise FormatError(
                f"ragged row at {where}: expected {row.expected_columns} fields, "
                f"found {row.actual_columns}",
                path=self.display,
            ) from None
        raise FormatError(f"cannot parse the file: {msg[:1].lower() + msg[1:]}",
                          path=self.display) from None

    def scan(
        self,
        selectors: Sequence[str] | None,
        *,
        sep: str | None,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:

        idx = select_columns(self.all_columns, selectors, path=self.display)
        targets = [self.all_columns[i] for i in idx]
        text_columns: set[str] = set()
        while True:
            types: dict[str, Any] = {name: _text_type() for name in text_columns}
            try:
                stats = self._scan_once(targets, types, sep, progress, batch_rows, matrix)
            except _RestartAsText as restart:
                if restart.column in text_columns:  # never loop: text cannot fail to convert
                    raise FormatError(f"cannot read column {restart.column!r}",
                                      path=self.display) from None
                text_columns.add(restart.column)
                example = f" (such as {restart.value!r})" if restart.value is not None else ""
                self.notes.append(
                    Diagnostic(
                        code="mixed-types",
                        message=f"column {restart.column!r} holds numbers and text{example}; "
                        "it was read as text",
                        fix="fix or remove the odd cells, or mark them missing (NA)",
                        severity="warning",
                    )
                )
                continue
            return stats

    def _scan_once(
        self,
        targets: list[str],
        types: dict[str, Any],
        sep: str | None,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:

        acc = StatsAccumulator(targets, matrix=matrix, separator=sep,
                               field_delimiter=self.delimiter)
        chunks = self._chunks(batch_rows)
        first = next(chunks, None)
        if first is not None:
            chunk, offset, done = first
            table = self._parse(chunk, offset, targets, types, False)
            if table.nbytes:
                per_text_byte = table.select(targets).nbytes / len(chunk)
                wanted = int(CSV_TABLE_BYTES / max(per_text_byte, 1e-3))
                self._chunk_bytes = max(CSV_CHUNK_MIN, min(CSV_CHUNK_MAX, wanted))
            # The next chunk is parsed (on pyarrow's threads, without the GIL) while this one
            # is folded into the statistics.
            with ThreadPoolExecutor(1, thread_name_prefix="outhead-csv") as pool:
                while table is not None:
                    nxt = next(chunks, None)
                    pending = (
                        pool.submit(self._parse, nxt[0], nxt[1], targets, types, True)
                        if nxt is not None
                        else None
                    )
                    try:
                        self._fold_table(acc, table, targets, batch_rows)
                    except BaseException:
                        if pending is not None:
                            pending.cancel()
                        raise
                    if progress is not None:
                        # compressed: the bytes done are decompressed ones, the total unknown
                        progress(done, None if self.compression else self.n_bytes)
                    if nxt is None or pending is None:
                        table = None
                    else:
                        table = pending.result()
                        done = nxt[2]
        if acc.n_rows == 0:
            raise EmptyTargetError("the file has a header but no data rows", path=self.display)
        return acc.result(self._source(targets), self.notes)

    @staticmethod
    def _fold_table(acc: StatsAccumulator, table: Any, targets: Sequence[str],
                    batch_rows: int | None) -> None:
        # One record batch per parsed block: no copy to join the blocks of a column.
        for batch in table.select(list(targets)).to_batches():
            cols = batch.columns
            for start, stop in _split(batch_rows, batch.num_rows):
                acc.add_columns([c.slice(start, stop - start) for c in cols])

    def _source(self, targets: Sequence[str]) -> Source:
        return Source(
            path=self.display,
            format=self.format,
            columns=tuple(targets),
            all_columns=tuple(self.all_columns),
            header=self.header,
            delimiter=self.delimiter if self.delimiter is not None else self.parse_delimiter,
            decimal=self.decimal_point,
            n_bytes=self.n_bytes,
        )

    def schema(self) -> Schema:
        targets = list(self.all_columns)
        for chunk, offset, _ in self._chunks(None):
            cut: Any = bytes(chunk[: 1 << 20])
            if len(chunk) > len(cut):
                cut = cut[: cut.rfind(b"\n") + 1] or chunk
            table = self._parse(cut, offset, targets, {}, False)
            types = tuple(_column_type(t) for t in table.schema.types)
            return Schema(self._source(targets), types)
        return Schema(self._source(targets), tuple("empty" for _ in targets))


def _read_upto(fh: Any, n: int) -> bytes:
    """Up to ``n`` bytes (raw and decompressing streams may return less per read)."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        b = fh.read(n - got)
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def _skip(fh: Any, n: int) -> None:
    """Move to byte ``n`` (a decompressing stream seeks by reading)."""
    fh.seek(n)


def _read_into(fh: Any, view: memoryview) -> int:
    """Fill ``view`` from ``fh`` (raw reads may return less than asked); bytes read."""
    total = 0
    while total < len(view):
        n = fh.readinto(view[total:])
        if not n:
            break
        total += n
    return total


def _parse_pool() -> Any:
    """The memory pool of the CSV parser: the system allocator, which hands the memory of a
    parsed chunk back as soon as it is freed (mimalloc, pyarrow's default, keeps pages around,
    so that resident memory crept up with the file size)."""
    import pyarrow as pa

    return pa.system_memory_pool()


def _text_type() -> Any:
    import pyarrow as pa

    return pa.dictionary(pa.int32(), pa.string())


#: Magic bytes of binary formats a text file may turn out to be: (what it is, its extension).
_MAGIC: tuple[tuple[bytes, str, str | None], ...] = (
    (b"PAR1", "a Parquet file", ".parquet"),
    (b"\x93NUMPY", "an NPY file", ".npy"),
    (b"PK\x03\x04", "a zip archive (NPZ)", ".npz"),
    (b"\x1f\x8b", "a gzip file", ".csv.gz"),
    (b"BZh", "a bzip2 file", ".csv.bz2"),
    (b"\xfd7zXZ\x00", "an xz file", ".csv.xz"),
    (b"\xff\xfe", "utf-16 text", None),
    (b"\xfe\xff", "utf-16 text", None),
)


def _binary_kind(raw: bytes, compression: str | None) -> tuple[str, str | None] | None:
    """What the first bytes of a supposed text file look like when they are not text."""
    for magic, name, ext in _MAGIC:
        if raw.startswith(magic):
            if magic == b"BZh" and not raw[3:4].isdigit():
                continue  # a text file may start with "BZh"
            return name, ext
    if b"\x00" in raw:
        return "a binary file", None
    return None


_DECIMAL_COMMA = re.compile(r"[-+]?\d+(,\d+)?")
_DECIMAL_DOT = re.compile(r"[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+")


def _decimal_comma_columns(rows: Sequence[Sequence[str]], delimiter: str | None) -> list[int]:
    """Columns of sniffed data rows holding numbers with a decimal comma (``20,53``).

    Only when the field delimiter is not ``,``, a column qualifies when each of its present
    cells is digits with at most one comma and some has one; and none of the file's columns may
    hold numbers with a decimal point (``1.5``), which a decimal comma would turn into text.
    Thousands separators (``1.234,5``) are left alone: such a column stays text.
    """
    if delimiter is None or delimiter == "," or not rows:
        return []
    width = max(len(r) for r in rows)
    found: list[int] = []
    for j in range(width):
        cells = [c for r in rows if j < len(r) and (c := r[j].strip()) not in _MISSING]
        if any(_DECIMAL_DOT.fullmatch(c) for c in cells):
            return []
        if cells and any("," in c for c in cells) and all(
            _DECIMAL_COMMA.fullmatch(c) for c in cells
        ):
            found.append(j)
    return found


def _unused_delimiter(text: str) -> str:
    for d in (",", "\t", ";", "|", "\x1f"):
        if d not in text:
            return d
    return "\x1f"


def _dedupe(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            name = candidate
        seen.setdefault(name, 0)
        out.append(name)
    return out


# ---------------------------------------------------------------------------------------------
# NPY / NPZ
# ---------------------------------------------------------------------------------------------


def _array_columns(shape: tuple[int, ...], dtype: Any, display: str) -> list[str]:
    if dtype.hasobject:
        raise FormatError(
            "object arrays are refused: reading them would unpickle code (save the labels as "
            "strings, numbers or bools)",
            path=display,
        )
    if dtype.names:
        raise FormatError("structured arrays are not supported; save one plain array",
                          path=display)
    if dtype.kind not in "biufUS":
        raise FormatError(
            f"arrays of dtype {dtype} are not supported; expected numbers, bools or strings",
            path=display,
        )
    if len(shape) == 0 or len(shape) > 2:
        raise FormatError(
            f"arrays of {len(shape)} dimensions are not supported; expected 1 (a vector) or 2 "
            "(rows x columns)",
            path=display,
        )
    if shape[0] == 0 or (len(shape) == 2 and shape[1] == 0):
        raise EmptyTargetError("the array has no rows", path=display)
    k = 1 if len(shape) == 1 else shape[1]
    return [str(j) for j in range(k)]


def _read_npy_header(fh: IO[bytes], display: str) -> tuple[tuple[int, ...], bool, Any]:
    import numpy as np

    magic = fh.read(6)
    if magic != b"\x93NUMPY":
        raise FormatError("not a .npy file (no NPY magic bytes)", path=display)
    fmt = np.lib.format
    try:
        major, minor = fh.read(2)
        if major == 1:
            return fmt.read_array_header_1_0(fh)
        if major in (2, 3):
            return fmt.read_array_header_2_0(fh)
    except ValueError as exc:
        raise FormatError(f"corrupt .npy header: {exc}".lower(), path=display) from None
    raise FormatError(f"unsupported .npy version {major}.{minor}", path=display)


def _fold_array_batch(acc: StatsAccumulator, block: Any, idx: Sequence[int], k: int,
                      display: str) -> None:
    """Fold rows of a 1-D or 2-D array, decoding bytes and keeping only the target columns."""

    if block.ndim == 1:
        block = block.reshape(-1, 1)
    if len(idx) != k or list(idx) != list(range(k)):
        block = block[:, idx]
    if block.dtype.kind in "US" or block.shape[1] == 1:
        try:
            acc.add_columns([block[:, j] for j in range(block.shape[1])])
        except Exception as exc:
            if block.dtype.kind == "S" and type(exc).__module__.startswith("pyarrow"):
                # bytes (dtype S) are decoded as UTF-8 on their way to pyarrow
                raise FormatError("bytes labels are not valid utf-8", path=display) from None
            raise
    else:
        acc.add_matrix(block)


def _page_releaser(arr: Any, data_offset: int) -> Callable[[int, int], None]:
    """A function that drops the pages of a read range of a memory map from this process.

    Pages of a memory-mapped file count in the resident memory of the process once touched;
    dropping them as the scan moves on keeps memory flat in the size of the file (they are
    clean file pages: the kernel reads them again if they are ever touched again).
    """
    import mmap

    mm = getattr(arr, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return lambda start, stop: None
    page = mmap.PAGESIZE
    # numpy maps from a page-aligned offset below the array's start
    base = data_offset - (data_offset % mmap.ALLOCATIONGRANULARITY)
    lead = data_offset - base

    def release(start: int, stop: int) -> None:
        lo = (lead + start) // page * page
        hi = (lead + stop) // page * page
        if hi > lo:
            with contextlib.suppress(OSError, ValueError):
                mm.madvise(mmap.MADV_DONTNEED, lo, hi - lo)

    return release


class _ArrayReader(_Reader):
    """What the NPY and NPZ readers share: one array of ``shape`` and ``dtype``."""

    format: Format
    key: str | None = None
    shape: tuple[int, ...]
    dtype: Any
    all_columns: list[str]
    n_bytes: int

    def _source(self, targets: Sequence[str]) -> Source:
        return Source(path=self.display, format=self.format, columns=tuple(targets),
                      all_columns=tuple(self.all_columns), key=self.key, n_bytes=self.n_bytes)

    def schema(self) -> Schema:
        t = _numpy_column_type(self.dtype)
        return Schema(self._source(self.all_columns), tuple(t for _ in self.all_columns),
                      n_rows=self.shape[0])

    def _start(self, selectors: Sequence[str] | None, sep: str | None, batch_rows: int | None,
               matrix: bool) -> tuple[list[int], list[str], int, int, int, StatsAccumulator]:
        """(column indices, target names, columns, bytes per row, rows per batch, accumulator)."""
        idx = select_columns(self.all_columns, selectors, path=self.display)
        targets = [self.all_columns[i] for i in idx]
        k = len(self.all_columns)
        row_bytes = max(1, self.dtype.itemsize * k)
        step = max(1, BINARY_BATCH_BYTES // row_bytes)
        if batch_rows:
            step = min(step, batch_rows)
        return idx, targets, k, row_bytes, step, StatsAccumulator(targets, matrix=matrix,
                                                                   separator=sep)


class _NpyReader(_ArrayReader):
    format: Format = "npy"

    def __init__(self, display: str) -> None:
        self.display = display
        with open(display, "rb") as fh:
            self.shape, self.fortran, self.dtype = _read_npy_header(fh, display)
        self.all_columns = _array_columns(self.shape, self.dtype, display)
        self.n_bytes = os.path.getsize(display)

    def scan(
        self,
        selectors: Sequence[str] | None,
        *,
        sep: str | None,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        import numpy as np

        idx, targets, k, row_bytes, step, acc = self._start(selectors, sep, batch_rows, matrix)
        try:
            arr = np.load(self.display, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FormatError(f"cannot read the array: {exc}".lower(), path=self.display) from None
        n = arr.shape[0]
        header_bytes = self.n_bytes - n * row_bytes
        release = _page_releaser(arr, header_bytes)
        for start in range(0, n, step):
            stop = min(n, start + step)
            _fold_array_batch(acc, arr[start:stop], idx, k, self.display)
            release(start * row_bytes, stop * row_bytes)
            if progress is not None:
                progress(header_bytes + stop * row_bytes, self.n_bytes)
        del arr
        return acc.result(self._source(targets))


class _NpzReader(_ArrayReader):
    format: Format = "npz"

    def __init__(self, display: str, *, key: str | None) -> None:
        import zipfile

        self.display = display
        self.n_bytes = os.path.getsize(display)
        try:
            self.zf = zipfile.ZipFile(display)
        except (zipfile.BadZipFile, OSError):
            raise FormatError("not a .npz file (not a zip archive)", path=display) from None
        members = [m for m in self.zf.namelist() if m.endswith(".npy")]
        keys = [m[: -len(".npy")] for m in members]
        if not keys:
            raise FormatError("the .npz archive holds no arrays", path=display)
        if key is None:
            if len(keys) > 1:
                raise UsageError(
                    f"the archive holds several arrays; choose one with --key: {_list_names(keys)}",
                    path=display,
                )
            key = keys[0]
        elif key not in keys:
            raise UsageError(f"no array {key!r} in the archive; keys are: {_list_names(keys)}",
                             path=display)
        self.key = key
        self.member = key + ".npy"
        with self.zf.open(self.member) as fh:
            self.shape, self.fortran, self.dtype = _read_npy_header(fh, display)
        self.all_columns = _array_columns(self.shape, self.dtype, display)

    def close(self) -> None:
        self.zf.close()

    def scan(
        self,
        selectors: Sequence[str] | None,
        *,
        sep: str | None,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        import numpy as np

        idx, targets, k, row_bytes, step, acc = self._start(selectors, sep, batch_rows, matrix)
        n = self.shape[0]
        with self.zf.open(self.member) as fh:
            _read_npy_header(fh, self.display)
            if self.fortran and k > 1:
                # Column-major data cannot be cut into rows while streaming: read it whole.
                data = np.frombuffer(fh.read(), dtype=self.dtype)
                whole = data.reshape(self.shape, order="F")
                for start in range(0, n, step):
                    _fold_array_batch(acc, whole[start : start + step], idx, k, self.display)
            else:
                done = 0
                while done < n:
                    rows = min(step, n - done)
                    buf = fh.read(rows * row_bytes)
                    if len(buf) < rows * row_bytes:
                        raise FormatError("the array in the archive is truncated",
                                          path=self.display)
                    block = np.frombuffer(buf, dtype=self.dtype)
                    block = block.reshape(rows, k) if len(self.shape) == 2 else block
                    _fold_array_batch(acc, block, idx, k, self.display)
                    done += rows
                    if progress is not None:
                        progress(int(self.n_bytes * done / n), self.n_bytes)
        return acc.result(self._source(targets))


# ---------------------------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------------------------


#: Joins the labels of a list cell (Parquet ``list<string>``) into one label-set cell.
LIST_SEPARATOR = "|"


def _arrow_kind(arrow_type: Any) -> str | None:
    """``scalar`` for types a target column can have, ``list`` for lists of them, else None."""
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return "list" if _arrow_kind(t.value_type) == "scalar" else None
    if pa.types.is_nested(t) or pa.types.is_union(t):
        return None
    return "scalar"


def _join_list(arr: Any, sep: str) -> Any:
    """One text cell per row from a list column: the labels joined by ``sep``. An empty list
    is an empty set of labels (``''``, counted with 0 labels); a null list is missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_fixed_size_list(arr.type) or pa.types.is_large_list(arr.type):
        arr = arr.cast(pa.list_(arr.type.value_type))
    if pa.types.is_dictionary(arr.type.value_type):
        arr = arr.cast(pa.list_(arr.type.value_type.value_type))
    if not pa.types.is_string(arr.type.value_type):
        arr = arr.cast(pa.list_(pa.string()))
    from outhead.stats import string_array

    # a scalar taken out of an array: pa.scalar() would import pandas
    return pc.binary_join(arr, string_array([sep])[0])


def _parquet_files(directory: str) -> list[str]:
    """The Parquet files under a dataset directory, in a stable order.

    Hidden and underscore files (``_SUCCESS``, ``.crc``) are skipped, as Spark and pyarrow do.
    ``pyarrow.dataset`` is not used: importing it imports pandas.
    """
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if name.startswith((".", "_")):
                continue
            if name.lower().endswith((".parquet", ".pq", ".parq")):
                found.append(os.path.join(root, name))
    return found


class _ParquetReader(_Reader):
    """One Parquet file, or a directory of them read one after the other as one target."""

    def __init__(self, display: str, *, dataset: bool) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.display = display
        self.files = _parquet_files(display) if dataset else [display]
        if not self.files:
            raise EmptyTargetError("the directory holds no parquet files", path=display)
        self.parts: list[Any] = []
        names: list[str] = []
        types: dict[str, Any] = {}
        for f in self.files:
            try:
                pf = pq.ParquetFile(f)
            except (pa.ArrowInvalid, OSError) as exc:
                what = f"a parquet file ({os.path.relpath(f, display)})" if dataset else (
                    "a parquet file"
                )
                raise FormatError(f"not {what}: {str(exc).lower()}", path=display) from None
            self.parts.append(pf)
            for field in pf.schema_arrow:
                if field.name not in types:
                    names.append(field.name)
                    types[field.name] = field.type
        self.all_columns = names
        self.arrow_types = [types[n] for n in names]
        self.n_bytes = sum(os.path.getsize(f) for f in self.files)
        self.num_rows = sum(pf.metadata.num_rows for pf in self.parts)
        if self.num_rows == 0:
            raise EmptyTargetError("the file has no rows", path=display)

    def close(self) -> None:
        for pf in self.parts:
            pf.close()

    def _source(self, targets: Sequence[str]) -> Source:
        return Source(path=self.display, format="parquet", columns=tuple(targets),
                      all_columns=tuple(self.all_columns), n_bytes=self.n_bytes)

    def schema(self) -> Schema:
        types = tuple(_column_type(t) for t in self.arrow_types)
        return Schema(self._source(self.all_columns), types, n_rows=self.num_rows)

    def scan(
        self,
        selectors: Sequence[str] | None,
        *,
        sep: str | None,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        import pyarrow as pa

        idx = select_columns(self.all_columns, selectors, path=self.display)
        targets = [self.all_columns[i] for i in idx]
        size = min(batch_rows, PARQUET_BATCH_ROWS) if batch_rows else PARQUET_BATCH_ROWS
        acc = StatsAccumulator(targets, matrix=matrix, separator=sep)
        done = 0
        lists = set()
        notes: list[Diagnostic] = []
        for t in targets:
            kind = _arrow_kind(self.arrow_types[self.all_columns.index(t)])
            if kind == "list":
                lists.add(t)
            elif kind is None:
                typ = self.arrow_types[self.all_columns.index(t)]
                raise ColumnError(f"column {t!r} has type {typ}, which cannot be a target",
                                  path=self.display)
        if lists and len(targets) == 1 and sep is None:
            # a list column is a label set per row: its cells are joined with "|" to be counted
            sep = LIST_SEPARATOR
            notes.append(_note("labelset-list", f"column {targets[0]!r} holds lists: read as "
                               "sets of labels"))
            # labels out of a list are exact: an empty list is an empty set, not a missing cell
            acc = StatsAccumulator(targets, matrix=matrix, separator=sep, missing_tokens=())
        try:
            for pf in self.parts:
                have = [t for t in targets if t in pf.schema_arrow.names]
                for batch in pf.iter_batches(batch_size=size, columns=have):
                    n = batch.num_rows
                    cols = [
                        (_join_list(batch.column(have.index(t)), sep or LIST_SEPARATOR)
                         if t in lists else batch.column(have.index(t)))
                        if t in have else pa.nulls(n)
                        for t in targets
                    ]
                    for start, stop in _split(batch_rows, n):
                        acc.add_columns([c.slice(start, stop - start) for c in cols])
                    done += n
                    if progress is not None:
                        progress(int(self.n_bytes * done / self.num_rows), self.n_bytes)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FormatError(f"cannot read the parquet data: {str(exc).lower()}",
                              path=self.display) from None
        return acc.result(self._source(targets), notes)
