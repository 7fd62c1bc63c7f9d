"""memorization: the cause behind an overfitting finding, judged from the log and the pasted set-up.

It has no replay (when validation turns depends on the data), so it is never
confirmed; what the tests check is that its numbers are the log's own: the best
epoch, the epoch Keras' callbacks kept, parameters against training samples.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import logsense

KERAS = Path(__file__).resolve().parent.parent / "fixtures" / "keras"
CODE = """model = Sequential()
model.add(Dense(512, activation='relu', input_dim=20))
model.add(Dense(512, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=20, batch_size=32, validation_data=(x_val, y_val))
"""
#: 20*512+512 + 512*512+512 + 512+1
PARAMS = 273_921


def _post(code: str = CODE, epochs: int = 20) -> str:
    """Keras 2 output of a model that memorises 200 samples: val_loss bottoms at epoch 6."""
    lines = [code, "Train on 200 samples, validate on 100 samples"]
    for e in range(1, epochs + 1):
        train, val = 0.7 * np.exp(-0.3 * e), 0.35 + 0.004 * (e - 6) ** 2
        lines += [f"Epoch {e}/{epochs}", (f"200/200 [==============================] - 0s 1ms/step - loss: {train:.4f}"
                  f" - accuracy: {min(0.6 + 0.03 * e, 1):.4f} - val_loss: {val:.4f} - val_accuracy: 0.8100")]
    return "\n".join(lines) + "\n"


def test_overfitting_with_the_model_in_the_post():
    report = logsense.diagnose(_post())
    top = report.top_cause
    assert top.cause == "memorization" and top.symptoms == ["overfitting"] and not top.confirmed
    assert "val_loss is best at epoch 6 (0.35)" in top.evidence
    assert f"{PARAMS:,} parameters for 200 training samples" in top.evidence
    assert "the model has no dropout or weight penalty" in top.evidence
    assert "keep the weights of epoch 6 (val_loss 0.35)" in top.fix and f"({PARAMS:,} parameters" in top.fix
    assert top.confidence > 0.7


def test_regularised_model_is_named_and_weighs_less():
    code = CODE.replace("model.add(Dense(512, activation='relu'))\n",
                        "model.add(Dropout(0.5))\nmodel.add(Dense(512, activation='relu'))\n")
    plain, regularised = logsense.diagnose(_post()).top_cause, logsense.diagnose(_post(code)).top_cause
    assert regularised.cause == "memorization" and "despite dropout 0.5 in the set-up" in regularised.evidence
    assert regularised.confidence < plain.confidence


def test_no_overfitting_no_memorization():
    healthy = "".join(f"Epoch {e}/10\n10/10 [====] - 0s - loss: {1 / e:.4f} - val_loss: {1.1 / e:.4f}\n"
                      for e in range(1, 11))
    assert all(c.cause != "memorization" for c in logsense.diagnose(healthy).causes)


@pytest.mark.parametrize("framework", ["keras3", "tfkeras"])
def test_callbacks_capture_cross_checks_the_restored_epoch(framework):
    """EarlyStopping printed the epoch it restored: the cause reads it and agrees with the log's best epoch."""
    folder = KERAS / framework / "callbacks"
    report = logsense.diagnose(folder / "pasted.txt")
    top = report.top_cause
    (run,) = report.log.runs
    restored = next(int(e.value) for e in run.events if e.kind == "restore_weights")
    best = int(run.epoch_numbers()[int(np.nanargmin(run.series("val_loss")))])
    assert top.cause == "memorization" and not top.confirmed and restored == best
    assert f"EarlyStopping kept the weights of epoch {restored}, the same turn" in top.evidence
    assert top.fix.startswith(f"the weights EarlyStopping kept (epoch {restored}) are the ones to use")


@pytest.mark.parametrize("framework", ["keras3", "tfkeras"])
def test_overfitting_capture_names_the_best_epoch_from_the_history(framework):
    folder = KERAS / framework / "overfitting"
    history = json.loads((folder / "history.json").read_text())
    best = int(np.argmin(history["val_loss"])) + 1
    top = logsense.diagnose(folder / "pasted.txt").top_cause
    assert top.cause == "memorization" and not top.confirmed
    assert f"keep the weights of epoch {best} (val_loss " in top.fix


def test_a_layer_of_unknown_size_gives_no_parameter_count():
    """An LSTM's weights are not counted from the code: a total of the Dense layers alone would be wrong."""
    code = CODE.replace("model.add(Dense(512, activation='relu', input_dim=20))",
                        "model.add(LSTM(64, input_shape=(10, 20)))")
    top = logsense.diagnose(_post(code)).top_cause
    assert top.cause == "memorization" and "parameters" not in top.evidence
    assert "200 training samples" in top.evidence
