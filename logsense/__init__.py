"""logsense: read Keras training logs, detect what went wrong, confirm the cause by replay.

Two verbs: ``logsense.parse(source) -> Log`` and ``logsense.diagnose(source) -> Report``.
Charts are in `logsense.plot` (``plot.report_chart(report)``), the live Keras callback in
`logsense.keras`.

Example:
    >>> import logsense
    >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
    >>> report.top_cause.cause, report.top_cause.confirmed
    ('lr_too_high', True)
"""
from typing import TYPE_CHECKING, Any

from . import display as _display  # noqa: F401 - registers the notebook tables of Log, Run and Report
from .api import diagnose, parse
from .errors import InvalidSetup, LogsenseError, UnusableInput
from .findings import Finding
from .log import Event, Log, Prediction, Run

if TYPE_CHECKING:
    from .causes.base import Cause, Replay
    from .report import Report

__all__ = ["parse", "diagnose", "Log", "Run", "Event", "Prediction", "Finding", "Cause",
           "Replay", "Report", "LogsenseError", "UnusableInput", "InvalidSetup"]
__version__ = "0.1.0"

#: Names whose modules pull in the detectors and scipy.stats (about 0.9 s): imported on first
#: use, so ``logsense.parse`` and ``logsense parse`` do not pay for the diagnosis.
_LAZY = {"Cause": "causes.base", "Replay": "causes.base", "Report": "report"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
