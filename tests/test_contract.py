"""The CLI's JSON documents keep the shapes docs/contract.md promises.

Other tools read this JSON, so these tests pin names and types (not values):
a renamed key or a bare NaN literal breaks them. The key tables of the contract
are read from docs/contract.md itself, so the document and the JSON cannot drift.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from logsense.cli import main

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "docs" / "contract.md"
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
KERAS = ROOT / "fixtures" / "keras"


def _key_table(heading: str) -> dict[str, tuple[str, set[str]]]:
    """The contract's key table under ``heading``: key path -> (type, allowed values or empty)."""
    text = CONTRACT.read_text(encoding="utf-8")
    start = text.index(heading)
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        m = re.match(r"\| `([^`]+)` \| ([\w?]+) \| ([^|]*)\|", line)
        if m:
            rows[m.group(1)] = (m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()})
    assert rows, f"no key table under {heading!r} in {CONTRACT}"
    return rows


PARSE_KEYS = _key_table("Keys of `parse --json`")
DIAGNOSE_KEYS = _key_table("Keys of `diagnose --json`")
SYMPTOMS = DIAGNOSE_KEYS["runs[].findings[].symptom"][1]
CAUSES = DIAGNOSE_KEYS["causes[].cause"][1]
FORMATS = DIAGNOSE_KEYS["runs[].meta.format"][1]
STATUSES = DIAGNOSE_KEYS["runs[].status"][1]
REPLAY_STATES = DIAGNOSE_KEYS["causes[].replay_state.state"][1]


def _strict(text: str):
    """Parse JSON refusing NaN/Infinity literals, as strict readers do."""
    def refuse(token: str):
        raise ValueError(f"non-standard JSON literal {token}")
    return json.loads(text, parse_constant=refuse)


def _run(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return _strict(capsys.readouterr().out)


def _values(doc, path: str) -> list:
    """Every value at ``path`` (``a[].b``: ``b`` of every element of list ``a``); parents that are
    ``null`` (an optional object) are skipped, a missing key raises."""
    nodes = [doc]
    for part in path.split("."):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        nxt = []
        for node in nodes:
            if node is None:
                continue
            value = node[name] if name else node
            nxt += value if many else [value]
        nodes = nxt
    return nodes


_TYPES = {"str": str, "int": int, "bool": bool, "list": list, "object": dict}


def _check_keys(doc: dict, table: dict[str, tuple[str, set[str]]]) -> None:
    for path, (typ, allowed) in table.items():
        optional = typ.endswith("?")
        base = typ.rstrip("?")
        for value in _values(doc, path):
            if value is None and optional:
                continue
            if base == "number":
                assert _is_number(value), (path, value)
            else:
                assert isinstance(value, _TYPES[base]) and not (base == "int" and isinstance(value, bool)), (path, value)
            if allowed:
                assert value in allowed, (path, value, allowed)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_every_documented_key_is_in_the_json_with_its_type(capsys, path):
    _check_keys(_run(capsys, "parse", str(path), "--json"), PARSE_KEYS)
    _check_keys(_run(capsys, "diagnose", str(path), "--json"), DIAGNOSE_KEYS)


def test_every_top_level_key_the_json_has_is_documented(capsys):
    """New keys are fine, but they must be written into the contract."""
    for argv, table in ((["parse"], PARSE_KEYS), (["diagnose"], DIAGNOSE_KEYS)):
        for path in SEEDS:
            doc = _run(capsys, *argv, str(path), "--json")
            assert set(doc) <= {k.split(".")[0].removesuffix("[]") for k in table}, (argv, sorted(doc))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_status_verdict_and_replay_state_agree(capsys, path):
    doc = _run(capsys, "diagnose", str(path), "--json")
    troubled = [r for r in doc["runs"] if r["status"] in ("problem", "unexplained")]
    for run in doc["runs"]:
        if run["findings"]:
            assert run["status"] != "healthy"  # a run with an open finding is never healthy
    assert bool(doc["verdict"]) == bool(troubled or (not doc["runs"] and doc["findings"]))
    for cause in doc["causes"]:
        assert cause["replay_state"]["state"] == cause["replay_status"]
        assert cause["replay_state"]["reason"]
        if cause["replay"] is not None:
            assert cause["replay"]["confirmed"] == (cause["replay_status"] == "confirmed")
    if any(r["findings"] for r in doc["runs"]) or doc["findings"]:
        assert doc["causes"][0]["cause"] != "healthy"


def test_the_contract_names_every_id_the_code_knows():
    from logsense.causes.base import CAUSES as KNOWN_CAUSES
    from logsense.causes.base import REPLAY_STATES as KNOWN_STATES
    from logsense.detect import DETECTORS
    from logsense.verdict import RunStatus

    assert set(KNOWN_CAUSES) == CAUSES
    assert {d.symptom for d in DETECTORS} == SYMPTOMS
    assert {s.value for s in RunStatus} == STATUSES
    assert set(KNOWN_STATES) == REPLAY_STATES


def test_the_documented_exit_codes_are_the_clis(capsys, tmp_path):
    text = CONTRACT.read_text(encoding="utf-8")
    codes = dict(re.findall(r"^\| ([012]) \| (.+) \|$", text, re.MULTILINE))
    assert set(codes) == {"0", "1", "2"}
    seed = str(next(p for p in SEEDS if p.name.startswith("003")))
    assert main(["diagnose", seed]) == 0
    assert main(["diagnose", seed, "--fail-on", "divergence"]) == 1
    assert main(["diagnose", str(tmp_path / "missing.txt")]) == 2
    capsys.readouterr()


def _is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or value in ("nan", "inf", "-inf")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_parse_json_shape(capsys, path):
    doc = _run(capsys, "parse", str(path), "--json")
    assert {"runs", "unparsed", "context", "predictions"} <= set(doc)
    for i, run in enumerate(doc["runs"]):
        assert run["index"] == i
        assert {"index", "meta", "epochs", "steps", "events"} <= set(run)
        assert run["meta"]["format"] in FORMATS
        assert isinstance(run["meta"]["locale"], str) and run["meta"]["verbose"] in (1, 2)
        for record in run["epochs"]:
            assert isinstance(record["epoch"], int)
            assert all(_is_number(v) for k, v in record.items())
        for step in run["steps"]:
            assert {"epoch", "step", "total", "eta_seconds"} <= set(step)
        for event in run["events"]:
            assert {"epoch", "kind", "text", "value"} <= set(event)
    for item in doc["unparsed"]:
        assert isinstance(item["line"], int) and isinstance(item["text"], str)
    for pred in doc["predictions"]:
        assert isinstance(pred["line"], int) and all(isinstance(n, int) for n in pred["shape"])


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_diagnose_json_shape(capsys, path):
    doc = _run(capsys, "diagnose", str(path), "--json")
    assert {"runs", "findings", "causes"} <= set(doc)
    findings = [f for run in doc["runs"] for f in run["findings"]] + doc["findings"]
    for finding in findings:
        assert finding["symptom"] in SYMPTOMS
        assert 0.0 <= finding["confidence"] <= 1.0
        assert isinstance(finding["stats"], dict)
    for run in doc["runs"]:
        for finding in run["findings"]:
            assert {"metric", "start_epoch", "end_epoch"} <= set(finding)
    assert doc["causes"], "every diagnosis names at least one cause (healthy included)"
    # Most likely first; healthy (a run status, kept for compatibility) after every real cause beside a finding.
    real = [c["confidence"] for c in doc["causes"] if c["cause"] != "healthy"]
    assert real == sorted(real, reverse=True)
    if findings:
        names = [c["cause"] for c in doc["causes"]]
        assert all(n == "healthy" for n in names[len(real):]) and "healthy" not in names[:len(real)]
    for cause in doc["causes"]:
        assert cause["cause"] in CAUSES
        assert {"runs", "confidence", "evidence", "fix"} <= set(cause)
        replay = cause.get("replay")
        if replay is not None:
            assert isinstance(replay["confirmed"], bool)
            assert {"metric", "predicted", "observed", "max_rel_error", "params"} <= set(replay)
            err = replay["max_rel_error"]
            assert err is None or _is_number(err)


def test_seed_003_json_carries_the_growth_factor_and_the_confirmed_replay(capsys):
    doc = _run(capsys, "diagnose", str(next(p for p in SEEDS if p.name.startswith("003"))), "--json")
    run1 = next(r for r in doc["runs"] if r["index"] == 1)
    divergence = next(f for f in run1["findings"] if f["symptom"] == "divergence" and f["metric"] == "loss")
    assert math.isclose(divergence["stats"]["growth_factor"], 2.1609, rel_tol=1e-3)
    top = doc["causes"][0]
    assert top["cause"] == "lr_too_high" and 1 in top["runs"] and top["replay"]["confirmed"] is True


def test_cli_overrides_reach_the_replay(capsys):
    """A wrong --lr is used, and the replay honestly stops confirming."""
    path = str(next(p for p in SEEDS if p.name.startswith("003")))
    plain = next(c for c in _run(capsys, "diagnose", path, "--json")["causes"] if c["cause"] == "lr_too_high")
    forced = next(c for c in _run(capsys, "diagnose", path, "--json", "--lr", "0.005")["causes"]
                  if c["cause"] == "lr_too_high")
    assert plain["replay"]["params"]["lr"] == 0.01 and plain["replay"]["confirmed"] is True
    assert forced["replay"]["params"]["lr"] == 0.005 and forced["replay"]["confirmed"] is False


def test_cli_layer_sizes_reach_the_l2_cause(capsys):
    path = str(KERAS / "keras3" / "l2_on" / "pasted.txt")
    causes = _run(capsys, "diagnose", path, "--json", "--l2", "0.001", "--layers", "64,512,512,1")["causes"]
    assert causes[0]["cause"] == "l2_penalty_in_loss" and "0.628" in causes[0]["evidence"]


def test_cli_bad_layer_sizes_exit_2_with_the_reason(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["diagnose", str(next(iter(SEEDS))), "--layers", "64"])
    assert stop.value.code == 2
    assert "argument --layers: give at least two layer sizes" in capsys.readouterr().err


def test_non_finite_values_are_strings(capsys, tmp_path):
    log = tmp_path / "nan.txt"
    log.write_text("Epoch 1/3\n1/1 [==] - 0s - loss: 1.5\nEpoch 2/3\n1/1 [==] - 0s - loss: inf\n"
                   "Epoch 3/3\n1/1 [==] - 0s - loss: nan\n", encoding="utf-8")
    doc = _run(capsys, "parse", str(log), "--json")
    assert [e["loss"] for e in doc["runs"][0]["epochs"]] == [1.5, "inf", "nan"]
    report = _run(capsys, "diagnose", str(log), "--json")
    assert any(f["symptom"] == "nan" for r in report["runs"] for f in r["findings"])


def test_unusable_input_exits_2_with_one_line(capsys, tmp_path):
    assert main(["parse", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("logsense: ") and err.count("\n") == 1
