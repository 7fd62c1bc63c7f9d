"""A Keras callback that watches training live: warns when a symptom appears, stops on divergence or NaN.

Keras is never a dependency of logsense: this module imports it only when it is used, and works with
Keras 3 (``import keras``) and tf.keras 2.x (``import tf_keras``), whichever is installed.
"""
from __future__ import annotations

import math
import sys
from typing import Any, Callable, Iterable

from .log import Run


def _callback_base() -> type:
    try:
        import keras  # noqa: F401
        return keras.callbacks.Callback
    except ImportError:
        pass
    try:
        import tf_keras
        return tf_keras.callbacks.Callback
    except ImportError:
        return object


class LogsenseMonitor(_callback_base()):  # type: ignore[misc]
    """Record the epoch logs, run the detectors at every epoch end, warn once per new symptom.

    Args:
        stop_on: symptoms that stop training once found with at least ``stop_confidence``
            (default: divergence and NaN; an empty tuple only warns).
        stop_confidence: confidence a finding needs before it stops training.
        printer: where warnings go (default: ``print`` to stderr).

    After training, ``monitor.run`` is the recorded `logsense.Run` and ``monitor.findings`` the
    latest findings; ``monitor.stopped_epoch`` is the epoch (1-based) at which it stopped training.

    Example:
        >>> monitor = LogsenseMonitor(stop_on=())
        >>> monitor.on_epoch_end(0, {"loss": 1.0}); monitor.run.series("loss").tolist()
        [1.0]
    """

    def __init__(self, stop_on: Iterable[str] = ("divergence", "nan"), stop_confidence: float = 0.9,
                 printer: Callable[[str], None] | None = None) -> None:
        if LogsenseMonitor.__mro__[1] is not object:
            super().__init__()
        self.stop_on = set(stop_on)
        self.stop_confidence = stop_confidence
        self.printer = printer or (lambda text: print(text, file=sys.stderr))
        self.run = Run(meta={"format": "history", "locale": "en", "verbose": None})
        self.findings: list[Any] = []
        self.stopped_epoch: int | None = None
        self._warned: set[tuple[str, str | None]] = set()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from .detect import detect_run
        from .report import format_finding

        record: dict[str, Any] = {"epoch": epoch + 1}
        record.update({k: _to_float(v) for k, v in (logs or {}).items()})
        self.run.epoch_records.append(record)
        self.run.invalidate()
        self.findings = detect_run(self.run)
        for f in self.findings:
            key = (f.symptom, f.metric)
            if key not in self._warned:
                self._warned.add(key)
                self.printer(f"logsense: epoch {epoch + 1}: {format_finding(f)}")
            if f.symptom in self.stop_on and f.confidence >= self.stop_confidence and self.stopped_epoch is None:
                self.stopped_epoch = epoch + 1
                self.printer(f"logsense: stopping training at epoch {epoch + 1} ({f.symptom})")
                model = getattr(self, "model", None)
                if model is not None:
                    model.stop_training = True


def _to_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
