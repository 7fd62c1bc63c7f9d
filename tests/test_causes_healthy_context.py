"""Healthy on evidence: a flat late excerpt and a loss frozen by an annealed learning rate are judged in context."""
from __future__ import annotations

import logsense

LATE = "".join(
    f"Epoch {e}/40\n1875/1875 [==============================] - 4s 2ms/step - loss: {loss:.4f} - accuracy: 0.9468"
    f" - val_loss: {val:.4f} - val_accuracy: 0.9401\n"
    for e, loss, val in zip(range(26, 36), [0.1702, 0.1699, 0.1701, 0.1697, 0.1698, 0.1696, 0.1697, 0.1695,
                                             0.1696, 0.1694], [0.1931, 0.1929, 0.1933, 0.1930, 0.1928, 0.1932,
                                                               0.1929, 0.1931, 0.1930, 0.1929]))

STUCK = "".join(
    f"Epoch {e}/40\n1875/1875 [==============================] - 4s 2ms/step - loss: 2.3026 - accuracy: 0.1124"
    f" - val_loss: 2.3025 - val_accuracy: 0.1135\n" for e in range(26, 36))


def test_a_flat_excerpt_that_starts_at_epoch_26_is_a_converged_tail():
    report = logsense.diagnose(LATE)
    assert [f.symptom for f in report.findings] == ["plateau"]
    top = report.top_cause
    assert top.cause == "healthy" and "starts at epoch 26" in top.evidence and top.symptoms == ["plateau"]
    assert all(c.cause != "unexplained" for c in report.causes)


def test_a_late_excerpt_at_ln10_is_still_stuck():
    report = logsense.diagnose(STUCK)
    assert report.top_cause.cause == "stuck_at_prior"
    assert all(c.cause != "healthy" for c in report.causes)


def test_a_loss_frozen_after_the_lr_was_annealed_to_1e7_is_explained_by_the_schedule():
    lines = []
    for e in range(1, 13):
        loss = max(0.9 * 0.7 ** e, 0.2011) if e < 7 else 0.2011
        lines.append(f"Epoch {e}/12\n100/100 [==============================] - 1s 5ms/step - loss: {loss:.4f}"
                     f" - val_loss: {loss + 0.02:.4f}")
        if e == 6:
            lines.append("Epoch 6: ReduceLROnPlateau reducing learning rate to 1e-07.")
    report = logsense.diagnose("\n".join(lines) + "\n")
    plateau = [f for f in report.findings if f.symptom == "plateau"]
    assert plateau, [f.symptom for f in report.findings]
    top = report.top_cause
    assert top.cause == "healthy" and "learning rate to 1.000e-07" in top.evidence
