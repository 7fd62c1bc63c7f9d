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
    return list(_roles(tuple(run.metrics))[0])


def train_losses(run: Run) -> list[str]:
    return list(_roles(tuple(run.metrics))[1])


def main_loss(run: Run) -> str | None:
    """The training loss to judge the run by: ``loss`` when printed, else the first loss-like metric."""
    return _roles(tuple(run.metrics))[2]


def accuracy_metric(run: Run, validation: bool = False) -> str | None:
    """The (validation) accuracy metric, if the run printed one."""
    return _roles(tuple(run.metrics))[4 if validation else 3]


def train_val_pairs(run: Run, kind: str = "loss") -> list[tuple[str, str]]:
    """(training, validation) metric pairs present in the run, for losses or accuracies."""
    return list(_roles(tuple(run.metrics))[5 if kind == "loss" else 6])


@lru_cache(maxsize=4096)  # the detectors ask these of every run, and a log's runs print the same few names
def _roles(metrics: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], str | None, str | None, str | None,
                                              tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """What the metric names of a run are: (losses, training losses, main loss, accuracy,
    validation accuracy, loss pairs, accuracy pairs), each in print order."""
    losses = tuple(m for m in metrics if is_loss(m))
    train = tuple(m for m in losses if not is_validation(m))
    main = "loss" if "loss" in train else (train[0] if train else None)
    acc = next((m for m in metrics if is_accuracy(m) and not is_validation(m)), None)
    val_acc = next((m for m in metrics if is_accuracy(m) and is_validation(m)), None)
    names = set(metrics)
    loss_pairs = tuple((m, val_name(m)) for m in metrics if is_loss(m) and not is_validation(m) and val_name(m) in names)
    acc_pairs = tuple((m, val_name(m)) for m in metrics
                      if is_accuracy(m) and not is_validation(m) and val_name(m) in names)
    return losses, train, main, acc, val_acc, loss_pairs, acc_pairs
