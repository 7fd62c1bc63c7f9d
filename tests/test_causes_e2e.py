"""Whole posts through `logsense.diagnose`: parser, context, detectors and causes together."""
from __future__ import annotations

from pathlib import Path

import pytest

import logsense
from logsense.causes.base import fmt

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def _diagnose(prefix: str):
    return logsense.diagnose(next(SEEDS.glob(f"{prefix}_*.txt")))


def _ids(report) -> list[str]:
    return [c.cause for c in report.causes]


def test_seed000_l2_penalty():
    report = _diagnose("000")
    top = report.causes[0]
    assert top.cause == "l2_penalty_in_loss" and top.runs == [0] and top.confirmed
    assert top.replay.params["penalty_at_init"] == pytest.approx(2.30, abs=0.01)


def test_seed001_collapse():
    report = _diagnose("001")
    assert _ids(report)[0] == "collapse_to_mean"
    assert not report.causes[0].confirmed


def test_seed002_instability_then_gap_causes():
    report = _diagnose("002")
    ids = _ids(report)
    assert ids[0] == "optimizer_instability"
    assert {"l2_penalty_in_loss", "dropout_gap"} <= set(ids)
    assert not any(c.confirmed for c in report.causes)


def test_seed003_lr_too_high_replay_with_printed_weight():
    report = _diagnose("003")
    top = report.causes[0]
    assert top.cause == "lr_too_high" and top.runs == [1] and top.confirmed
    assert top.replay.max_rel_error <= 1e-3
    assert top.replay.extra.get("observed_final_weight") == pytest.approx(-68.71629333)
    assert top.replay.extra["final_weight"] == pytest.approx(-68.716, rel=1e-3)
    assert fmt(top.replay.params["max_stable_lr"], 2) == "0.0081"


def test_seed004_saturated_logits():
    report = _diagnose("004")
    ids = _ids(report)
    assert ids[0] == "saturated_logits" and report.causes[0].confirmed
    assert "loss_activation_mismatch" in ids


def test_report_json_has_replays():
    doc = _diagnose("003").to_dict()
    assert doc["causes"][0]["replay"]["confirmed"] is True
    assert len(doc["causes"][0]["replay"]["predicted"]) == 10


# ------------------------------------------------ shapes seen in real posts (examples written here)

def _bars(rows: list[str], total: int = 3) -> str:
    return "".join(f"Epoch {i}/{total}\n100/100 [==============================] - 1s 9ms/step - {row}\n"
                   for i, row in enumerate(rows, 1))


def test_negative_cross_entropy_is_the_targets_not_the_logits():
    code = "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])\n"
    text = code + _bars(["loss: -117944.7500 - accuracy: 3.8897e-05", "loss: -128001.2500 - accuracy: 3.8897e-05"])
    report = logsense.diagnose(text)
    top = report.top_cause
    assert top.cause == "targets_out_of_range" and "targets lie outside [0, 1]" in top.evidence
    assert "-117944.7500" in top.evidence and "= 7319" in top.evidence  # the printed loss and the mean target it needs
    assert "loss='mse'" in top.fix
    assert all(c.cause != "saturated_logits" for c in report.causes)


def test_an_accuracy_metric_on_a_regression_does_not_make_its_loss_a_cross_entropy():
    """`metrics=['accuracy']` with MSE prints accuracies near 0; an MSE of 262 is no impossible cross-entropy."""
    text = _bars(["loss: 262.8366 - acc: 0.0716 - val_loss: 114.7868 - val_acc: 0.0843",
                  "loss: 230.1200 - acc: 0.0750 - val_loss: 110.2000 - val_acc: 0.0843"])
    report = logsense.diagnose(text)
    assert all(f.symptom != "loss_out_of_range" for f in report.findings)
    assert all(c.cause != "saturated_logits" for c in report.causes)


def test_a_classifier_with_an_impossible_loss_is_still_flagged_without_code():
    text = _bars(["loss: 315.4696 - accuracy: 0.8432", "loss: 301.2000 - accuracy: 0.8510"])
    (found,) = [f for f in logsense.diagnose(text).findings if f.symptom == "loss_out_of_range"]
    assert found.stats["loss_fn_inferred"] is True and found.confidence > 0.5


def test_single_output_predictions_that_never_vary_are_a_collapse_and_the_run_is_not_healthy():
    text = _bars(["loss: 0.0416", "loss: 0.0399", "loss: 0.0384"])
    text += "The predictions are [[ 0.72903597]\n [ 0.72903597]\n [ 0.72903597]\n [ 0.72903597]]\n"
    report = logsense.diagnose(text)
    (found,) = [f for f in report.findings if f.symptom == "collapse"]
    assert found.stats["shape"] == [4, 1] and found.stats["relative_spread"] == 0
    assert _ids(report) == ["collapse_to_mean"]
    assert "around 0.729" in report.top_cause.evidence


def test_single_output_predictions_that_vary_are_no_collapse():
    text = _bars(["loss: 0.0416", "loss: 0.0399", "loss: 0.0384"])
    text += "preds:\n[[0.61]\n [0.72]\n [0.55]\n [0.80]]\n"
    assert all(f.symptom != "collapse" for f in logsense.diagnose(text).findings)


@pytest.mark.parametrize("rows", [
    ["loss: 5.3727 - acc: 0.6667", "loss: 5.3727 - acc: 0.6667"],            # frozen from the first epoch
    ["loss: 1.5870", "loss: 1.6100", "loss: 1.7000"],                          # rising epoch after epoch
])
def test_a_short_run_that_never_improved_is_not_called_healthy(rows):
    assert "healthy" not in _ids(logsense.diagnose(_bars(rows)))


def test_three_identical_losses_are_a_frozen_plateau():
    report = logsense.diagnose(_bars(["loss: 380192.1799", "loss: 374605.0454", "loss: 374605.0454",
                                      "loss: 374605.0454"], total=4))
    (flat,) = [f for f in report.findings if f.symptom == "plateau"]
    assert flat.stats["frozen"] and (flat.start_epoch, flat.end_epoch) == (2, 4)


def test_a_frozen_validation_loss_is_a_plateau_even_when_training_moves_in_its_last_digit():
    report = logsense.diagnose(_bars(["loss: 7.1742 - val_loss: 6.9442", "loss: 7.1726 - val_loss: 6.9442",
                                      "loss: 7.1726 - val_loss: 6.9442"]))
    (flat,) = [f for f in report.findings if f.symptom == "plateau"]
    assert flat.metric == "val_loss" and flat.stats["frozen"]
    assert "healthy" not in _ids(report)


def test_a_nan_while_validation_stays_finite_is_not_pinned_on_the_learning_rate():
    text = _bars(["loss: 0.9000 - val_loss: 0.8000", "loss: nan - val_loss: 2.7528"], total=2)
    report = logsense.diagnose(text)
    lr = next(c for c in report.causes if c.cause == "lr_too_high")
    assert lr.confidence <= 0.25  # listed, with its caveat, but never a confident verdict
    assert "the validation loss stayed finite in that epoch: the weights are not NaN" in lr.evidence


def test_a_nan_after_a_long_stable_stretch_says_so():
    rows = [f"loss: {1 / (i + 1) + 0.1:.4f}" for i in range(30)] + ["loss: nan"]
    top = logsense.diagnose(_bars(rows, total=31)).top_cause
    assert "after 30 finite epochs without divergence" in top.evidence and top.confidence <= 0.25


def test_labels_past_the_output_width_under_sparse_cross_entropy_are_targets_out_of_range():
    code = ("from keras.datasets import mnist\n(x_train, y_train), _ = mnist.load_data()\n"
            "model.add(Dense(3, activation='softmax'))\n"
            "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n")
    bars = "".join(f"Epoch {i}/3\n100/100 [==============================] - 1s 9ms/step - loss: nan - accuracy: 0.0980\n"
                   for i in (1, 2, 3))
    top = logsense.diagnose(code + bars).top_cause
    assert top.cause == "targets_out_of_range" and "3 units for 10 classes" in top.evidence
    assert "Dense(10" in top.fix


def test_accuracy_pinned_at_a_skewed_share_with_the_loss_at_its_entropy_is_class_imbalance_consistent():
    # 90 % negatives: accuracy 0.9000 and BCE at H(0.9) = 0.3251, recall 0 in every epoch.
    code = "model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy', 'Recall'])\n"
    rows = [f"loss: {v:.4f} - accuracy: 0.9000 - recall: 0.0000e+00" for v in (0.3301, 0.3262, 0.3253, 0.3251, 0.3251)]
    top = logsense.diagnose(code + _bars(rows, total=5)).top_cause
    assert top.cause == "class_imbalance" and "0.9 from epoch 1" in top.evidence and "H = 0.3251" in top.evidence
    assert top.replay is not None and top.replay.status == "consistent" and top.replay.max_rel_error < 0.03


def test_label_smoothing_loosens_the_accuracy_bound_instead_of_calling_a_mismatch():
    # 0.40 / ln 2 allows 57.7 % wrong, so accuracy 0.30 breaks the bound; with label_smoothing=0.5 the least
    # a wrong sample costs halves (0.40 / 0.347 = 115 %): no bound left to break.
    rows = [f"loss: {v:.4f} - accuracy: 0.3000" for v in (0.60, 0.50, 0.40)]
    plain = "model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])\n"
    smooth = ("model.compile(loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.5), optimizer='adam', "
              "metrics=['accuracy'])\n")
    assert logsense.diagnose(plain + _bars(rows)).top_cause.cause == "label_mismatch"
    assert all(c.cause != "label_mismatch" for c in logsense.diagnose(smooth + _bars(rows)).causes)
