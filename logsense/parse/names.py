"""Metric names no table knows, resolved by structure: the validation twin, the print order, the values.

A translation engine may turn ``loss`` into any word. Three facts about Keras
name it anyway:

* every metric list holds the loss: a run whose training names hold no loss
  has one among the names nobody knows;
* with validation data every training metric ``X`` has a twin ``val_X``: the
  word that pairs the two halves of the list (``вал_``, ``验证``, ``validation``,
  before or after the name) is the ``val_`` prefix, whatever its language
  (`validation_pairs`, applied to each bar's list as it is read);
* Keras 1, 2 and tf.keras print the loss first; Keras 3 sorts the names
  (``accuracy`` before ``loss``), so there the values decide: the loss is what
  the optimizer lowers, an accuracy stays in [0, 1] and rises.

What is inferred is said in ``run.meta["inferred_names"]`` (canonical name ->
the printed one and the reason); a name that cannot be resolved keeps its
printed spelling and still yields its values.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..log import EPOCH_KEYS, STEP_KEYS, Run
from ..metrics import VAL_PREFIX, is_accuracy, is_loss, is_validation

#: Canonical names whose presence means the loss is known.
_LOSSES = ("loss",)


#: Metric names Keras and its users print in English, beside every loss and accuracy.
_ENGLISH = frozenset({"mse", "mae", "mape", "msle", "auc", "prc", "precision", "recall", "lr", "learning_rate",
                      "f1", "f1_score", "rmse", "kld", "cosine_proximity", "logcosh", "hinge", "iou", "dice"})


def known_name(name: str) -> bool:
    """A name that is English Keras as printed: a loss, an accuracy, a common metric, or an ASCII
    identifier with an underscore (``dice_coef``: a user's own metric, named in code)."""
    if is_loss(name) or is_accuracy(name):
        return True
    base = name[len(VAL_PREFIX):] if is_validation(name) else name
    return base.isascii() and (base.lower() in _ENGLISH or ("_" in base and " " not in base))


_known = known_name


def resolve_names(run: Run) -> dict[str, dict[str, str]]:
    """Rename the run's unknown training metric names in place (the loss, an accuracy) and their
    ``val_`` twins; return what was inferred, for ``meta["inferred_names"]``."""
    names = _metric_names(run)
    train = [n for n in names if not is_validation(n)]
    unknown = [n for n in train if not _known(n)]
    if not unknown:
        return {}
    renames: dict[str, tuple[str, str]] = {}
    fmt = run.meta.get("format")
    if not any(n in _LOSSES or n.endswith("_loss") for n in train if _known(n)):
        loss = _choose_loss(run, unknown, fmt)
        if loss is not None:
            renames[loss[0]] = ("loss", loss[1])
    rest = [n for n in unknown if n not in renames]
    acc = [n for n in rest if _accuracy_like(run, n)]
    if len(acc) == 1 and not any(k in names for k in ("accuracy", "acc")):
        renames[acc[0]] = ("acc" if fmt in ("keras0", "keras1", "keras2") else "accuracy",
                           "values stay in [0, 1] and rise, as an accuracy's do")
    for printed, (new, _) in list(renames.items()):
        twin = VAL_PREFIX + printed
        if twin in names:
            renames[twin] = (VAL_PREFIX + new, f"the validation twin of {printed!r}")
    renames = {printed: new for printed, new in renames.items() if new[0] != printed and new[0] not in names}
    if not renames:
        return {}
    mapping = {printed: new for printed, (new, _) in renames.items()}
    for records in (run.epoch_records, run.step_records):
        for i, record in enumerate(records):
            if any(k in mapping for k in record):
                records[i] = {mapping.get(k, k): v for k, v in record.items()}
    run.invalidate()
    return {new: {"printed": printed, "reason": reason} for printed, (new, reason) in renames.items()}


def _metric_names(run: Run) -> list[str]:
    seen: dict[str, None] = {}
    for records, skip in ((run.epoch_records, EPOCH_KEYS), (run.step_records, STEP_KEYS)):
        for record in records:
            for k in record:
                if k not in skip:
                    seen.setdefault(k, None)
    return list(seen)


def validation_pairs(names: tuple[str, ...], unknown: set[str]) -> dict[str, tuple[str, str]]:
    """Validation twin -> (its training name, the affix that pairs them), within one metric list.

    An affix counts when it turns one name of the list into another, before or after
    it, and one of the two is a name no table knows; the affix that pairs the most
    names is the list's word for validation (``вал_``, ``验证``, `` validation``).

    Example:
        >>> validation_pairs(("потеря", "точность", "вал_потеря", "вал_точность"), {"потеря", "точность",
        ...                   "вал_потеря", "вал_точность"})
        {'вал_потеря': ('потеря', 'вал_'), 'вал_точность': ('точность', 'вал_')}
    """
    if not unknown:
        return {}
    if any(is_validation(n) and n[len(VAL_PREFIX):] in names for n in names):
        # The list spells validation as Keras does (`val_loss` beside `loss`): no other affix is its
        # word for it (`top-5-accuracy` beside `accuracy` is another metric, not a twin).
        return {}
    affixes: Counter = Counter()
    found: dict[str, list[tuple[str, str]]] = {}
    for a in names:
        for b in names:
            if len(b) <= len(a) or not (a in unknown or b in unknown):
                continue
            if b.endswith(a):
                affix = b[: -len(a)]
            elif b.startswith(a):
                affix = b[len(a):]
            else:
                continue
            if not affix.strip(" _.") or is_validation(a):
                continue
            affixes[affix] += 1
            found.setdefault(affix, []).append((a, b))
    if not affixes:
        return {}
    affix = affixes.most_common(1)[0][0]
    pairs = found[affix]
    twins = {b for _, b in pairs}
    return {b: (a, affix.strip()) for a, b in pairs if a not in twins}


def _values(run: Run, name: str) -> np.ndarray:
    y = run.series(name)
    if not np.isfinite(y).any():
        y = np.array([r.get(name, np.nan) for r in run.step_records], dtype=float)
    return y[np.isfinite(y)]


def _accuracy_like(run: Run, name: str) -> bool:
    y = _values(run, name)
    return y.size >= 1 and bool(np.all((y >= 0) & (y <= 1))) and (y.size < 3 or y[-1] >= y[0])


def _choose_loss(run: Run, candidates: list[str], fmt: Any) -> tuple[str, str] | None:
    """The unknown training name that is the loss, and why."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0], "every Keras metric list holds the loss, and this is the only name left"
    if fmt != "keras3":  # Keras 1, 2 and tf.keras print the loss first
        first = candidates[0]
        if not _accuracy_like(run, first) or all(_accuracy_like(run, c) for c in candidates):
            return first, "Keras prints the loss first"
    lowered = [c for c in candidates if not _accuracy_like(run, c)]
    falling = [c for c in lowered if _values(run, c).size >= 2 and _values(run, c)[-1] < _values(run, c)[0]]
    chosen = falling or lowered
    if len(chosen) == 1:
        return chosen[0], "the only name whose values are not an accuracy's" + (
            " and that the training lowers" if falling else "")
    return None
