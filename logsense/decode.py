"""bytes -> text. (Placeholder: the parser helper replaces this.)"""
from __future__ import annotations
from pathlib import Path
from .errors import UnusableInput


def read_source(source):
    """Return (text, encoding, warnings, name)."""
    if isinstance(source, bytes):
        return source.decode("utf-8", "replace"), "utf-8", [], None
    if isinstance(source, Path):
        if not source.exists():
            raise UnusableInput(f"no such file: {source}")
        return source.read_text("utf-8", "replace"), "utf-8", [], str(source)
    return str(source), None, [], None
