"""``tfx.types.artifact_utils``: the helpers module files use on lists of artifacts and
on split names (a JSON list in the ``split_names`` property, as TFX encodes it)."""
from __future__ import annotations

import json

from ..artifacts import Artifact

__all__ = ["decode_split_names", "encode_split_names", "get_single_instance", "get_single_uri",
           "get_split_uri"]


def get_single_instance(artifact_list: list[Artifact]) -> Artifact:
    if len(artifact_list) != 1:
        raise ValueError(f"expected list length of one but got {len(artifact_list)}")
    return artifact_list[0]


def get_single_uri(artifact_list: list[Artifact]) -> str:
    return get_single_instance(artifact_list).uri


def get_split_uri(artifact_list: list[Artifact], split: str) -> str:
    """The folder of ``split`` in the one artifact of the list that has it."""
    matches = [a.split_uri(split) for a in artifact_list
               if split in decode_split_names(a.properties.get("split_names", "[]"))]
    if len(matches) != 1:
        raise ValueError(f"expected exactly one artifact with split {split!r}, found "
                         f"{len(matches)}")
    return matches[0]


def encode_split_names(splits: list[str]) -> str:
    return json.dumps(list(splits))


def decode_split_names(split_names: str) -> list[str]:
    return json.loads(split_names) if split_names else []
