"""What logsense may rebuild at will, kept between processes: grammar tables, parsed locale files.

A cold ``logsense diagnose`` on a 2 kB paste should not spend most of its time rebuilding LALR
tables and re-reading 42 TOML files that have not changed since the last run. Both are kept in
the user's cache directory, keyed by a hash of their sources, and rebuilt when the key differs or
the file cannot be read. Cache files are pickles, so the directory must be private to the user:
never a shared temporary directory.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from importlib.resources.abc import Traversable

T = TypeVar("T")


def shipped_folder(package: str) -> Path | Traversable:
    """The folder of a data package shipped with logsense (its grammars, its locale files).

    Found beside the package's ``__init__``: only a package with no file of its own (a zip import)
    is asked through importlib.resources, whose readers import zipfile (~4 ms of a cold start).
    """
    init = getattr(importlib.import_module(package), "__file__", None)
    if init:
        return Path(init).parent
    from importlib import resources

    return resources.files(package)


def cache_dir() -> Path | None:
    """``$LOGSENSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/logsense`` or ``~/.cache/logsense``; None (no
    caching) when it cannot be made private and writable, or when ``LOGSENSE_CACHE_DIR`` is empty."""
    chosen = os.environ.get("LOGSENSE_CACHE_DIR")
    if chosen == "":
        return None
    if chosen:
        folder = Path(chosen)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = Path(base) / "logsense"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o022 or not os.access(folder, os.W_OK):
        return None  # someone else could plant a pickle there
    return folder


def kept(name: str, source: bytes, build: Callable[[], T]) -> T:
    """``build()``, or what it returned last time for the same ``source`` bytes (read from the cache)."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{name}-{hashlib.sha256(source).hexdigest()[:32]}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except FileNotFoundError:
        pass  # the first run since the sources changed
    except Exception:  # noqa: BLE001, S110 - a truncated or foreign file: rebuilt and replaced below
        pass
    value = build()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the old file or the whole new one
    except OSError:
        tmp.unlink(missing_ok=True)
    return value
