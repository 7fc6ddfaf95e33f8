"""Column types of CSV cells and their conversion to tf.Examples.

Each column's kind is found with Arrow's vectorised regular expressions; a column takes
the widest kind of its cells, and numbers mixed with text are an error. A batch of
columns becomes tf.Examples through an Arrow RecordBatch and tfx-bsl's C++ encoder (as
TFX's own CsvExampleGen does), not one protobuf at a time in Python. An empty cell is a
missing value: the feature is present with no values.
"""
from __future__ import annotations

from ..errors import InputDataError

# Column kinds, from narrowest to widest: a column takes the widest kind of its cells.
EMPTY, INT, FLOAT, BYTES = 0, 1, 2, 3
KIND_NAMES = ("empty", "integer", "float", "text")
_INT = r"^[+-]?\d+$"
_FLOAT = r"(?i)^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|nan|inf|infinity)$"


def widens(found: list, kinds: list[int]) -> bool:
    """Whether a batch's column kinds (``column_kind``) are wider than ``kinds``."""
    return any(kind > known for (kind, _, _), known in zip(found, kinds))


def _arrow(cells):
    """A column's cells (a list of str, or an Arrow array of them) as a large_string array."""
    import pyarrow as pa

    if isinstance(cells, pa.Array):
        return cells if cells.type == pa.large_string() else cells.cast(pa.large_string())
    return pa.array(cells, pa.large_string())


def column_kind(cells) -> tuple[int, bool, str | None]:
    """(kind, whether any cell is a number, a text cell if any) of one column's cells."""
    import pyarrow.compute as pc

    arr = _arrow(cells)
    filled = pc.not_equal(arr, "")
    n_filled = pc.sum(filled).as_py() or 0
    if not n_filled:
        return EMPTY, False, None
    is_float = pc.match_substring_regex(arr, _FLOAT)
    n_float = pc.sum(is_float).as_py() or 0
    if n_float == n_filled:
        n_int = pc.sum(pc.match_substring_regex(arr, _INT)).as_py() or 0
        return (INT if n_int == n_filled else FLOAT), True, None
    text = pc.filter(arr, pc.and_(filled, pc.invert(is_float)))[0].as_py()
    return BYTES, n_float > 0, text


def batch_kind(cells, kind: int) -> tuple[int, bool, str | None]:
    """``column_kind`` of a batch of a column known to be of ``kind`` so far, cheaply
    when it still is: for a number column, the filled cells all cast to Arrow's int64
    (float32), whose parser accepts no more than the regular expressions once hex
    numbers ("0x..") and NaN payloads ("nan(..)") are set aside. The kind found may then
    be wider than the batch's own (a float column's batch of integers), never wider
    than the column's."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind in (INT, FLOAT):
        arr = _arrow(cells)
        filled = pc.filter(arr, pc.not_equal(arr, ""))
        if not len(filled):
            return EMPTY, False, None
        if not pc.any(pc.match_substring(filled, "x" if kind == INT else "(",
                                         ignore_case=True)).as_py():
            try:
                pc.cast(filled, pa.int64() if kind == INT else pa.float32())
                return kind, True, None
            except pa.ArrowInvalid:
                pass
    return column_kind(cells)


def merge_kinds(a, b):
    """Combine the (kind, numeric, text) of one column over two batches."""
    return (max(a[0], b[0]), a[1] or b[1], a[2] if a[2] is not None else b[2])


def check_kinds(kinds, header: list[str], node: str) -> list[int]:
    """The kind of every column; a column of numbers and text is an error."""
    for name, (_, numeric, text) in zip(header, kinds):
        if numeric and text is not None:
            raise InputDataError(
                f"column {name!r} holds numbers in some rows and text in others "
                f"(e.g. {text[:40]!r}).", node=node,
                fix="make the column's values all numbers (leave a cell empty for a missing "
                "value) or all text")
    return [kind for kind, _, _ in kinds]


def _list_column(cells, kind: int):
    """One column as an Arrow list array: [value] per filled cell, null per empty one."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow(cells)
    empty = pc.equal(arr, "").to_numpy(zero_copy_only=False)
    target = {INT: pa.int64(), FLOAT: pa.float32()}.get(kind, pa.large_binary())
    values = pc.cast(pc.filter(arr, pa.array(~empty)), target)
    offsets = np.concatenate([[0], np.cumsum(~empty)]).astype(np.int64)
    return pa.LargeListArray.from_arrays(
        pa.array(offsets, mask=np.concatenate([empty, [False]])), values)


class EncodeBatch:
    """(lines, columns) -> ([(line, serialized tf.Example)], the RecordBatch encoded)
    with tfx-bsl's encoder."""

    def __init__(self, header: list[str]):
        self.header = header
        self._encoder = None

    def __call__(self, parsed, kinds: list[int]):
        import pyarrow as pa
        from tfx_bsl.coders import example_coder

        lines, columns = parsed
        if self._encoder is None:
            self._encoder = example_coder.RecordBatchToExamplesEncoder()
        batch = pa.RecordBatch.from_arrays(
            [_list_column(col, kind) for col, kind in zip(columns, kinds)], self.header)
        return list(zip(lines, self._encoder.encode(batch))), batch
