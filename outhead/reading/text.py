"""CSV and TSV (also compressed, and standard input): parsed by ``pyarrow.csv`` in chunks."""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, NoReturn

from outhead.diagnostics import Diagnostic
from outhead.errors import (
    EmptyTargetError,
    FormatError,
)
from outhead.reading.base import (
    Schema,
    _binary_kind,
    _column_type,
    _compression,
    _list_names,
    _note,
    _open_binary,
    _Reader,
    _split,
)
from outhead.reading.options import Progress, ReadOptions
from outhead.reading.sniff import (
    FALSE_VALUES,
    SNIFF_BYTES,
    SNIFF_LINES,
    TRUE_VALUES,
    _count_outside_quotes,
    _decimal_comma_columns,
    _dedupe,
    _unused_delimiter,
    detect_delimiter,
    detect_header,
    select_columns,
)
from outhead.stats import (
    MISSING_TOKENS,
    Format,
    Source,
    StatsAccumulator,
    TargetStats,
)

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
        options: ReadOptions,
        *,
        progress: Progress | None,
        batch_rows: int | None,
        matrix: bool,
    ) -> TargetStats:
        selectors, sep = options.columns, options.sep
        self._text_profile = options.text_profile
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
                        column=restart.column,
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
                               field_delimiter=self.delimiter,
                               text_profile=self._text_profile)
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
