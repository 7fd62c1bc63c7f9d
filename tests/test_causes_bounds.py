"""Causes read absurd numbers without building absurd arrays: a loss of 40 is not e^40 classes."""
from __future__ import annotations

import logsense


def test_stuck_at_prior_never_guesses_a_head_of_e_to_the_loss_classes() -> None:
    # a flat loss of 40 with an accuracy near 0: e^40 = 2e17 "classes" would be a 1.9 EB array
    report = logsense.diagnose({"loss": [40.0] * 6, "accuracy": [1e-7] * 6})
    assert not [w for w in report.log.warnings if "stuck_at_prior" in w]
    report = logsense.diagnose({"loss": [800.0] * 6, "accuracy": [0.5] * 6})  # e^800 overflows a float
    assert not [w for w in report.log.warnings if "stuck_at_prior" in w]
