"""``tfx.utils.proto_utils``: JSON to and from protos, formatted as TFX formats it. Takes
real protocol buffers and tfpipe's stand-ins for TFX's configuration protos alike."""
from __future__ import annotations

import json
from typing import Any, TypeVar

from .proto import ProtoLike

__all__ = ["dict_to_proto", "json_to_proto", "proto_to_dict", "proto_to_json"]

P = TypeVar("P")


def proto_to_dict(proto) -> dict[str, Any]:
    if isinstance(proto, ProtoLike):
        return proto.as_parameter()
    from google.protobuf import json_format

    return json_format.MessageToDict(proto, preserving_proto_field_name=True)


def proto_to_json(proto) -> str:
    if isinstance(proto, ProtoLike):
        return json.dumps(proto.as_parameter(), indent=2, sort_keys=True)
    from google.protobuf import json_format

    return json_format.MessageToJson(proto, sort_keys=True, preserving_proto_field_name=True)


def dict_to_proto(json_dict: dict, proto: P) -> P:
    """Fill ``proto`` from a dict (unknown fields ignored, as TFX does) and return it."""
    if isinstance(proto, ProtoLike):
        known = {k: v for k, v in json_dict.items() if k in type(proto).FIELDS}
        proto.fields.update({k: v for k, v in known.items() if v is not None})
        return proto
    from google.protobuf import json_format

    return json_format.ParseDict(json_dict, proto, ignore_unknown_fields=True)


def json_to_proto(json_str: str, proto: P) -> P:
    return dict_to_proto(json.loads(json_str), proto)
