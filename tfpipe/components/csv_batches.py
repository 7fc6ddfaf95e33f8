"""CSV rows to tf.Examples, a batch at a time.

A file with no quote character is read line by line (Beam splits a big file between
workers); a file with quotes is read whole by one worker with Python's csv module, so
quoted fields may hold commas, quotes and line breaks (RFC 4180). Rows are parsed in
batches; each column's type is found with Arrow's vectorised
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


MAX_HEADER_BYTES = 4 << 20  # a header line longer than this is refused before parsing
MAX_COLUMNS = 10_000


def decode(line: bytes, path: str, node: str, line_number: int | None = None) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = f" on line {line_number}" if line_number else ""
        raise InputDataError(
            f"{os.path.basename(path)} is not UTF-8 text: byte {line[exc.start]:#04x}{where} in "
            f"row {line[:80]!r}.", node=node, fix="save the file as UTF-8 (e.g. iconv -f latin1 "
            "-t utf-8)") from None


def read_header(path: str, node: str) -> list[str]:
    """The column names on the first line, refused quickly (without reading the rest)
    when missing, absurdly long or wide, blank or repeated."""
    name = os.path.basename(path)
    with open(path, "rb") as f:
        first = f.readline(MAX_HEADER_BYTES + 1)
    if len(first) > MAX_HEADER_BYTES:
        raise InputDataError(f"{name}: the header line is over {MAX_HEADER_BYTES >> 20} MB long "
                             "(is this a CSV file with a header row?).", node=node,
                             fix=f"give the CSV a header row of at most {MAX_COLUMNS} column "
                             "names, then one data row per line")
    text = decode(first, path, node, 1).strip("\r\n\ufeff")
    if not text.strip():
        raise InputDataError(f"{name} is empty: it has no header row.",
                             node=node, fix="give the CSV a header row naming its columns, "
                             "then the data rows")
    header = next(csv.reader([text]))
    if len(header) > MAX_COLUMNS:
        raise InputDataError(f"{name} has {len(header)} columns; tfpipe reads at most "
                             f"{MAX_COLUMNS}.", node=node, fix="check the file is the CSV you "
                             "meant (one header row naming the columns); select the columns "
                             "you need")
    if len(set(header)) != len(header) or any(not h.strip() for h in header):
        raise InputDataError(f"{name} has blank or repeated column names: "
                             f"{header[:20]}.", node=node, fix="name every column once")
    return header


def has_quotes(path: str) -> bool:
    """Whether the file holds a quote character anywhere (read in blocks, at C speed)."""
    with open(path, "rb") as f:
        return any(b'"' in block for block in iter(lambda: f.read(1 << 22), b""))


def line_number(path: str, line: bytes) -> int | None:
    """The number of the first line of ``path`` that is ``line`` (for an error message
    about a row read without its position)."""
    with open(path, "rb") as f:
        for number, found in enumerate(f, start=1):
            if found.rstrip(b"\r\n") == line.rstrip(b"\r\n"):
                return number
    return None


def _width_error(path: str, number: int | None, cells: int, width: int, raw: bytes,
                 node: str) -> InputDataError:
    where = f" line {number}" if number else ""
    return InputDataError(
        f"{os.path.basename(path)}{where}: a row has {cells} columns but the header has "
        f"{width}: {raw[:120].decode('utf-8', 'replace')!r}.", node=node,
        fix="make every row have one cell per header column (empty cells are allowed; "
        "quote a cell holding commas, quotes or line breaks)")


class ParseLines:
    """A batch of (file, line) from a file without quotes -> (split keys, columns)."""

    def __init__(self, header: list[str], node: str):
        self.header, self.node = header, node

    def __call__(self, batch):
        width = len(self.header)
        keys, rows = [], []
        for path, line in batch:
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:  # decode() raises the error, with the line number
                text = decode(line, path, self.node, line_number(path, line))
            cells = text.rstrip("\r\n").split(",")
            if len(cells) != width:
                raise _width_error(path, line_number(path, line), len(cells), width, line,
                                   self.node)
            keys.append(line)
            rows.append(cells)
        return keys, [list(col) for col in zip(*rows)]


def has_rows(path: str) -> bool:
    """Whether a non-blank line follows the header (read only as far as the first)."""
    with open(path, "rb") as f:
        f.readline(MAX_HEADER_BYTES + 1)
        return any(line.strip() for line in f)


class _Lines:
    """The lines of a file after its header, decoded for the csv reader, remembering
    the raw bytes of the lines each record was read from (its split key)."""

    def __init__(self, f, path: str, node: str):
        self.f, self.path, self.node = f, path, node
        self.number = 1  # the header
        self.raw: list[bytes] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.f)
        self.number += 1
        self.raw.append(line)
        return decode(line, self.path, self.node, self.number)

    def record(self) -> bytes:
        """The raw record just read, without its final line ending."""
        raw = b"".join(self.raw).rstrip(b"\r\n")
        self.raw.clear()
        return raw


def read_batches(path: str, header: list[str], node: str):
    """(split keys, columns of cells) for every BATCH_SIZE data rows of a CSV file, read
    with Python's csv module (RFC 4180: a quoted field may hold commas, quotes and line
    breaks); blank lines are skipped; a row with the wrong number of cells is an error
    naming its line."""
    width, name = len(header), os.path.basename(path)
    keys, rows = [], []
    with open(path, "rb") as f:
        f.readline(MAX_HEADER_BYTES + 1)
        lines = _Lines(f, path, node)
        reader = csv.reader(lines, strict=True)
        try:
            for cells in reader:
                key = lines.record()
                if not key.strip():
                    continue
                if len(cells) != width:
                    raise _width_error(path, lines.number, len(cells), width, key, node)
                keys.append(key)
                rows.append(cells)
                if len(rows) == BATCH_SIZE:
                    yield keys, [list(col) for col in zip(*rows)]
                    keys, rows = [], []
        except csv.Error as exc:
            raise InputDataError(f"{name} line {lines.number}: {exc}.", node=node,
                                 fix="close every quoted field with a quote; write a quote "
                                 "inside one as two quotes (\"\")") from None
    if rows:
        yield keys, [list(col) for col in zip(*rows)]


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
