"""The training set-up a post describes: optimizer, learning rate, layers, data.

Read from pasted code (with `ast`, never executed), JSON model configs,
``model.summary()`` tables and the prose around the logs, then attached to the
runs each piece of evidence precedes.
"""
from .blocks import ContextBlock, attach_to_runs
from .extract import extract_context
from .overrides import OVERRIDES, Override, apply_overrides, check_overrides

__all__ = ["ContextBlock", "extract_context", "attach_to_runs", "apply_overrides", "check_overrides", "OVERRIDES",
           "Override"]
