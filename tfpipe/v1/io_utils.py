"""``tfx.utils.io_utils``: TFX's file helpers, on ``tf.io.gfile`` as TFX's are (so
``gs://`` and other file systems TensorFlow knows work too)."""
from __future__ import annotations

import os

from .fileio import _gfile

__all__ = ["all_files_pattern", "copy_dir", "copy_file", "delete_dir", "ensure_local",
           "get_only_uri_in_dir", "load_csv_column_names", "parse_json_file",
           "parse_pbtxt_file", "read_bytes_file", "read_string_file", "write_bytes_file",
           "write_pbtxt_file", "write_string_file", "write_tfrecord_file"]


def ensure_local(file_path: str) -> str:
    """A local copy of a remote file (the path itself when it is local)."""
    if "://" not in file_path:
        return file_path
    local = os.path.join(os.getcwd(), os.path.basename(file_path))
    copy_file(file_path, local, overwrite=True)
    return local


def copy_file(src: str, dst: str, overwrite: bool = False) -> None:
    gfile = _gfile()
    if overwrite and gfile.exists(dst):
        gfile.remove(dst)
    gfile.makedirs(os.path.dirname(dst) or ".")
    gfile.copy(src, dst, overwrite=overwrite)


def copy_dir(src: str, dst: str) -> None:
    """Copy the tree under ``src`` to ``dst`` (replacing what ``dst`` held)."""
    gfile = _gfile()
    if gfile.exists(dst):
        gfile.rmtree(dst)
    gfile.makedirs(dst)
    for folder, _, files in gfile.walk(src):
        target = os.path.join(dst, os.path.relpath(folder, src))
        gfile.makedirs(target)
        for name in files:
            gfile.copy(os.path.join(folder, name), os.path.join(target, name), overwrite=True)


def get_only_uri_in_dir(dir_path: str) -> str:
    """The path of the one entry in a folder (a ValueError if there are several)."""
    entries = _gfile().listdir(dir_path)
    if len(entries) != 1:
        raise ValueError(f"{dir_path} holds {len(entries)} entries, expected exactly one")
    return os.path.join(dir_path, entries[0].rstrip("/"))


def delete_dir(path: str) -> None:
    if _gfile().isdir(path):
        _gfile().rmtree(path)


def write_bytes_file(file_name: str, content: bytes) -> None:
    _gfile().makedirs(os.path.dirname(file_name) or ".")
    with _gfile().GFile(file_name, "wb") as f:
        f.write(content)


def write_string_file(file_name: str, string_value: str) -> None:
    write_bytes_file(file_name, string_value.encode())


def read_bytes_file(file_name: str) -> bytes:
    with _gfile().GFile(file_name, "rb") as f:
        return f.read()


def read_string_file(file_name: str) -> str:
    return read_bytes_file(file_name).decode()


def write_pbtxt_file(file_name: str, proto) -> None:
    from google.protobuf import text_format

    write_string_file(file_name, text_format.MessageToString(proto))


def parse_pbtxt_file(file_name: str, message):
    from google.protobuf import text_format

    return text_format.Parse(read_string_file(file_name), message)


def parse_json_file(file_name: str, message):
    from google.protobuf import json_format

    return json_format.Parse(read_string_file(file_name), message)


def write_tfrecord_file(file_name: str, *proto) -> None:
    import tensorflow as tf

    _gfile().makedirs(os.path.dirname(file_name) or ".")
    with tf.io.TFRecordWriter(file_name) as writer:
        for message in proto:
            writer.write(message.SerializeToString())


def load_csv_column_names(csv_file: str) -> list[str]:
    """The names in a CSV file's header line."""
    with _gfile().GFile(csv_file, "r") as f:
        return f.readline().strip().split(",")


def all_files_pattern(file_pattern: str) -> str:
    return os.path.join(file_pattern, "*")
