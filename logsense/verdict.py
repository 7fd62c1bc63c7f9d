"""What a diagnosis says first: a status per run, one sentence per problem, runs named, replays in words.

``healthy`` is a run's *status*, not a cause: a run with an open finding is
never healthy, whatever a cause's confidence says. The rules, in order:

=================  =================================================================
``problem``        an open finding and a real cause (not ``healthy``/``unexplained``)
``unexplained``    an open finding that no real cause covers
``no_data``        nothing printed per epoch, and no finding of its own
``healthy``        no open finding
=================  =================================================================

A run's open findings are its own, the cross-run ones naming it, and those of
the whole paste (pasted predictions speak for the model its runs trained). The
sentences are built from each cause's own fields: the finding's numbers, the
replay's parameters (the learning rate and its stable limit), the first clause
of the fix and the replay's state, so the terminal, the notebook, the page and
the JSON say the same.
"""
from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from .causes.base import CONFIRMED, CONSISTENT, CONTRADICTED, NOT_RUN
from .numeric import fmt, number

if TYPE_CHECKING:  # pragma: no cover
    from .causes.base import Cause
    from .findings import Finding
    from .log import Log

#: Ids that are statuses or fallbacks, not explanations of a finding.
NOT_A_CAUSE = ("healthy", "unexplained")
#: Runs listed by number in a sentence before the rest are counted.
MAX_LISTED = 6
#: The longest fix clause a verdict sentence quotes (cut at a word).
MAX_FIX = 110
#: Set-up keys a run may be named by, in the order they are tried.
NAME_KEYS = ("lr", "batch_size", "optimizer", "l2", "dropout", "epochs", "loss", "momentum")

#: What each cause means, in a sentence's words.
HEADLINES = {
    "lr_too_high": "the learning rate is too high",
    "l2_penalty_in_loss": "the training loss includes the L2 penalty",
    "saturated_logits": "unscaled inputs saturate the logits",
    "loss_activation_mismatch": "the loss does not match the output activation",
    "collapse_to_mean": "the model predicts the same output for every input",
    "optimizer_instability": "an optimizer step knocked training off its minimum",
    "dropout_gap": "dropout acts in training only",
    "memorization": "the model memorises the training data",
}


class RunStatus(str, Enum):
    """A run's status (see the module docstring); its value is the JSON's ``runs[i].status``."""

    HEALTHY = "healthy"
    PROBLEM = "problem"
    UNEXPLAINED = "unexplained"
    NO_DATA = "no_data"

    def __str__(self) -> str:
        return self.value


def is_real(cause: Cause) -> bool:
    """A cause that explains something (not the ``healthy`` status or the ``unexplained`` fallback)."""
    return cause.cause not in NOT_A_CAUSE


def open_findings(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
                  index: int) -> list[Finding]:
    """The findings that keep run ``index`` from being healthy, most confident first."""
    own = list(run_findings.get(index, [])) + [f for f in log_findings if index in f.runs or not f.runs]
    return sorted(own, key=lambda f: -f.confidence)


def covering(causes: list[Cause], index: int) -> list[Cause]:
    """The real causes that speak for run ``index`` (a cause of the whole paste speaks for every run)."""
    return [c for c in causes if is_real(c) and (index in c.runs or not c.runs)]


@dataclass
class Index:
    """Open findings and covering causes by run, built in one pass: with 10,000 runs and as many
    causes, asking `open_findings`/`covering` run by run would read every cause for every run."""

    own: dict[int, list[Finding]]
    causes: dict[int, list[tuple[int, Cause]]]
    whole_findings: list[Finding]
    whole_causes: list[tuple[int, Cause]]

    @classmethod
    def build(cls, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
              causes: list[Cause]) -> Index:
        own: dict[int, list[Finding]] = {i: list(found) for i, found in run_findings.items()}
        whole_findings = []
        for f in log_findings:
            if not f.runs:
                whole_findings.append(f)
            for r in dict.fromkeys(f.runs):
                own.setdefault(r, []).append(f)
        by_run: dict[int, list[tuple[int, Cause]]] = {}
        whole_causes = []
        for pos, c in enumerate(causes):
            if not is_real(c):
                continue
            if not c.runs:
                whole_causes.append((pos, c))
            for r in dict.fromkeys(c.runs):
                by_run.setdefault(r, []).append((pos, c))
        return cls(own, by_run, whole_findings, whole_causes)

    def open(self, index: int) -> list[Finding]:
        """As `open_findings`."""
        return sorted(self.own.get(index, []) + self.whole_findings, key=lambda f: -f.confidence)

    def has_open(self, index: int) -> bool:
        return bool(self.own.get(index) or self.whole_findings)

    def covering(self, index: int) -> list[Cause]:
        """As `covering`: the real causes of the run and of the whole paste, in the causes' order."""
        return [c for _, c in heapq.merge(self.causes.get(index, []), self.whole_causes, key=lambda pc: pc[0])]


def run_statuses(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
                 causes: list[Cause], index: Index | None = None) -> list[RunStatus]:
    """`RunStatus` of every run of ``log``, in run order.

    Example:
        >>> import logsense
        >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
        >>> [str(s) for s in run_statuses(report.log, report.run_findings, report.log_findings, report.causes)]
        ['problem']
    """
    index = index or Index.build(run_findings, log_findings, causes)
    out = []
    for run in log.runs:
        if index.has_open(run.index):
            out.append(RunStatus.PROBLEM if index.covering(run.index) else RunStatus.UNEXPLAINED)
        elif not run.epoch_records:
            out.append(RunStatus.NO_DATA)
        else:
            out.append(RunStatus.HEALTHY)
    return out


def run_names(log: Log) -> list[str]:
    """Runs named by what differs between them in the paste's own set-up (``lr=0.01``), else ``run i``.

    Example:
        >>> from logsense import Log, Run
        >>> log = Log(runs=[Run(index=0, context={"lr": 0.01}), Run(index=1, context={"lr": 0.03})])
        >>> run_names(log)
        ['lr=0.01', 'lr=0.03']
        >>> run_names(Log(runs=[Run(index=0), Run(index=1)]))
        ['run 0', 'run 1']
    """
    runs = log.runs
    contexts = [{**(log.context or {}), **(r.context or {})} for r in runs]
    differ = [k for k in NAME_KEYS if len({repr(c.get(k)) for c in contexts}) > 1] if len(runs) > 1 else []
    names = []
    for run, ctx in zip(runs, contexts):  # runs of a sweep may share a name: their index tells them apart
        parts = [f"{k}={_value(ctx[k])}" for k in differ[:2] if ctx.get(k) is not None]
        names.append(", ".join(parts) or f"run {run.index}")
    return names


def replay_words(cause: Cause) -> str:
    """The replay's state as every face prints it: ``confirmed``, ``consistent``, ``contradicted``, ``not run``."""
    return cause.replay_status.replace("_", " ")


def replay_reason(cause: Cause) -> str:
    """Why the replay is in its state, in a clause that never contradicts its numbers.

    Example:
        >>> from logsense import Cause, Replay
        >>> replay_reason(Cause("x", 0.9, replay=Replay("loss", [1.0], [1.0], 0.011, 0.05, status="consistent")))
        'reproduces the shape, not the printed numbers (max rel. error 0.011, tolerance 0.05)'
        >>> replay_reason(Cause("x", 0.9, evidence="a; no replay: the data is not in the log"))
        'the data is not in the log'
    """
    rp = cause.replay
    if rp is None:
        said = re.search(r"no replay: ([^;]+)", cause.evidence or "")
        if said:
            return said.group(1).strip().rstrip(".")
        return "no simulation of this cause" if cause.cause in NOT_A_CAUSE else \
            "the text gives too little to simulate this cause"
    err, tol = _value(rp.max_rel_error), _value(rp.tolerance)
    numbers = f"max rel. error {err}, tolerance {tol}"
    note = f": {rp.note.strip().rstrip('.')}" if rp.note and rp.note.strip() else ""
    if rp.status == CONFIRMED:
        return f"reproduces the printed {rp.metric} ({numbers})"
    if rp.status == CONSISTENT:
        return f"reproduces the shape, not the printed numbers ({numbers}){note}"
    if (number(rp.max_rel_error) or 0.0) > (number(rp.tolerance) or 0.0):
        return f"the simulation disagrees with the log ({numbers}){note}"
    return f"within tolerance, but the mechanism does not apply here ({numbers}){note}"


def replay_state(cause: Cause) -> dict[str, str]:
    """``{"state": ..., "reason": ...}`` as the JSON carries it (``state`` one of `REPLAY_STATES`)."""
    return {"state": cause.replay_status, "reason": replay_reason(cause)}


def verdict(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
            causes: list[Cause], statuses: list[RunStatus], names: list[str] | None = None,
            index: Index | None = None) -> list[str]:
    """One plain sentence per problem, most confident first; an empty list when nothing is wrong.

    A cause over several runs is one sentence; runs whose top causes say the same (same id, replay state
    and symptom) share one sentence with the numbers
    of the most confident of them; unexplained runs get one sentence per symptom; a finding of the
    whole paste (pasted predictions) its own.

    Example:
        >>> import logsense
        >>> print(logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]}).verdict[0])
        Run 0: loss diverges x2.161 per epoch: the learning rate is too high; ... - confirmed by replay
    """
    names = names or [f"run {r.index}" for r in log.runs]
    index = index or Index.build(run_findings, log_findings, causes)
    label = {r.index: n for r, n in zip(log.runs, names)}
    fallbacks = {r: c for c in reversed(causes) if c.cause == "unexplained" for r in c.runs}
    groups: dict[tuple[str, str, str], list[tuple[int, Cause]]] = {}
    unexplained: dict[str, list[int]] = {}
    for run, status in zip(log.runs, statuses):
        found = index.open(run.index) if status in (RunStatus.PROBLEM, RunStatus.UNEXPLAINED) else []
        if status is RunStatus.PROBLEM:
            top = index.covering(run.index)[0]
            if not top.runs:
                continue  # a cause of the whole paste: said once, below
            shown = _explained(found, top)
            # one cause over several runs is one problem; causes of single runs group by what they say
            key = ("", str(id(top)), "") if len(top.runs) > 1 else (top.cause, top.replay_status,
                                                                     shown.symptom if shown else "")
            groups.setdefault(key, []).append((run.index, top))
        elif status is RunStatus.UNEXPLAINED:
            unexplained.setdefault(found[0].symptom, []).append(run.index)
    lines: list[tuple[float, str]] = []
    for members in groups.values():
        at, lead = max(members, key=lambda m: m[1].confidence)
        runs = [i for i, _ in members]
        finding = _explained(index.open(at), lead)
        shared = len({id(c) for _, c in members}) == 1  # one cause covering them all, or one per run
        lines.append((lead.confidence, _sentence(_who(runs, label), finding, lead, 1 if shared else len(runs), at)))
    whole = [c for c in causes if is_real(c) and not c.runs]
    paste_findings = [f for f in log_findings if not f.runs]
    if whole:
        lead = whole[0]
        lines.append((lead.confidence, _sentence(_whole_label(log), _explained(paste_findings, lead), lead, 1, None)))
    elif paste_findings and not log.runs:
        f = paste_findings[0]
        lines.append((0.0, f"{_whole_label(log)}: {_symptom_phrase(f)}; no known cause explains it"))
    for runs in unexplained.values():
        f = index.open(runs[0])[0]
        fallback = fallbacks.get(runs[0])
        text = f"{_who(runs, label)}: {_symptom_phrase(f)}; no known cause explains it"
        if fallback is not None and fallback.fix:
            text += f"; {_clause(fallback.fix)}"
        lines.append((-1.0, text))
    return [text for _, text in sorted(lines, key=lambda item: -item[0])]


def _sentence(who: str, finding: Finding | None, cause: Cause, n_runs: int, index: int | None) -> str:
    what = finding and _symptom_phrase(finding)
    text = f"{who}: " + (f"{what}: " if what else "") + _cause_phrase(cause)
    if cause.fix:
        text += f"; {_clause(cause.fix)}"
    tail = {CONFIRMED: "confirmed by replay", CONSISTENT: "consistent with a replay (shape, not numbers)",
            CONTRADICTED: "contradicted by replay", NOT_RUN: "not replayed"}[cause.replay_status]
    if n_runs > 1:
        tail += f" (numbers of run {index})"
    return f"{text} - {tail}"


def _who(runs: list[int], label: dict[int, str]) -> str:
    """``Run 1``, ``Run 1 (lr=0.01)``, ``Runs 0, 2 and 5``, ``Runs 0, 1, ... and 120 more``."""
    if len(runs) == 1:
        name = label.get(runs[0], "")
        return f"Run {runs[0]}" + (f" ({name})" if name and not name.startswith("run ") else "")
    shown = [str(r) for r in runs[:MAX_LISTED]]
    if len(runs) > MAX_LISTED:
        return f"Runs {', '.join(shown)} and {len(runs) - MAX_LISTED} more"
    return f"Runs {', '.join(shown[:-1])} and {shown[-1]}"


def _whole_label(log: Log) -> str:
    return "The pasted predictions" if log.predictions else "The paste"


def _explained(found: list[Finding], cause: Cause) -> Finding | None:
    """The finding the cause explains (its own symptoms first), else the strongest one."""
    mine = [f for f in found if f.symptom in cause.symptoms]
    return (mine or found or [None])[0]


def _symptom_phrase(f: Finding) -> str:
    """The symptom with its number, as a clause whose subject is the metric."""
    s = f.stats if isinstance(f.stats, dict) else {}
    m = f.metric or "loss"
    at = f" at epoch {f.start_epoch}" if f.start_epoch is not None else ""
    since = f" from epoch {f.start_epoch}" if f.start_epoch is not None else ""
    if f.symptom == "divergence":
        g = number(s.get("growth_factor"))
        return f"{m} diverges x{_value(g)} per epoch" if g else f"{m} diverges{since}"
    if f.symptom == "nan":
        return f"{m} turns NaN{at}"
    if f.symptom == "jump":
        size = number(s.get("size_sigma"))
        return f"{m} jumps {s.get('direction', '')}{at}".replace("  ", " ") + (
            f" ({_value(size)} noise sigmas)" if size else "")
    if f.symptom == "plateau":
        return f"{m} stays flat{since}"
    if f.symptom == "oscillation":
        return f"{m} oscillates{since}"
    if f.symptom == "overfitting":
        return f"{m} rises{since} while training improves"
    if f.symptom == "train_val_gap":
        r = number(s.get("ratio"))
        return f"training {m} is {_value(r)}x the validation value" if r else f"training {m} stays above validation"
    if f.symptom == "loss_out_of_range":
        v, b = number(s.get("value")), number(s.get("bound"))
        return f"{m} {_value(v)} is above the {_value(b)} its accuracy allows" if v and b else f"{m} is out of range"
    if f.symptom == "lr_scaled_loss":
        lr, lo = number(s.get("lr_ratio")), number(s.get("loss_ratio"))
        return f"loss grows x{_value(lo)} with a x{_value(lr)} learning rate" if lr and lo else \
            "loss grows with the learning rate"
    if f.symptom == "collapse":
        r = number(s.get("ratio"))
        return f"predictions vary {_value(1 / r, 3)}x less across inputs than across outputs" if r else \
            "predictions are the same for every input"
    return f"{f.symptom} in {m}{since}"


def _cause_phrase(cause: Cause) -> str:
    """What the cause means, with the numbers its replay carries where it has them."""
    params = cause.replay.params if cause.replay is not None and isinstance(cause.replay.params, dict) else {}
    if cause.cause == "lr_too_high":
        lr, limit = number(params.get("lr")), number(params.get("max_stable_lr"))
        if lr and limit:
            side = "above" if lr > limit else "below"
            return f"lr {_value(lr, 3)} is {side} the stable limit {_value(limit, 3)}"
    return HEADLINES.get(cause.cause, cause.cause.replace("_", " "))


def _clause(text: str) -> str:
    """The first clause of a fix, cut at a word when long."""
    first = text.split(";")[0].strip().rstrip(".")
    if len(first) <= MAX_FIX:
        return first
    cut = first[:MAX_FIX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,:(") + "…"


def _value(v: Any, digits: int = 4) -> str:
    x = number(v)
    return "?" if x is None else fmt(x, digits)
