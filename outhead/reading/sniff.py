"""Reading the shape of text: delimiter, header, row index, column selectors, decimal commas."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from outhead.errors import (
    ColumnError,
)
from outhead.reading.base import _list_names
from outhead.stats import (
    MISSING_TOKENS,
)

#: Text looked at to sniff the delimiter and the header.
SNIFF_BYTES = 64 << 10
SNIFF_LINES = 2000
DELIMITERS = (",", "\t", ";", "|")
TRUE_VALUES = ("True", "true", "TRUE")
FALSE_VALUES = ("False", "false", "FALSE")


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
