"""Arrow arrays to and from NumPy through their buffers, never through pandas.

``Array.to_numpy`` and ``pyarrow.array`` (and any Python scalar handed to pyarrow) import
pandas, which costs 0.4 s at start-up: the readers and the statistics use these instead.
"""

from __future__ import annotations

from typing import Any


def _np() -> Any:
    import numpy

    return numpy


def _pa() -> Any:
    import pyarrow

    return pyarrow


_ARROW_NUMPY_TYPES = {
    "int8": "i1", "int16": "i2", "int32": "i4", "int64": "i8",
    "uint8": "u1", "uint16": "u2", "uint32": "u4", "uint64": "u8",
    "halffloat": "f2", "float": "f4", "double": "f8",
}  # fmt: skip


def arrow_to_numpy(arr: Any) -> tuple[Any, Any]:
    """The values and the missing mask (None when nothing is missing) of a primitive Array.

    Read straight from the Arrow buffers: ``Array.to_numpy`` (and any Python scalar handed to
    pyarrow) imports pandas, which costs 0.4 s at start-up. Values under a null are arbitrary.
    """
    np = _np()
    n = len(arr)
    off = arr.offset
    bufs = arr.buffers()
    if str(arr.type) == "bool":
        bits = np.unpackbits(np.frombuffer(bufs[1], dtype=np.uint8), bitorder="little")
        values = bits[off : off + n].astype(bool)
    else:
        dtype = np.dtype(_ARROW_NUMPY_TYPES[str(arr.type)])
        values = np.frombuffer(bufs[1], dtype=dtype, count=n, offset=off * dtype.itemsize)
    missing = None
    if arr.null_count and bufs[0] is not None:
        bits = np.unpackbits(np.frombuffer(bufs[0], dtype=np.uint8), bitorder="little")
        missing = bits[off : off + n] == 0
    return values, missing


def string_array(values: Any) -> Any:
    """A pyarrow string array from a numpy ``U``/``S``/object array or a list (None = null).

    Built from buffers, without ``pyarrow.array`` (which imports pandas).
    """
    np = _np()
    pa = _pa()
    arr = np.asarray(values) if not isinstance(values, list) else None
    if arr is not None and arr.dtype.kind in "US":
        return _fixed_width_strings(arr)
    else:
        items: list[Any] = [
            None if v is None else (v if isinstance(v, bytes) else str(v).encode("utf-8"))
            for v in (values if isinstance(values, list) else values.tolist())
        ]
    n = len(items)
    lengths = np.fromiter((len(b) if b is not None else 0 for b in items), np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = b"".join(b for b in items if b is not None)
    validity = None
    null_count = 0
    if any(b is None for b in items):
        valid = np.fromiter((b is not None for b in items), bool, count=n)
        null_count = int(n - valid.sum())
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(
        pa.large_string(),
        n,
        [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=null_count,
    ).cast(pa.string())


def _fixed_width_strings(arr: Any) -> Any:
    """A numpy ``U``/``S`` array as a pyarrow string array, without a Python loop per row: the
    UTF-8 bytes of each cell are cut out of the fixed-width buffer with one boolean mask."""
    np = _np()
    pa = _pa()
    arr = np.ascontiguousarray(arr.reshape(-1))
    n = len(arr)
    cells = None
    if arr.dtype.kind == "U" and n and arr.dtype.itemsize:
        points = arr.view(np.uint32).reshape(n, arr.dtype.itemsize // 4)
        if bool((points < 128).all()):
            # ASCII (most labels): the UTF-8 bytes are the code points; numpy's encode would
            # call the codec once per cell
            cells = points.astype(np.uint8)
    if cells is None:
        encoded = np.char.encode(arr, "utf-8") if arr.dtype.kind == "U" else arr
        encoded = np.ascontiguousarray(encoded)
        width = encoded.dtype.itemsize
        cells = encoded.view(np.uint8).reshape(n, width) if n and width else None
        arr = encoded
    lengths = np.char.str_len(arr).astype(np.int64) if n else np.zeros(0, np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if cells is None:
        data = np.zeros(0, dtype=np.uint8)
    else:
        data = cells[np.arange(cells.shape[1]) < lengths[:, None]]
    out = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    out.validate(full=True)  # bytes that are not UTF-8 raise pyarrow.ArrowInvalid here
    return out.cast(pa.string())
