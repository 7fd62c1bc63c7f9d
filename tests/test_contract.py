"""The CLI's JSON documents keep the shapes ../shared/design/contract.md promises.

Other tools read this JSON, so these tests pin names and types (not values):
a renamed key or a bare NaN literal breaks them.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from logsense.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
KERAS = ROOT / "fixtures" / "keras"
SYMPTOMS = {"divergence", "nan", "jump", "plateau", "oscillation", "overfitting", "train_val_gap",
            "loss_out_of_range", "lr_scaled_loss", "collapse"}
CAUSES = {"lr_too_high", "l2_penalty_in_loss", "saturated_logits", "loss_activation_mismatch",
          "collapse_to_mean", "optimizer_instability", "dropout_gap", "healthy",
          "memorization",  # added after the contract's first list, shown by the overfitting captures
          "unexplained"}  # issue 14: a symptom no cause explains (the real posts show it)
FORMATS = {"keras0", "keras1", "keras2", "tfkeras", "keras3", "csvlogger", "history"}


def _strict(text: str):
    """Parse JSON refusing NaN/Infinity literals, as strict readers do."""
    def refuse(token: str):
        raise ValueError(f"non-standard JSON literal {token}")
    return json.loads(text, parse_constant=refuse)


def _run(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return _strict(capsys.readouterr().out)


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
    confidences = [c["confidence"] for c in doc["causes"]]
    assert confidences == sorted(confidences, reverse=True)
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
