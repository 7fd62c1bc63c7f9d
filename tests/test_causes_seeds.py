"""Causes on the five seed posts: numbers typed from the logs, set-up read from the posts' own text.

The logs come from fixtures/seeds/truth.json (tests/seeds.py; so these tests do not
depend on the parser); the contexts come from `logsense.context.extract_context` on the seed
files; findings from the real detectors.
"""
from __future__ import annotations

import numpy as np
import pytest
import seeds

from logsense import detect
from logsense.causes import REGISTRY, Cause, rank_causes
from logsense.causes.base import CAUSES, relative_errors
from logsense.context import extract_context
from logsense.findings import Finding
from logsense.log import Log, Run

N = {prefix: seeds.TRUTH[prefix]["numbers"] for prefix in seeds.PREFIXES}


def _blocks(prefix: str) -> list[dict]:
    return [b.values for b in extract_context(seeds.path(prefix).read_text(encoding="utf-8"))]


def _rank(log: Log) -> list[Cause]:
    rf = {r.index: detect.detect_run(r) for r in log.runs}
    return rank_causes(log, rf, detect.detect_log(log, rf))


def _by_id(causes: list[Cause]) -> dict[str, Cause]:
    out: dict[str, Cause] = {}
    for c in causes:
        out.setdefault(c.cause, c)
    return out


def seed000() -> Log:
    b = _blocks("000")
    log = seeds.log("000")
    log.runs[0].context = dict(b[0])
    log.runs[1].context = {**b[0], **b[2]}  # the post re-runs with l2_lambda = 0
    return log


def seed003(final_weights: bool = True) -> Log:
    b = _blocks("003")
    log = seeds.log("003")
    log.runs[0].context = dict(b[0])
    log.runs[1].context = dict(b[1])
    if final_weights:  # what the post prints after each fit: [array([1.99935019])], [array([-68.71629333])]
        log.runs[0].context["final_weights"] = [N["003"]["control_final_weight"]]
        log.runs[1].context["final_weights"] = [N["003"]["final_weight"]]
    return log


def seed004() -> Log:
    b = _blocks("004")
    log = seeds.log("004", with_context=False)
    base = {**b[0], **b[1]}
    log.runs[0].context = {**base, "lr": 0.01}
    log.runs[1].context = {**base, "lr": 0.03}
    return log


def test_registry_covers_the_contract_ids():
    assert {cls.id for cls in REGISTRY} == set(CAUSES)


def test_seed000_l2_penalty_first_and_confirmed():
    causes = _rank(seed000())
    top = causes[0]
    assert top.cause == "l2_penalty_in_loss" and top.runs == [0]
    assert top.confirmed
    r = top.replay
    assert r.params["penalty_at_init"] == pytest.approx(N["000"]["penalty_at_init"], abs=0.01)
    assert r.observed[0] == pytest.approx(N["000"]["first_gap"], abs=1e-4)
    assert r.max_rel_error <= r.tolerance
    assert "2.3" in top.evidence and "lambda = 0" in top.evidence  # the post's own control run
    assert not any(c.cause == "l2_penalty_in_loss" and 1 in c.runs for c in causes)


def test_seed000_without_layers_is_not_confirmed():
    log = seed000()
    log.runs[0].context = {"l2": 1e-3}
    top = _by_id(_rank(log)).get("l2_penalty_in_loss")
    assert top is not None and not top.confirmed and top.replay is None


def test_seed001_collapse_to_mean_plausible_not_proven():
    log = seeds.log("001")
    log.context = {**_blocks("001")[0], "loss": "mse"}
    causes = _rank(log)
    top = causes[0]
    assert top.cause == "collapse_to_mean"
    assert not top.confirmed and "not proven" in top.replay.note
    assert 0.5 < top.confidence < 0.9
    assert "0.063" in top.evidence and "0.42" in top.evidence


def test_seed002_jump_first_gap_causes_listed():
    log = seeds.log("002")
    log.runs[0].context = dict(_blocks("002")[0])
    causes = _rank(log)
    assert causes[0].cause == "optimizer_instability"
    assert not causes[0].confirmed and "not proven" in causes[0].replay.note
    assert "934" in causes[0].evidence
    assert causes[0].replay.max_rel_error < 0.05
    # clipping removes the replayed jump
    assert causes[0].replay.extra["jump_with_clipnorm"] < 0.1 * causes[0].replay.extra["jump"]
    ids = [c.cause for c in causes]
    assert "l2_penalty_in_loss" in ids and "dropout_gap" in ids
    assert not any(c.confirmed for c in causes)
    assert "0.2" in _by_id(causes)["dropout_gap"].evidence


def test_seed003_lr_too_high_confirmed_with_final_weight():
    causes = _rank(seed003())
    top = causes[0]
    assert top.cause == "lr_too_high" and top.runs == [1] and top.confirmed
    r = top.replay
    assert r.max_rel_error <= 1e-3
    assert len(r.predicted) == 10
    assert np.max(relative_errors(r.predicted, r.observed)) <= 1e-3
    assert r.extra["final_weight"] == pytest.approx(N["003"]["final_weight"], rel=1e-3)
    assert r.params["max_stable_lr"] == pytest.approx(N["003"]["max_stable_lr"], abs=5e-5)
    assert r.params["lr_h"] == pytest.approx(N["003"]["lr_h"])
    assert "2.47" in top.evidence and "0.0081" in top.fix and "0.004" in top.fix
    control = r.extra["controls"][0]
    assert control["run"] == 0 and control["lr_h"] == pytest.approx(N["003"]["control_lr_h"])
    assert control["max_rel_error"] <= 1e-3
    assert control["final_weight"] == pytest.approx(N["003"]["control_final_weight"], rel=1e-4)
    assert [c.cause for c in causes if 0 in c.runs] == ["healthy"]


def test_seed003_sign_is_unknown_without_the_printed_weight():
    top = _rank(seed003(final_weights=False))[0]
    assert top.cause == "lr_too_high" and top.confirmed
    assert "cannot tell" in top.replay.note


def test_seed003_log_alone_gives_lr_h_and_relative_fix():
    log = seeds.log("003")
    for run in log.runs:
        run.context = {}
    top = _rank(log)[0]
    assert top.cause == "lr_too_high"
    assert top.replay.params["lr_h"] == pytest.approx(N["003"]["lr_h"], abs=1e-3)
    assert top.replay.max_rel_error < 1e-3
    assert "1.235" in top.fix and "2.47" in top.fix
    with_lr = Log(runs=[Run(index=1, epoch_records=log.runs[1].epoch_records, context={"lr": 0.01})])
    assert "0.0081" in _rank(with_lr)[0].fix


def test_seed004_saturated_logits_first_mismatch_listed():
    causes = _rank(seed004())
    top = causes[0]
    assert top.cause == "saturated_logits" and top.runs == [0, 1]
    assert top.confirmed
    observed = N["004"]["first_epoch_ratio"]
    assert abs(top.replay.predicted[0] - observed) / observed <= 0.1
    assert top.replay.extra["scaled_ratio"] == pytest.approx(1.0, abs=0.2)
    assert top.replay.extra["scaled_loss"][0] < 5
    assert "/ 255" in top.fix
    assert "loss_activation_mismatch" in [c.cause for c in causes[1:]]


def test_healthy_run_is_called_healthy_and_nothing_confirmed():
    loss = [1.2 * 0.8 ** k + 0.1 for k in range(12)]
    run = Run(index=0, epoch_records=[{"epoch": k + 1, "loss": v, "val_loss": v * 1.05} for k, v in enumerate(loss)],
              context={"optimizer": "adam", "lr": 0.001})
    causes = _rank(Log(runs=[run]))
    assert [c.cause for c in causes] == ["healthy"]
    assert not any(c.confirmed for c in causes)


def test_malformed_finding_stats_read_as_missing_not_as_a_crash():
    run = Run(index=0, epoch_records=[{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": 2.0}])
    bad = Finding(symptom="jump", confidence=0.9, metric="loss", stats={"direction": "up", "epoch": "x",
                                                                        "size_sigma": "?"})
    log = Log(runs=[run])
    causes = rank_causes(log, {0: [bad]}, [])
    instability = next(c for c in causes if c.cause == "optimizer_instability")
    assert "jumps up at epoch None by ? noise sigmas" in instability.evidence
    assert log.warnings == []


def test_a_failing_cause_becomes_a_warning_not_a_traceback():
    from logsense.causes.base import RunCause
    from logsense.causes.healthy import Healthy
    from logsense.causes.rank import rank_causes as rank_with

    class Broken(RunCause):
        id = "broken"

        def assess(self, run, findings, context):
            raise ZeroDivisionError("boom")

    run = Run(index=0, epoch_records=[{"epoch": e, "loss": 1.0 / e} for e in range(1, 6)])
    log = Log(runs=[run])
    causes = rank_with(log, {0: []}, [], registry=(Broken, Healthy))
    assert [c.cause for c in causes] == ["healthy"]  # the others are still assessed
    assert log.warnings == ["cause broken could not be assessed: ZeroDivisionError: boom"]


def test_seed003_replay_under_the_fix_converges():
    from logsense.causes.replay_log import replay_run

    top = _rank(seed003())[0]
    fix = top.replay.extra["under_fix"]
    assert fix["lr"] == pytest.approx(N["003"]["best_lr"])
    run = replay_run(top.replay, under_fix=True)
    loss = run.series("loss")
    assert loss[0] == pytest.approx(seeds.series("003", 1, "loss")[0], rel=1e-6)
    assert loss[-1] < 1e-3 * loss[0] and np.all(np.diff(loss) <= 0)
    assert fix["final_weight"] == pytest.approx(2.0, abs=1e-3)


@pytest.mark.parametrize(("fmt", "locale"), [("keras2", "zh"), ("tfkeras", "en"), ("keras3", "en")])
def test_seed003_replay_and_fix_render_as_keras_logs(fmt: str, locale: str):
    import logsense
    from logsense.causes import replay_as_log

    replay = _rank(seed003())[0].replay
    for under_fix, series in ((False, replay.predicted), (True, replay.extra["under_fix"]["predicted"])):
        text = replay_as_log(replay, fmt=fmt, locale=locale, under_fix=under_fix)
        runs = logsense.parse(text).runs
        assert len(runs) == 1
        back = runs[0].series("loss")
        assert len(back) == 10
        assert np.all(relative_errors(series, back) <= 1e-4) or np.allclose(back, series, atol=1e-4)
