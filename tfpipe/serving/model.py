"""One loaded model version: a SavedModel, the raw features its serving signature parses,
and the conversions between TF Serving's JSON (rows or columns) and its tensors.

A model exported by ``signatures.export_serving_model`` takes serialized tf.Examples
(``examples``); the raw features that signature parses are read from its graph (the
``ParseExampleV2`` op's keys and types), so a request can give raw rows
(``{"instances": [{"trip_miles": 1.2, ...}]}``) that are checked feature by feature and
made into tf.Examples here. A request may also give the signature's own inputs
(``{"instances": [{"b64": "<serialized tf.Example>"}]}``, as InfraValidator sends).
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass

PREDICT_METHOD = "tensorflow/serving/predict"


class RequestError(Exception):
    """The request does not fit the model: TF Serving's INVALID_ARGUMENT (HTTP 400), or
    ``status`` when given (404 for an unknown model or version)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # "float", "int" or "bytes": the tf.train.Feature list it goes in
    required: bool  # a FixedLenFeature without a default value
    size: int | None  # a FixedLenFeature's number of values (None: any, a VarLenFeature)


_KINDS = {"float32": "float", "float64": "float", "int64": "int", "string": "bytes"}
_LISTS = {"float": "float_list", "int": "int64_list", "bytes": "bytes_list"}
_TYPE_NAMES = {"float": "a number (float)", "int": "an integer (int64)",
               "bytes": "a string (bytes)"}


def _parse_op(graph_def):
    """The ParseExampleV2 node the serving function runs, and its function's nodes."""
    for function in graph_def.library.function:
        nodes = {n.name: n for n in function.node_def}
        for node in function.node_def:
            if node.op == "ParseExampleV2":
                return node, nodes
    return None, {}


def raw_features(fn) -> list[Feature] | None:
    """The raw features the serving function ``fn`` parses from its tf.Examples, or None
    when it parses none (a model that takes tensors)."""
    import tensorflow as tf

    node, nodes = _parse_op(fn.graph.as_graph_def())
    if node is None:
        return None

    def const(index: int):
        source = nodes.get(node.input[index].split(":")[0])
        if source is None or source.op != "Const":
            return None
        return tf.make_ndarray(source.attr["value"].tensor)

    sparse_keys, dense_keys = const(2), const(3)
    if sparse_keys is None or dense_keys is None:
        return None
    dense_types = [tf.dtypes.as_dtype(t).name for t in node.attr["Tdense"].list.type]
    sparse_types = [tf.dtypes.as_dtype(t).name for t in node.attr["sparse_types"].list.type]
    shapes = [[d.size for d in s.dim] for s in node.attr["dense_shapes"].list.shape]
    features = []
    for i, key in enumerate(dense_keys):
        default = const(5 + i)
        size = math.prod(shapes[i]) if shapes[i] else 1
        features.append(Feature(key.decode(), _KINDS.get(dense_types[i], "bytes"),
                                default is None or default.size == 0, size))
    for key, dtype in zip(sparse_keys, sparse_types):
        features.append(Feature(key.decode(), _KINDS.get(dtype, "bytes"), False, None))
    return sorted(features, key=lambda f: f.name)


def _values(feature: Feature, value) -> list:
    """A JSON value as the feature's list of values; RequestError naming the feature."""
    values = value if isinstance(value, list) else [value]
    wanted = _TYPE_NAMES[feature.kind]
    for v in values:
        ok = (not isinstance(v, bool)) and (
            isinstance(v, (int, float)) if feature.kind == "float"
            else isinstance(v, int) or isinstance(v, float) and v.is_integer()
            if feature.kind == "int" else isinstance(v, (str, dict)))
        if not ok:
            raise RequestError(f"feature {feature.name!r} expects {wanted}; got {v!r} "
                               f"({type(v).__name__})")
    if feature.size is not None and len(values) != feature.size:
        raise RequestError(f"feature {feature.name!r} expects {feature.size} value(s) of "
                           f"{wanted}; got {len(values)}")
    if feature.kind == "bytes":
        return [_bytes(v) for v in values]
    return [int(v) for v in values] if feature.kind == "int" else values


def _bytes(value) -> bytes:
    if isinstance(value, dict):  # {"b64": ...}
        return _b64(value)
    return value.encode()


def _b64(value) -> bytes:
    if not (isinstance(value, dict) and set(value) == {"b64"} and isinstance(value["b64"], str)):
        raise RequestError(f"expected a string or {{\"b64\": \"...\"}}; got {value!r}"[:300])
    try:
        return base64.b64decode(value["b64"], validate=True)
    except ValueError as exc:
        raise RequestError(f"{{\"b64\": ...}} is not base64: {exc}") from None


def row_to_example(features: list[Feature], row) -> bytes:
    """One raw row (feature name -> value or list of values) as a serialized tf.Example."""
    from tensorflow.core.example import example_pb2

    if not isinstance(row, dict):
        raise RequestError(f"an instance must be an object of feature values, e.g. "
                           f"{{{features[0].name!r}: ...}}; got {row!r}"[:300])
    known = {f.name: f for f in features}
    extra = sorted(set(row) - set(known))
    if extra:
        raise RequestError(f"unknown feature(s) {', '.join(map(repr, extra))}: the model "
                           f"takes {', '.join(known)}")
    example = example_pb2.Example()
    for feature in features:
        if feature.name not in row or row[feature.name] is None:
            if feature.required:
                raise RequestError(f"missing feature {feature.name!r}: the model needs "
                                   f"{_TYPE_NAMES[feature.kind]} for it")
            continue
        values = _values(feature, row[feature.name])
        target = example.features.feature[feature.name]
        getattr(target, _LISTS[feature.kind]).value.extend(values)
    return example.SerializeToString()


def example_to_row(serialized: bytes) -> dict:
    """A serialized tf.Example as a raw row (what ``row_to_example`` takes)."""
    from tensorflow.core.example import example_pb2

    example = example_pb2.Example.FromString(serialized)
    row = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        values = list(getattr(feature, kind).value) if kind else []
        if kind == "bytes_list":
            values = [v.decode(errors="replace") for v in values]
        row[name] = values[0] if len(values) == 1 else values
    return row


def _jsonable(value):
    value = value.tolist() if hasattr(value, "tolist") else value
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class ServedModel:
    """A SavedModel version loaded for serving."""

    def __init__(self, path: str, version: int):
        import tensorflow as tf

        self.path, self.version = path, version
        self.model = tf.saved_model.load(path)
        self.signatures = dict(self.model.signatures)
        self.features = {name: raw_features(fn) for name, fn in self.signatures.items()}

    def signature(self, name: str | None):
        name = name or "serving_default"
        if name not in self.signatures:
            raise RequestError(f"the model has no signature {name!r} (it has "
                               f"{', '.join(sorted(self.signatures))})")
        return name, self.signatures[name]

    def inputs(self, body: dict) -> tuple[str, list[bytes] | dict, str]:
        """The request's signature, its inputs (serialized tf.Examples, or tensors by input
        name for a model that takes tensors) and its format ("instances" or "inputs")."""
        if not isinstance(body, dict):
            raise RequestError("the request body must be a JSON object with \"instances\" "
                               "or \"inputs\"")
        kinds = [k for k in ("instances", "inputs") if k in body]
        if len(kinds) != 1:
            raise RequestError("the request must have exactly one of \"instances\" (rows) "
                               "or \"inputs\" (columns)")
        name, fn = self.signature(body.get("signature_name"))
        rows = body[kinds[0]]
        if kinds[0] == "inputs":
            rows = _columns_to_rows(rows, sorted(fn.structured_input_signature[1]))
        if not isinstance(rows, list) or not rows:
            raise RequestError(f"\"{kinds[0]}\" must be a non-empty list of rows")
        specs = fn.structured_input_signature[1]
        features = self.features[name]
        if list(specs) == ["examples"] and features is not None:
            return name, [self._example(features, row) for row in rows], kinds[0]
        try:
            return name, _tensor_columns(rows, specs), kinds[0]
        except RequestError as exc:
            raise RequestError(f"signature {name!r} {exc}") from None

    @staticmethod
    def _example(features, row) -> bytes:
        if isinstance(row, dict) and set(row) == {"b64"}:  # a serialized tf.Example
            return _b64(row)
        if isinstance(row, dict) and set(row) == {"examples"}:
            return _b64(row["examples"]) if isinstance(row["examples"], dict) \
                else _bytes(row["examples"])
        return row_to_example(features, row)

    def predict(self, name: str, inputs) -> dict:
        """The signature's outputs (name -> numpy array, one entry per row)."""
        import tensorflow as tf

        fn = self.signatures[name]
        if isinstance(inputs, list):
            outputs = fn(examples=tf.constant(inputs, dtype=tf.string))
        else:
            outputs = fn(**inputs)
        return {k: v.numpy() for k, v in outputs.items()}

    def metadata(self) -> dict:
        """TF Serving's ``signature_def`` map, read from saved_model.pb."""
        import os

        from google.protobuf.json_format import MessageToDict
        from tensorflow.core.protobuf import saved_model_pb2

        proto = saved_model_pb2.SavedModel()
        with open(os.path.join(self.path, "saved_model.pb"), "rb") as f:
            proto.ParseFromString(f.read())
        defs = proto.meta_graphs[0].signature_def
        return {"signature_def": {name: MessageToDict(defs[name]) for name in sorted(defs)
                                  if not name.startswith("__")}}


def _columns_to_rows(columns, names: list[str]) -> list:
    """TF Serving's columnar ``inputs`` as rows: a dict of equal-length lists, or one list
    for a single-input signature."""
    if isinstance(columns, list):
        return columns
    if not isinstance(columns, dict) or not columns:
        raise RequestError("\"inputs\" must be an object of lists (one per feature) or a list")
    if set(columns) == set(names) and names == ["examples"]:
        return [{"examples": v} for v in columns["examples"]]
    lengths = {len(v) if isinstance(v, list) else -1 for v in columns.values()}
    if len(lengths) != 1 or -1 in lengths:
        raise RequestError("every input in \"inputs\" must be a list of the same length")
    count = lengths.pop()
    return [{k: v[i] for k, v in columns.items()} for i in range(count)]


def _tensor_columns(rows: list, specs: dict) -> dict:
    """The instances as one tensor per input of a signature that takes tensors;
    RequestError saying what the signature takes when they do not fit it."""
    import tensorflow as tf

    names = sorted(specs)
    try:
        if len(names) == 1 and not (isinstance(rows[0], dict) and names[0] in rows[0]):
            values = {names[0]: [_decoded(r) for r in rows]}
        else:
            values = {n: [_decoded(r[n]) for r in rows] for n in names}
        return {n: tf.constant(values[n], dtype=specs[n].dtype) for n in names}
    except (KeyError, TypeError, ValueError) as exc:
        takes = ", ".join(f"{n}: {s.dtype.name} {s.shape.as_list()}"
                          for n, s in sorted(specs.items()))
        raise RequestError(f"takes {takes}; the instances do not fit it "
                           f"({type(exc).__name__}: {str(exc)[:200]})") from None


def _decoded(value):
    if isinstance(value, dict) and set(value) == {"b64"}:
        return _b64(value)
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def rows(outputs: dict, start: int, stop: int) -> list:
    """TF Serving's row-format predictions for rows ``start:stop``: one value per
    instance when the signature has one output, else one object per instance."""
    names = sorted(outputs)
    if len(names) == 1:
        return [_jsonable(v) for v in outputs[names[0]][start:stop]]
    return [{n: _jsonable(outputs[n][i]) for n in names} for i in range(start, stop)]


def columns(outputs: dict, start: int, stop: int):
    """TF Serving's columnar ``outputs`` for rows ``start:stop``."""
    if len(outputs) == 1:
        return _jsonable(next(iter(outputs.values()))[start:stop])
    return {n: _jsonable(v[start:stop]) for n, v in sorted(outputs.items())}
