"""The short-log overfitting fallback on real forum posts: excerpts, five-epoch runs, accuracy curves."""
from __future__ import annotations

from pathlib import Path

import logsense
from logsense.detect.short_overfit import ShortOverfittingDetector

POSTS = Path(__file__).resolve().parent.parent / "fixtures" / "real_posts" / "posts"


def _runs(stem: str):
    return logsense.parse(next(POSTS.glob(f"{stem}_*.txt"))).runs


def test_four_epochs_whose_val_loss_turns_after_the_second_are_overfitting():
    run = _runs("p042")[0]  # YOLOv2: val_loss 1.5564, 1.5285, 1.5510, 1.5861 while loss falls
    [f] = ShortOverfittingDetector().fit(run).findings()
    assert (f.symptom, f.metric, f.stats["part_epoch"], f.stats["epochs_after"]) == ("overfitting", "val_loss", 2, 2)
    assert 0.03 < f.stats["val_rise"] < 0.04


def test_an_excerpt_whose_val_accuracy_fell_while_training_reached_one_is_overfitting():
    run = _runs("p002")[0]  # epochs 12 and 95-100: val_acc 0.9733 -> 0.96, acc 1.0, val_loss not rising
    [f] = ShortOverfittingDetector().fit(run).findings()
    assert f.metric == "val_acc" and f.stats["part_epoch"] == 12 and abs(f.stats["val_drop"] - 0.0133) < 1e-6
    assert logsense.diagnose(next(POSTS.glob("p002_*.txt"))).top_cause.cause == "memorization"


def test_two_late_bumps_at_the_end_of_a_long_converged_run_are_not_overfitting():
    baseline = _runs("p104")[0]  # 12 epochs of the stock MNIST CNN, val_loss up in its last two
    assert ShortOverfittingDetector().fit(baseline).findings() == []


def test_calm_posts_give_no_short_overfitting():
    for stem in ("p112", "p127", "p131", "p135", "p123"):
        for run in _runs(stem):
            assert ShortOverfittingDetector().fit(run).findings() == [], stem


def test_long_healthy_synthetic_runs_are_left_to_the_full_detector():
    from logsense.datasets import make

    calls = [seed for seed in range(1000, 1100) if ShortOverfittingDetector().fit(make("healthy", seed).run).findings()]
    assert calls == []
