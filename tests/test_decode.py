"""Bytes in every encoding people save logs in come back as the same text."""
from __future__ import annotations

import codecs
import io
import struct
import zlib
from pathlib import Path

import pytest

import logsense
from logsense.parse.decode import decode_bytes, open_text


def read_source(source):
    """The whole text of ``source`` as `open_text` reads it: (text, encoding, warnings, name)."""
    got = open_text(source)
    text = "".join(got.chunks)
    return text, got.encoding, got.warnings, got.name
from logsense.errors import UnusableInput

LOG = "大纪元1/2 10/10 [====] - 0s - 损失：257.6145\n大纪元2/2 10/10 [====] - 0s - 损失：47.6329\n"
LATIN = "Époque 1/2\n10/10 [====] - 0s - perte: 0.5000\nÉpoque 2/2\n10/10 [====] - 0s - perte: 0.2500\n"


@pytest.mark.parametrize("data, encoding", [
    (LOG.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + LOG.encode("utf-8"), "utf-8-sig"),
    (LOG.encode("utf-16"), "utf-16"),  # with BOM
    (codecs.BOM_UTF16_BE + LOG.encode("utf-16-be"), "utf-16"),
    (LOG.encode("gbk"), "gb18030"),
    (LOG.encode("gb18030"), "gb18030"),
])
def test_chinese_log_decodes_without_mojibake(data: bytes, encoding: str) -> None:
    text, used, warnings = decode_bytes(data)
    assert text == LOG and used == encoding and warnings == []


def test_utf16_without_bom_is_recognised_by_its_nul_bytes() -> None:
    ascii_log = "Epoch 1/2\n10/10 [====] - 0s - loss: 0.5000\n"
    assert decode_bytes(ascii_log.encode("utf-16-le"))[:2] == (ascii_log, "utf-16-le")
    assert decode_bytes(ascii_log.encode("utf-16-be"))[:2] == (ascii_log, "utf-16-be")


def test_latin1_falls_back_and_says_so() -> None:
    text, used, warnings = decode_bytes(LATIN.encode("latin-1"))
    assert text == LATIN and used == "latin-1" and warnings


def test_translated_latin1_log_parses_end_to_end() -> None:
    log = logsense.parse(LATIN.encode("latin-1"))
    (run,) = log.runs
    assert run.series("loss").tolist() == [0.5, 0.25]
    assert run.meta["locale"] == "fr"
    assert log.encoding == "latin-1"


def test_utf8_cut_inside_a_character_keeps_the_rest() -> None:
    data = LOG.encode("utf-8") + "损".encode()[:2]  # a download cut inside the last character
    text, used, warnings = decode_bytes(data)
    assert text == LOG and used == "utf-8" and warnings


def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("data", [_png(), b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"\x03\x00\x3e\x00"])
def test_binary_input_is_refused_with_one_line(data: bytes) -> None:
    with pytest.raises(UnusableInput) as err:
        read_source(data)
    assert "\n" not in str(err.value) and "binary" in str(err.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput, match="no such file"):
        read_source(tmp_path / "nope.log")


def test_one_line_string_naming_a_missing_file_is_refused(tmp_path: Path) -> None:
    """Issue 16: ``parse("missing.log")`` read the name as a log; a file name is refused as the CLI refuses it."""
    for missing in (str(tmp_path / "nope.log"), "missing.log", "runs/train.txt", "history.json"):
        with pytest.raises(UnusableInput, match="no such file"):
            read_source(missing)


@pytest.mark.parametrize("text", ["Epoch 1/2 10/10 [====] - 0s - loss: 0.5000", "loss: 0.5", "8/8", "nan"])
def test_one_line_log_text_stays_text(text: str) -> None:
    assert read_source(text) == (text, None, [], None)


def test_one_line_string_naming_a_file_is_read_as_the_file(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(LOG.encode("gbk"))
    text, encoding, _, name = read_source(str(path))
    assert text == LOG and encoding == "gb18030" and name == str(path)
    assert read_source(path)[0] == LOG


def test_binary_stream_and_text_pass_through() -> None:
    text, encoding, _, _ = read_source(io.BytesIO(LOG.encode("utf-16")))
    assert text == LOG and encoding == "utf-16"
    assert read_source(LOG) == (LOG, None, [], None)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput, match="directory"):
        read_source(tmp_path)
