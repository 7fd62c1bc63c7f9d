"""The page, driven headlessly with streamlit.testing's AppTest.

Two kinds of tests. The panel tests feed the page a hand-built diagnosis
(tests/synthetic.py) so every widget and chart is checked independently of
the parser and detectors. The seed tests run the real pipeline on each seed
post and assert what the casebook says the page must show.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from synthetic import synthetic_report

import logsense
from logsense.samples import find_samples, keras_samples, seed_samples

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
SEEDS = ROOT / "fixtures" / "seeds"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    # The page's diagnosis service runs inline here, so the tests' stand-in pipeline is the one called
    # (tests/test_serve.py drives the worker processes themselves).
    monkeypatch.setenv("LOGSENSE_PAGE_WORKERS", "0")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120)


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def titles(spec: dict[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, dict):
        return f"{title.get('text', '')} | {title.get('subtitle', '')}"
    return str(title or "")


def value_layer(spec: dict[str, Any]) -> dict[str, Any]:
    """The layer drawing the metric's values (findings, NaN marks and the hover rule are layers too)."""
    return next(layer for layer in spec["layer"] if layer.get("encoding", {}).get("y", {}).get("field") == "value")


def summary(at: AppTest) -> dict[str, str]:
    """The four headline numbers (the first four metrics on the page)."""
    return {m.label: m.value for m in list(at.metric)[:4]}


def page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success")
             for e in getattr(at, kind)]
    parts += [str(m.value) for m in at.metric]
    parts += [df.value.to_string() for df in at.dataframe]
    parts += [t.value.to_string() for t in at.table]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))  # as read on screen: markdown escapes removed


def log_toggle(at: AppTest, run: int):
    """A run's log-axis toggle; its key is new for every log shown."""
    log_id = at.session_state["log_id"] if "log_id" in at.session_state else 0
    return at.toggle(key=f"log-{run}@{log_id}")


def findings_rows(at: AppTest) -> pd.DataFrame:
    """Every findings table on the page (short ones are static tables, so their messages wrap)."""
    frames = [df.value for df in at.dataframe if "symptom" in df.value.columns]
    frames += [t.value.reset_index() for t in at.table if "symptom" in t.value.columns]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["symptom", "epochs"])


def replay_figures(at: AppTest) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe if "replay figure" in df.value.columns]


def cause_headers(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if re.match(r"#### \d+\. `", m.value)]


# ------------------------------------------------------------ panel tests

class FakePipeline:
    """Stands in for parse/diagnose and records what the page asked for."""

    def __init__(self) -> None:
        self.parsed: list[Any] = []
        self.overrides: list[dict[str, Any]] = []

    def parse(self, data: Any) -> logsense.Log:
        self.parsed.append(data)
        return synthetic_report().log

    def diagnose(self, log: logsense.Log, **overrides: Any) -> logsense.Report:
        self.overrides.append(overrides)
        return synthetic_report()


@pytest.fixture
def fake(monkeypatch) -> FakePipeline:
    pipeline = FakePipeline()
    monkeypatch.setattr(logsense, "parse", pipeline.parse)
    monkeypatch.setattr(logsense, "diagnose", pipeline.diagnose)
    return pipeline


def test_page_opens_on_seed_003(fake):
    at = open_page().run()
    assert not at.exception
    assert fake.parsed[0] == (SEEDS / "003_9c859962b7b1f775.txt").read_bytes()
    assert any(m.value.startswith("Showing **Seed 003") for m in at.markdown)


def test_every_panel_of_a_diagnosis_is_shown(fake):
    at = open_page().run()
    assert not at.exception
    assert summary(at) == {"Runs": "2", "Epochs": "20", "Findings": "4", "Top cause": "lr_too_high"}
    # Every card names its replay's state, "not run" included (issue 15: one vocabulary, each with its reason).
    assert cause_headers(at) == ["#### 1. `lr_too_high` · replay confirmed",
                                 "#### 2. `optimizer_instability` · replay not run"]
    assert "**Evidence.** loss x2.1609 per epoch = (1 - lr*h)^2 with h = 247" in page_text(at)

    rows = findings_rows(at)
    assert rows["symptom"].tolist() == ["collapse", "plateau", "divergence", "jump"]  # across runs first
    assert "growth_factor=2.1609" in rows.loc[rows["symptom"] == "divergence", "numbers"].item()
    assert [t.label for t in at.tabs] == ["Run 0", "Run 1"]

    specs = charts(at)
    named = [titles(s) for s in specs]
    replay = next(t for t in named if t.startswith("lr_too_high: replay of loss"))
    assert "confirmed" in replay and "max relative error 3.34e-07" in replay
    assert "run 0: loss (log scale)" in named and "run 1: loss (log scale)" in named
    assert "run 0: progress-bar updates" in named          # run 0 has steps, run 1 has none
    assert "run 1: progress-bar updates" not in named
    assert any(t.startswith("loss across runs") for t in named)
    assert any(t.startswith("pasted predictions (line 40): 2 rows x 3") for t in named)
    # The divergence is drawn as its fitted curve on run 1's loss chart.
    run1 = next(s for s in specs if titles(s).startswith("run 1: loss"))
    assert any(layer.get("encoding", {}).get("y", {}).get("field") == "fit" for layer in run1["layer"])

    labels = {b.label for b in at.get("download_button")}
    assert {"Epochs as CSV", "Steps as CSV", "Report as JSON", "Parsed log as JSON", "PNG", "SVG"} <= labels


def test_log_scale_toggle_switches_the_axis(fake):
    at = open_page().run()
    spec = next(s for s in charts(at) if titles(s).startswith("run 1: loss"))
    assert value_layer(spec)["encoding"]["y"]["scale"]["type"] == "log"  # defaults on: spans 3 decades
    log_toggle(at, 1).set_value(False).run()
    spec = next(s for s in charts(at) if titles(s).startswith("run 1: loss"))
    assert spec["title"] == "run 1: loss"
    assert value_layer(spec)["encoding"]["y"]["scale"].get("type") is None


def test_override_form_reruns_the_diagnosis(fake):
    at = open_page().run()
    assert fake.overrides[-1] == {}
    at.number_input(key="ov-lr").set_value(0.005)
    at.number_input(key="ov-batch_size").set_value(20)
    next(b for b in at.button if b.label == "Re-run").click().run()
    assert not at.exception
    assert fake.overrides[-1] == {"batch_size": 20, "lr": 0.005}
    assert "Diagnosed with: lr=0.005, batch_size=20" in page_text(at)
    next(b for b in at.button if b.label == "Back to the text's set-up").click().run()
    assert "Diagnosed with" not in page_text(at)
    assert at.number_input(key="ov-lr").value is None
    # The text's own set-up was diagnosed before: the cached report is reused, diagnose is not called again.
    assert len(fake.overrides) == 2


def test_override_form_takes_layer_sizes_and_names_a_bad_field(fake):
    at = open_page().run()
    at.text_input(key="ov-layers").set_value("64 -> 512 -> 1")
    at.number_input(key="ov-l2").set_value(0.001)
    next(b for b in at.button if b.label == "Re-run").click().run()
    assert not at.exception and not at.warning
    assert fake.overrides[-1] == {"layers": "64,512,1", "l2": 0.001}
    at.text_input(key="ov-layers").set_value("64, wide, 1")
    next(b for b in at.button if b.label == "Re-run").click().run()
    assert not at.exception
    assert fake.overrides[-1] == {"l2": 0.001}  # the rest of the form still applies
    assert [w.value.replace("\\", "") for w in at.warning] == [  # markdown-escaped on the page
        "layers ignored: layer sizes must be positive whole numbers, got 'wide'"]


def test_pasted_text_is_diagnosed(fake):
    at = open_page().run()
    text = "Epoch 1/2\n1/1 [====] - 0s - loss: 0.5\nEpoch 2/2\n1/1 [====] - 0s - loss: 0.25\n"
    at.text_area(key="paste").input(text)
    at.button(key="paste_go").click().run()
    assert fake.parsed[-1] == text
    assert any(m.value == "Showing **pasted text**" for m in at.markdown)


def test_empty_and_oversized_pastes_are_refused_with_a_message(fake):
    at = open_page().run()
    at.text_area(key="paste").input("   ")
    at.button(key="paste_go").click().run()
    assert [e.value for e in at.error] == ["Paste some text first: a Keras log or the whole forum post."]

    at.text_area(key="paste").input("x" * (20 * 2**20 + 1))
    at.button(key="paste_go").click().run()
    assert not at.exception
    assert "pastes are limited to 20 MB. Upload the file instead (up to 50 MB)" in at.error[0].value
    assert any(m.value.startswith("Showing **Seed 003") for m in at.markdown)  # still on the previous log


def test_a_sample_loads_with_one_choice(fake):
    at = open_page().run()
    log_toggle(at, 1).set_value(False).run()
    at.selectbox(key="sample").select("seed-000").run()
    assert fake.parsed[-1] == (SEEDS / "000_8e8132934b4fe03d.txt").read_bytes()
    assert any(m.value.startswith("Showing **Seed 000") for m in at.markdown)
    assert log_toggle(at, 1).value  # a new log's axes follow its own data again


def test_unusable_input_is_a_message_not_a_traceback(monkeypatch):
    def refuse(data: Any) -> logsense.Log:
        raise logsense.UnusableInput("binary data (NUL bytes): not a text log")

    monkeypatch.setattr(logsense, "parse", refuse)
    at = open_page().run()
    assert not at.exception
    assert "cannot be read as a training log: binary data (NUL bytes)" in at.error[0].value


def test_unexpected_failure_is_a_message_not_a_traceback(monkeypatch):
    def crash(log: Any, **overrides: Any) -> logsense.Report:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(logsense, "parse", FakePipeline().parse)
    monkeypatch.setattr(logsense, "diagnose", crash)
    at = open_page().run()
    assert not at.exception
    assert "ZeroDivisionError: float division by zero" in at.error[0].value
    assert "bug in logsense" in at.error[0].value


def test_a_display_failure_is_a_message_and_the_report_stays_downloadable(fake, monkeypatch):
    from logsense import plot

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("bad chart")

    monkeypatch.setattr(plot, "metric_chart", broken)
    at = open_page().run()
    assert not at.exception
    assert "could not display all of this diagnosis (ValueError: bad chart)" in at.error[0].value
    assert "Report as JSON" in {b.label for b in at.get("download_button")}


def test_binary_input_reaches_the_user_as_a_message():
    """Real pipeline: bytes that are not text (an uploaded model file, say)."""
    at = open_page()
    at.session_state["source"] = SimpleNamespace(name="model.h5", data=b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00" * 64)
    at.session_state["overrides"] = {}
    at.run()
    assert not at.exception
    assert at.error and "model.h5" in at.error[0].value and "cannot be read" in at.error[0].value


# ------------------------------------------------------------- seed tests

def load_seed(number: str) -> AppTest:
    at = open_page().run()
    if number != "003":
        at.selectbox(key="sample").select(f"seed-{number}").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def figures(at: AppTest) -> list[float]:
    """Every number in the top cause's replay figures."""
    tables = replay_figures(at)
    out = []
    for value in (tables[0]["value"] if tables else []):
        out += [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", str(value))]
    return out


def test_seed_003_divergence_and_confirmed_lr_replay():
    at = load_seed("003")
    assert summary(at)["Runs"] == "2"
    assert summary(at)["Top cause"] == "lr_too_high"
    assert cause_headers(at)[0] == "#### 1. `lr_too_high` · replay confirmed"
    rows = findings_rows(at)
    divergence = rows[rows["symptom"] == "divergence"]
    assert len(divergence) == 1 and "growth_factor=2.1609" in divergence["numbers"].item()
    replay = next(titles(s) for s in charts(at) if titles(s).startswith("lr_too_high: replay of loss"))
    error = float(re.search(r"max relative error (\S+)", replay).group(1))
    assert error < 1e-3 and ", confirmed" in replay


def test_seed_000_l2_penalty_in_the_training_loss():
    at = load_seed("000")
    assert summary(at)["Runs"] == "2"
    assert summary(at)["Top cause"] == "l2_penalty_in_loss"
    rows = findings_rows(at)
    assert "train_val_gap" in rows["symptom"].tolist()
    # The replay's penalty at initialisation: 1e-3 * (2*943.5 + 409.6 + 2.0) = 2.30.
    assert any(abs(x - 2.30) <= 0.05 for x in figures(at)), figures(at)


def test_seed_004_saturated_logits_and_lr_scaled_loss():
    at = load_seed("004")
    assert summary(at)["Runs"] == "2"
    assert summary(at)["Top cause"] == "saturated_logits"
    symptoms = set(findings_rows(at)["symptom"])
    assert {"loss_out_of_range", "lr_scaled_loss"} <= symptoms
    assert cause_headers(at)[0].startswith("#### 1. `saturated_logits`")


def test_seed_002_late_jump_and_optimizer_instability():
    at = load_seed("002")
    assert summary(at)["Runs"] == "1"
    rows = findings_rows(at)
    jumps = rows[rows["symptom"] == "jump"]
    assert len(jumps) >= 1 and all(e.startswith("934") for e in jumps["epochs"]), jumps
    assert any("`optimizer_instability`" in h for h in cause_headers(at))


def test_seed_001_collapse_to_the_mean():
    at = load_seed("001")
    assert "collapse" in set(findings_rows(at)["symptom"])
    assert summary(at)["Top cause"] == "collapse_to_mean"
    assert any("Pasted array at line" in c.value for c in at.caption)


# ---------------------------------------------------------------- samples

def test_samples_are_discovered_with_readable_labels(tmp_path):
    seeds = seed_samples()
    assert [s.key for s in seeds] == [f"seed-00{i}" for i in range(5)]
    assert all(s.label.startswith(f"Seed 00{i}: ") and len(s.label) > 20 for i, s in enumerate(seeds))

    folder = tmp_path / "fixtures" / "keras" / "keras3" / "scalar_lr_0.01"
    folder.mkdir(parents=True)
    (folder / "pipe.txt").write_text("Epoch 1/1\n")
    (folder / "meta.json").write_text(json.dumps({"shows": "SGD lr=0.01 on y = w*x"}))
    (tmp_path / "fixtures" / "seeds").mkdir()
    (tmp_path / "fixtures" / "seeds" / "007_abc.txt").write_text("\n  My loss is NaN  \nEpoch 1/1\n")
    found = find_samples(tmp_path)
    assert [(s.key, s.label, s.group) for s in found] == [
        ("seed-007", "Seed 007: My loss is NaN", "forum post"),
        ("keras-keras3-scalar_lr_0.01", "Keras 3: scalar lr 0.01 (SGD lr=0.01 on y = w*x)", "Keras capture")]


def _capture_params() -> list:
    return [pytest.param(s, id=s.key) for s in keras_samples()]


@pytest.mark.parametrize("sample", _capture_params())
def test_keras_capture_on_the_page_meets_its_expectations(sample):
    """A real capture is read and diagnosed as its meta.json expects.

    The log alone cannot show every cause (an L2 penalty that Keras 3 also adds
    to val_loss leaves no gap), so the set-up the script used is entered in the
    page's re-run form, as a user who knows it would.
    """
    from logsense.context import OVERRIDES

    at = open_page().run()
    at.selectbox(key="sample").select(sample.key).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    meta = json.loads((sample.path.parent / "meta.json").read_text())
    assert summary(at)["Runs"] == str(meta["n_runs"])
    setup = meta.get("setup", {})
    for spec in OVERRIDES:
        typ, key = spec.kind, spec.key
        value = setup.get(key)
        if key == "layers" and isinstance(value, list):
            value = ", ".join(map(str, value))  # typed as a user would: 64, 512, 512, 1
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            number = typ in (int, float)
            (at.number_input(key=f"ov-{key}") if number else at.text_input(key=f"ov-{key}")).set_value(value)
    next(b for b in at.button if b.label == "Re-run").click().run()
    assert not at.exception
    assert set(meta.get("expected_symptoms", [])) <= set(findings_rows(at)["symptom"])
    if meta.get("expected_causes"):
        assert summary(at)["Top cause"] in meta["expected_causes"]
