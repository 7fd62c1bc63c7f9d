"""The parser never raises, whatever it is given (hypothesis)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import logsense
from logsense.errors import UnusableInput
from logsense.parse.stream import parse_text

#: Fragments of real Keras output, so generated text reaches the parser, not just the prefilter.
FRAGMENTS = ["Epoch ", "1/10", "Epoch 00927: ", "val_loss did not improve", " [====>...] ", "━━━━", " - ",
             "ETA: ", "1:23", "2s", " 946us/step", "loss: ", "0.3499", "3.5193e-04", "nan", "-inf", "\r", "\b",
             "\n", "\x1b[1m", "大纪元", "损失:", "Train on 10 samples",
             "Batch 3: Invalid loss, terminating training",
             "Restoring model weights from the end of the best epoch: ",
             "ReduceLROnPlateau reducing learning rate to ",
             "improved from ", " to ", ", saving model to ", "8/8", "Unknown", ":", "：", ".", "0", "9"]

keras_like = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=60).map("".join)


def _check(runs, unparsed, text: str) -> None:
    lines = text.split("\n")
    for index, run in enumerate(runs):
        assert run.index == index
        assert 1 <= run.meta["start_line"] <= run.meta["end_line"] <= len(lines)
        for record in run.epoch_records:
            assert isinstance(record["epoch"], int)
            assert all(isinstance(v, float) for k, v in record.items() if k != "epoch")
    for number, fragment in unparsed:
        assert 1 <= number <= len(lines) and fragment


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    runs, unparsed = parse_text(text)
    _check(runs, unparsed, text)


@settings(max_examples=400, deadline=None)
@given(keras_like)
def test_keras_like_text_never_raises(text: str) -> None:
    runs, unparsed = parse_text(text)
    _check(runs, unparsed, text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_parse_or_are_refused_cleanly(data: bytes) -> None:
    try:
        log = logsense.parse(data)
    except UnusableInput as err:
        assert "\n" not in str(err)
        return
    assert [run.index for run in log.runs] == list(range(len(log.runs)))
    assert log.encoding in {"utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp932", "euc_jp", "cp949",
                            "gb18030", "latin-1"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6), min_size=1,
                max_size=8))
def test_printed_losses_come_back_exactly(losses: list[float]) -> None:
    printed = [f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}" for v in losses]
    text = "".join(f"Epoch {i}/{len(losses)}\n10/10 [====] - 0s 3ms/step - loss: {p}\n"
                   for i, p in enumerate(printed, 1))
    runs, unparsed = parse_text(text)
    assert len(runs) == 1 and unparsed == []
    assert runs[0].series("loss").tolist() == [float(p) for p in printed]
