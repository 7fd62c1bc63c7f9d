"""The live callback with real Keras: stops a diverging fit in time, leaves a healthy one alone.

Runs with every Keras that is installed (Keras 3 as ``keras``, tf.keras 2.x as
``tf_keras``) and skips cleanly without one. The model is the casebook's seed
003 problem: one weight fitted to y = 2x on x = 0..19 with plain SGD, where the
curvature is h = 2 * mean(x^2) = 247, so any lr above 2/h = 0.0081 diverges and
the loss grows by (1 - lr*h)^2 per full-batch epoch.
"""
from __future__ import annotations

import importlib
import importlib.util
import os

import numpy as np
import pytest

import logsense
from logsense.keras import LogsenseMonitor

if ("KERAS_BACKEND" not in os.environ and importlib.util.find_spec("tensorflow") is None
        and importlib.util.find_spec("torch") is not None):
    # Keras 3 defaults to TensorFlow; a machine with only torch needs to say so before the import.
    os.environ["KERAS_BACKEND"] = "torch"

X = np.arange(20, dtype="float32").reshape(-1, 1)
Y = 2.0 * X
H = 2.0 * float(np.mean(X ** 2))  # 247


@pytest.fixture(params=["keras", "tf_keras"], scope="module")
def keras(request):
    if os.environ.get("LOGSENSE_REQUIRE_KERAS"):  # CI installed both: a skip would hide a broken install
        module = importlib.import_module(request.param)
    else:
        module = pytest.importorskip(request.param)
    if request.param == "keras" and not module.__version__.startswith("3."):
        pytest.skip(f"keras {module.__version__} is not Keras 3")
    return module


def fit(keras, lr, epochs: int, schedule=None, lines: list[str] | None = None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    monitor = LogsenseMonitor(printer=(lines if lines is not None else []).append)
    callbacks = [monitor] + ([keras.callbacks.LearningRateScheduler(schedule)] if schedule else [])
    history = model.fit(X, Y, epochs=epochs, batch_size=len(X), verbose=0, callbacks=callbacks)
    return monitor, history


def onset(loss: list[float]) -> int:
    """The first epoch (1-based) whose loss is above the previous one's and never falls back below it."""
    y = np.asarray(loss)
    rises = [k for k in range(1, y.size) if y[k] > y[k - 1] and np.all(np.diff(y[k - 1:]) > 0)]
    return rises[0] + 1


def test_diverging_from_the_start_is_stopped_within_two_epochs(keras):
    lines: list[str] = []
    monitor, history = fit(keras, 0.01, epochs=30, lines=lines)
    loss = history.history["loss"]
    assert monitor.stopped_epoch is not None and len(loss) == monitor.stopped_epoch  # fit really stopped
    assert monitor.stopped_epoch - onset(loss) <= 2
    (div,) = [f for f in monitor.findings if f.symptom == "divergence"]
    assert div.stats["growth_factor"] == pytest.approx((1 - 0.01 * H) ** 2, rel=1e-3)  # 2.1609
    warning = next(line for line in lines if "divergence" in line)
    assert warning.startswith(f"logsense: epoch {monitor.stopped_epoch}: divergence in loss")
    assert "growth_factor=2.161" in warning
    assert lines[-1] == f"logsense: stopped training at epoch {monitor.stopped_epoch} (divergence)"


def test_divergence_after_a_learning_rate_raise_is_stopped_within_two_epochs(keras):
    monitor, history = fit(keras, 0.002, epochs=30, schedule=lambda epoch, lr: 0.002 if epoch < 6 else 0.012)
    loss = history.history["loss"]
    assert min(loss) < 1e-2 * loss[0]  # it converged first
    assert monitor.stopped_epoch is not None and len(loss) == monitor.stopped_epoch
    assert 7 <= onset(loss) <= monitor.stopped_epoch <= onset(loss) + 2


def test_healthy_run_runs_every_epoch_without_a_warning(keras):
    lines: list[str] = []
    monitor, history = fit(keras, 0.001, epochs=20, lines=lines)
    assert len(history.history["loss"]) == 20
    assert monitor.stopped_epoch is None and lines == []
    assert [f.symptom for f in monitor.findings] == []


def test_recorded_run_and_history_object_diagnose_to_the_same_cause(keras):
    monitor, history = fit(keras, 0.01, epochs=30)
    assert monitor.run.context == {"optimizer": "sgd", "lr": pytest.approx(0.01), "loss": "mse"}
    assert monitor.run.meta["declared_epochs"] == 30

    log = logsense.parse(history)  # the History object model.fit returned
    assert log.runs[0].series("loss").tolist() == pytest.approx(history.history["loss"])
    top = logsense.diagnose(history).top_cause
    assert top.cause == "lr_too_high" and top.confirmed
    assert top.replay.params["lr_h"] == pytest.approx(0.01 * H, rel=1e-3)

    live = monitor.report().top_cause  # knows lr = 0.01 from the model, so it can name the limit
    assert live.cause == "lr_too_high" and "0.0081" in live.fix


# ------------------------------------------------ the protocol, without Keras

class SGD:
    learning_rate = 0.01


class FakeModel:
    """What the callback touches on a model: the optimizer's set-up and ``stop_training``."""

    optimizer = SGD()
    loss = "mse"
    stop_training = False


def test_monitor_stops_on_nan_and_reports_once_per_symptom_without_keras():
    lines: list[str] = []
    monitor = LogsenseMonitor(printer=lines.append)
    model = FakeModel()
    monitor.set_model(model)
    monitor.set_params({"epochs": 5, "steps": 1})
    monitor.on_train_begin()
    for epoch, loss in enumerate([1.0, 0.5, float("nan")]):
        monitor.on_epoch_begin(epoch)
        monitor.on_train_batch_end(0, {"loss": loss})
        monitor.on_epoch_end(epoch, {"loss": loss})
    monitor.on_train_end()
    assert model.stop_training and monitor.stopped_epoch == 3
    assert lines[0].startswith("logsense: epoch 3: nan in loss epoch 3")
    assert lines[-1] == "logsense: stopped training at epoch 3 (nan)"
    assert monitor.run.context == {"optimizer": "sgd", "lr": 0.01, "loss": "mse"}
    assert not monitor._implements_train_batch_hooks()


def test_warnings_wait_for_the_end_of_the_epochs_progress_line():
    lines: list[str] = []
    monitor = LogsenseMonitor(stop_on=(), printer=lines.append)
    for epoch, loss in enumerate([776.5, 1678.0, 3625.8, 7835.0]):
        monitor.on_epoch_end(epoch, {"loss": loss})
    assert lines == [] and monitor.stopped_epoch is None  # queued, and stop_on=() only warns
    monitor.on_epoch_begin(4)
    assert len(lines) == 1 and "divergence in loss" in lines[0]
