"""The two public verbs: `parse` (text -> Log) and `diagnose` (Log -> Report)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Callable

from . import context as _context
from . import decode, grammar, inputs
from .log import Log, Run
from .predictions import extract_predictions

Source = "str | bytes | os.PathLike | Mapping | Log | Run"


def parse(source: Any, *, progress: Callable[[float], None] | None = None) -> Log:
    """Read a Keras console log (or a whole forum post) into runs.

    Args:
        source: the text itself (``str``), raw ``bytes``, a path (``str``/``Path``)
            to a file, a ``history.history`` dict, a Keras ``History`` object, or
            the text of a ``CSVLogger`` file or ``history`` JSON dump.
        progress: optional callback receiving the fraction read so far.

    Returns:
        A `Log`. Input that cannot be read at all (missing file, binary data)
        raises `logsense.errors.UnusableInput` with a one-line message.

    Example:
        >>> log = parse("Epoch 1/2\\n10/10 [====] - 0s - loss: 0.5\\nEpoch 2/2\\n10/10 [====] - 0s - loss: 0.25\\n")
        >>> log.runs[0].series("loss").tolist()
        [0.5, 0.25]
    """
    history = getattr(source, "history", None)
    if isinstance(history, Mapping):  # a keras.callbacks.History object
        source = history
    if isinstance(source, Mapping):
        return Log(runs=[inputs.run_from_history(dict(source))], source="history")

    text, encoding, warnings, name = decode.read_source(source)
    if progress is not None:
        progress(0.1)
    structured = inputs.read_structured(text)
    if structured is not None:
        log = Log(runs=structured, source=name)
    else:
        runs, unparsed = grammar.parse_text(text)
        log = Log(runs=runs, unparsed=unparsed, source=name)
        log.predictions = extract_predictions(text)
        blocks = _context.extract_context(text)
        log.context = _context.attach_to_runs(log.runs, blocks)
    log.encoding = encoding
    log.warnings.extend(warnings)
    if not log.runs and not log.predictions:
        log.warnings.append("no Keras training output was recognised in this text")
    if progress is not None:
        progress(1.0)
    return log


def diagnose(source: Any, **overrides: Any):
    """Detect symptoms in every run, then rank and replay their likely causes.

    Args:
        source: a `Log`, a `Run`, or anything `parse` accepts.
        **overrides: training set-up that replaces or fills what the text said,
            e.g. ``lr=0.01``, ``optimizer="sgd"``, ``batch_size=32``.

    Returns:
        A `logsense.report.Report`.

    Example:
        >>> report = diagnose("Epoch 1/3\\n1/1 [==] - 0s - loss: 1.0\\nEpoch 2/3\\n1/1 [==] - 0s - loss: 0.5\\nEpoch 3/3\\n1/1 [==] - 0s - loss: 0.25\\n")
        >>> [f.symptom for f in report.findings]
        []
    """
    from . import causes as _causes
    from . import detect as _detect
    from .report import Report

    if isinstance(source, Log):
        log = source
    elif isinstance(source, Run):
        log = Log(runs=[source])
    else:
        log = parse(source)
    if overrides:
        log.context = _context.apply_overrides(log.context, overrides)
        for run in log.runs:
            run.context = _context.apply_overrides(run.context, overrides)
    run_findings = {run.index: _detect.detect_run(run) for run in log.runs}
    log_findings = _detect.detect_log(log, run_findings)
    ranked = _causes.rank_causes(log, run_findings, log_findings)
    return Report(log=log, run_findings=run_findings, log_findings=log_findings, causes=ranked)
