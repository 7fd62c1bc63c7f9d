"""Hostile input: `parse` and `diagnose` never raise, say what went wrong, and keep what they can.

Mutations of the real fixtures, random bytes, mixed encodings and pathological
shapes (megabyte lines, deep brackets, ...). The one error allowed is
`UnusableInput`, with a one-line message, for input that is not text at all.
Speed on these shapes is measured in benchmarks/adversarial.py, not here.
"""
from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logsense
from logsense.errors import UnusableInput

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures" / "seeds").glob("*.txt")) + sorted((ROOT / "fixtures" / "keras").glob("*/*/*.txt"))
DATA = [path.read_bytes() for path in FIXTURES]
SEED = next((ROOT / "fixtures" / "seeds").glob("004_*.txt")).read_text("utf-8")  # two runs of ten epochs
def fast(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _survive(source) -> logsense.Log | None:
    """Parse and diagnose; None when the input was refused (cleanly) as unusable."""
    try:
        log = logsense.parse(source)
    except UnusableInput as err:
        assert str(err) and "\n" not in str(err)
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy on nan/inf curves is not a failure
        report = logsense.diagnose(log)
    assert all(isinstance(w, str) and w for w in log.warnings)
    assert [run.index for run in log.runs] == list(range(len(log.runs)))
    return log


def _values(log: logsense.Log) -> list[list[dict]]:
    return [[dict(r) for r in run.epoch_records] for run in log.runs]


# -- mutated fixtures -------------------------------------------------------------------

ANNOYANCES = [b"\r", b"\b", b"\x1b[31m", b"\x1b[0m", b"\x1b[2K", b"\x00", b"\n", b"\r\n", b"\xff", b"\xe6\x8d"]


@st.composite
def mutated(draw) -> bytes:
    data = draw(st.sampled_from(DATA))
    size = len(data)
    op = draw(st.sampled_from(["flip", "truncate", "splice", "duplicate", "join_lines", "insert"]))
    if op == "flip":
        out = bytearray(data)
        for at in draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=8)):
            out[at] ^= draw(st.integers(1, 255))
        return bytes(out)
    if op == "truncate":
        return data[:draw(st.integers(0, size))]
    if op == "splice":
        other = draw(st.sampled_from(DATA))
        return data[:draw(st.integers(0, size))] + other[draw(st.integers(0, len(other))):]
    if op == "duplicate":
        start = draw(st.integers(0, size))
        end = draw(st.integers(start, size))
        return data[:end] + data[start:end] * draw(st.integers(1, 4)) + data[end:]
    if op == "join_lines":
        cut = draw(st.integers(0, size))
        return data[:cut] + data[cut:].replace(b"\n", b"", draw(st.integers(1, 50)))
    out = data
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(out)))
        out = out[:at] + draw(st.sampled_from(ANNOYANCES)) * draw(st.integers(1, 3)) + out[at:]
    return out


@fast(120)
@given(mutated())
def test_mutated_fixtures_never_raise(data: bytes) -> None:
    _survive(data)
    _survive(data.decode("utf-8", errors="replace"))  # as pasted text, where NUL bytes are not refused


GARBAGE = st.text(alphabet=st.sampled_from(list("#@!~%^&*|<>?;'\" \t\x1b\b\x00\ufffd漢字…━░▒")), min_size=1, max_size=200)


@fast(25)
@given(st.lists(GARBAGE, min_size=1, max_size=20), st.data())
def test_garbage_block_between_epochs_keeps_every_value(garbage: list[str], data) -> None:
    lines = SEED.split("\n")
    headers = [i for i, line in enumerate(lines) if line.startswith("Epoch ")]
    at = data.draw(st.sampled_from(headers))
    damaged = "\n".join(lines[:at] + garbage + lines[at:])
    assert _values(_survive(damaged)) == _values(logsense.parse(SEED))


@fast(40)
@given(st.data())
def test_truncation_at_any_byte_keeps_the_epochs_before_the_cut(data) -> None:
    raw = SEED.encode("utf-8")
    cut = data.draw(st.integers(0, len(raw)))
    full = _values(logsense.parse(SEED))
    log = _survive(raw[:cut])
    if log is None:
        return
    got = _values(log)
    assert len(got) <= len(full)
    for run, whole in zip(got, full):
        assert run[:-1] == whole[:max(len(run) - 1, 0)]  # only the epoch being printed at the cut may differ


def test_seed_with_a_binary_block_in_the_middle_still_yields_its_runs() -> None:
    """Control characters in a pasted text are kept out of the records, not fatal."""
    lines = SEED.split("\n")
    at = [i for i, line in enumerate(lines) if line.startswith("Epoch ")][5]
    noise = bytes(range(256)).decode("latin-1").replace("\n", "") * 4
    log = _survive("\n".join(lines[:at] + [noise, "\x00" * 500, "\r" * 300] + lines[at:]))
    assert _values(log) == _values(logsense.parse(SEED))


# -- random bytes, encodings --------------------------------------------------------------

@fast(150)
@given(st.binary(max_size=3000))
def test_random_bytes_are_read_or_refused_cleanly(data: bytes) -> None:
    _survive(data)


@fast(40)
@given(st.sampled_from(DATA), st.text(min_size=1, max_size=300), st.sampled_from(["gbk", "utf-16", "latin-1"]))
def test_mixed_encodings_never_raise(data: bytes, foreign: str, encoding: str) -> None:
    piece = foreign.encode(encoding, errors="replace")
    _survive(data + piece + data[: len(data) // 2])
    _survive(piece + data)


def test_utf8_log_with_a_gbk_paste_inside_keeps_its_runs_and_says_so() -> None:
    data = SEED.encode("utf-8") + "\n训练损失一直很高怎么办\n".encode("gbk")
    log = _survive(data)
    assert log.encoding == "utf-8"
    assert any("not clean utf-8" in w for w in log.warnings)
    assert _values(log) == _values(logsense.parse(SEED))


def test_utf8_gbk_utf16_mixture_is_refused_in_one_line() -> None:
    data = SEED.encode("utf-8") + "损失\n".encode("gbk") + SEED.encode("utf-16")
    with pytest.raises(UnusableInput, match="binary"):
        logsense.parse(data)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_truncated_wide_encodings_keep_their_runs(encoding: str) -> None:
    data = SEED.encode(encoding)
    log = _survive(data[:-1])
    assert [len(run.epoch_records) for run in log.runs] == [10, 10]


# -- pathological shapes ------------------------------------------------------------------

def _seed_plus(extra: str) -> logsense.Log:
    log = _survive(SEED + "\n" + extra + "\n")
    assert _values(log) == _values(logsense.parse(SEED))
    return log


@pytest.mark.parametrize("extra", [
    "x" * 1_000_000,                                    # a megabyte line
    "\r" * 1_000_000,                                   # a million carriage returns
    "[" * 10_000,                                       # an array that never closes (predictions scan)
    "[" * 10_000 + "0.5" + "]" * 10_000,                # deep but closed
    "model.fit(x, y, epochs=" + "(" * 10_000 + "1" + ")" * 10_000 + ")",  # ast recursion
    "cfg = " + "{" * 10_000 + "}" * 10_000,
    "x = " + "9" * 100_000,
    "\x00" * 10_000,
    "nan inf -inf NaN " * 10_000,
], ids=["mb_line", "million_cr", "open_brackets", "closed_brackets", "code_parens", "code_braces",
        "long_number", "nul", "nan_words"])
def test_pathological_text_after_a_log_leaves_the_log_intact(extra: str) -> None:
    _seed_plus(extra)


def test_deeply_nested_code_still_lets_other_code_be_read() -> None:
    log_text = "Epoch 1/2\n1/1 [==] - 0s - loss: 0.5\nEpoch 2/2\n1/1 [==] - 0s - loss: 0.4\n"
    deep = "x = " + "(" * 10_000 + "1" + ")" * 10_000
    log = _survive(f"model.compile(optimizer=SGD(lr=0.3), loss='mse')\n{deep}\n{log_text}")
    ctx = log.runs[0].context
    assert (ctx["optimizer"], ctx["lr"], ctx["loss"]) == ("sgd", 0.3, "mse")


def test_epoch_header_repeated_100k_times() -> None:
    log = _survive("Epoch 1/10\n" * 100_000)
    assert log.runs == [] and log.warnings


def test_nan_and_inf_everywhere_are_values_not_errors() -> None:
    text = "".join(f"Epoch {i}/5\n1/1 [==] - 0s - loss: nan - accuracy: inf - val_loss: -inf\n" for i in range(1, 6))
    log = _survive(text)
    (run,) = log.runs
    assert len(run.epoch_records) == 5
    assert all(math.isnan(r["loss"]) and r["accuracy"] == math.inf for r in run.epoch_records)
    assert "nan" in {f.symptom for f in logsense.diagnose(log).findings}


def test_huge_epoch_numbers_and_numbers_past_float_range() -> None:
    text = ("Epoch 99999999999/1\n1/1 [==] - 0s - loss: 0.5\n"
            "Epoch 2/2\n1/1 [==] - 0s - loss: " + "9" * 5000 + "\n")
    log = _survive(text)
    assert log.runs[0].epoch_records[0]["epoch"] == 99999999999
    assert log.runs[0].epoch_records[0]["loss"] == 0.5


def test_each_of_many_runs_takes_the_code_above_it() -> None:
    """Context is folded once down the text (per-run refolding was quadratic), with the same result."""
    text = "".join(f"model.compile(optimizer=SGD(lr=0.{i % 9 + 1}), loss='mse')\nEpoch 1/2\n"
                   f"1/1 [==] - 0s - loss: 0.5\nEpoch 2/2\n1/1 [==] - 0s - loss: 0.4\n" for i in range(400))
    log = _survive(text)
    assert [run.context["lr"] for run in log.runs] == [round(0.1 * (i % 9 + 1), 1) for i in range(400)]
    assert {run.context["loss"] for run in log.runs} == {"mse"}


def test_thousands_of_runs_diagnose() -> None:
    """Cross-run comparison is not all pairs (once 5000 runs took minutes)."""
    text = "".join(f"Epoch 1/2\n1/1 [==] - 0s - loss: {1 + i % 7}.0\nEpoch 2/2\n1/1 [==] - 0s - loss: {i % 7}.5\n"
                   for i in range(3000))
    log = _survive(text)
    assert len(log.runs) == 3000


# -- the command line ------------------------------------------------------------------------

def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "logsense", *args], capture_output=True, input=stdin, timeout=120)


CLI_INPUTS = {
    "binary": bytes(range(256)) * 64,
    "gbk": ("Epoch 1/2\n1/1 [==] - 0s - 损失: 0.5\nEpoch 2/2\n1/1 [==] - 0s - 损失: 0.4\n" * 3).encode("gbk"),
    "utf16": SEED.encode("utf-16"),
    "truncated": SEED.encode("utf-8")[:777],
    "truncated_utf16": SEED.encode("utf-16")[:1001],
    "empty": b"",
}


@pytest.mark.parametrize("name", list(CLI_INPUTS))
def test_cli_on_bad_files_exits_0_or_2_without_traceback(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_bytes(CLI_INPUTS[name])
    result = _cli("diagnose", str(path), "--json")
    assert result.returncode in (0, 2), result.stderr
    assert b"Traceback" not in result.stderr
    if result.returncode == 2:
        assert result.stderr.decode().count("\n") == 1
    else:
        assert result.stdout.lstrip().startswith(b"{")


@pytest.mark.parametrize("target", ["directory", "missing"])
def test_cli_on_a_directory_or_missing_file_exits_2_in_one_line(target: str, tmp_path: Path) -> None:
    path = tmp_path if target == "directory" else tmp_path / "no_such.log"
    result = _cli("diagnose", str(path))
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr and result.stderr.decode().count("\n") == 1


def test_cli_stdin_binary_is_refused_in_one_line() -> None:
    result = _cli("diagnose", "-", stdin=bytes(range(256)) * 10)
    assert result.returncode == 2 and b"Traceback" not in result.stderr


HOSTILE_SETUPS = [{"lr": 1e308, "batch_size": 10**12, "epochs": 10**9}, {"lr": 1e-300, "batch_size": 1, "epochs": 1},
                  {"l2": 1e300, "layers": "1000000000,1000000000,1"}]
#: Values no training can have: refused with a message naming the field, never passed to a replay.
IMPOSSIBLE_SETUPS = [({"lr": -1.0}, "lr"), ({"batch_size": 0}, "batch size"), ({"epochs": -5}, "epochs"),
                     ({"lr": float("nan")}, "lr"), ({"l2": float("inf")}, "l2"), ({"batch_size": 2.5}, "batch size"),
                     ({"layers": "64,x"}, "layer sizes")]
HOSTILE_CODE = ("model.add(Dense(1000000000, input_dim=1000000000))\n"
                "model.compile(optimizer=SGD(lr=1e308), loss='mse')\n"
                "model.fit(x, y, epochs=1000000000, batch_size=10**12)\n")


@pytest.mark.parametrize("seed", sorted((ROOT / "fixtures" / "seeds").glob("*.txt")), ids=lambda p: p.name[:3])
def test_absurd_set_ups_in_code_or_overrides_do_not_break_the_replays(seed: Path) -> None:
    """Replays size their simulations from the set-up: absurd sizes must not allocate or raise."""
    text = seed.read_text("utf-8")
    log = _survive(HOSTILE_CODE + text)
    assert len(log.runs) == len(logsense.parse(text).runs)
    for overrides in HOSTILE_SETUPS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            report = logsense.diagnose(text, **overrides)
        assert all(0.0 <= cause.confidence <= 1.0 for cause in report.causes)


@pytest.mark.parametrize(("overrides", "field"), IMPOSSIBLE_SETUPS, ids=lambda v: str(v))
def test_impossible_set_ups_are_refused_naming_the_field(overrides: dict, field: str) -> None:
    text = (ROOT / "fixtures" / "seeds" / "003_9c859962b7b1f775.txt").read_text("utf-8")
    with pytest.raises(logsense.InvalidSetup) as err:
        logsense.diagnose(text, **overrides)
    assert field in str(err.value) and "\n" not in str(err.value)
