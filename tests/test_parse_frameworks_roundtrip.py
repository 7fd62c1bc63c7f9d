"""Property: any history, printed as each framework prints it, parses back to the printed numbers.

The renderers below write what PyTorch Lightning (TQDM and Rich bars), the HF Trainer, fastai, YOLO
and three plain-loop styles print for a history (their number formats: tqdm's ``.3g``, Rich's 3
decimals, HF's 4 significant digits, fastai's 6 decimals padded to its columns and glued when wider,
the loops' fixed decimals), values drawn from six orders of magnitude up to 1e30, with NaN and inf.
The parse must give one run of the right format, one epoch per printed epoch, and every value equal
to the float of the string printed for it.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logsense

BAR = "██████████"


def tqdm_num(x: float) -> str:
    """tqdm's format_num: 3 significant digits, exponent without its leading zero."""
    f = f"{x:.3g}".replace("e+0", "e+").replace("e-0", "e-")
    return f


def hf_num(x: float) -> str:
    return f"{x:.4g}"


def _per_epoch(h: dict, num, line, start: int = 0) -> tuple[str, dict]:
    """Lines of a one-line-per-epoch format: ``line(epoch, loss, printed loss, printed val_loss)``,
    numbers printed by ``num``; with the strings printed for each epoch's loss and val_loss."""
    lines, printed = [], {"loss": [], "val_loss": []}
    for e, (loss, val) in enumerate(zip(h["loss"], h["val_loss"]), start=start):
        lo, va = num(loss), num(val)
        lines.append(line(e, loss, lo, va))
        printed["loss"].append(lo)
        printed["val_loss"].append(va)
    return "\n".join(lines) + "\n", printed


def lightning_tqdm(h: dict) -> tuple[str, dict]:
    s = h["steps"]
    return _per_epoch(h, tqdm_num, lambda e, loss, lo, va: (
        f"Epoch {e}: 100%|{BAR}| {s}/{s} [00:01<00:00,  9.12it/s, v_num=0, train_loss_step={tqdm_num(loss * 1.1)}, "
        f"val_loss={va}, train_loss_epoch={lo}]"))


def lightning_rich(h: dict) -> tuple[str, dict]:
    s, last = h["steps"], len(h["loss"]) - 1
    return _per_epoch(h, lambda x: f"{x:.3f}", lambda e, loss, lo, va: (
        f"Epoch {e}/{last}  {'━' * 40} {s}/{s} 0:00:01 • 0:00:00 9.12it/s v_num: 0.000 "
        f"train_loss_step: {loss * 1.1:.3f} val_loss: {va} train_loss_epoch: {lo}"))


def hf_trainer(h: dict) -> tuple[str, dict]:
    lines, printed = [], {"loss": [], "val_loss": []}
    for e, (loss, val) in enumerate(zip(h["loss"], h["val_loss"]), start=1):
        lo, va = hf_num(loss), hf_num(val)
        lines.append(f"{{'loss': '{lo}', 'grad_norm': '1.25', 'learning_rate': '4.9e-05', 'epoch': '{e}'}}")
        lines.append(f"{{'eval_loss': '{va}', 'eval_runtime': '0.0155', 'eval_samples_per_second': '2.064e+04', "
                     f"'epoch': '{e}'}}")
        printed["loss"].append(lo)
        printed["val_loss"].append(va)
    lines.append("{'train_runtime': '1.234', 'train_samples_per_second': '100', 'train_loss': '0.5', 'epoch': '1'}")
    return "\n".join(lines) + "\n", printed


def fastai(h: dict) -> tuple[str, dict]:
    names = ["epoch", "train_loss", "valid_loss", "time"]
    widths = [max(len(n), 8) + 2 for n in names]
    lines = ["".join(f"{n:<{w}}" for n, w in zip(names, widths)).rstrip()]
    printed = {"loss": [], "val_loss": []}
    for e, (loss, val) in enumerate(zip(h["loss"], h["val_loss"])):
        lo, va = f"{loss:.6f}", f"{val:.6f}"
        cells = [str(e), lo, va, "00:01"]
        lines.append("".join(f"{c:<{w}}" for c, w in zip(cells, widths)).rstrip())
        printed["loss"].append(lo)
        printed["val_loss"].append(va)
    return "\n".join(lines) + "\n", printed


def yolo(h: dict) -> tuple[str, dict]:
    n = len(h["loss"])
    lines, printed = [], {"box_loss": [], "val_mAP50": []}
    for e, (loss, val) in enumerate(zip(h["loss"], h["val_loss"]), start=1):
        box, m = f"{loss:.4g}", f"{min(abs(val), 1):.3g}"
        lines += ["      Epoch    GPU_mem   box_loss   cls_loss   dfl_loss  Instances       Size",
                  f"{f'{e}/{n}':>11}      2.51G {box:>10}      2.345      1.111         12        640: 100%|{BAR}| "
                  f"5/5 [00:01<00:00,  3.21it/s]",
                  f"                 Class     Images  Instances      Box(P          R      mAP50  mAP50-95): "
                  f"100%|{BAR}| 3/3 [00:00<00:00,  5.12it/s]",
                  f"                   all        128        929      0.612      0.532 {m:>10}      0.412", ""]
        printed["box_loss"].append(box)
        printed["val_mAP50"].append(m)
    return "\n".join(lines), printed


def loop_tabs(h: dict) -> tuple[str, dict]:
    return _per_epoch(h, lambda x: f"{x:.6f}", lambda e, loss, lo, va: (
        f"Epoch: {e} \tTraining Loss: {lo} \tValidation Loss: {va}"), start=1)


def loop_pipes(h: dict) -> tuple[str, dict]:
    return _per_epoch(h, lambda x: f"{x:.2f}", lambda e, loss, lo, va: f"epoch {e} | loss {lo} | val {va} | acc 0.91")


def loop_brackets(h: dict) -> tuple[str, dict]:
    n = len(h["loss"])
    lines, printed = [], {"val_loss": []}
    for e, val in enumerate(h["val_loss"], start=1):
        va = f"{val:.4f}"
        lines.append(f"Epoch [{e}/{n}], Val Loss: {va}, Val Acc: 91.25%")
        printed["val_loss"].append(va)
    return "\n".join(lines) + "\n", printed


RENDERERS = {"lightning": [lightning_tqdm, lightning_rich], "hf_trainer": [hf_trainer], "fastai": [fastai],
             "yolo": [yolo], "loop": [loop_tabs, loop_pipes, loop_brackets]}
CASES = [(fmt, render) for fmt, renders in RENDERERS.items() for render in renders]

finite = st.floats(min_value=1e-6, max_value=1e30, allow_nan=False, allow_infinity=False)
value = st.one_of(finite, finite, finite, st.just(math.nan), st.just(math.inf))
histories = st.integers(2, 12).flatmap(lambda n: st.fixed_dictionaries({
    "loss": st.lists(value, min_size=n, max_size=n),
    "val_loss": st.lists(value, min_size=n, max_size=n),
    "steps": st.integers(1, 500),
}))


def _float(text: str) -> float:
    return float(text)


@pytest.mark.parametrize(("fmt", "render"), CASES, ids=[r.__name__ for _, r in CASES])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories)
def test_printed_history_parses_back(fmt, render, history) -> None:
    text, printed = render(history)

    log = logsense.parse(text)

    assert len(log.runs) == 1, (text[:500], [r.meta for r in log.runs])
    run = log.runs[0]
    assert run.meta["format"] == fmt
    assert len(run.epoch_records) == len(history["loss"])
    for name, strings in printed.items():
        want = np.array([_float(s) for s in strings])
        got = run.series(name)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        ok = ~np.isnan(want)
        np.testing.assert_array_equal(got[ok], want[ok], err_msg=f"{name}\n{text[:800]}")
