"""Parsing does not load the diagnosis: ``import logsense`` and ``logsense.parse`` leave the
detectors, the causes and scipy.stats (about 0.9 s of imports) for ``diagnose``. No timing here
(benchmarks/api_latency.py prints the import time); what is checked is which modules got loaded."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import logsense

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seeds" / "003_9c859962b7b1f775.txt"
HEAVY = ("scipy.stats", "logsense.detect", "logsense.causes", "logsense.report")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_parse_and_its_json_do_not_load_the_diagnosis():
    assert _loaded_after(f"import logsense\nlog = logsense.parse({str(SEED)!r})\nlog.to_dict(); log.runs[1].epochs") == []


def test_the_cli_parse_command_does_not_load_the_diagnosis():
    code = f"from logsense.cli import main\nmain(['parse', {str(SEED)!r}, '--json'])"
    assert _loaded_after(code) == []


def test_lazy_names_are_the_real_classes():
    from logsense.causes.base import Cause, Replay
    from logsense.report import Report

    assert (logsense.Cause, logsense.Replay, logsense.Report) == (Cause, Replay, Report)
    assert {"Cause", "Replay", "Report", "parse", "diagnose"} <= set(dir(logsense))
    assert isinstance(logsense.diagnose(SEED), logsense.Report)
    with pytest.raises(AttributeError, match="NoSuchThing"):
        logsense.NoSuchThing  # noqa: B018
