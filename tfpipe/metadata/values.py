"""Python values <-> MLMD ``Value`` protos."""
from __future__ import annotations

from typing import Any


def set_value(value_proto, value: Any) -> None:
    if isinstance(value, bool):
        value_proto.int_value = int(value)
    elif isinstance(value, int):
        value_proto.int_value = value
    elif isinstance(value, float):
        value_proto.double_value = value
    else:
        value_proto.string_value = str(value)


def get_value(value_proto) -> Any:
    kind = value_proto.WhichOneof("value")
    return getattr(value_proto, kind) if kind else None


def to_dict(proto_map) -> dict[str, Any]:
    return {k: get_value(v) for k, v in proto_map.items()}


def update(proto_map, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is not None:
            set_value(proto_map[key], value)
