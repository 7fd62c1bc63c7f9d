"""Rows of the PyTorch family -> runs: Lightning bars, HF Trainer dicts, fastai and YOLO tables, loops.

The Keras assembler's twin for the records of `logsense.parse.families`. Each family keeps the
epochs its framework prints (Lightning and fastai's table count from 0, HF logs fractions of
epochs) and says in ``run.meta`` what its numbers are: ``format`` (``lightning``, ``hf_trainer``,
``fastai``, ``yolo``, ``loop``), ``epoch_base``, ``precision_digits`` and ``precision_kind`` where the framework
rounds (tqdm's 3 significant digits, Rich's 3 decimals), and ``loss_is`` when the printed loss is not the epoch's mean
(fastai's smoothed loss, HF's mean over the logging window, Lightning's last batch).

Names come out canonical where the family's own words say what they are: Lightning's
``train_loss_epoch`` is ``loss`` and ``train_loss_step`` is ``loss_step``; HF's ``eval_loss`` is
``val_loss``; fastai's ``valid_loss`` is ``val_loss`` and its metrics (computed on the validation
set) ``val_<metric>``; a loop's ``Training Loss`` is ``loss`` and ``Val Acc`` ``val_accuracy``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..log import Event, Run
from .families import number
from .locales import LocaleTable
from .segment import Segment

#: What a hand-written loop calls its counters and its common metrics (lower case, spaces as `_`).
_EPOCH_WORDS = frozenset({"epoch", "epochs", "ep", "e"})
_STEP_WORDS = frozenset({"step", "steps", "batch", "iter", "iteration", "it", "global_step", "update"})
_LOOP_NAMES = {
    "loss": "loss", "train_loss": "loss", "training_loss": "loss", "train": "loss", "trn_loss": "loss",
    "avg_loss": "loss", "mean_loss": "loss", "running_loss": "loss",
    "val_loss": "val_loss", "validation_loss": "val_loss", "valid_loss": "val_loss", "val": "val_loss",
    "test_loss": "val_loss", "eval_loss": "val_loss", "dev_loss": "val_loss", "vloss": "val_loss",
    "acc": "accuracy", "accuracy": "accuracy", "train_acc": "accuracy", "train_accuracy": "accuracy",
    "training_accuracy": "accuracy",
    "val_acc": "val_accuracy", "val_accuracy": "val_accuracy", "validation_accuracy": "val_accuracy",
    "valid_acc": "val_accuracy", "test_acc": "val_accuracy", "test_accuracy": "val_accuracy",
    "lr": "lr", "learning_rate": "lr",
}
#: HF's logged keys that are bookkeeping, not training signal.
_HF_SKIP = re.compile(r"(?:_runtime|_samples_per_second|_steps_per_second|total_flos)$")


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def lightning_name(name: str) -> str | None:
    """Lightning's logged name as a canonical one (None for ``v_num``, the logger's version)."""
    if name == "v_num":
        return None
    if name.startswith("train_"):
        name = name[len("train_"):]
    if name.endswith("_epoch"):
        return name[: -len("_epoch")]
    return name


def fastai_name(name: str) -> str | None:
    """A fastai table column as a canonical name (its metrics are computed on the validation set)."""
    return {"epoch": None, "train_loss": "loss", "valid_loss": "val_loss", "time": "seconds"}.get(name, f"val_{name}")


def hf_name(name: str) -> str | None:
    if _HF_SKIP.search(name):
        return None
    if name.startswith("eval_"):
        return "val_" + name[len("eval_"):]
    return {"learning_rate": "lr"}.get(name, name)


def _seconds(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    out = 0.0
    for p in parts:
        out = out * 60 + p
    return out


@dataclass
class _RowRun:
    family: str
    run: Run
    epoch: Any = None
    epochs: int | None = None
    #: fastai / YOLO: the column edges of the table being printed.
    columns: list[tuple[str, int, int]] = field(default_factory=list)
    val_columns: list[tuple[str, int, int]] = field(default_factory=list)  # YOLO's validation table
    #: HF: the dicts logged so far this training (for the epoch records when no eval dicts came).
    train_logs: list[dict[str, Any]] = field(default_factory=list)
    has_eval: bool = False
    counter: str | None = None  # a loop's counter: "epoch" or "step"
    #: Rich: the epoch-level values on the current epoch's bar when it started (the previous epoch's).
    carry: dict[str, float] = field(default_factory=dict)
    closed: bool = False


class RowAssembler:
    """Takes ``row``, ``loop``, ``table_header`` and ``table_row`` records in order; `finish` gives runs."""

    def __init__(self, locales: LocaleTable) -> None:
        self._locales = locales
        self.runs: list[_RowRun] = []
        self._current: dict[str, _RowRun] = {}

    # feeding ---------------------------------------------------------------------------
    def feed(self, kind: str, payload: dict[str, Any], segment: Segment) -> bool:
        """Take one record; True when it went into a run."""
        if kind == "row":
            family = payload["family"]
            handler = {"lightning": self._lightning, "hf_trainer": self._hf, "fastai": self._fastai_bar,
                       "loop": self._lightning}.get(family)
            return bool(handler and handler(payload, segment))
        if kind == "loop":
            return self._loop(payload["pairs"], segment)
        if kind == "table_header":
            return self._table_header(payload, segment)
        if kind == "table_row":
            return self._table_row(payload, segment)
        return False

    def _new(self, family: str, segment: Segment, **meta: Any) -> _RowRun:
        run = Run(meta={"start_line": segment.line, "end_line": segment.line, "format": family, "verbose": None,
                        "locale": "en", "declared_epochs": None, "step_unit": "batch", **meta})
        state = _RowRun(family, run)
        self.runs.append(state)
        self._current[family] = state
        return state

    def _touch(self, state: _RowRun, segment: Segment) -> None:
        state.run.meta["end_line"] = segment.line

    # Lightning (and tqdm bars in loops) --------------------------------------------------
    def _lightning(self, row: dict[str, Any], segment: Segment) -> bool:
        if row["role"] != "train" or row["epoch"] is None:
            return False  # validation and sanity bars: their values reach the training bar
        family = row["family"]
        state = self._current.get(family)
        if state is None or row["epoch"] < state.epoch or (row["epochs"] and row["epochs"] != state.epochs):
            meta: dict[str, Any] = {"epoch_base": 0 if family == "lightning" else None,
                                    "precision_digits": row["precision"], "precision_kind": row["rounding"]}
            if family == "lightning":
                meta["loss_is"] = "loss is train_loss_epoch, the epoch's mean; the bar's train_loss_step (the last " \
                                  "batch's loss) stays with the steps"
            state = self._new(family, segment, **meta)
            state.epochs = row["epochs"]
            state.run.meta["declared_epochs"] = row["epochs"]
        started = row["epoch"] != state.epoch
        state.epoch = row["epoch"]
        metrics = {}
        for name, value in zip(row["names"], row["values"]):
            canonical = lightning_name(name) if family == "lightning" else _LOOP_NAMES.get(_key(name), name)
            if canonical is not None:
                metrics["loss_step" if canonical == "loss_step" else canonical] = value
        record = {"epoch": row["epoch"], "step": row["step"], "total": row["steps"], "eta_seconds": None, **metrics}
        state.run.step_records.append(record)
        if row["rounding"] == "decimals":
            metrics = self._rich_carry(state, row, metrics, started)
        if row["steps"] is not None and row["step"] >= row["steps"] and metrics:
            self._epoch_record(state, row["epoch"], metrics)
        self._touch(state, segment)
        return True

    def _rich_carry(self, state: _RowRun, row: dict[str, Any], metrics: dict[str, Any],
                    started: bool) -> dict[str, Any]:
        """Rich redraws an epoch's bar with the epoch-level values (validation, ``*_epoch``) of the epoch
        before until the next epoch starts, and the last epoch's own once training stops: values already
        on a bar when it starts belong to the previous epoch; once any of them changes, the bar shows this
        epoch's. (A piped Rich bar is drawn once, finished: its values are its own epoch's.)"""
        level = {k: v for k, v in metrics.items() if k != "loss_step" and not k.endswith("_step")}
        if started:
            state.carry = level if row["steps"] is None or row["step"] < row["steps"] else {}
            if state.carry and state.run.epoch_records:
                self._epoch_record(state, state.run.epoch_records[-1]["epoch"], dict(state.carry))
        if all(k in state.carry and _same(state.carry[k], v) for k, v in level.items()):
            return {k: v for k, v in metrics.items() if k not in level}
        state.carry = {}  # this epoch's own values have been drawn (all of them, changed or not)
        return metrics

    @staticmethod
    def _epoch_record(state: _RowRun, epoch: Any, metrics: dict[str, Any]) -> None:
        records = state.run.epoch_records
        if records and records[-1]["epoch"] == epoch:
            records[-1].update(metrics)  # the same epoch's line redrawn with more (or newer) values
        else:
            records.append({"epoch": epoch, **metrics})

    # Hugging Face Trainer -----------------------------------------------------------------
    def _hf(self, row: dict[str, Any], segment: Segment) -> bool:
        if not row["names"]:
            return False  # the Trainer's tqdm bar: steps only
        state = self._current.get("hf_trainer")
        fraction = row["epoch"]
        if state is None or state.closed or (fraction is not None and state.epoch is not None
                                             and fraction < state.epoch and row["role"] == "train"):
            state = self._new("hf_trainer", segment, epoch_base=1,
                              loss_is="the mean of the training loss over each logging window")
        metrics = {c: v for n, v in zip(row["names"], row["values"]) if (c := hf_name(n)) is not None}
        if row["role"] == "summary":
            state.run.events.append(Event(epoch=_epoch_index(fraction), kind="summary", text=segment.text,
                                          value=metrics.get("train_loss"), line=segment.line, extra=metrics))
            state.closed = True
        elif row["role"] == "eval":
            state.has_eval = True
            epoch = round(fraction) if fraction is not None else len(state.run.epoch_records) + 1
            latest = state.train_logs[-1] if state.train_logs else {}
            if "loss" in latest:
                metrics = {"loss": latest["loss"], **metrics}
            self._epoch_record(state, epoch, metrics)
        else:
            if fraction is not None:
                state.epoch = fraction
            log = {"epoch": _epoch_index(fraction), "step": len(state.train_logs) + 1, "total": None,
                   "eta_seconds": None, "epoch_fraction": fraction, **metrics}
            state.train_logs.append(log)
            state.run.step_records.append(log)
        self._touch(state, segment)
        return True

    # fastai and YOLO tables ----------------------------------------------------------------
    def _table_header(self, header: dict[str, Any], segment: Segment) -> bool:
        text = segment.text
        names = header["names"]
        edges = []
        pos = 0
        for name in names:
            start = text.find(name, pos)
            if start < 0:
                return False
            edges.append(start)
            pos = start + len(name)
        columns = [(name, edges[i], edges[i + 1] if i + 1 < len(edges) else 10**9) for i, name in enumerate(names)]
        family = header["family"]
        if header["role"] == "eval":  # YOLO's validation header: its rows go to the current epoch
            state = self._current.get("yolo")
            if state is None:
                return False
            state.val_columns = columns
            return True
        state = self._current.get(family)
        if family == "yolo" and state is not None and not state.closed:
            state.columns = columns  # YOLO repeats its header every epoch
            return True
        meta = {"epoch_base": 0, "loss_is": "a smoothed loss (an EMA over the batches, carried across epochs)"} \
            if family == "fastai" else {"epoch_base": 1}
        state = self._new(family, segment, **meta)
        state.columns = columns
        return True

    def _table_row(self, row: dict[str, Any], segment: Segment) -> bool:
        text = segment.text
        if row["role"] == "eval":
            state = self._current.get("yolo")
            columns = state.val_columns if state is not None else None
            if state is None or not columns or not state.run.epoch_records:
                return False
            cells = dict(zip([c[0] for c in columns], text.split()))
            names = {"P": "precision", "R": "recall"}
            for name, cell in cells.items():
                key = names.get(name.strip("()").split("(")[-1], name.strip("()").split("(")[-1])
                value = _cell(cell)
                if value is not None and key not in ("Class", "Images", "Instances"):
                    state.run.epoch_records[-1][f"val_{key}"] = value
            self._touch(state, segment)
            return True
        state = next((s for s in (self._current.get("fastai"), self._current.get("yolo"))
                      if s is not None and s.columns and not s.closed), None)
        if state is None and _YOLO_ROW.match(text):  # a paste that starts after the header
            state = self._new("yolo", segment, epoch_base=1)
            state.columns = [(name, 0, 0) for name in _YOLO_DETECT]
        if state is None:
            return False
        if state.family == "yolo":  # right-aligned, never glued: the cells are the row's words
            words = text.split(":")[0].split()
            cells = dict(zip([c[0] for c in state.columns], words))
        else:
            cells = _fastai_cells(text, state.columns)
        first = cells.get(state.columns[0][0], "").strip()
        if state.family == "yolo":
            epoch_text, _, total = first.partition("/")
            if not epoch_text.isdigit():
                return False
            epoch = int(epoch_text)
            state.run.meta["declared_epochs"] = int(total) if total.isdigit() else None
            metrics = {n.lower(): v for n, c in cells.items() if n not in (state.columns[0][0],)
                       and n.lower() not in ("gpu_mem", "instances", "size") and (v := _cell(c)) is not None}
        else:
            if not first.isdigit():
                return False
            epoch = int(first)
            if state.run.epoch_records and epoch <= state.run.epoch_records[-1]["epoch"]:
                # fine_tune prints a second table counting from 0 again: the same training goes on
                state = self._new("fastai", segment, epoch_base=0, loss_is=state.run.meta["loss_is"])
                state.columns = self.runs[-2].columns
            metrics = {}
            for name, cell in cells.items():
                canonical = fastai_name(name)
                if canonical == "seconds":
                    if re.fullmatch(r"\d+(?::\d\d)+", cell.strip()):
                        metrics["seconds"] = _seconds(cell.strip())
                elif canonical is not None and (value := _cell(cell)) is not None:
                    metrics[canonical] = value
        if not metrics:
            return False
        self._epoch_record(state, epoch, metrics)
        self._touch(state, segment)
        return True

    def _fastai_bar(self, row: dict[str, Any], segment: Segment) -> bool:
        state = self._current.get("fastai")
        if state is None or not row["names"]:
            return False
        state.run.step_records.append({"epoch": row["epoch"], "step": row["step"], "total": row["steps"],
                                       "eta_seconds": None, "smooth_loss": row["values"][0]})
        return True

    # hand-written loops -------------------------------------------------------------------
    def _loop(self, pairs: list[tuple[Any, Any]], segment: Segment) -> bool:
        epoch = step = total = None
        metrics: dict[str, float] = {}
        for name, value in pairs:
            key = _key(name) if name else None
            translated = self._locales.keyword(name) if name and not name.isascii() else None
            is_epoch = key in _EPOCH_WORDS or (translated is not None and translated[0] == "Epoch")
            if name is None and isinstance(value, tuple):  # `[1,  2000] loss: ...`: epoch, then batch
                epoch, step = value
            elif isinstance(value, tuple) and (is_epoch or key in _STEP_WORDS):
                if is_epoch:
                    epoch, total = value
                else:
                    step = value[0]
            elif isinstance(value, float) and is_epoch and value.is_integer():
                epoch = int(value)
            elif isinstance(value, float) and key in _STEP_WORDS and value.is_integer():
                step = int(value)
            elif isinstance(value, float):
                canonical = _LOOP_NAMES.get(key or "", None)
                if canonical is None:
                    canonical = key or ""
                    for prefix in ("val_", "validation_", "valid_", "test_"):
                        if canonical.startswith(prefix) and canonical[len(prefix):] in _LOOP_NAMES:
                            canonical = "val_" + _LOOP_NAMES[canonical[len(prefix):]].removeprefix("val_")
                metrics[canonical] = value
        if not metrics or (epoch is None and step is None):
            return False
        state = self._current.get("loop")
        counter = "epoch" if epoch is not None else "step"
        position = epoch if epoch is not None else step
        last = state.epoch if state is not None else None
        if state is None or state.counter != counter or (last is not None and position < last):
            state = self._new("loop", segment, epoch_base=None)
            state.counter = counter
            if counter == "step":
                state.run.meta["epoch_unit"] = "step"
        state.epoch = position
        if total is not None:
            state.run.meta["declared_epochs"] = total
        if epoch is not None and step is not None:
            state.run.step_records.append({"epoch": epoch, "step": step, "total": None, "eta_seconds": None,
                                           **metrics})
        else:
            self._epoch_record(state, position, metrics)
        self._touch(state, segment)
        return True

    # results -----------------------------------------------------------------------------
    def finish(self) -> list[Run]:
        runs = []
        for state in self.runs:
            run = state.run
            if state.family == "hf_trainer" and not state.has_eval:
                # no evaluation: the logged windows are the history (a fine-tune logs a few hundred in an
                # epoch or two), numbered in order, each with the epoch fraction the Trainer printed
                for index, log in enumerate(state.train_logs, start=1):
                    run.epoch_records.append({"epoch": index, **{k: v for k, v in log.items()
                                                                 if k not in ("epoch", "step", "total", "eta_seconds")}})
                run.meta["epoch_unit"] = "logging step"
                run.meta["epoch_base"] = 1
            if state.family == "lightning":
                _epoch_losses(run)
            if state.family == "yolo":
                _yolo_loss(run)
            if state.family == "loop" and run.step_records:
                _fill_from_steps(run)
            if state.family == "loop" and run.epoch_records and run.epoch_records[0]["epoch"] in (0, 1):
                run.meta["epoch_base"] = run.epoch_records[0]["epoch"]
            if state.family == "loop" and len(run.epoch_records) < 2:
                continue  # one line is not a loop: a counter must increase
            if not run.epoch_records and not run.step_records:
                continue
            runs.append(run)
        return runs


def _epoch_losses(run: Run) -> None:
    """Lightning's bar shows the last batch's loss (``train_loss_step``) beside the epoch's mean
    (``train_loss_epoch``): the epoch keeps the mean as ``loss`` and the batch value stays with the
    steps. Logged on steps only, the last batch's loss is all there is: it stands for the epoch, said so."""
    if any("loss" in r for r in run.epoch_records):
        for record in run.epoch_records:
            record.pop("loss_step", None)
        return
    if any("loss_step" in r for r in run.epoch_records):
        for record in run.epoch_records:
            if "loss_step" in record:
                record["loss"] = record.pop("loss_step")
        run.meta["loss_is"] = "the last batch's loss at the end of each epoch (the loss was logged per step only)"


def _yolo_loss(run: Run) -> None:
    """YOLO prints its loss terms (box, cls, dfl, ...) and not their sum, which is what it minimises (times
    the batch size): the epoch's ``loss`` is that sum, for the detectors that read a loss."""
    for record in run.epoch_records:
        terms = [v for k, v in record.items() if k.endswith("_loss") and not k.startswith("val_")]
        if terms and "loss" not in record:
            record["loss"] = sum(terms)
    run.meta["loss_is"] = "the sum of the loss terms YOLO prints (box_loss + cls_loss + dfl_loss ...)"


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


_STEP_FIELDS = frozenset({"epoch", "step", "total", "eta_seconds"})


def _fill_from_steps(run: Run) -> None:
    """A loop that prints batch lines (alone or beside an epoch line without a training loss): each
    epoch's values the epoch line lacks are the mean of the values its batch lines printed (exactly the
    epoch's mean where those are running means over equal stretches, as the PyTorch tutorial prints)."""
    sums: dict[Any, dict[str, list[float]]] = {}
    for record in run.step_records:
        values = sums.setdefault(record["epoch"], {})
        for name, value in record.items():
            if name not in _STEP_FIELDS and isinstance(value, float):
                values.setdefault(name, []).append(value)
    by_epoch = {r["epoch"]: r for r in run.epoch_records}
    filled = False
    for epoch, values in sums.items():
        record = by_epoch.get(epoch)
        if record is None:
            record = by_epoch[epoch] = {"epoch": epoch}
            run.epoch_records.append(record)
        for name, vals in values.items():
            if name not in record:
                record[name] = sum(vals) / len(vals)
                filled = True
    run.epoch_records.sort(key=lambda r: r["epoch"])
    if filled:
        run.meta["loss_is"] = "the mean of the values printed during each epoch's batches"


def _epoch_index(fraction: Any) -> int | None:
    """HF's fractional epoch as the 1-based epoch it falls in (``0.5`` and ``1.0`` are epoch 1)."""
    if fraction is None or not math.isfinite(fraction):
        return None
    return max(1, math.ceil(fraction - 1e-9))


#: YOLO's detection training columns, and a row of them: `8/55  9.03G  0.1321  8.032  3.308  22  640: 100%|`.
_YOLO_DETECT = ("Epoch", "GPU_mem", "box_loss", "cls_loss", "dfl_loss", "Instances", "Size")
_YOLO_ROW = re.compile(r"\d+/\d+\s+[\d.]+G(?:\s+(?:[-+\d.e]+|nan|inf)){3}\s+\d+\s+\d+:")


def _cut(text: str, columns: list[tuple[str, int, int]]) -> dict[str, str]:
    """A table row cut at its header's column edges, the first column from the row's start."""
    out = {}
    for i, (name, start, end) in enumerate(columns):
        out[name] = text[0 if i == 0 else start:end]
    return out


#: fastai prints every float with 6 decimals and the time as mm:ss, padding each to its column and
#: gluing a wider value to the next (`63568.48046911213714.00000000:00`): the decimals tell them apart.
_FASTAI_CELL = re.compile(r"#na#|[-+]?(?:nan|inf)|[-+]?\d+\.\d{6}|\d+(?::\d\d)+|\d+")


def _fastai_cells(text: str, columns: list[tuple[str, int, int]]) -> dict[str, str]:
    """A fastai table row's cells, read by fastai's number format; cut at the column edges when the
    row holds something else (a metric printed in another format)."""
    cells = _FASTAI_CELL.findall(text)
    if len(cells) == len(columns) and "".join(cells) == "".join(text.split()):
        return dict(zip((c[0] for c in columns), cells))
    return _cut(text, columns)


def _cell(cell: str) -> float | None:
    text = cell.strip().rstrip("G")
    if not text:
        return None
    try:
        return number(text)
    except ValueError:
        return None
