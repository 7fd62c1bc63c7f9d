"""Write an epoch series back as the text Keras would print: the inverse of the parser.

Used by the round-trip tests and by the replays, which show people the log a
simulated run would have printed. Layouts follow Keras's progress bar
(``keras/utils/generic_utils.py`` in Keras 0.x-2.x and tf.keras,
``keras/src/utils/progbar.py`` in Keras 3), checked against the captures in
``fixtures/keras/``:

==========  =========================================================================
``keras0``  ``Epoch 0`` (0-based, no total), sample bars ``7500/7500 [====] - 2s - loss: ...``
``keras1``  ``Epoch 1/10``, sample bars, ``- 2s -``; verbose 2: ``2s - loss: ...``
``keras2``  ``Epoch 1/10``, sample bars ``- 2s 267us/step -``; verbose 2: `` - 2s - loss: ...``
``tfkeras`` step bars ``1875/1875 [====] - 2s 946us/step - loss: ...``;
            verbose 2: ``1875/1875 - 2s - loss: ... - 2s/epoch - 1ms/step``
``keras3``  ``30/30 ━━━━ 0s 3ms/step - accuracy: ... - loss: ...`` (metrics sorted, ``val_`` after)
==========  =========================================================================

Values are formatted as the progress bar does: ``%.4f`` when ``|x| > 1e-3``,
``%.4e`` otherwise (so ``nan`` and ``inf`` print as Python prints them).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..log import EPOCH_KEYS, STEP_KEYS, Run
from .locales import table

FORMATS = ("keras0", "keras1", "keras2", "tfkeras", "keras3")
#: Formats whose bars count samples, not batches, and which print ``Train on N samples``.
_SAMPLE_FORMATS = ("keras0", "keras1", "keras2")
#: Metrics that callbacks add to the logs after the model's own (printed last by Keras 3).
_CALLBACK_METRICS = ("lr", "learning_rate")
_BAR_WIDTH = 30
_KERAS3_BAR_WIDTH = 20


def format_value(x: float) -> str:
    """A metric value as Keras's progress bar prints it.

    Example:
        >>> format_value(0.25), format_value(0.00035192648), format_value(float("nan"))
        ('0.2500', '3.5193e-04', 'nan')
    """
    x = float(x)
    return f"{x:.4f}" if abs(x) > 1e-3 else f"{x:.4e}"


def printed_value(x: float) -> float:
    """The value a reader gets back from the printed text (the rounding the log imposes).

    Example:
        >>> printed_value(278.20138549)
        278.2014
    """
    return float(format_value(x))


def render(run_or_records: Any, fmt: str = "tfkeras", verbose: int = 1, locale: str = "en",
           steps_per_epoch: int | None = None, seconds: float | Sequence[float] | None = None,
           include_steps: bool = False) -> str:
    """The console text of one ``model.fit``.

    Args:
        run_or_records: a `Run`, a list of epoch records (``{"epoch": 1, "loss": 0.3}``;
            ``epoch`` optional, counted from 1) or a DataFrame with those columns. A
            run whose ``meta["epoch_base"]`` is 0 (a CSVLogger file) is shifted to
            Keras's 1-based bars; keras0 prints every epoch one lower, as Keras 0.x did.
        fmt: one of `FORMATS`.
        verbose: 1 (progress bars) or 2 (one line per epoch).
        locale: a code from ``grammars/locales`` (``"zh"``, ``"es"``, ...): keywords and
            metric names are written the way translated pages show them.
        steps_per_epoch: the bar's total (batches, or samples for keras0/1/2); default 100.
        seconds: time per epoch, one number or one per epoch; default the records'
            ``seconds`` or 1.
        include_steps: also write the run's intra-epoch updates (``Run.step_records``)
            as ``\\r``-rewritten bar lines, as a terminal capture holds them.

    Example:
        >>> print(render([{"loss": 0.5}, {"loss": 0.25}], fmt="keras3", verbose=2), end="")
        Epoch 1/2
        100/100 - 1s - 10ms/step - loss: 0.5000
        Epoch 2/2
        100/100 - 1s - 10ms/step - loss: 0.2500
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if verbose not in (1, 2):
        raise ValueError(f"verbose must be 1 or 2, not {verbose!r}")
    records, steps, meta = _series(run_or_records)
    words = _words(locale)
    total_steps = int(steps_per_epoch) if steps_per_epoch else int(meta.get("steps_per_epoch") or 100)
    base = meta.get("epoch_base", 1)
    numbers = [int(r["epoch"]) + (1 - int(base)) if r.get("epoch") is not None else i + 1
               for i, r in enumerate(records)]
    declared = int(meta.get("declared_epochs") or max(numbers, default=0))
    times = _seconds(seconds, records)

    lines: list[str] = []
    if fmt in _SAMPLE_FORMATS:
        header = f"{words.kw('Train on')} {total_steps} {words.kw('samples')}"
        if any(k.startswith("val_") for r in records for k in r):  # the series has no split: any count reads
            header += f", {words.kw('validate on')} {max(total_steps // 3, 1)} {words.kw('samples')}"
        lines.append(header)
    for i, (epoch, record) in enumerate(zip(numbers, records)):
        lines.append(_epoch_header(fmt, epoch, declared, words))
        metrics = _ordered(fmt, [k for k in record if k not in EPOCH_KEYS])
        values = " - ".join(f"{words.metric(k)}: {format_value(_float(record[k]))}" for k in metrics)
        updates = ""
        if include_steps and verbose == 1:
            per_step = times[i] / total_steps
            updates = "".join(_step_line(fmt, s, total_steps, per_step, words) + "\r"
                              for s in steps if s.get("epoch") == record.get("epoch", epoch))
        lines.append(updates + _epoch_line(fmt, verbose, total_steps, times[i], values, words))
    return "\n".join(lines) + "\n"


def render_log(runs: Iterable[Any], fmt: str = "tfkeras", verbose: int = 1, locale: str = "en",
               **options: Any) -> str:
    """Several runs in one text, one after the other, as a notebook cell running ``fit`` again.

    keras0/1/2 start each run with ``Train on N samples``; the others start a
    new ``Epoch 1/N`` after the previous run's last epoch.

    Example:
        >>> from logsense import parse
        >>> text = render_log([[{"loss": 0.5}], [{"loss": 0.4}, {"loss": 0.3}]], fmt="keras2")
        >>> [run.series("loss").tolist() for run in parse(text).runs]
        [[0.5], [0.4, 0.3]]
    """
    return "".join(render(run, fmt, verbose, locale, **options) for run in runs)


@dataclass(frozen=True)
class _Words:
    """English -> one locale's spelling, for keywords and metric names."""

    keywords: Mapping[str, str]
    metrics: Mapping[str, str]
    val_prefix: str

    def kw(self, english: str) -> str:
        return self.keywords.get(english, english)

    def metric(self, name: str) -> str:
        if name in self.metrics:
            return self.metrics[name]
        if name.startswith("val_") and name[4:] in self.metrics:
            return self.val_prefix + self.metrics[name[4:]]
        return name


@cache
def _words(code: str) -> _Words:
    if code == "en":
        return _Words({}, {}, "val_")
    found = [loc for loc in table().locales if loc.code == code]
    if not found:
        known = ", ".join(loc.code for loc in table().locales)
        raise ValueError(f"unknown locale {code!r}; known: {known}")
    loc = found[0]
    keywords: dict[str, str] = {}
    for term, english in loc.keywords.items():  # the first spelling listed is the usual one
        keywords.setdefault(english, term)
    metrics: dict[str, str] = {}
    for term, canonical in loc.metrics.items():
        metrics.setdefault(canonical, term)
    return _Words(keywords, metrics, loc.val_prefixes[0] if loc.val_prefixes else "val_")


def _series(obj: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    if isinstance(obj, Run):
        return list(obj.epoch_records), list(obj.step_records), dict(obj.meta)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict) and hasattr(obj, "columns"):  # a pandas DataFrame
        records = [{k: v for k, v in r.items() if not (k == "epoch" and _is_nan(v))}
                   for r in to_dict("records")]
        return records, [], {}
    return [dict(r) for r in obj], [], {}


def _epoch_header(fmt: str, epoch: int, declared: int, words: _Words) -> str:
    if fmt == "keras0":
        return f"{words.kw('Epoch')} {epoch - 1}"
    return f"{words.kw('Epoch')} {epoch}/{declared}"


def _epoch_line(fmt: str, verbose: int, total: int, seconds: float, values: str, words: _Words) -> str:
    tail = f" - {values}" if values else ""
    took = f"{seconds:.0f}s"
    per_step = f"{_duration(seconds / total)}/{words.kw('step')}"
    if verbose == 2:
        if fmt in ("keras0", "keras1"):
            return f"{took}{tail}"
        if fmt == "keras2":
            return f" - {took}{tail}"
        if fmt == "tfkeras":
            return f"{total}/{total} - {took}{tail} - {_duration(seconds)}/{words.kw('epoch')} - {per_step}"
        return f"{total}/{total} - {took} - {per_step}{tail}"
    counter = f"{total}/{total}"
    if fmt == "keras3":
        return f"{counter} {'━' * _KERAS3_BAR_WIDTH} {took} {per_step}{tail}"
    bar = "[" + "=" * _BAR_WIDTH + "]"
    if fmt in ("keras0", "keras1"):
        return f"{counter} {bar} - {took}{tail}"
    return f"{counter} {bar} - {took} {per_step}{tail}"


def _step_line(fmt: str, step: Mapping[str, Any], total_default: int, per_step: float,
               words: _Words) -> str:
    """One intermediate progress update (a running mean), as the bar rewrites it."""
    total = int(step.get("total") or total_default)
    current = int(step.get("step") or 0)
    metrics = _ordered(fmt, [k for k in step if k not in STEP_KEYS])
    values = " - ".join(f"{words.metric(k)}: {format_value(_float(step[k]))}" for k in metrics)
    tail = f" - {values}" if values else ""
    counter = f"{current:>{len(str(total))}d}/{total}"
    eta = _finite(step.get("eta_seconds"), 0.0)
    if fmt == "keras3":  # uncoloured, the done and the remaining part of the bar look alike
        return f"{counter} {'━' * _KERAS3_BAR_WIDTH} {_eta(eta)} {_duration(per_step)}/{words.kw('step')}{tail}"
    filled = int(_BAR_WIDTH * current / total) if total else 0
    bar = "=" * max(filled - 1, 0) + (">" if current < total else "=") + "." * (_BAR_WIDTH - max(filled, 1))
    return f"{counter} [{bar}] - {words.kw('ETA:')} {_eta(eta)}{tail}"


def _ordered(fmt: str, metrics: list[str]) -> list[str]:
    """Keras 3 sorts the model's logs, then appends the sorted ``val_`` ones, then callbacks'."""
    if fmt != "keras3":
        return metrics
    extra = [m for m in metrics if m in _CALLBACK_METRICS]
    train = sorted(m for m in metrics if not m.startswith("val_") and m not in extra)
    val = sorted(m for m in metrics if m.startswith("val_"))
    return train + val + extra


def _duration(seconds: float) -> str:
    """A time as Keras prints a time per step (or per epoch, for verbose 2)."""
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def _eta(seconds: float) -> str:
    s = int(seconds)
    if s > 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    if s > 60:
        return f"{s // 60}:{s % 60:02d}"
    return f"{s}s"


def _seconds(seconds: float | Sequence[float] | None, records: list[dict[str, Any]]) -> list[float]:
    if seconds is None:
        return [_finite(r.get("seconds"), 1.0) for r in records]
    if isinstance(seconds, (int, float)):
        return [float(seconds)] * len(records)
    given = [float(s) for s in seconds]
    if len(given) != len(records):
        raise ValueError(f"{len(given)} epoch times for {len(records)} epochs")
    return given


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _finite(v: Any, default: float) -> float:
    x = _float(v)
    return x if math.isfinite(x) and x >= 0 else default


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)
