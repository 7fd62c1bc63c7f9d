"""logsense: read Keras training logs, detect what went wrong, confirm the cause by replay.

Two verbs: ``logsense.parse(source) -> Log`` and ``logsense.diagnose(source) -> Report``.
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
