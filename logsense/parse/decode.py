"""Bytes -> text, without mojibake, or a clear refusal.

People paste logs saved by Windows editors (UTF-16, GBK), by old terminals
(Latin-1) or straight from a pipe (UTF-8 with control bytes). A short cascade
decides: BOMs first, then UTF-16 by its NUL pattern, strict UTF-8, then the
East Asian legacy encodings each only when its decoding reads as its script
(Shift-JIS/cp932 and EUC-JP with kana, cp949 with common Hangul, GB18030 with
common Hanzi: `_LEGACY`), Latin-1 last. Binary files are refused.

Files and streams are read incrementally (`open_text`): an input that fits in
the first `SNIFF_BYTES` is decoded whole, exactly as `decode_bytes` does; a
larger one is decoded chunk by chunk in the encoding its first `SNIFF_BYTES`
call for, so a gigabyte capture is never held in memory.
"""
from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import UnusableInput

#: Control bytes that never occur in text (tab, newline, CR, backspace, ESC, FF, VT do).
_BINARY = re.compile(rb"[\x00-\x07\x0e-\x1a\x1c-\x1f]")
#: Scripts a legacy decoding is judged by. Compiled on first need (`_script`): a class spanning
#: thousands of code points takes milliseconds to compile, and only a paste that is not UTF-8 asks.
_SCRIPTS = {
    "cjk": r"[\u3400-\u9fff\uf900-\ufaff]",
    "kana": r"[\u3041-\u30ff]",
    "halfwidth_kana": r"[\uff61-\uff9f]",
    "hangul": r"[\uac00-\ud7a3]",
    # Characters a wrong legacy decoding makes and real text seldom has: private use, box drawing
    # met out of a table, Latin-1 supplement symbols, CJK compatibility forms.
    "odd": r"[\ue000-\uf8ff\u2500-\u257f\u00a0-\u00ff\uf900-\ufaff\ufe30-\ufe4f]",
}


@cache
def _script(name: str) -> re.Pattern[str]:
    return re.compile(_SCRIPTS[name])


#: A well-formed multi-byte UTF-8 character (Latin-1 text seldom contains one by accident).
_UTF8_WIDE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

#: Bytes read before deciding the encoding of a file or stream; anything smaller is decoded whole.
SNIFF_BYTES = 4 << 20
#: Bytes read per chunk after that.
CHUNK_BYTES = 1 << 20
_EDGE = 65536  # the binary check looks at this much of each end


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
    legacy = _legacy_encoding(data)
    if legacy:
        return data.decode(legacy), legacy, []
    if utf8_error.start > len(data) - 4:  # a file cut in the middle of a character
        text = data[: utf8_error.start].decode("utf-8")
        return text, "utf-8", ["the input ends in the middle of a character; the last bytes were dropped"]
    if _UTF8_WIDE.search(data):  # UTF-8 with a damaged or foreign piece (a GBK paste inside, say)
        return (data.decode("utf-8", errors="replace"), "utf-8",
                ["the input is not clean utf-8; undecodable bytes were replaced"])
    return data.decode("latin-1"), "latin-1", ["the input is not UTF-8; read as Latin-1"]


def _legacy_encoding(data: bytes, final: bool = True) -> str | None:
    """The East Asian legacy encoding ``data`` reads cleanly in, if its text then looks like that
    language (`_LEGACY`, tried in order); None otherwise. ``final=False`` for the head of a stream."""
    for encoding, plausible in _LEGACY:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(data, final=final)
        except UnicodeDecodeError:
            continue
        if plausible(text):
            return encoding
    return None


def _wide(text: str) -> list[str]:
    return [ch for ch in text if ord(ch) > 0x7F]


def _looks_japanese(text: str) -> bool:
    """Japanese writes kana between its kanji (a Keras log: エポック, 損失); Chinese or Latin-1
    bytes decoded as Shift-JIS or EUC-JP give half-width kana, symbols and rare forms instead."""
    wide = _wide(text)
    if not wide:
        return False
    joined = "".join(wide)
    kana = len(_script("kana").findall(joined))
    odd = len(_script("halfwidth_kana").findall(joined)) + len(_script("odd").findall(joined))
    return kana >= max(1, 0.15 * len(wide)) and odd <= 0.05 * len(wide)


def _looks_korean(text: str) -> bool:
    """Korean is written in Hangul, nearly all of it the 2,350 common syllables (EUC-KR's);
    Chinese or Big5 bytes decoded as cp949 give Hanja among it, or rare extension syllables."""
    wide = _wide(text)
    if not wide:
        return False
    hangul = _script("hangul").findall("".join(wide))
    if len(hangul) < 0.9 * len(wide):
        return False
    common = sum(1 for ch in hangul if _is_common_hangul(ch))
    return common >= 0.9 * len(hangul)


def _is_common_hangul(ch: str) -> bool:
    """One of KS X 1001's 2,350 syllables: two bytes in EUC-KR (Python spells the others as
    eight-byte jamo sequences)."""
    try:
        return len(ch.encode("euc_kr")) == 2
    except UnicodeEncodeError:
        return False


def _looks_chinese(text: str) -> bool:
    """GB18030 decodes almost any byte string; accept it only for text that reads as Chinese.

    Common Hanzi (GB2312) have both bytes >= 0xA1. Latin-1 text decoded as
    GB18030 pairs an accented letter with the ASCII letter after it, giving
    characters whose second byte is ASCII-range: many of those means not Chinese.
    """
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide or _script("cjk").search("".join(wide)) is None:
        return False
    odd = sum(1 for ch in wide if len(b := ch.encode("gb18030")) != 2 or b[1] < 0xA1)
    return odd <= 0.1 * len(wide)


#: Legacy encodings after UTF-8, each with the test its text must pass, in this order. Japanese
#: first: GB18030 maps EUC-JP's kana rows to kana too, but Chinese text never decodes to kana.
#: Korean before Chinese: EUC-KR's Hangul rows are GB2312's common Hanzi, while GB2312 text read
#: as cp949 is a third Hanja, which Korean seldom has. (Big5 is not tried: its trail bytes include
#: ASCII letters, so Latin-1 text such as "\xc9poque" reads as a plausible Hanzi.)
_LEGACY: tuple[tuple[str, Any], ...] = (
    ("cp932", _looks_japanese), ("euc_jp", _looks_japanese), ("cp949", _looks_korean),
    ("gb18030", _looks_chinese),
)


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


#: A one-line text that is a file's name rather than a log: no spaces, a log-like extension.
_FILE_NAME = re.compile(r"[^\s]*\.(?:log|txt|csv|tsv|json|out|err|md|text)", re.IGNORECASE)


def _names_path(text: str) -> bool:
    """Whether a one-line ``str`` means a path: an entry exists there (a file, a directory, a
    dangling or looping link), or it reads as a file name (``missing.log``). A one-line log
    (``Epoch 1/2 ...``) has spaces and no such ending, so it stays text."""
    if "\n" in text or len(text) >= 4096 or not text.strip():
        return False
    try:
        if os.path.lexists(text):
            return True
    except (OSError, ValueError):  # a NUL in the text
        return False
    return _FILE_NAME.fullmatch(text) is not None


@dataclass
class TextChunks:
    """The text of a source as an iterator of str chunks, with what decoding it found.

    ``warnings`` grows while ``chunks`` is consumed; ``size`` (bytes, when known)
    and ``consumed`` give the fraction read.
    """

    chunks: Iterator[str]
    encoding: str | None
    name: str | None
    warnings: list[str] = field(default_factory=list)
    size: int | None = None
    consumed: int = 0

    def fraction(self) -> float | None:
        if not self.size:
            return None
        return min(self.consumed / self.size, 1.0)


def open_text(source: Any, chunk_bytes: int | None = None) -> TextChunks:
    """The text of ``source`` (text, bytes, a path or a binary stream) as chunks.

    A ``str`` is the text itself, except a single line (no newline) naming a
    path, which is read as that file: a CLI argument and a pasted log are then
    both plain strings, and a one-line log never names a file. A path that is
    missing (``missing.log``), a directory or a symlink loop is refused as the
    CLI refuses it.
    Text and bytes already in memory come back as one chunk; files are read
    ``chunk_bytes`` (default `CHUNK_BYTES`) at a time. Raises
    `UnusableInput` for a missing file or binary data (for a stream, binary
    bytes at its end are only seen after reading it).
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    if isinstance(source, str) and not _names_path(source):
        return TextChunks(iter([source]), None, None, size=len(source), consumed=len(source))
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise UnusableInput(f"no such file: {path}") from None
        except IsADirectoryError:
            raise UnusableInput(f"{path} is a directory, not a log file") from None
        except OSError as err:
            raise UnusableInput(f"cannot read {path}: {err.strerror or err}") from None
        if not _is_regular(handle):
            handle.close()
            raise UnusableInput(f"{path} is not a regular file")
        try:
            return _stream_binary(handle, str(path), chunk_bytes, close=True)
        except BaseException:
            handle.close()
            raise
    if isinstance(source, (bytes, bytearray, memoryview)):
        text, encoding, warnings = decode_bytes(bytes(source))
        return TextChunks(iter([text]), encoding, None, warnings, size=len(source), consumed=len(source))
    if hasattr(source, "read"):
        return _stream_binary(source, getattr(source, "name", None), chunk_bytes, close=False)
    raise UnusableInput(f"cannot read a log from a {type(source).__name__}")


def _is_regular(handle: Any) -> bool:
    """A regular file (not a FIFO or a device, which could block or never end)."""
    import stat

    try:
        return stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return True


def _stream_binary(handle: Any, name: Any, chunk_bytes: int, close: bool) -> TextChunks:
    name = name if isinstance(name, str) else None
    size = _remaining_size(handle)
    start = handle.tell() if size is not None else 0
    head = _read(handle, SNIFF_BYTES)
    if isinstance(head, str):  # a text stream: already decoded
        def text_chunks() -> Iterator[str]:
            piece: Any = head
            while piece:
                yield piece
                piece = handle.read(chunk_bytes)
        return TextChunks(text_chunks(), None, name)
    more = _read(handle, chunk_bytes)
    if not more:  # small enough to decode whole, as always
        if close:
            handle.close()
        text, encoding, warnings = decode_bytes(head)
        return TextChunks(iter([text]), encoding, name, warnings, size=len(head), consumed=len(head))
    encoding = _sniff_encoding(head)
    wide = encoding.startswith(("utf-16", "utf-32"))  # NUL bytes are their ASCII
    if size is not None and not wide:
        _check_tail(handle, start, size)
    out = TextChunks(iter(()), encoding, name, size=size)
    out.chunks = _decode_chunks(handle, [head, more], encoding, chunk_bytes, out, close,
                                check_tail=size is None and not wide)
    return out


def _sniff_encoding(head: bytes) -> str:
    """The encoding of a large input, judged by its first bytes as `decode_bytes` judges a whole one."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if _BINARY.search(head[:_EDGE]):
        raise UnusableInput("the input is binary data, not a text log")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = _legacy_encoding(head, final=False)
    if legacy:
        return legacy
    return "utf-8" if _UTF8_WIDE.search(head) else "latin-1"  # as `decode_bytes` decides


def _decode_chunks(handle: Any, first: list[bytes], encoding: str, chunk_bytes: int, out: TextChunks,
                   close: bool, check_tail: bool) -> Iterator[str]:
    """Decode chunk by chunk; bytes the encoding rejects are replaced, once with a warning."""
    decoder = codecs.getincrementaldecoder(encoding)()
    if encoding == "latin-1":
        out.warnings.append("the input is not UTF-8; read as Latin-1")
    tail = b""
    try:
        while True:  # `first` is emptied as it is decoded, so its bytes are not held to the end
            data = first.pop(0) if first else _read(handle, chunk_bytes)
            if not data:
                break
            out.consumed += len(data)
            if check_tail:
                tail = (tail + data)[-_EDGE:]
            state = decoder.getstate()
            try:
                text = decoder.decode(data)
            except UnicodeDecodeError:
                out.warnings.append(f"the input is not clean {encoding}; undecodable bytes were replaced")
                decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
                decoder.setstate(state)
                text = decoder.decode(data)
            if text:
                yield text
        try:
            text = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            text = ""
            out.warnings.append("the input ends in the middle of a character; the last bytes were dropped")
        if text:
            yield text
    finally:
        if close:
            handle.close()
    if check_tail and _BINARY.search(tail):
        raise UnusableInput("the input is binary data, not a text log")


def _check_tail(handle: Any, start: int, size: int) -> None:
    """The binary check on the last bytes of a seekable file, before reading it through."""
    try:
        here = handle.tell()
        handle.seek(start + max(size - _EDGE, 0))
        tail = handle.read(_EDGE)
        handle.seek(here)
    except (OSError, ValueError, AttributeError):
        return
    if _BINARY.search(tail):
        raise UnusableInput("the input is binary data, not a text log")


def _remaining_size(handle: Any) -> int | None:
    try:
        if not handle.seekable():
            return None
        here = handle.tell()
        end = handle.seek(0, os.SEEK_END)
        handle.seek(here)
        return end - here
    except (OSError, ValueError, AttributeError):
        return None


def _read(handle: Any, n: int) -> Any:
    """Up to ``n`` bytes (fewer only at the end), from streams that return short reads too."""
    data = handle.read(n)
    if not data or isinstance(data, str) or len(data) >= n:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = handle.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)
