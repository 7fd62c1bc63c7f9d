"""What a notebook user sees: HTML reprs of the seed logs and reports, short reprs, charts, and
docs/quickstart.ipynb as `jupyter nbconvert --execute` runs it (valid, and its exported chart offline).

Expected findings and causes per seed are the casebook's (fixtures/seeds/truth.json);
here they must be visible in the tables a notebook renders.
"""
from __future__ import annotations

import re
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
import seeds

import logsense
from logsense import Log, Run, plot


def _status(state: str) -> str:
    """A replay status as the notebook's cause table shows it: the JSON's id in words (``not run``)."""
    return state.replace("_", " ")


#: Per seed: (symptom, metric) findings, and (cause, replay status) rows (fixtures/seeds/truth.json).
EXPECTED = {prefix: {"findings": [(symptom, where) for symptom, where, _ in seeds.findings(prefix)],
                     "causes": [(cause, _status(state)) for cause, state in seeds.causes(prefix)]}
            for prefix in seeds.PREFIXES}
#: Runs per seed as (epochs, format, locale).
RUNS = {prefix: [(len(run["epochs"]), meta["format"], meta["locale"])
                 for run, meta in zip(seeds.TRUTH[prefix]["runs"], seeds.TRUTH[prefix]["meta"])]
        for prefix in seeds.PREFIXES}


class Tables(HTMLParser):
    """The tables of an HTML fragment as lists of rows of cell texts (header row first)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def named(self, first_header: str, second_header: str) -> list[dict[str, str]]:
        """Rows (as header -> cell) of the table whose first two headers are these."""
        for t in self.tables:
            if t and t[0][:2] == [first_header, second_header]:
                return [dict(zip(t[0], row)) for row in t[1:]]
        raise AssertionError(f"no table with headers {first_header!r}, {second_header!r}")


@pytest.fixture(scope="module")
def reports() -> dict[str, logsense.Report]:
    return {prefix: logsense.diagnose(seeds.path(prefix)) for prefix in EXPECTED}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_report_html_lists_the_seed_findings_with_their_numbers(reports, prefix):
    report = reports[prefix]
    rows = Tables(report._repr_html_()).named("run", "symptom")
    shown = [(r["symptom"], r["metric"]) for r in rows]
    for expected in EXPECTED[prefix]["findings"]:
        assert expected in shown
    assert len(rows) == len(report.findings)  # one row per finding, none dropped
    for row, f in zip(rows, report.findings):
        assert row["confidence"] == f"{f.confidence:.2f}"
        for key, value in f.stats.items():
            if isinstance(value, (int, float, str)) and not isinstance(value, bool):
                assert f"{key}=" in row["numbers"]


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_report_html_ranks_the_seed_causes_with_replay_status_and_error(reports, prefix):
    report = reports[prefix]
    rows = Tables(report._repr_html_()).named("#", "cause")
    shown = [(r["cause"], r["replay"]) for r in rows]
    assert shown[0] == EXPECTED[prefix]["causes"][0]  # the top cause first
    for expected in EXPECTED[prefix]["causes"][1:]:
        assert expected in shown
    for row, cause in zip(rows, report.causes):
        assert row["confidence"] == f"{cause.confidence:.2f}"
        if cause.replay is not None:
            assert float(row["max rel. error"]) == pytest.approx(cause.replay.max_rel_error, rel=5e-3)  # 3 digits
            assert float(row["tolerance"]) == pytest.approx(cause.replay.tolerance)
        assert row["fix"] == cause.fix


def test_report_html_opens_with_the_verdict_and_names_each_runs_status(reports):
    html = reports["003"]._repr_html_()
    assert html.index("Verdict") < html.index("<table")
    assert "Run 1: loss diverges x2.161 per epoch" in html
    rows = Tables(html).named("run", "name")
    assert [(r["run"], r["status"]) for r in rows] == [("0", "healthy"), ("1", "problem")]
    causes = Tables(html).named("#", "cause")
    assert causes[0]["replay"] == "confirmed" and causes[0]["replay reason"].startswith("reproduces the printed loss")
    assert causes[1]["cause"] == "healthy" and causes[1]["replay"] == "not run"


def test_seed003_report_html_shows_the_replay_figures(reports):
    tables = Tables(reports["003"]._repr_html_())
    figures = {r["replay figure"]: r["value"] for r in tables.named("replay figure", "value")}
    assert float(figures["final_weight"]) == pytest.approx(-68.716, rel=1e-4)  # the post printed -68.71629333
    assert float(figures["max_stable_lr"]) == pytest.approx(0.0081, abs=5e-5)
    assert float(figures["lr_h"]) == pytest.approx(2.47)
    divergence = tables.named("run", "symptom")[0]
    assert divergence["run"] == "1" and divergence["epochs"] == "1-10"
    assert "growth_factor=2.1609" in divergence["numbers"]


@pytest.mark.parametrize("prefix", sorted(RUNS))
def test_log_and_run_html_show_epochs_format_and_locale(reports, prefix):
    log = reports[prefix].log
    if not RUNS[prefix]:  # a post with only pasted predictions
        assert "0 run(s)" in log._repr_html_()
        return
    rows = Tables(log._repr_html_()).named("run", "epochs")
    assert [(int(r["epochs"]), r["format"], r["locale"]) for r in rows] == RUNS[prefix]
    for run in log.runs:
        tables = Tables(run._repr_html_())
        (summary,) = tables.named("run", "epochs")
        assert (int(summary["epochs"]), summary["format"]) == (len(run.epoch_records), run.meta["format"])
        epochs_table = tables.tables[-1]
        assert epochs_table[0][:2] == ["epoch", run.metrics[0]]
        assert len(epochs_table) - 1 == min(len(run.epoch_records), 12)


def test_seed001_log_html_lists_the_pasted_predictions(reports):
    (row,) = Tables(reports["001"].log._repr_html_()).named("predictions at line", "shape")
    assert row["shape"] == "6x5" and row["rows elided"] == "True"


def test_text_from_the_log_is_escaped():
    log = Log(runs=[Run(epoch_records=[{"epoch": 1, "loss": 1.0}], meta={"format": "<script>alert(1)</script>"})],
              unparsed=[(3, "<b>x</b>")], warnings=["<img src=x onerror=alert(1)>"])
    html = log._repr_html_()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html


def test_plain_reprs_stay_one_short_line(reports):
    log = Log(runs=[Run(index=i, epoch_records=[{"epoch": 1, "loss": 1.0}]) for i in range(200)])
    wide = Run(epoch_records=[{"epoch": 1, **{f"metric_{k}": 0.5 for k in range(40)}}])
    for obj in (log, wide, *reports.values(), *(r.log for r in reports.values())):
        text = repr(obj)
        assert "\n" not in text and len(text) < 240, text
    assert repr(reports["003"]) == ("Report(runs=2, symptoms=['divergence'], causes=['lr_too_high', 'healthy'], "
                                    "top replay confirmed)")
    assert repr(reports["003"].log.runs[1]) == ("Run(index=1, epochs=10 [1-10], steps=0, format='keras2', "
                                                "locale='zh', metrics=['loss'])")


# ------------------------------------------------------------------- plots

def _titles(spec: dict) -> list[str]:
    out = []
    for chart in spec.get("vconcat", []):
        title = chart.get("title")
        out.append(title["text"] if isinstance(title, dict) else title)
    return out


def _has_fit_line(spec: dict) -> bool:
    return any("fit" in (layer.get("encoding", {}).get("y", {}).get("field", ""),)
               for chart in spec.get("vconcat", []) for layer in chart.get("layer", []))


def test_report_chart_draws_every_run_with_findings_then_the_replay(reports):
    report = reports["003"]
    chart = plot.report_chart(report)
    spec = chart.to_dict()
    assert _titles(spec) == ["run 0: loss", "run 1: loss", "lr_too_high: replay of loss"]
    assert _has_fit_line(spec)  # the divergence finding drawn as its fitted curve
    assert '"lr_too_high: replay of loss"' in chart.to_json()


def test_report_chart_of_one_run_draws_that_runs_findings(reports):
    report = reports["002"]
    chart = plot.report_chart(report, run=0, log_scale=True)
    assert chart.to_dict() == plot.run_chart(report.log.runs[0], report.run_findings[0], log_scale=True).to_dict()
    rules = [layer for c in chart.to_dict()["vconcat"] for layer in c["layer"]
             if layer["mark"] == "rule" or layer["mark"].get("type") == "rule"]
    assert rules  # the jumps at epoch 934
    with pytest.raises(ValueError, match="no run 5"):
        plot.report_chart(report, run=5)


def test_run_chart_draws_the_findings_it_is_given(reports):
    report = reports["003"]
    run = report.log.runs[1]
    assert _has_fit_line(plot.run_chart(run, report.run_findings[1]).to_dict())
    assert not _has_fit_line(plot.run_chart(run, []).to_dict())


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_plots_save_as_images_without_a_browser(reports, fmt, magic):
    image = plot.to_image(plot.report_chart(reports["003"], run=1), fmt)
    assert image.startswith(magic) and len(image) > 1000


# ------------------------------------------------------------------- docs/quickstart.ipynb under nbconvert

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "quickstart.ipynb"
#: A script, stylesheet or icon fetched from the network: what breaks a page opened offline.
_EXTERNAL = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)


def test_the_saved_quickstart_notebook_is_valid():
    """What `jupyter nbconvert` reads first: every output with its metadata, every cell with an id."""
    nbformat = pytest.importorskip("nbformat")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing cell id is a warning today and an error tomorrow
        nbformat.validate(nbformat.read(NOTEBOOK, as_version=4))


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """docs/quickstart.ipynb executed by `jupyter nbconvert --execute --to notebook`, as CI runs it."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbconvert")
    pytest.importorskip("ipykernel")
    out = tmp_path_factory.mktemp("nbconvert") / "executed.ipynb"
    result = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
                             "--ExecutePreprocessor.timeout=300", "--output", str(out), str(NOTEBOOK)],
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return nbformat.read(out, as_version=4)


def test_quickstart_executes_under_nbconvert_without_an_error(converted):
    import nbformat

    nbformat.validate(converted)
    outputs = [o for cell in converted.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Run 1: loss diverges x2.161 per epoch: lr 0.01 is above the stable limit 0.0081" in text
    assert "run 0: healthy" in text and "run 1: problem" in text


def test_the_chart_the_quickstart_exports_needs_no_internet(converted):
    text = "".join(o.get("text", "") for cell in converted.cells for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")
    match = re.search(r"exported chart: (\S+\.html)", text)
    assert match, "the quickstart no longer exports its chart"
    page = Path(match.group(1)).read_text(encoding="utf-8")
    assert "vega" in page.lower() and "lr_too_high: replay of loss" in page  # the chart and its data are inside
    assert not _EXTERNAL.findall(page)
    # the check finds what Altair writes without inline=True
    assert _EXTERNAL.search(plot.report_chart(logsense.diagnose(seeds.path("003"))).to_html())
