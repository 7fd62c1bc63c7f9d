"""logsense: read Keras training logs, detect what went wrong, confirm the cause by replay.

Two verbs: ``logsense.parse(source) -> Log`` and ``logsense.diagnose(source) -> Report``.
Charts are in `logsense.plot`, the live Keras callback in `logsense.keras`.

Example:
    >>> import logsense
    >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
    >>> report.top_cause.cause, report.top_cause.confirmed
    ('lr_too_high', True)
"""
from .api import diagnose, parse
from .causes.base import Cause, Replay
from .errors import LogsenseError, UnusableInput
from .findings import Finding
from .log import Event, Log, Prediction, Run
from .report import Report

__all__ = ["parse", "diagnose", "Log", "Run", "Event", "Prediction", "Finding", "Cause",
           "Replay", "Report", "LogsenseError", "UnusableInput"]
__version__ = "0.1.0"
