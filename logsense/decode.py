"""Bytes -> text, without mojibake, or a clear refusal.

People paste logs saved by Windows editors (UTF-16, GBK), by old terminals
(Latin-1) or straight from a pipe (UTF-8 with control bytes). A short cascade
decides: BOMs first, then UTF-16 by its NUL pattern, strict UTF-8, GB18030
only when it yields CJK text, Latin-1 last. Binary files are refused.
"""
from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

from .errors import UnusableInput

#: Control bytes that never occur in text (tab, newline, CR, backspace, ESC, FF, VT do).
_BINARY = re.compile(rb"[\x00-\x07\x0e-\x1a\x1c-\x1f]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_source(source: Any) -> tuple[str, str | None, list[str], str | None]:
    """Return ``(text, encoding, warnings, name)`` for text, bytes, a path or a binary stream.

    A ``str`` is the text itself, except a single line (no newline) naming an
    existing file, which is read as that file: a CLI argument and a pasted log
    are then both plain strings, and a one-line log never names a file.
    """
    if isinstance(source, str):
        if "\n" not in source and len(source) < 4096 and _is_file(source):
            return _read_path(Path(source))
        return source, None, [], None
    if isinstance(source, os.PathLike):
        return _read_path(Path(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        text, encoding, warnings = decode_bytes(bytes(source))
        return text, encoding, warnings, None
    if hasattr(source, "read"):
        data = _read_stream(source)
        text, encoding, warnings = decode_bytes(data)
        return text, encoding, warnings, getattr(source, "name", None)
    raise UnusableInput(f"cannot read a log from a {type(source).__name__}")


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Decode ``data``; raise `UnusableInput` when it is not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16)
    if _BINARY.search(data[:65536]) or _BINARY.search(data[-65536:]):
        raise UnusableInput("the input is binary data, not a text log")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as err:
        utf8_error = err
    try:
        text = data.decode("gb18030")
        if _looks_chinese(text):
            return text, "gb18030", []
    except UnicodeDecodeError:
        pass
    if utf8_error.start > len(data) - 4:  # a file cut in the middle of a character
        text = data[: utf8_error.start].decode("utf-8")
        return text, "utf-8", ["the input ends in the middle of a character; the last bytes were dropped"]
    return data.decode("latin-1"), "latin-1", ["the input is not UTF-8; read as Latin-1"]


def _looks_chinese(text: str) -> bool:
    """GB18030 decodes almost any byte string; accept it only for text that reads as Chinese.

    Common Hanzi (GB2312) have both bytes >= 0xA1. Latin-1 text decoded as
    GB18030 pairs an accented letter with the ASCII letter after it, giving
    characters whose second byte is ASCII-range: many of those means not Chinese.
    """
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide or not any(_CJK.match(ch) for ch in wide):
        return False
    odd = sum(1 for ch in wide if len(b := ch.encode("gb18030")) != 2 or b[1] < 0xA1)
    return odd <= 0.1 * len(wide)


def _strict(data: bytes, encoding: str) -> tuple[str, str, list[str]]:
    try:
        return data.decode(encoding), encoding, []
    except UnicodeDecodeError:
        # A truncated UTF-16 file loses at most its last half character.
        text = data.decode(encoding, errors="replace").rstrip("\ufffd")
        return text, encoding, [f"the input is not clean {encoding}; undecodable bytes were replaced"]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM: ASCII characters leave a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _read_path(path: Path) -> tuple[str, str | None, list[str], str | None]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnusableInput(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UnusableInput(f"{path} is a directory, not a log file") from None
    except OSError as err:
        raise UnusableInput(f"cannot read {path}: {err.strerror or err}") from None
    text, encoding, warnings = decode_bytes(data)
    return text, encoding, warnings, str(path)


def _read_stream(stream: BinaryIO) -> bytes:
    data = stream.read()
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)
