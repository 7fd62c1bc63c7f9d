"""Streaming parse: chunked input gives the whole-text result; big input stays bounded.

The oracle is the parser as it was before streaming: `segment.segments` over
the whole text into one `_Assembler`. Chunks are tiny and of varying size, so
their boundaries fall inside lines, ``\\r`` runs, ``\\r\\n`` pairs and (for the
byte-level tests) multibyte UTF-8 characters.
"""
from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark.exceptions import LarkError

import logsense
from logsense.errors import UnusableInput
from logsense.log import Log, Run, jsonable
from logsense.parse import decode, stream
from logsense.parse.assemble import Assembler
from logsense.parse.families import FAMILIES, family_shape
from logsense.parse.fast import fast_record, read_redraws, salvage_progress
from logsense.parse.locales import table
from logsense.parse.records import parse_segment
from logsense.parse.segment import CANDIDATE, LOGLIKE, SUMMARY, segments, strip_ansi, unwrap_width
from logsense.parse.stream import LogStream, parse_text

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
TEXTS = sorted(p for p in ROOT.rglob("*.txt"))
ALL_FILES = sorted(p for p in ROOT.rglob("*") if p.is_file() and p.suffix in (".txt", ".csv", ".json"))


def _whole_text_oracle(text: str) -> tuple[list[Run], list[tuple[int, str]]]:
    """The pre-streaming parse: every segment of the whole text through one assembler."""
    locales = table()
    assembler = Assembler(locales.metric, locales)
    unparsed: list[tuple[int, str]] = []
    bare = []
    for segment in segments(text, locales, redraws=read_redraws):
        if segment.bars is not None:
            assembler.feed_bars(segment.bars, segment)
            continue
        if not CANDIDATE.match(segment.text):  # another framework's line (families.py): not Keras'
            if SUMMARY.match(segment.text.lstrip()):  # a bare epoch summary: the log only if nothing else is
                bare.append(segment)
            continue
        try:
            result = fast_record(segment.text)
            kind, payload = result if result is not None else parse_segment(segment.text)
        except (LarkError, ValueError, IndexError, TypeError):
            salvaged = salvage_progress(segment.text)  # a bar with other output printed into it
            if salvaged is None:
                if LOGLIKE.search(segment.text) and CANDIDATE.match(segment.text) \
                        and (not unparsed or unparsed[-1][0] != segment.line):
                    unparsed.append((segment.line, segment.text))
                continue
            kind, payload = salvaged[0]
        assembler.feed(kind, payload, segment)
    if bare and not any(state.run.epoch_records for state in assembler.runs):
        start = len(assembler.runs)
        for segment in bare:
            assembler.feed(*parse_segment(segment.text), segment)
        for state in assembler.runs[start:]:
            state.run.meta["bare_summary"] = True
    return assembler.finish(), unparsed


def _expected(text: str, width: int) -> tuple[list[Run], list[tuple[int, str]], list[str]]:
    """The oracle's runs and unparsed lines, and the whole text's warnings. The oracle reads Keras only:
    a text holding another framework's runs or bars is compared with its own whole-text parse instead."""
    whole = LogStream(width=width)
    whole.feed(text)
    result = whole.finish()
    if any(run.meta.get("format") in FAMILIES for run in result.runs) \
            or any(family_shape(line) for line in strip_ansi(text).replace("\r", "\n").split("\n")):
        return result.runs, result.unparsed, result.warnings
    return (*_whole_text_oracle(text), result.warnings)


def _chunks(text: str, seed: int, largest: int = 9) -> list[str]:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(text):
        n = rng.randint(1, largest)
        out.append(text[i:i + n])
        i += n
    return out


def _width(text: str) -> int:
    return unwrap_width(strip_ansi(text).split("\n"))


def _same(a: list[Run], b: list[Run]) -> None:
    # jsonable: a NaN read twice is two float objects, and nan != nan
    assert jsonable([r.to_dict() for r in a]) == jsonable([r.to_dict() for r in b])


def _text(path: Path) -> str:
    return decode.decode_bytes(path.read_bytes())[0]


def test_the_fixtures_cover_what_chunk_boundaries_can_break() -> None:
    texts = [_text(p) for p in TEXTS]
    assert len(TEXTS) > 100
    assert any("\r\n" in t for t in texts) or any("\r" in t for t in texts)
    assert sum("\r" in t and "\b" in t for t in texts) > 10  # raw captures
    assert sum(_width(t) > 0 for t in texts) > 10  # screen copies to re-join across chunks
    assert any(not t.isascii() for t in texts)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_tiny_chunks_give_the_whole_text_result(path: Path) -> None:
    text = _text(path)
    expected_runs, expected_unparsed, expected_warnings = _expected(text, _width(text))
    # 3-character chunks cut every token somewhere; on the few large captures 40 do as well, faster.
    sizes = ((0, 3), (1, 40)) if len(text) < (64 << 10) else ((1, 40),)
    for seed, largest in sizes:
        s = LogStream(width=_width(text), probe_chars=0)  # parse as soon as a line is complete
        for chunk in _chunks(text, seed, largest):
            s.feed(chunk)
        result = s.finish()
        _same(result.runs, expected_runs)
        assert result.unparsed == expected_unparsed
        assert result.side.text == text and result.side.lines is None
        assert result.warnings == expected_warnings


#: The hardest cases for chunking: a screen copy re-joined at its width, a raw capture with
#: \b erasures and ANSI colours, a translated post, each also with CRLF line ends.
_HARD = [t for t in (_text(p) for p in TEXTS) if _width(t) > 0][:1] + \
    [t for t in (_text(p) for p in TEXTS) if "\b" in t and "\x1b" in t][:1] + \
    [t for t in (_text(p) for p in sorted((ROOT / "seeds").glob("*.txt"))) if not t.isascii()][:1]
_HARD += [t.replace("\r\n", "\n").replace("\n", "\r\n") for t in _HARD]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(_HARD) - 1), cuts=st.lists(st.floats(0, 1), max_size=30))
def test_any_chunking_gives_the_whole_text_result(which: int, cuts: list[float]) -> None:
    text = _HARD[which]
    positions = sorted({int(c * len(text)) for c in cuts} | {0, len(text)})
    s = LogStream(width=_width(text), probe_chars=0)
    for a, b in zip(positions, positions[1:]):
        s.feed(text[a:b])
    result = s.finish()
    runs, unparsed = _whole_text_oracle(text)
    _same(result.runs, runs)
    assert result.unparsed == unparsed


@pytest.mark.parametrize("path", [p for p in TEXTS if "\r" in _text(p)][:12], ids=lambda p: p.name)
def test_CRLF_endings_split_anywhere_read_as_one_chunk(path: Path) -> None:
    text = _text(path).replace("\r\n", "\n").replace("\n", "\r\n")
    expected = parse_text(text)
    s = LogStream(width=_width(text), probe_chars=0)
    for chunk in _chunks(text, 7, 5):
        s.feed(chunk)
    got = s.finish()
    _same(got.runs, expected[0])
    assert got.unparsed == expected[1]


@pytest.mark.parametrize("path", [p for p in TEXTS if "\r" in _text(p) and _width(_text(p)) == 0],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_an_endless_line_is_parsed_at_its_redraws_with_the_same_result(path: Path, monkeypatch) -> None:
    """A line longer than the pending cap is parsed up to its last ``\\r`` before it ends."""
    monkeypatch.setattr(stream, "MAX_PENDING_CHARS", 64)
    text = _text(path)
    expected_runs, expected_unparsed, _ = _expected(text, 0)
    s = LogStream(width=0, probe_chars=0)
    for chunk in _chunks(text, 3, 30):
        s.feed(chunk)
    result = s.finish()
    _same(result.runs, expected_runs)
    assert result.unparsed == expected_unparsed


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_parse_of_a_binary_stream_equals_parse_of_its_bytes(path: Path, monkeypatch) -> None:
    """The API path: a stream read in 5-byte chunks (inside UTF-8 characters) after a 64-byte sniff."""
    data = path.read_bytes()
    expected = logsense.parse(data).to_dict()
    monkeypatch.setattr(decode, "SNIFF_BYTES", 64)
    monkeypatch.setattr(decode, "CHUNK_BYTES", 5)
    assert logsense.parse(io.BytesIO(data)).to_dict() == expected


def test_seeds_through_a_file_path_equal_the_pasted_text() -> None:
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        from_file, pasted = logsense.parse(path), logsense.parse(_text(path))
        assert (from_file.source, from_file.encoding) == (str(path), "utf-8")
        assert from_file.to_dict() | {"encoding": None} == pasted.to_dict()


# --------------------------------------------------------------------------- large input, bounded

def _capture(epochs: int, steps: int) -> str:
    """A tf.keras terminal capture: one line per epoch, every step redrawn with \\r and \\b."""
    out = []
    for epoch in range(1, epochs + 1):
        out.append(f"Epoch {epoch}/{epochs}\n")
        back = ""
        for step in range(1, steps + 1):
            if step < steps:
                line = f"{step}/{steps} [====>.....] - ETA: 1s - loss: {1 / (epoch + step):.4f}"
            else:
                line = f"{steps}/{steps} [==========] - 2s 3ms/step - loss: {1 / epoch:.4f}"
            out.append(back + "\r" + line)
            back = "\b" * len(line)
        out.append("\n")
    return "".join(out)


def test_steps_are_thinned_evenly_per_epoch_keeping_first_and_last(monkeypatch) -> None:
    monkeypatch.setattr(stream, "STEPS_PER_EPOCH", 50)
    text = _capture(epochs=3, steps=999)
    s = LogStream()
    for chunk in _chunks(text, 0, 5000):
        s.feed(chunk)
    result = s.finish()
    (run,) = result.runs
    assert [r["loss"] for r in run.epoch_records] == [1.0, 0.5, round(1 / 3, 4)]  # epochs untouched
    assert run.meta["step_updates_seen"] == 3 * 998
    for epoch in (1, 2, 3):
        steps = [r["step"] for r in run.step_records if r["epoch"] == epoch]
        assert 10 <= len(steps) <= 50
        assert steps[0] == 1 and steps[-1] == 998
        gaps = [b - a for a, b in zip(steps, steps[1:])]
        assert max(gaps[:-1]) <= 2 * min(gaps[:-1])  # evenly spread (the last gap may be short)
    kept = len(run.step_records)
    assert result.warnings == [f"kept {kept} of 2994 progress updates in 1 run(s): at most 50 per epoch, "
                               f"evenly spaced over the steps, the first and last of each epoch kept"]


def test_the_step_budget_bounds_all_epochs_together(monkeypatch) -> None:
    monkeypatch.setattr(stream, "STEP_BUDGET", 400)
    text = _capture(epochs=40, steps=60)
    s = LogStream()
    for chunk in _chunks(text, 1, 3000):
        s.feed(chunk)
    (run,) = s.finish().runs
    assert len(run.epoch_records) == 40
    assert len(run.step_records) <= 400
    per_epoch = {e: [r["step"] for r in run.step_records if r["epoch"] == e] for e in range(1, 41)}
    assert all(steps[0] == 1 and steps[-1] == 59 for steps in per_epoch.values())


def test_small_inputs_are_never_thinned() -> None:
    text = _capture(epochs=2, steps=300)
    log = logsense.parse(text)
    assert len(log.runs[0].step_records) == 2 * 299
    assert "step_updates_seen" not in log.runs[0].meta and log.warnings == []


def test_past_the_side_text_cap_arrays_are_still_found_at_their_lines(monkeypatch) -> None:
    """Over the cap, the scans read only lines that were not training output, numbered as in the input."""
    checked = 0
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        text, whole = _text(seed), logsense.parse(seed)
        with monkeypatch.context() as m:
            m.setattr(stream, "SIDE_TEXT_CHARS", len(text) - 1)
            capped = logsense.parse(seed)
            s = LogStream()
            s.feed(text)
            result = s.finish()
        assert result.side.lines is not None and len(result.side.text) < len(text)
        if result.warnings:  # the prose alone was over the cap too
            assert "not scanned" in result.warnings[0]
            continue
        assert [(p.line, p.values.tolist()) for p in capped.predictions] == \
            [(p.line, p.values.tolist()) for p in whole.predictions]
        checked += len(whole.predictions)
    assert checked >= 2


def test_unparsed_lines_are_capped_with_a_count(monkeypatch) -> None:
    monkeypatch.setattr(stream, "MAX_UNPARSED", 3)
    text = "Epoch 1/2\n" + "".join(f"{i}/9 [====] - loss: 0.5 - acc: ??? bad {i}\n" for i in range(10))
    s = LogStream()
    s.feed(text)
    result = s.finish()
    expected = _whole_text_oracle(text)[1]
    assert len(expected) == 10
    assert result.unparsed == expected[:3]
    assert any("7 more log-like" in w for w in result.warnings)


# --------------------------------------------------------------------------- decoding

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "gb18030"])
def test_a_large_input_decodes_incrementally_as_a_whole_one(encoding: str, monkeypatch) -> None:
    text = "训练日志 Epoch 1/2\n" + "步骤 1/2 [====] - 损失: 0.5\r\n" * 50 + "完成 ✓\n"
    data = text.encode(encoding)
    whole = decode.decode_bytes(data)
    monkeypatch.setattr(decode, "SNIFF_BYTES", 100)
    chunked = decode.open_text(io.BytesIO(data), chunk_bytes=3)
    assert "".join(chunked.chunks) == whole[0]
    assert chunked.encoding == whole[1]
    assert chunked.warnings == whole[2] == []


def test_a_large_latin1_input_is_read_as_latin1_with_the_same_warning(monkeypatch) -> None:
    data = ("Époque 1/2 - perte: 0,5 café à côté\n" * 20).encode("latin-1")
    monkeypatch.setattr(decode, "SNIFF_BYTES", 64)
    chunked = decode.open_text(io.BytesIO(data), chunk_bytes=7)
    text = "".join(chunked.chunks)
    assert (text, chunked.encoding, chunked.warnings) == decode.decode_bytes(data)


def test_bad_bytes_after_the_sniff_are_replaced_with_a_warning(monkeypatch) -> None:
    data = b"Epoch 1/2\n" * 20 + b"bad \xff\xfe byte\n" + b"Epoch 2/2\n"
    monkeypatch.setattr(decode, "SNIFF_BYTES", 64)
    chunked = decode.open_text(io.BytesIO(data), chunk_bytes=4)
    text = "".join(chunked.chunks)
    assert "bad \ufffd\ufffd byte" in text and text.endswith("Epoch 2/2\n")
    assert chunked.warnings == ["the input is not clean utf-8; undecodable bytes were replaced"]


def test_a_cut_character_at_the_end_is_dropped_with_a_warning(monkeypatch) -> None:
    data = ("Epoch 1/2 损失\n" * 20).encode() + "损".encode()[:2]
    monkeypatch.setattr(decode, "SNIFF_BYTES", 64)
    chunked = decode.open_text(io.BytesIO(data), chunk_bytes=5)
    assert "".join(chunked.chunks) == decode.decode_bytes(data)[0]
    assert chunked.warnings == decode.decode_bytes(data)[2]


def test_binary_data_is_refused_at_either_end(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(decode, "SNIFF_BYTES", 64)
    head = tmp_path / "head.bin"
    head.write_bytes(b"\x01\x02\x03\x04" * 100 + b"Epoch 1/2\n" * 100)
    tail = tmp_path / "tail.bin"
    tail.write_bytes(b"Epoch 1/2\n" * 100 + b"\x01\x02\x03\x04" * 100)
    for path in (head, tail):
        with pytest.raises(UnusableInput, match="binary"):
            logsense.parse(path)

    class Pipe(io.RawIOBase):  # not seekable: the tail is checked after reading
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            n = self._data.readinto(b)
            return n

    with pytest.raises(UnusableInput, match="binary"):
        logsense.parse(io.BufferedReader(Pipe(tail.read_bytes())))


def test_a_text_stream_is_read_too() -> None:
    text = _text(ROOT / "seeds" / sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))[0])
    assert logsense.parse(io.StringIO(text)).to_dict()["runs"] == logsense.parse(text).to_dict()["runs"]


# --------------------------------------------------------------------------- progress

def test_progress_reports_the_fraction_of_the_file_read(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "capture.log"
    path.write_text(_capture(epochs=5, steps=50))
    monkeypatch.setattr(decode, "SNIFF_BYTES", 1000)
    monkeypatch.setattr(decode, "CHUNK_BYTES", 1000)
    seen: list[float] = []
    log = logsense.parse(path, progress=seen.append)
    assert len(log.runs[0].epoch_records) == 5
    assert len(seen) > 10
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[0] < 0.2


def test_an_empty_stream_is_a_log_without_runs() -> None:
    log = logsense.parse(io.BytesIO(b""))
    assert isinstance(log, Log) and log.runs == []
    assert re.search("no Keras training output", " ".join(log.warnings))


# --------------------------------------------------------------------------- CLI

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_cli_draws_a_bar_on_a_terminal_stderr_and_keeps_json_stdout_clean(tmp_path: Path, monkeypatch,
                                                                               capsys) -> None:
    import json
    import sys

    from logsense import cli

    path = tmp_path / "capture.log"
    path.write_text(_capture(epochs=4, steps=40))
    monkeypatch.setattr(cli, "PROGRESS_BYTES", 1000)
    monkeypatch.setattr(decode, "SNIFF_BYTES", 2000)
    monkeypatch.setattr(decode, "CHUNK_BYTES", 2000)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["parse", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["runs"][0]["epochs"]) == 4
    drawn = terminal.getvalue()
    assert drawn.count("\r[") > 3 and drawn.rstrip().endswith("100% read")

    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: nothing drawn
    assert cli.main(["parse", str(path), "--json"]) == 0
    assert sys.stderr.getvalue() == "" and json.loads(capsys.readouterr().out) == doc


def test_the_cli_reads_standard_input_as_a_stream(monkeypatch, capsys) -> None:
    import json
    import sys

    from logsense import cli

    text = _capture(epochs=3, steps=20)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert cli.main(["parse", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == logsense.parse(text.encode()).to_dict()
