"""A Keras callback that watches training live: warns when a symptom appears, stops on divergence or NaN.

Keras is never a dependency of logsense, and this module never imports it. The
callback is a plain class that speaks the callback protocol by method name,
which is all ``model.fit`` relies on in both Keras 3 (``keras``) and tf.keras
2.x (``tf_keras``). Subclassing one of them would tie the callback to whichever
happened to be importable, and both are often installed side by side (recent
TensorFlow pulls in Keras 3 next to ``tf_keras``): a Keras 3 callback breaks a
tf.keras fit, which asks every callback for ``_implements_train_batch_hooks``.

The detectors are the ones `logsense.diagnose` runs, applied to the epochs seen
so far. They need a few epochs before a trend is significant: a loss that grows
from the first epoch is flagged at epoch 4 (a rank test cannot reject noise on
three points), two epochs after the first rise.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .findings import Finding
from .log import Run

#: Symptoms that stop training by default: nothing useful is learned after either.
STOP_ON = ("divergence", "nan")


class LogsenseMonitor:
    """Record the epoch logs, run the detectors at every epoch end, warn once per new symptom.

    Args:
        stop_on: symptoms that stop training (``model.stop_training = True``) once
            found with at least ``stop_confidence``; ``()`` only warns.
        stop_confidence: confidence a finding needs before it stops training.
        printer: where the one-line warnings go (default ``print``). They are
            printed when Keras has finished the epoch's progress line (at the next
            epoch's start, or when training ends), so they never split a bar.

    After (or during) training, ``monitor.run`` is the recorded `logsense.Run`,
    ``monitor.findings`` the latest findings, ``monitor.stopped_epoch`` the epoch
    (1-based, as Keras prints it) at which it stopped training, and
    ``monitor.report()`` a full diagnosis with causes and replays.

    Example:
        >>> monitor = LogsenseMonitor(printer=print)
        >>> for epoch, loss in enumerate([776.5, 1678.0, 3625.8, 7835.0]):
        ...     monitor.on_epoch_end(epoch, {"loss": loss})
        >>> monitor.on_train_end()
        logsense: epoch 4: divergence in loss epochs 1-4 (confidence 0.96): growth_factor=2.161, ...
        logsense: stopped training at epoch 4 (divergence)
        >>> monitor.stopped_epoch, monitor.run.series("loss").tolist()[-1]
        (4, 7835.0)
    """

    # tf.keras' CallbackList reads these: logs arrive as Python numbers, and the
    # callback runs on every worker of a distributed fit.
    _supports_tf_logs = False
    _chief_worker_only = None

    def __init__(self, stop_on: Iterable[str] = STOP_ON, stop_confidence: float = 0.9,
                 printer: Callable[[str], None] | None = None) -> None:
        self.stop_on = frozenset(stop_on)
        self.stop_confidence = stop_confidence
        self.printer: Callable[[str], None] = printer or print
        self.model: Any = None
        self.params: dict[str, Any] = {}
        self.run = Run(meta={"format": "history", "locale": "en", "verbose": None, "declared_epochs": None,
                             "epoch_base": 1})
        self.findings: list[Finding] = []
        self.stopped_epoch: int | None = None
        self._warned: set[tuple[str, str | None]] = set()
        self._pending: list[str] = []

    # ------------------------------------------------------- Keras protocol

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = dict(params or {})

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Note the declared epoch count and the optimizer's set-up (what the replays need)."""
        self.run.meta["declared_epochs"] = self.params.get("epochs")
        self.run.context.update(training_setup(self.model))

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Record the epoch, re-run the detectors, queue warnings, stop training if asked to."""
        from .detect import detect_run
        from .report import format_finding

        record: dict[str, Any] = {"epoch": epoch + 1}
        record.update({str(k): _to_float(v) for k, v in (logs or {}).items()})
        self.run.epoch_records.append(record)
        self.run.invalidate()
        self.findings = detect_run(self.run)
        for f in self.findings:
            key = (f.symptom, f.metric)
            if key not in self._warned:
                self._warned.add(key)
                self._pending.append(f"logsense: epoch {epoch + 1}: {format_finding(f)}")
            if self.stopped_epoch is None and self._stops(f):
                self.stopped_epoch = epoch + 1
                self._pending.append(f"logsense: stopped training at epoch {epoch + 1} ({f.symptom})")
                if self.model is not None:
                    self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._flush()

    # Hooks this callback has no use for; Keras calls them on every callback.
    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_end(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...

    # tf.keras asks these before each fit: False keeps its per-batch fast path.
    def _implements_train_batch_hooks(self) -> bool:
        return False

    def _implements_test_batch_hooks(self) -> bool:
        return False

    def _implements_predict_batch_hooks(self) -> bool:
        return False

    # ----------------------------------------------------------- results

    def report(self, **overrides: Any):
        """Diagnose what was recorded so far: findings, ranked causes and their replays.

        ``overrides`` fill in set-up the model could not tell (e.g. ``batch_size=32``).

        Example:
            >>> monitor = LogsenseMonitor(stop_on=(), printer=lambda line: None)
            >>> for epoch, loss in enumerate([278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]):
            ...     monitor.on_epoch_end(epoch, {"loss": loss})
            >>> top = monitor.report(lr=0.01).top_cause
            >>> top.cause, top.confirmed, "0.0081" in top.fix  # the stability limit 2/h for lr = 0.01
            ('lr_too_high', True, True)
        """
        from .api import diagnose

        return diagnose(self.run, **overrides)

    def _stops(self, f: Finding) -> bool:
        return f.symptom in self.stop_on and f.confidence >= self.stop_confidence

    def _flush(self) -> None:
        for line in self._pending:
            self.printer(line)
        self._pending.clear()

    def __repr__(self) -> str:
        symptoms = sorted({f.symptom for f in self.findings})
        return (f"LogsenseMonitor(epochs={len(self.run.epoch_records)}, symptoms={symptoms}, "
                f"stopped_epoch={self.stopped_epoch})")


def training_setup(model: Any) -> dict[str, Any]:
    """Optimizer name and learning rate of a compiled Keras model, as run context; ``{}`` if unknown.

    Works for Keras 3 and tf.keras: both expose ``model.optimizer.learning_rate``
    as a variable that converts with ``float``.

    Example:
        >>> class SGD:
        ...     learning_rate = 0.01
        >>> class Model:
        ...     optimizer, loss = SGD(), "mse"
        >>> training_setup(Model())
        {'optimizer': 'sgd', 'lr': 0.01, 'loss': 'mse'}
    """
    setup: dict[str, Any] = {}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        setup["optimizer"] = type(optimizer).__name__.lower()
        lr = _to_float(getattr(optimizer, "learning_rate", None))
        if math.isfinite(lr):
            setup["lr"] = lr
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        setup["loss"] = loss
    return setup


def _to_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        try:  # a framework scalar or 0-d array: numpy knows how to read it
            import numpy as np

            return float(np.asarray(v))
        except (TypeError, ValueError):
            return math.nan

