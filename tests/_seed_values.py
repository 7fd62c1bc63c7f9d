"""The seed posts' numbers typed in by hand (see shared/design/casebook.md), as Runs.

These let the detector tests run before (and independently of) the parser; the
parser-backed tests in test_detect_seeds.py check the same results end to end.
"""
from __future__ import annotations

import numpy as np

from logsense.log import Log, Prediction, Run


def _run(index: int, first_epoch: int, context: dict | None = None, **series: list[float]) -> Run:
    n = len(next(iter(series.values())))
    records = [{"epoch": first_epoch + i, **{k: v[i] for k, v in series.items()}} for i in range(n)]
    return Run(index=index, epoch_records=records, context=dict(context or {}))


def seed000() -> Log:
    return Log(runs=[
        _run(0, 0, output=[2.1041, 1.6632], val_output=[0.0096, 0.0096]),
        _run(1, 0, output=[0.0093, 0.0084], val_output=[0.0083, 0.0083]),
    ])


def seed001() -> Log:
    rows = [[0.40856639, 0.41575322, 0.33291921, 0.06373377, 0.18987735],
            [0.40825802, 0.41566607, 0.33345419, 0.06351992, 0.18989056],
            [0.40959656, 0.41564348, 0.33396491, 0.06293178, 0.19023168],
            [0.40923968, 0.41534185, 0.33385843, 0.06460324, 0.19168563],
            [0.40915081, 0.41577771, 0.33324537, 0.06356006, 0.18983789],
            [0.40562034, 0.41507864, 0.33129829, 0.0580974, 0.18172719]]
    return Log(predictions=[Prediction(line=1, values=np.array(rows), elided=True)])


def seed002() -> Log:
    """With the ETA updates each epoch printed at 83968/86016 samples (running means)."""
    partial_loss = [0.3499, 0.3543, 0.3533, 0.3558, 0.3528, 0.3543, 0.3650, 0.4382, 0.4256, 0.4191]
    partial_acc = [0.8518, 0.8485, 0.8493, 0.8490, 0.8495, 0.8488, 0.8427, 0.8015, 0.8085, 0.8131]
    log = Log(runs=[_run(
        0, 928,
        loss=[0.3499, 0.3547, 0.3539, 0.3552, 0.3531, 0.3548, 0.3664, 0.4377, 0.4252, 0.4194],
        acc=[0.8518, 0.8484, 0.8488, 0.8491, 0.8494, 0.8485, 0.8418, 0.8019, 0.8086, 0.8128],
        val_loss=[0.2777, 0.2791, 0.2781, 0.2808, 0.2795, 0.2789, 0.3192, 0.3374, 0.3351, 0.3326],
        val_acc=[0.8893, 0.8892, 0.8900, 0.8891, 0.8895, 0.8898, 0.8689, 0.8586, 0.8608, 0.8616])])
    log.runs[0].step_records = [
        {"epoch": 928 + i, "step": 83968, "total": 86016, "eta_seconds": 1.0, "loss": lo, "acc": ac}
        for i, (lo, ac) in enumerate(zip(partial_loss, partial_acc))]
    log.runs[0].meta["step_unit"] = "sample"
    return log


def seed003() -> Log:
    return Log(runs=[
        _run(0, 1, {"optimizer": "sgd", "loss": "mse"},
             loss=[257.6145, 47.6329, 8.8073, 1.6285, 0.3011, 0.0557, 0.0103, 0.0019, 3.5193e-04, 6.5076e-05]),
        _run(1, 1, {"optimizer": "sgd", "loss": "mse"},
             loss=[278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375, 13107.8828, 28324.8320, 61207.1250,
                   132262.4375, 285805.9688]),
    ])


def seed004(with_context: bool = True) -> Log:
    ctx0 = {"optimizer": "sgd", "lr": 0.01, "loss": "categorical_crossentropy"} if with_context else {}
    ctx1 = {"optimizer": "sgd", "lr": 0.03, "loss": "categorical_crossentropy"} if with_context else {}
    return Log(runs=[
        _run(0, 1, ctx0,
             loss=[315.4696, 263.0978, 251.8907, 246.9039, 234.6116, 239.2780, 235.9433, 237.9058, 235.2525, 238.1098],
             accuracy=[0.8432, 0.8674, 0.8730, 0.8754, 0.8786, 0.8781, 0.8805, 0.8812, 0.8826, 0.8810],
             val_loss=[195.9139, 233.7138, 208.0299, 229.8979, 263.7991, 217.1707, 233.0448, 229.1561, 318.9307,
                       275.0455],
             val_accuracy=[0.8957, 0.8782, 0.8906, 0.8937, 0.8682, 0.8892, 0.8926, 0.8912, 0.8683, 0.8809]),
        _run(1, 1, ctx1,
             loss=[931.7540, 767.9313, 756.3298, 739.8559, 731.3071, 728.4488, 712.8240, 693.1299, 700.5771, 696.2348],
             accuracy=[0.8417, 0.8701, 0.8730, 0.8748, 0.8760, 0.8787, 0.8798, 0.8811, 0.8803, 0.8833],
             val_loss=[618.5505, 618.2877, 847.1705, 687.9159, 693.1130, 685.3834, 640.9078, 657.0080, 739.0408,
                       785.1879],
             val_accuracy=[0.8952, 0.8940, 0.8582, 0.8901, 0.8942, 0.8841, 0.8972, 0.8902, 0.8871, 0.8762]),
    ])
