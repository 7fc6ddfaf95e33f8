"""CSV files read a batch of rows at a time.

A file with no quote character is read in byte ranges (``chunks``: each owns the lines
that start inside it, so workers share a big file), each parsed by Arrow's CSV reader;
a file with quotes is read whole by one worker with Python's csv module, so quoted
fields may hold commas, quotes and line breaks (RFC 4180). Each batch is (split keys,
columns of cells); ``csv_kinds`` finds the columns' types (first on a sample read here,
then checked on every batch) and turns batches into tf.Examples.
"""
from __future__ import annotations

import csv
import os

from ..errors import InputDataError
from .csv_kinds import EMPTY, column_kind, merge_kinds

BATCH_SIZE = 2000
# A file without quotes is read in ranges of CHUNK_BYTES (one Beam element each), parsed
# and encoded ARROW_BATCH rows at a time; column types are first guessed from the rows
# in each file's first SAMPLE_BYTES (SAMPLE_ROWS rows of a file with quotes).
CHUNK_BYTES = 8 << 20
ARROW_BATCH = 16_384
SAMPLE_BYTES = 1 << 20
SAMPLE_ROWS = 10_000


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


def data_start(path: str) -> int:
    """Where the line after the header starts."""
    with open(path, "rb") as f:
        return len(f.readline(MAX_HEADER_BYTES + 1))


def chunks(path: str, size: int = CHUNK_BYTES) -> list[tuple[str, int, int]]:
    """(path, start, end) byte ranges covering the data rows of a file without quotes."""
    start, end = data_start(path), os.path.getsize(path)
    return [(path, at, min(at + size, end)) for at in range(start, end, size)]


def _lines(path: str, start: int, end: int) -> list[bytes]:
    """The non-blank lines that start in [start, end) of a file, as Beam's text reader
    yields them (without their "\n" or "\r\n"); ``start`` is after the header."""
    with open(path, "rb") as f:
        f.seek(start - 1)
        f.readline()  # the rest of the line holding byte start - 1: the range before owns it
        at = f.tell()
        if at >= end:
            return []
        data = f.read(end - at)
        if not data.endswith(b"\n"):
            data += f.readline()  # the last line starts in the range: finish it
    lines = data.split(b"\n")
    if b"\r" in data:
        last = lines.pop()  # not followed by "\n": it keeps a final "\r"
        lines = [line[:-1] if line.endswith(b"\r") else line for line in lines] + [last]
    return [line for line in lines if line.strip()]


def read_chunk(source: tuple[str, int, int], header: list[str], node: str):
    """(split keys, columns as Arrow arrays) for every ARROW_BATCH rows of one byte range
    (see ``chunks``) of a file without quotes, parsed by Arrow's CSV reader. A batch
    Arrow refuses (a row of the wrong width, bytes that are not UTF-8) or holding a
    stray "\r" goes through ``ParseLines``, which names the line at fault."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    path, start, end = source
    lines, parse = _lines(path, start, end), ParseLines(header, node)
    convert = pa_csv.ConvertOptions(column_types={name: pa.large_string() for name in header})
    for at in range(0, len(lines), ARROW_BATCH):
        keys = lines[at:at + ARROW_BATCH]
        text = b"\n".join(keys)
        if b"\r" not in text:
            try:
                table = pa_csv.read_csv(
                    pa.py_buffer(text), convert_options=convert,
                    read_options=pa_csv.ReadOptions(column_names=header, use_threads=False,
                                                    block_size=len(text) + 1),
                    parse_options=pa_csv.ParseOptions(quote_char=False))
                yield keys, [column.combine_chunks() for column in table.columns]
                continue
            except pa.ArrowInvalid:
                pass
        yield parse([(path, line) for line in keys])


def sources(files: list[str], quoted: list[str]) -> list[tuple[str, int | None, int | None]]:
    """What each Beam element reads: a byte range of a file without quotes (``chunks``),
    or a whole file with quotes, ``(path, None, None)`` (a quoted field may span lines)."""
    return [item for path in files
            for item in ([(path, None, None)] if path in quoted else chunks(path))]


def read_source(source: tuple[str, int | None, int | None], header: list[str], node: str):
    """(split keys, columns) batches of one of ``sources``."""
    path, start, _ = source
    if start is None:
        return read_batches(path, header, node)
    return read_chunk(source, header, node)


def sample_kinds(files: list[str], quoted: list[str], header: list[str], node: str):
    """Each column's (kind, numeric, text) in the first rows of every file (those in
    SAMPLE_BYTES, or SAMPLE_ROWS rows of a file with quotes): the types to convert with,
    checked on every batch. A column empty in those rows of a file without quotes (a
    sparse one) is looked for in the whole file, by Arrow's streaming reader."""
    import itertools

    kinds = [(EMPTY, False, None)] * len(header)
    for path in files:
        if path in quoted:
            batches = itertools.islice(read_batches(path, header, node),
                                       max(1, SAMPLE_ROWS // BATCH_SIZE))
        else:
            start = data_start(path)
            batches = read_chunk((path, start, start + SAMPLE_BYTES), header, node)
        for _, columns in batches:
            kinds = [merge_kinds(a, column_kind(c)) for a, c in zip(kinds, columns)]
    sparse = [name for name, (kind, _, _) in zip(header, kinds) if kind == EMPTY]
    for path in files:
        if sparse and path not in quoted and os.path.getsize(path) > SAMPLE_BYTES:
            found = _sparse_kinds(path, header, sparse)
            kinds = [merge_kinds(a, found.get(name, a)) for name, a in zip(header, kinds)]
    return kinds


def _sparse_kinds(path: str, header: list[str], names: list[str]) -> dict:
    """The (kind, numeric, text) of the columns ``names`` over a whole file without
    quotes, streamed through Arrow's CSV reader; {} if Arrow cannot read the file (the
    conversion then names the row at fault)."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    kinds = {name: (EMPTY, False, None) for name in names}
    with open(path, "rb") as f:
        f.seek(data_start(path))
        try:
            for batch in pa_csv.open_csv(
                    f, read_options=pa_csv.ReadOptions(column_names=header),
                    parse_options=pa_csv.ParseOptions(quote_char=False),
                    convert_options=pa_csv.ConvertOptions(
                        include_columns=names,
                        column_types={name: pa.large_string() for name in names})):
                kinds = {name: merge_kinds(kinds[name], column_kind(batch.column(name)))
                         for name in names}
        except pa.ArrowInvalid:
            return {}
    return kinds
