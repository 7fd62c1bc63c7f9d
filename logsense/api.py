"""The two public verbs: `parse` (text -> Log) and `diagnose` (Log -> Report)."""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, Callable

from . import context as _context
from .log import Log, Run, memoised
from .parse import decode, structured
from .parse.arrays import extract_predictions
from .parse.stream import LogStream
from .parse.tables import read_tables
from .parse.trainer_state import read_trainer_state


def parse(source: Any, *, progress: Callable[[float], None] | None = None) -> Log:
    """Read a Keras console log (or a whole forum post) into runs.

    Args:
        source: the text itself (``str``), raw ``bytes``, a path (``str``/``Path``)
            to a file, a ``history.history`` dict, a Keras ``History`` object, or
            the text of a ``CSVLogger`` file or ``history`` JSON dump.
        progress: optional callback receiving the fraction read so far (of a
            file's or seekable stream's bytes), after each chunk of about 1 MB.

    Files and streams are read incrementally: memory follows the number of
    epochs, not the file's size. On very long captures the intra-epoch progress
    updates are thinned (see `logsense.parse.stream`), which ``log.warnings`` says.

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
        notes: list[str] = []
        log = Log(runs=[structured.run_from_history(dict(source), warnings=notes)], source="history")
        log.warnings.extend(notes)
        return log

    source_text = decode.open_text(source)
    head = next(source_text.chunks, "")
    records = None
    if _may_be_structured(head):  # CSVLogger or history JSON: small, read whole
        text = head + "".join(source_text.chunks)
        structured_notes: list[str] = []
        records = structured.read_structured(text, structured_notes)
        if not records:
            records = read_trainer_state(text, structured_notes) or records
        chunks: Any = iter([text])
    else:
        chunks = itertools.chain([head], source_text.chunks)
    del head  # a file's first megabytes need not stay alive while the rest is read
    if records is not None:
        log = Log(runs=records, source=source_text.name)
        log.warnings.extend(structured_notes)
    else:
        # Read incrementally: memory follows the epochs, not the size of the file.
        stream = LogStream()
        for chunk in chunks:
            stream.feed(chunk)
            fraction = source_text.fraction()
            if progress is not None and fraction is not None:
                progress(fraction)
        result = stream.finish()
        del stream  # the parser's state (one entry a run) need not live through the scans below
        log = Log(runs=result.runs, unparsed=result.unparsed, source=source_text.name)
        log.warnings.extend(result.warnings)
        side = result.side
        if not any(run.epoch_records and not run.meta.get("bare_summary") for run in log.runs):
            # no console epochs (or only a quoted summary line): a history printed as a table or dict
            printed = read_tables(side.text)
            if printed:
                for run in printed:
                    run.meta["start_line"] = side.original_line(run.meta["start_line"])
                log.runs = printed
                log.warnings.append(f"no console epochs: the history was read from the {len(printed)} history "
                                    f"table(s) or dict(s) printed in the text")
            else:  # a CSVLogger file pasted under a question or a comment
                embedded = structured.read_embedded_csvlogger(side.text, log.warnings)
                if embedded:
                    for run in embedded:
                        run.meta["start_line"] = side.original_line(run.meta["start_line"])
                    log.runs = embedded
        log.predictions = extract_predictions(side.text)
        blocks = _context.extract_context(side.text, log.warnings)
        if side.lines is not None:  # the side text skipped training output: back to input lines
            for item in [*log.predictions, *blocks]:
                item.line = side.original_line(item.line)
        log.context = _context.attach_to_runs(log.runs, blocks)
    encoding, warnings = source_text.encoding, source_text.warnings
    log.encoding = encoding
    log.warnings[:0] = warnings  # decoding notes first, as before
    if not log.runs and not log.predictions:
        log.warnings.append("no Keras training output was recognised in this text")
    if progress is not None:
        progress(1.0)
    return log


def _may_be_structured(head: str) -> bool:
    """Whether `structured.read_structured` could accept a text starting with ``head``
    (JSON, or a CSVLogger header: ``epoch`` and a separator; ``Epoch 1/5`` is a console log)."""
    body = head.lstrip("\ufeff \t\r\n")
    return body[:1] in ("{", "[") or (body[:5] == "epoch" and body[5:6] in (",", ";", "\t", "|"))


def diagnose(source: Any, *, on_run: Callable[[int, int], None] | None = None, **overrides: Any):
    """Detect symptoms in every run, then rank and replay their likely causes.

    Args:
        source: a `Log`, a `Run`, or anything `parse` accepts.
        on_run: called as ``on_run(done, total)`` after each run's symptoms are found (progress
            on a log of thousands of runs); an exception it raises stops the diagnosis and
            propagates (how the page's Cancel stops a worker mid-diagnosis).
        **overrides: training set-up that replaces or fills what the text said,
            e.g. ``lr=0.01``, ``optimizer="sgd"``, ``batch_size=32``, ``l2=1e-3``,
            ``layers="64,512,1"`` (a Dense stack's widths, input first, when the
            post shows no model code). Bad layer sizes raise ``ValueError``.

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
    run_findings: dict[int, list] = {}
    with memoised(log.runs):  # each run's series are built once for all detectors and causes
        for done, run in enumerate(log.runs, 1):
            run_findings[run.index] = _detect.detect_run(run, log.warnings)
            if on_run is not None:
                on_run(done, len(log.runs))
        log_findings = _detect.detect_log(log, run_findings)
        ranked = _causes.rank_causes(log, run_findings, log_findings)
    return Report(log=log, run_findings=run_findings, log_findings=log_findings, causes=ranked)
