"""Helpers shared by the causes: printed-value errors, evidence combination, replay rendering."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from logsense.causes import replay_as_log
from logsense.causes.base import Cause, Replay, combine, print_resolution, relative_errors
from logsense.causes.replay_log import replay_run


def test_print_resolution_follows_keras_formatting():
    assert print_resolution(0.25) == 0.5e-4
    assert print_resolution(3.5193e-04) == pytest.approx(0.5e-8)
    assert print_resolution(math.nan) == 0.0


def test_rounding_of_the_printed_value_is_forgiven():
    # 0.0019 is printed for 0.0018966; the raw error is 1.8e-3, the printed one 0
    assert relative_errors([0.0018966], [0.0019])[0] == 0.0
    assert relative_errors([0.0018966], [0.0019], printed=False)[0] == pytest.approx(1.79e-3, rel=1e-2)
    assert relative_errors([1.0], [0.0])[0] == math.inf


@given(st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_combine_only_adds(ws: list[float]):
    c = combine(*ws)
    assert max(ws) - 1e-12 <= c <= 1.0


def test_cause_json_keeps_contract_keys():
    r = Replay(metric="loss", predicted=[1.0], observed=[1.0], max_rel_error=0.0, tolerance=1e-3, confirmed=True)
    d = Cause(cause="lr_too_high", confidence=0.9, runs=[1], replay=r).to_dict()
    assert set(d) == {"cause", "runs", "confidence", "evidence", "fix", "symptoms", "replay", "replay_status"}
    assert d["replay"]["confirmed"] is True and d["replay"]["status"] == d["replay_status"] == "confirmed"


def test_replay_as_run_and_log():
    r = Replay(metric="loss", predicted=[278.2, 601.2, 1299.1], observed=[], max_rel_error=0.0, tolerance=1e-3)
    run = replay_run(r)
    assert run.series("loss").tolist() == [278.2, 601.2, 1299.1]
    assert run.epoch_numbers().tolist() == [1, 2, 3]
    
    text = replay_as_log(r, fmt="keras2")
    import logsense

    back = logsense.parse(text).runs[0].series("loss")
    assert np.allclose(back, r.predicted, rtol=1e-4)


_SYMPTOM = st.sampled_from(["divergence", "nan", "jump", "plateau", "train_val_gap", "loss_out_of_range",
                            "lr_scaled_loss", "collapse", "overfitting", "oscillation"])
_VALUE = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3),
                   st.lists(st.floats(-10, 10), max_size=3), st.booleans())
_KEYS = st.sampled_from(["growth_factor", "growth_ci", "epoch", "direction", "ratio", "first_gap", "value",
                         "bound", "loss_fn", "runs", "loss_ratio", "lr_ratio", "column_means", "level", "frozen"])
_CTX = st.dictionaries(st.sampled_from(["lr", "l2", "loss", "optimizer", "dropout", "layers", "data",
                                        "output_activation", "inputs_scaled", "final_weights"]), _VALUE, max_size=5)


@given(symptoms=st.lists(st.tuples(_SYMPTOM, st.dictionaries(_KEYS, _VALUE, max_size=5)), max_size=5),
       context=_CTX, losses=st.lists(st.floats(0, 1e6), min_size=1, max_size=8))
def test_rank_causes_never_raises(symptoms, context, losses):
    from logsense.causes import rank_causes
    from logsense.findings import Finding
    from logsense.log import Log, Run

    run = Run(index=0, epoch_records=[{"epoch": i + 1, "loss": v, "val_loss": v / 2} for i, v in enumerate(losses)],
              context=context)
    found = [Finding(symptom=s, confidence=0.9, metric="loss", stats=st_, run=0, runs=[0, 1]) for s, st_ in symptoms]
    log = Log(runs=[run], context=context)
    causes = rank_causes(log, {0: found}, found[:1])
    confs = [c.confidence for c in causes]
    assert confs == sorted(confs, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confs)
    for c in causes:
        assert not (c.confirmed and c.replay is not None and c.replay.max_rel_error > c.replay.tolerance)
