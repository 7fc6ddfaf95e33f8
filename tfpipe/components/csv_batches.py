"""CSV rows to tf.Examples, a batch at a time.

Rows are parsed in batches; each column's type is found with Arrow's vectorised
regular expressions, and a batch becomes tf.Examples through an Arrow RecordBatch and
tfx-bsl's C++ encoder (as TFX's own CsvExampleGen does), not one protobuf at a time in
Python. An empty cell is a missing value: the feature is present with no values.
"""
from __future__ import annotations

import csv
import os

from ..errors import InputDataError

# Column kinds, from narrowest to widest: a column takes the widest kind of its cells.
EMPTY, INT, FLOAT, BYTES = 0, 1, 2, 3
_INT = r"^[+-]?\d+$"
_FLOAT = r"(?i)^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|nan|inf|infinity)$"
BATCH_SIZE = 2000


def decode(line: bytes, path: str, node: str) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"{os.path.basename(path)} is not UTF-8 text: byte {line[exc.start]:#04x} in row "
            f"{line[:80]!r}.", node=node, fix="save the file as UTF-8 (e.g. iconv -f latin1 -t "
            "utf-8)") from None


class ParseBatch:
    """[(file, line bytes)] -> (line bytes, columns of cells), refusing malformed rows."""

    def __init__(self, header: list[str], node: str):
        self.header = header
        self.node = node

    def __call__(self, batch):
        width = len(self.header)
        lines, rows = [], []
        for path, line in batch:
            text = decode(line, path, self.node).rstrip("\r\n")
            cells = next(csv.reader([text]), []) if '"' in text else text.split(",")
            if len(cells) != width:
                raise InputDataError(
                    f"{os.path.basename(path)}: a row has {len(cells)} columns but the header "
                    f"has {width}: {text[:120]!r}.", node=self.node,
                    fix="make every row have one cell per header column (empty cells are "
                    "allowed)")
            lines.append(line)
            rows.append(cells)
        return lines, [list(col) for col in zip(*rows)]


def column_kind(cells: list[str]) -> tuple[int, bool, str | None]:
    """(kind, whether any cell is a number, a text cell if any) of one column's cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(cells, pa.large_string())
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


def _list_column(cells: list[str], kind: int):
    """One column as an Arrow list array: [value] per filled cell, null per empty one."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(cells, pa.large_string())
    empty = pc.equal(arr, "").to_numpy(zero_copy_only=False)
    target = {INT: pa.int64(), FLOAT: pa.float32()}.get(kind, pa.large_binary())
    values = pc.cast(pc.filter(arr, pa.array(~empty)), target)
    offsets = np.concatenate([[0], np.cumsum(~empty)]).astype(np.int64)
    return pa.LargeListArray.from_arrays(
        pa.array(offsets, mask=np.concatenate([empty, [False]])), values)


class EncodeBatch:
    """(lines, columns) -> [(line, serialized tf.Example)] with tfx-bsl's encoder."""

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
        return list(zip(lines, self._encoder.encode(batch)))
