"""Causes people hit, on the real forum posts that show them (fixtures/real_posts, dev split)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import logsense
from logsense.simulate.prior import majority_prior, prior_entropy, train_bias_only

POSTS = Path(__file__).resolve().parent.parent / "fixtures" / "real_posts" / "posts"


def _post(stem: str) -> logsense.Report:
    return logsense.diagnose(next(POSTS.glob(f"{stem}_*.txt")))


def test_a_bias_only_classifier_learns_the_prior_entropy_and_the_majority_share():
    prior = majority_prior(2, 0.9)
    sim = train_bias_only(prior, epochs=4)
    assert abs(sim.loss[-1] / prior_entropy(prior) - 1) < 0.02
    assert abs(sim.accuracy[-1] - 0.9) < 0.02
    assert abs(prior_entropy(np.full(10, 0.1)) - math.log(10)) < 1e-12


def test_a_cnn_stuck_at_ln10_is_stuck_at_the_prior_with_its_reasons_ranked():
    report = _post("p104")  # run 1: loss 2.3010-2.3026, accuracy 0.1123 on 10 digits
    top = report.top_cause
    assert top.cause == "stuck_at_prior" and top.runs == [1]
    assert "ln 10" in top.evidence and "likely reasons" in top.evidence
    assert top.replay is not None and top.replay.status == "consistent"  # the prior fits every reason alike


def test_nan_on_raw_sale_prices_is_blamed_on_the_targets_before_the_learning_rate():
    report = _post("p001")  # MSE on prices up to ~755k, SGD lr 0.1, NaN from epoch 1
    causes = [c.cause for c in report.causes]
    assert causes[0] == "unscaled_targets" and "lr_too_high" in causes
    assert "standardise the targets" in report.top_cause.fix


def test_mse_in_the_billions_with_raw_dollar_targets_is_unscaled_targets():
    top = _post("p075").top_cause  # calm book run: the targets are dollars
    assert top.cause == "unscaled_targets" and "raw units" in top.evidence


def test_a_nan_one_batch_after_a_small_loss_is_bad_data_not_the_learning_rate():
    report = _post("p027")  # batch loss 0.0024 at step 1, NaN from step 2
    assert report.top_cause.cause == "bad_data" and "0.0024" in report.top_cause.evidence
    lr = next(c for c in report.causes if c.cause == "lr_too_high")
    assert lr.confidence < 0.2 and "one step before the NaN" in lr.evidence


def test_a_printed_divide_by_zero_in_log_makes_the_nan_a_log_of_zero():
    report = _post("p034")  # Mask R-CNN: "RuntimeWarning: divide by zero encountered in log"
    assert report.top_cause.cause == "log_of_zero"
    assert "divide by zero encountered in log" in report.top_cause.evidence


def test_a_nan_with_rmsprop_at_lr_1_keeps_lr_too_high_with_its_support():
    top = _post("p060").top_cause
    assert top.cause == "lr_too_high" and "rmsprop with lr 1" in top.evidence


def test_an_accuracy_printed_for_an_mse_regression_is_accuracy_on_regression():
    top = _post("p024").top_cause  # SimpleRNN regression, loss mse, 'acc' printed
    assert top.cause == "accuracy_on_regression" and "regression loss" in top.evidence


def test_an_iou_above_one_is_a_metric_out_of_range_and_never_healthy():
    report = _post("p032")  # segmentation_models: iou_score 1.1558 ... 7.1287, loss negative
    [f] = [f for f in report.findings if f.symptom == "loss_out_of_range"]
    assert f.metric == "iou_score" and f.stats["reason"] == "metric_out_of_range" and f.stats["value"] > 1
    assert report.top_cause.cause != "healthy"


def test_a_printed_lr_range_test_whose_loss_turns_is_lr_too_high_with_the_rate_to_use():
    top = _post("p099").top_cause  # lr 1e-4 * 10**(epoch/20) printed per epoch; loss lowest near lr 0.09
    assert top.cause == "lr_too_high" and "learning rate rising" in top.evidence
    assert "a tenth to a third of the rate" in top.fix


def test_validation_frozen_beside_batch_norm_is_batchnorm_inference_not_memorization():
    report = _post("p037")  # BN in TimeDistributed: val accuracy 0.4 four epochs running, train 1.0
    assert report.top_cause.cause == "batchnorm_inference" and "0.4" in report.top_cause.evidence
    assert "memorization" in [c.cause for c in report.causes]


def test_val_loss_swinging_x4_while_a_fine_tuned_inception_trains_smoothly_is_batchnorm_inference():
    top = _post("p039").top_cause  # val_loss 2.49, 1.15, 5.46, ... while loss falls 0.116 -> 0.0099
    assert top.cause == "batchnorm_inference" and "swings by" in top.evidence


def test_a_smooth_overfit_of_a_fine_tuned_efficientnet_stays_memorization():
    assert _post("p103").top_cause.cause == "memorization"


def test_bce_frozen_at_the_clipped_level_of_the_positive_share_is_confirmed_saturated_outputs():
    top = _post("p004").top_cause  # loss 4.4380, acc 0.7247 for 13 epochs: (1 - 0.7247) * -ln(1e-7) = 4.4374
    assert top.cause == "loss_activation_mismatch" and top.confirmed
    assert abs(top.replay.predicted[0] - 4.4374) < 1e-3 and "clipping bound" in top.evidence


def test_binary_cross_entropy_on_prices_is_targets_out_of_range_with_the_mean_target_it_needs():
    report = _post("p013")  # BCE on house prices: loss -117944.7500 on a full bar that still shows its ETA
    top = report.top_cause
    assert top.cause == "targets_out_of_range"
    assert "-117944.7500" in top.evidence and "bound" in top.evidence
    assert "= 7319" in top.evidence  # 1 + 117944.75 / 16.118: the least mean target that loss allows
    assert "loss='mse'" in top.fix
    assert all(c.cause != "loss_activation_mismatch" for c in report.causes)


def test_mnist_digits_on_one_sigmoid_freeze_at_the_clip_level_of_the_labels_read_as_targets():
    report = _post("p040")  # BCE -55.0254 then -55.0284 for 6 epochs, acc 0.1141, 10 digits on Dense(1, sigmoid)
    top = report.top_cause
    assert top.cause == "targets_out_of_range" and top.runs == [0]
    assert "-55.0254" in top.evidence and "= 4.414" in top.evidence and "0..9" in top.evidence
    assert "stops moving from epoch 2" in top.evidence
    assert "plateau" in top.symptoms and any(f.symptom == "plateau" for f in report.findings)
    # The replay: labels 0..9 as targets freeze a sigmoid at the clip near the printed level; balanced
    # classes are assumed, so it fits and never confirms.
    assert top.replay is not None and top.replay.status == "consistent"
    assert top.replay.max_rel_error < 0.05 and abs(top.replay.predicted[0] - (-55.0284)) > 0.1
    assert "Dense(10, activation='softmax')" in top.fix



def test_a_loss_that_learns_under_an_accuracy_stuck_at_chance_is_a_label_mismatch():
    report = _post("p074")  # sparse labels from a generator: loss 1.4824 -> 0.6056, accuracy 0.0998-0.1019
    assert [len(r.epoch_records) for r in report.log.runs] == [6, 1]  # the one-hot rerun pasted below is its own run
    top = report.top_cause
    assert top.cause == "label_mismatch" and top.runs == [0]
    # The bound: a wrong sample costs at least ln 2, so loss 0.6056 needs accuracy >= 1 - 0.6056 / ln 2 = 0.126.
    assert "0.6056" in top.evidence and "0.126" in top.evidence and "0.1019" in top.evidence
    assert "1/10" in top.evidence and "run 1 of the same paste learns" in top.evidence
    assert "SparseCategoricalAccuracy" in top.fix


def test_the_accuracy_bound_leaves_weighted_and_calm_classifiers_alone():
    # p118: class_weight scales the training loss (4e-7) and not the metrics; p131: sparse CE that learns.
    for stem in ("p118", "p131", "p116"):
        assert all(c.cause != "label_mismatch" for c in _post(stem).causes), stem


def test_a_model_that_calls_every_image_the_majority_class_is_class_imbalance():
    report = _post("p136")  # 10:1 cats to dogs: accuracy 0.7612 from epoch 2, tp/precision/recall 0, val 0.9091
    top = report.top_cause
    assert top.cause == "class_imbalance" and top.runs == [0]
    assert "0.7612 from epoch 2" in top.evidence and "recall 0" in top.evidence
    assert "val_accuracy 0.9091" in top.evidence  # 1000 of 1100 validation images are cats
    assert "class_weight" in top.fix
    # The loss (0.727) is not the prior's entropy, so no bias-only replay is claimed.
    assert top.replay is None
    assert all(c.cause != "stuck_at_prior" for c in report.causes)


def test_a_balanced_prior_stays_stuck_at_prior_and_not_class_imbalance():
    report = _post("p104")  # loss at ln 10 with accuracy 0.1123: balanced classes, no imbalance
    assert report.top_cause.cause == "stuck_at_prior"
    assert all(c.cause != "class_imbalance" for c in report.causes)


def test_a_validation_loss_that_swings_most_of_its_level_every_epoch_reads_as_lr_too_high():
    report = _post("p022")  # val_loss 0.14 <-> 2.81 from epoch to epoch while the training loss falls 2.27 -> 0.34
    top = report.top_cause
    assert top.cause == "lr_too_high" and "oscillation" in top.symptoms
    assert "74% of its level" in top.evidence and "88%" in top.evidence and "2.27 to 0.34" in top.evidence
    assert top.replay is None and "not replayed" in top.evidence


def test_noise_level_swings_are_not_read_as_a_learning_rate():
    # p084/p118: val_loss reverses in 65 % / 64 % of the steps (2/3 is independent noise), swings 13 % / 22 %.
    for stem in ("p084", "p118"):
        assert all(c.cause != "lr_too_high" for c in _post(stem).causes), stem


def test_noise_that_reverses_as_often_as_chance_is_no_oscillation_on_calm_posts():
    # p071: training loss 0.001-0.03 at 99.9 % accuracy, reversing in 60 % of 99 steps, swings 28 %;
    # p084: val_loss over 291 epochs, 65 %, 13 %; p118: val_loss of a class-weighted fraud model, 64 %, 22 %.
    # Independent noise reverses in 2/3 of the steps: mini-batch / small-validation-set noise, not a symptom.
    for stem in ("p071", "p084", "p118"):
        report = _post(stem)
        assert all(f.symptom != "oscillation" for f in report.findings), stem
        assert report.top_cause.cause == "healthy", (stem, report.top_cause.cause)


def test_a_validation_loss_swinging_by_a_factor_of_two_stays_an_oscillation_at_the_noise_rate():
    # p085: val_loss reverses in 64 % of its steps (noise rhythm) but its typical step is x2.7 (amplitude 0.49)
    (f,) = [f for f in _post("p085").findings if f.symptom == "oscillation"]
    assert f.metric == "val_loss" and f.stats["amplitude"] > 0.5 * math.log(2) and f.stats["p_vs_noise"] > 0.3
    # p022: a short regular bounce (88 % reversals on 10 epochs) passes the noise test's loose level
    (g,) = [f for f in _post("p022").findings if f.symptom == "oscillation"]
    assert g.stats["sign_change_rate"] > 0.8 and g.stats["p_vs_noise"] < 0.3


def test_a_two_epoch_paste_whose_loss_never_changes_is_a_frozen_plateau():
    # p051: loss 7.6561, acc 0.5000 in both epochs shown; p029: a contrastive loss printing 0.5000 twice
    for stem, level in (("p051", 7.6561), ("p029", 0.5)):
        (f,) = [f for f in _post(stem).findings if f.symptom == "plateau"]
        assert f.stats["frozen"] and f.stats["level"] == pytest.approx(level) and f.stats["n_epochs"] == 2, stem
    assert _post("p051").top_cause.cause != "healthy"


def test_validation_bumps_under_a_1cycle_schedule_are_the_schedule_not_an_optimizer_kick():
    report = _post("p088")  # OneCycleScheduler to max_lr 0.1: val_loss bumps at epoch 6, settles at 0.3016
    top = report.top_cause
    assert top.cause == "lr_schedule" and "OneCycleScheduler" in top.evidence
    assert "epoch 6" in top.evidence and "0.3016" in top.evidence
    assert top.fix.startswith("nothing to fix if the schedule is intended")
    # the optimizer_instability reading stays listed, below
    assert "optimizer_instability" in [c.cause for c in report.causes[1:]]


def test_an_accuracy_pinned_while_the_loss_moves_is_a_plateau_of_the_predictions():
    # p136: accuracy prints 0.7612 in epochs 2-10 while the loss swings 4.71 -> 0.55 -> 0.97
    (f,) = [f for f in _post("p136").findings if f.symptom == "plateau"]
    assert f.metric == "accuracy" and f.stats["frozen"] and f.stats["level"] == pytest.approx(0.7612)
    assert (f.start_epoch, f.end_epoch) == (2, 10)
    assert _post("p136").top_cause.cause == "class_imbalance"
    # p119: 200 samples, accuracy 0.960 (8 wrong) for 6 epochs of a converging run: no plateau
    assert all(f.symptom != "plateau" for f in _post("p119").findings)


def test_an_accuracy_at_one_in_k_all_run_is_a_plateau_even_while_the_loss_falls():
    # p074: loss 1.48 -> 0.61 while accuracy stays 0.0998-0.1019 on 10 classes
    (f,) = [f for f in _post("p074").findings if f.symptom == "plateau"]
    assert f.metric == "accuracy" and f.stats["stuck"] and f.stats["chance_level"] == pytest.approx(0.1)
    # p060: accuracy at 0.1 after a nan loss scores nan outputs; that is the nan, not a second symptom
    assert all(f.symptom != "plateau" for f in _post("p060").findings)


def test_a_level_shift_in_the_last_epochs_of_a_paste_is_a_jump():
    # p054: loss 0.0471-0.0475 for epochs 60-64, then 0.0612, 0.0958, 0.0877: the rise is the last three
    # epochs, which the search cuts into two pieces too short to be levels
    report = _post("p054")
    (f,) = [f for f in report.findings if f.symptom == "jump"]
    assert f.start_epoch == 65 and f.stats["direction"] == "up" and not f.stats["recovered"]
    assert f.stats["before_mean"] == pytest.approx(0.0473, abs=1e-4)
    assert report.top_cause.cause != "healthy"


def test_an_epoch_summary_quoted_bare_is_read_when_the_post_has_no_other_log():
    # p066: the post quotes only `"loss: nan - accuracy: 0.0410 - val_loss: nan - val_accuracy: 0.0462"`
    log = logsense.parse(next(POSTS.glob("p066_*.txt")))
    (run,) = log.runs
    row = run.epoch_records[0]
    assert len(run.epoch_records) == 1 and math.isnan(row["loss"]) and row["val_accuracy"] == pytest.approx(0.0462)
    assert {f.symptom for f in _post("p066").findings} == {"nan"}


def test_a_quoted_summary_line_gives_way_to_the_history_table_the_post_prints():
    # s026: a comment quotes the last bar's tail, then prints pd.DataFrame(history) for 3 epochs
    path = next((POSTS.parent.parent / "real_logs" / "keras_shapes").glob("s026_*.txt"))
    (run,) = logsense.parse(path).runs
    assert [r["loss"] for r in run.epoch_records] == pytest.approx([0.419479, 0.288706, 0.24342])


def test_a_one_epoch_paste_whose_average_sits_at_ln_k_is_a_plateau_at_chance():
    # p006: one epoch over 55,000 samples, loss 2.3037 against ln 10 = 2.3026, accuracy 0.1120
    report = _post("p006")
    (f,) = [f for f in report.findings if f.symptom == "plateau"]
    assert f.stats["stuck"] and f.stats["chance_level"] == pytest.approx(math.log(10), rel=1e-3)
    assert f.stats["n_epochs"] == 1 and report.top_cause.cause == "stuck_at_prior"
    # p066's single epoch is nan, and a first epoch that learned (p119's 1.7893) is no plateau
    assert all(f.symptom != "plateau" for f in _post("p066").findings)
