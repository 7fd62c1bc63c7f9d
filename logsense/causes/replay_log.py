"""Show a replay as the Keras log it would print, with the parser's renderer."""
from __future__ import annotations

from typing import Any

from ..log import Run
from .base import Replay


def replay_run(replay: Replay, first_epoch: int = 1, under_fix: bool = False) -> Run:
    """The replay's predicted series as a `Run` of epoch records (metric named as the replay's).

    With ``under_fix`` the series is the one the replay predicts once the fix is
    applied (``replay.extra["under_fix"]``, e.g. the learning rate 1/h), when it has one.
    """
    values = replay.predicted
    fix = replay.extra.get("under_fix")
    if under_fix:
        if not isinstance(fix, dict) or not isinstance(fix.get("predicted"), list):
            raise ValueError("this replay has no series under the fix")
        values = fix["predicted"]
    records: list[dict[str, Any]] = [{"epoch": first_epoch + i, replay.metric: float(v)}
                                     for i, v in enumerate(values)]
    return Run(index=0, epoch_records=records,
               meta={"declared_epochs": len(records), "source": "replay"})


def replay_as_log(replay: Replay, fmt: str = "keras2", verbose: int = 1, locale: str = "en",
                  first_epoch: int = 1, under_fix: bool = False) -> str:
    """Keras console text for the replayed run, or (``under_fix``) what the fixed run would print."""
    from ..parse.render import render  # the renderer belongs to the parser work

    return render(replay_run(replay, first_epoch, under_fix), fmt, verbose, locale)
