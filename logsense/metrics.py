"""Which metric is which: losses, accuracies, and the validation twin of a training metric.

The shared vocabulary of every layer above the data model. Keras names a model's
total loss ``loss`` and each output's loss ``<output>_loss``; Keras 0.x Graph
models print the output's name alone (``output``). Validation metrics are the
training name prefixed with `VAL_PREFIX` (the parser writes translated prefixes
back to it).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .log import Run

#: How Keras spells a validation metric: ``val_`` + the training metric's name.
VAL_PREFIX = "val_"
_ACC = re.compile(r"(^|_)(acc|accuracy)$")


def is_validation(name: str | None) -> bool:
    """``val_loss`` -> True; None (a finding without a metric) -> False.

    Example:
        >>> is_validation("val_loss"), is_validation("loss"), is_validation(None)
        (True, False, False)
    """
    return bool(name) and name.startswith(VAL_PREFIX)  # type: ignore[union-attr]


def base_name(name: str) -> str:
    """``val_loss`` -> ``loss``; training names are returned unchanged."""
    return name[len(VAL_PREFIX):] if is_validation(name) else name


def val_name(name: str) -> str:
    """The validation twin of a training metric: ``loss`` -> ``val_loss``."""
    return VAL_PREFIX + name


@lru_cache(maxsize=4096)  # asked of the same few names for every run of a log
def is_loss(name: str) -> bool:
    """A loss-like metric: ``loss``, anything containing ``loss``, or a Graph model's ``output``."""
    b = base_name(name)
    return "loss" in b or b == "output" or b.endswith("_output")


@lru_cache(maxsize=4096)
def is_accuracy(name: str) -> bool:
    return bool(_ACC.search(base_name(name)))


def loss_metrics(run: Run) -> list[str]:
    """Every loss-like metric of the run, training and validation, in print order."""
    return [m for m in run.metrics if is_loss(m)]


def train_losses(run: Run) -> list[str]:
    return [m for m in loss_metrics(run) if not is_validation(m)]


def main_loss(run: Run) -> str | None:
    """The training loss to judge the run by: ``loss`` when printed, else the first loss-like metric."""
    losses = train_losses(run)
    if "loss" in losses:
        return "loss"
    return losses[0] if losses else None


def accuracy_metric(run: Run, validation: bool = False) -> str | None:
    """The (validation) accuracy metric, if the run printed one."""
    for m in run.metrics:
        if is_accuracy(m) and is_validation(m) == validation:
            return m
    return None


def train_val_pairs(run: Run, kind: str = "loss") -> list[tuple[str, str]]:
    """(training, validation) metric pairs present in the run, for losses or accuracies."""
    test = is_loss if kind == "loss" else is_accuracy
    names = set(run.metrics)
    return [(m, val_name(m)) for m in run.metrics
            if test(m) and not is_validation(m) and val_name(m) in names]
