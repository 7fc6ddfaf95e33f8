"""``tfx.dsl.io.fileio``: TFX's file-system functions, which are TensorFlow's ``tf.io.gfile``
under TFX's names."""
from __future__ import annotations

__all__ = ["copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir", "open",
           "remove", "rename", "rmtree", "stat", "walk"]


def _gfile():
    import tensorflow as tf

    return tf.io.gfile


def open(name: str, mode: str = "r"):  # noqa: A001 - TFX's name
    return _gfile().GFile(name, mode)


def copy(src: str, dst: str, overwrite: bool = False) -> None:
    _gfile().copy(src, dst, overwrite=overwrite)


def rename(src: str, dst: str, overwrite: bool = False) -> None:
    _gfile().rename(src, dst, overwrite=overwrite)


def exists(path: str) -> bool:
    return _gfile().exists(path)


def glob(pattern: str) -> list[str]:
    return _gfile().glob(pattern)


def isdir(path: str) -> bool:
    return _gfile().isdir(path)


def listdir(path: str) -> list[str]:
    return _gfile().listdir(path)


def makedirs(path: str) -> None:
    _gfile().makedirs(path)


def mkdir(path: str) -> None:
    _gfile().mkdir(path)


def remove(path: str) -> None:
    _gfile().remove(path)


def rmtree(path: str) -> None:
    _gfile().rmtree(path)


def stat(path: str):
    return _gfile().stat(path)


def walk(top: str, topdown: bool = True, onerror=None):
    return _gfile().walk(top, topdown=topdown, onerror=onerror)
