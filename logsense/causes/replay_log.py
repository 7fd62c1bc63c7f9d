"""Show a replay as the Keras log it would print, with the parser's renderer."""
from __future__ import annotations

from typing import Any

from ..log import Run
from .base import Replay


def replay_run(replay: Replay, first_epoch: int = 1) -> Run:
    """The replay's predicted series as a `Run` of epoch records (metric named as the replay's)."""
    records: list[dict[str, Any]] = [{"epoch": first_epoch + i, replay.metric: float(v)}
                                     for i, v in enumerate(replay.predicted)]
    return Run(index=0, epoch_records=records,
               meta={"declared_epochs": len(records), "source": "replay"})


def replay_as_log(replay: Replay, fmt: str = "keras2", verbose: int = 1, locale: str = "en",
                  first_epoch: int = 1) -> str:
    """Keras console text for the replayed run, e.g. what a fixed learning rate would print."""
    from ..render import render  # the renderer belongs to the parser work

    return render(replay_run(replay, first_epoch), fmt, verbose, locale)
