"""ExampleGen: CSV files (or existing TFRecords) to gzipped TFRecord ``tf.Example``s
in ``Split-<name>/`` folders, split by a stable hash of each record."""
from __future__ import annotations

import csv
import glob
import os

from ..dsl import ExecutionContext, Examples, Output, Parameter, component
from ..errors import InputDataError
from .beam_io import DEFAULT_SPLITS, beam_pipeline, check_splits, write_splits

NODE = "CsvExampleGen"
# Column types, from narrowest to widest: a column takes the widest type of its cells.
EMPTY, INT, FLOAT, BYTES = 0, 1, 2, 3
_TYPE_NAMES = {EMPTY: "empty", INT: "int", FLOAT: "float", BYTES: "string"}


def _input_files(input_base: str, pattern: str, node: str) -> list[str]:
    if os.path.isfile(input_base):
        return [input_base]
    if not os.path.isdir(input_base):
        raise InputDataError(f"input_base {input_base} does not exist.", node=node,
                             fix="point input_base at a folder of data files (or one file)")
    files = sorted(glob.glob(os.path.join(input_base, pattern)))
    if not files:
        raise InputDataError(f"no {pattern} files in {input_base}.", node=node,
                             fix=f"put the data files ({pattern}) in that folder")
    return files


def _decode(line: bytes, path: str, node: str) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"{os.path.basename(path)} is not UTF-8 text: byte {line[exc.start]:#04x} in row "
            f"{line[:80]!r}.", node=node, fix="save the file as UTF-8 (e.g. iconv -f latin1 -t "
            "utf-8)") from None


def _read_header(path: str, node: str) -> list[str]:
    with open(path, "rb") as f:
        first = f.readline()
    text = _decode(first, path, node).strip("\r\n\ufeff")
    if not text.strip():
        raise InputDataError(f"{os.path.basename(path)} is empty: it has no header row.",
                             node=node, fix="give the CSV a header row naming its columns, "
                             "then the data rows")
    header = next(csv.reader([text]))
    if len(set(header)) != len(header) or any(not h.strip() for h in header):
        raise InputDataError(f"{os.path.basename(path)} has blank or repeated column names: "
                             f"{header}.", node=node, fix="name every column once")
    return header


def _cell_type(cell: str) -> int:
    if cell == "":
        return EMPTY
    try:
        int(cell)
        return INT
    except ValueError:
        pass
    try:
        float(cell)
        return FLOAT
    except ValueError:
        return BYTES


class _ParseRow:
    """(file, line bytes) -> (line bytes, cells), with a clear error for malformed rows."""

    def __init__(self, header: list[str], node: str):
        self.header = header
        self.node = node

    def __call__(self, item):
        path, line = item
        text = _decode(line, path, self.node).rstrip("\r\n")
        cells = next(csv.reader([text]), [])
        if len(cells) != len(self.header):
            raise InputDataError(
                f"{os.path.basename(path)}: a row has {len(cells)} columns but the header has "
                f"{len(self.header)}: {text[:120]!r}.", node=self.node,
                fix="make every row have one cell per header column (empty cells are allowed)")
        return line, cells


class _ColumnKinds:
    """Per column: the widest cell type seen, and the first text cell if any.

    A column holding both numbers and text is refused rather than silently read as
    text (which is what a type change mid-file would otherwise become)."""

    @staticmethod
    def merge(acc, cells):
        out = []
        for (kind, numeric, text), cell in zip(acc, cells):
            t = _cell_type(cell)
            out.append((max(kind, t), numeric or t in (INT, FLOAT),
                        text if text is not None or t != BYTES else cell))
        return out

    @staticmethod
    def make(width: int, header: list[str], node: str):
        import apache_beam as beam

        class Combine(beam.CombineFn):
            def create_accumulator(self):
                return [(EMPTY, False, None)] * width

            def add_input(self, acc, row):
                return _ColumnKinds.merge(acc, row[1])

            def merge_accumulators(self, accs):
                return [(max(k for k, _, _ in col), any(n for _, n, _ in col),
                         next((t for _, _, t in col if t is not None), None))
                        for col in zip(*accs)]

            def extract_output(self, acc):
                for name, (_, numeric, text) in zip(header, acc):
                    if numeric and text is not None:
                        raise InputDataError(
                            f"column {name!r} holds numbers in some rows and text in others "
                            f"(e.g. {text[:40]!r}).", node=node,
                            fix="make the column's values all numbers (leave a cell empty for "
                            "a missing value) or all text")
                return [kind for kind, _, _ in acc]

        return Combine()


def _to_example(row, types: list[int], header: list[str]) -> tuple[bytes, bytes]:
    from tensorflow.core.example import example_pb2

    line, cells = row
    example = example_pb2.Example()
    feature = example.features.feature
    for name, kind, cell in zip(header, types, cells):
        f = feature[name]
        if cell == "":
            continue  # a missing value: the feature is present with no values, as in TFX
        if kind == INT:
            f.int64_list.value.append(int(cell))
        elif kind == FLOAT:
            f.float_list.value.append(float(cell))
        else:
            f.bytes_list.value.append(cell.encode("utf-8"))
    for name, kind in zip(header, types):  # typed empty lists for all-missing cells
        f = feature[name]
        if not f.WhichOneof("kind"):
            (f.int64_list if kind == INT else f.float_list if kind == FLOAT
             else f.bytes_list).SetInParent()
    return line, example.SerializeToString()


def _read_lines(p, label: str, files: list[str]):
    import apache_beam as beam

    return (p | f"Files[{label}]" >> beam.Create(files)
              | f"Read[{label}]" >> beam.io.ReadAllFromText(
                  skip_header_lines=1, coder=beam.coders.BytesCoder(), with_filename=True)
              | f"NonEmpty[{label}]" >> beam.Filter(lambda item: item[1].strip() != b""))


@component(content_parameters=("input_base",))
def CsvExampleGen(examples: Output[Examples], input_base: Parameter[str],
                  splits: Parameter[dict] = DEFAULT_SPLITS, context: ExecutionContext = None):
    """Read the CSV files in ``input_base`` (one header row each; empty cells are missing
    values) and write them as tf.Examples split by hash into ``splits`` buckets."""
    import apache_beam as beam

    node = context.node_id
    split_list = check_splits(splits, node)
    files = _input_files(input_base, "*.csv", node)
    header = _read_header(files[0], node)
    for other in files[1:]:
        if _read_header(other, node) != header:
            raise InputDataError(f"{os.path.basename(other)} has a different header from "
                                 f"{os.path.basename(files[0])}.", node=node,
                                 fix="give every CSV file in input_base the same columns")
    parse = _ParseRow(header, node)
    with beam_pipeline(context) as p:
        # The files are read twice, streaming, rather than held in memory: once to find
        # each column's type, once to convert.
        types = (_read_lines(p, "types", files) | "ParseForTypes" >> beam.Map(parse)
                 | "ColumnTypes" >> beam.CombineGlobally(
                     _ColumnKinds.make(len(header), header, node)))
        records = (_read_lines(p, "rows", files) | "Parse" >> beam.Map(parse)
                   | "ToExample" >> beam.Map(lambda row, t: _to_example(row, t, header),
                                             beam.pvalue.AsSingleton(types)))
        write_splits(records, examples.uri, split_list)
    _check_not_empty(examples, split_list, node, input_base)
    examples.split_names = [name for name, _ in split_list]
    examples.properties.update(span=0, version=0)


def _check_not_empty(examples: Examples, split_list, node: str, input_base: str) -> None:
    written = glob.glob(os.path.join(examples.uri, "Split-*", "*.gz"))
    sizes = [os.path.getsize(f) for f in written]
    if not written or max(sizes) <= 20:  # an empty gzip file is 20 bytes
        raise InputDataError(f"{input_base} holds no data rows.", node=node,
                             fix="add rows under the header")


@component(content_parameters=("input_base",))
def ImportExampleGen(examples: Output[Examples], input_base: Parameter[str],
                     splits: Parameter[dict] = DEFAULT_SPLITS, context: ExecutionContext = None):
    """Import TFRecord files of serialized tf.Examples (gzipped or not) from
    ``input_base``, split by hash into ``splits`` buckets."""
    import apache_beam as beam

    node = context.node_id
    split_list = check_splits(splits, node)
    files = _input_files(input_base, "*", node)
    with beam_pipeline(context) as p:
        records = (p | "Files" >> beam.Create(files)
                     | "Read" >> beam.io.ReadAllFromTFRecord(with_filename=False)
                     | "Key" >> beam.Map(lambda rec: (rec, rec)))
        write_splits(records, examples.uri, split_list)
    _check_not_empty(examples, split_list, node, input_base)
    examples.split_names = [name for name, _ in split_list]
    examples.properties.update(span=0, version=0)
