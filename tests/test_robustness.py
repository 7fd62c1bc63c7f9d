"""Issue 16's bad inputs, each reproduced as a new user met it: no traceback, no hang, a clear
one-line refusal (CLI exit 2, API `UnusableInput`) or a partial result with a warning saying what
was skipped."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import logsense
from logsense import cli
from logsense.context.code import MAX_INT_BITS
from logsense.context.config import MAX_CONFIG_DEPTH
from logsense.errors import InvalidSetup, UnusableInput
from logsense.scan import expand, scan

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seeds" / "003_9c859962b7b1f775.txt"
LOG = "".join(f"Epoch {i}/4\n8/8 [==============================] - 0s 2ms/step - loss: {2.0 / i:.4f}\n"
              for i in range(1, 5))
LOSSES = [2.0, 1.0, 0.6667, 0.5]


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The installed command in a fresh process, with a hang guard (not a speed check)."""
    return subprocess.run([sys.executable, "-m", "logsense", *args], input=stdin, capture_output=True, timeout=120,
                          check=False)


def _one_line_refusal(result: subprocess.CompletedProcess) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


# -- history JSON and CSVLogger files -------------------------------------------------------------

def test_history_json_with_integers_too_large_for_a_float_reads_them_as_infinity(tmp_path: Path) -> None:
    text = '{"loss": [2.5, %s, 1.5], "val_loss": [3, 2, 1]}' % ("9" * 5000)  # past float and the digit limit
    log = logsense.parse(text)
    (run,) = log.runs
    assert run.series("loss").tolist() == [2.5, math.inf, 1.5]
    assert run.series("val_loss").tolist() == [3.0, 2.0, 1.0]
    assert any("too large for a float" in w and "5,000 digits" in w for w in log.warnings)
    path = tmp_path / "history.json"
    path.write_text(text, encoding="utf-8")
    assert cli.main(["diagnose", str(path), "--json"]) == 0


def test_a_history_dict_with_a_huge_python_int_reads_it_as_infinity() -> None:
    log = logsense.parse({"loss": [1.0, -(10 ** 400), 0.5]})
    assert log.runs[0].series("loss").tolist() == [1.0, -math.inf, 0.5]
    assert any("too large for a float" in w for w in log.warnings)
    logsense.diagnose(log)


def test_history_json_with_one_extra_key_that_is_not_a_list_gives_its_run() -> None:
    text = json.dumps({"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.9, 0.8], "lr": 0.01, "params": {"epochs": 3}})
    log = logsense.parse(text)
    (run,) = log.runs
    assert run.meta["format"] == "history" and run.metrics == ["loss", "val_loss"]
    assert run.series("loss").tolist() == [1.0, 0.5, 0.25]
    assert any("'lr'" in w and "'params'" in w for w in log.warnings)


def test_csvlogger_file_with_one_bad_row_gives_its_run_without_that_row() -> None:
    text = ("epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,oops,1.0\n3,0.6,0.7\n4,0.5\n5,0.4,0.5\n")
    log = logsense.parse(text)
    (run,) = log.runs
    assert run.meta["format"] == "csvlogger"
    assert run.epoch_numbers().tolist() == [1, 2, 4, 6]  # CSVLogger's 0-based column, as the console numbers it
    assert run.series("loss").tolist() == [1.0, 0.8, 0.6, 0.4]
    assert any("2 row(s)" in w and "row 4, 6" in w for w in log.warnings)


def test_a_table_of_mostly_words_is_still_not_a_csvlogger_file() -> None:
    assert logsense.parse("epoch,loss\n0,low\n1,high\n2,0.5\n").runs == []


# -- pasted code: the evaluator's work budget -----------------------------------------------------

def test_an_integer_literal_past_4300_digits_is_skipped_and_the_rest_is_read() -> None:
    code = "x = " + "9" * 5000 + "\nmodel.compile(optimizer=SGD(lr=0.05), loss='mse')\n"
    log = logsense.parse(code + LOG)
    (run,) = log.runs
    assert run.series("loss").tolist() == LOSSES
    assert run.context["lr"] == 0.05 and run.context["optimizer"] == "sgd"
    assert any("4,300-digit" in w and "line 1" in w for w in log.warnings)


def test_a_hexadecimal_literal_past_the_bit_bound_is_skipped_with_a_warning() -> None:
    log = logsense.parse("big = 0x" + "f" * 3000 + "\nlr = 0.1\n" + LOG)
    assert log.context["variables"] == {"lr": 0.1}
    assert any("12,000 bits" in w and f"{MAX_INT_BITS:,}" in w for w in log.warnings)


def test_chained_powers_are_not_computed_and_the_warning_names_the_first_too_tall() -> None:
    code = "a = 10**64\nb = a**64\nc = b**64\nd = c**64\nmodel.compile(optimizer=Adam(lr=0.001), loss='mse')\n"
    report = logsense.diagnose(code + LOG)
    log = report.log
    assert log.context["variables"]["a"] == 10 ** 64
    assert not {"b", "c", "d"} & set(log.context["variables"])
    assert log.context["lr"] == 0.001
    assert any("a ** 64" in w and "13,632 bits" in w for w in log.warnings)
    json.dumps(report.to_dict())  # no integer too long to print is left in the report
    report.to_text()


def test_a_classic_power_tower_is_refused_before_it_is_computed() -> None:
    log = logsense.parse("x = 9**9**9**9\n" + LOG)
    assert any("9 ** 9 ** 9 was not computed" in w for w in log.warnings)


def test_a_runaway_loop_spends_its_statement_budget_and_says_so() -> None:
    loop = "for i in range(10):\n" + "".join("    " * k + f"for v{k} in range(10):\n" for k in range(1, 6)) \
        + "    " * 6 + "q = i * 2\n"
    log = logsense.parse(loop + "lr = 0.3\n" + LOG)
    assert log.context["variables"]["lr"] == 0.3  # the statement after the loop is still read
    assert any("steps and was left unread" in w for w in log.warnings)


def test_cli_diagnose_of_the_chained_powers_paste_exits_0_with_the_warning(tmp_path: Path) -> None:
    path = tmp_path / "post.txt"
    path.write_text("a = 10**64\nb = a**64\nc = b**64\nd = c**64\n" + "x = " + "9" * 5000 + "\n" + LOG,
                    encoding="utf-8")
    result = _cli("diagnose", str(path), "--json")
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    assert any("a ** 64" in w for w in doc["warnings"]) and any("4,300-digit" in w for w in doc["warnings"])


# -- JSON model configs ----------------------------------------------------------------------------

DEEP = '{"class_name": "Sequential", "config": {"layers": ' + "[" * 5000 + "]" * 5000 + "}}"


@pytest.mark.parametrize("config", [DEEP, DEEP.replace('"', "'"), "[" * 5000 + DEEP + "]" * 5000],
                         ids=["json", "python-literal", "inside-a-list"])
def test_a_config_nested_thousands_deep_is_not_read_and_the_log_is(config: str) -> None:
    report = logsense.diagnose(config + "\n" + LOG)
    (run,) = report.log.runs
    assert run.series("loss").tolist() == LOSSES
    assert any(f"more than {MAX_CONFIG_DEPTH} deep" in w for w in report.log.warnings)


def test_a_config_nested_thousands_deep_alone_is_no_traceback_in_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(DEEP, encoding="utf-8")
    assert cli.main(["diagnose", str(path)]) == 0


def test_an_ordinary_config_is_still_read() -> None:
    layer = {"class_name": "Dense", "config": {"units": 8, "activation": "relu"}}
    config = json.dumps({"class_name": "Sequential", "config": {"layers": [layer, layer]}})
    log = logsense.parse(config + "\n" + LOG)
    assert not any("deep" in w for w in log.warnings)
    assert [layer["units"] for layer in log.context["layers"]] == [8, 8]


# -- paths: the API refuses what the CLI refuses ----------------------------------------------------

def _loop(tmp_path: Path) -> Path:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    return tmp_path / "a"


@pytest.mark.parametrize("kind", ["directory", "symlink loop", "missing relative name", "missing path"])
def test_parse_refuses_a_directory_a_symlink_loop_or_a_missing_file(kind: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = {"directory": str(tmp_path), "symlink loop": str(_loop(tmp_path)), "missing relative name": "missing.log",
              "missing path": str(tmp_path / "runs" / "train.txt")}[kind]
    expected = {"directory": "is a directory", "symlink loop": "cannot read", "missing relative name": "no such file",
                "missing path": "no such file"}[kind]
    for source in (target, Path(target)):
        with pytest.raises(UnusableInput, match=expected) as err:
            logsense.parse(source)
        assert "\n" not in str(err.value)
    with pytest.raises(UnusableInput, match=expected):
        logsense.diagnose(target)
    result = subprocess.run([sys.executable, "-m", "logsense", "parse", target], capture_output=True, timeout=120,
                            cwd=tmp_path, check=False)
    assert expected in _one_line_refusal(result)


# -- scan ------------------------------------------------------------------------------------------

def test_scan_of_a_directory_with_an_unreadable_file_reports_it_in_the_error_column(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "locked.txt"
    good.write_text(LOG, encoding="utf-8")
    bad.write_text(LOG, encoding="utf-8")
    real_open = Path.open

    def guarded(self: Path, *args, **kwargs):  # what chmod 000 does for a user that is not root
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    table = scan([str(tmp_path)], jobs=1)
    rows = table.set_index("file")
    assert rows.loc[str(bad), "error"] == f"cannot read {bad}: Permission denied"
    assert rows.loc[str(good), "epochs"] == 4 and not isinstance(rows.loc[str(good), "error"], str)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_scan_of_a_chmod_000_file_and_directory_reports_them(tmp_path: Path) -> None:
    (tmp_path / "locked.txt").write_text(LOG, encoding="utf-8")
    (tmp_path / "locked.txt").chmod(0)
    (tmp_path / "shut").mkdir()
    (tmp_path / "shut" / "inner.txt").write_text(LOG, encoding="utf-8")
    (tmp_path / "shut").chmod(0)
    try:
        table = scan([str(tmp_path), str(tmp_path / "**" / "*.txt")], jobs=1)
    finally:
        (tmp_path / "shut").chmod(0o755)
    errors = dict(zip(table["file"], table["error"]))
    assert "Permission denied" in errors[str(tmp_path / "locked.txt")]
    assert "Permission denied" in errors[str(tmp_path / "shut")]


def test_scan_reports_a_directory_it_cannot_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shut").mkdir()
    (tmp_path / "open.txt").write_text(LOG, encoding="utf-8")
    real_scandir = os.scandir

    def guarded(path="."):
        if str(path).endswith("shut"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded)
    table = scan([str(tmp_path / "**" / "*.txt")], jobs=1)
    errors = dict(zip(table["file"], table["error"]))
    assert errors[str(tmp_path / "shut")] == "cannot read the directory: Permission denied"
    assert str(tmp_path / "open.txt") in errors


def test_scan_glob_through_two_self_referencing_symlinks_does_not_follow_the_cycle(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a").symlink_to(logs)
    (logs / "b").symlink_to(".")
    (logs / "train.txt").write_text(LOG, encoding="utf-8")
    (logs / "deeper").mkdir()
    (logs / "deeper" / "up").symlink_to(tmp_path)  # a cycle two levels long
    (logs / "deeper" / "more.log").write_text(LOG, encoding="utf-8")
    found = expand([str(tmp_path / "**" / "*")])
    assert found == [str(logs / "deeper" / "more.log"), str(logs / "train.txt")]
    table = scan([str(tmp_path / "**" / "*.txt"), str(logs)], jobs=1)
    assert table["file"].tolist() == found


@pytest.mark.parametrize("pattern", ["fixtures/**/*.txt", "fixtures/seeds/*.txt", "fixtures/*/0*", "**/*.lark",
                                     "./fixtures/keras/*/*/meta.json", "fixtures/seeds/00[0-2]*", "fixtures/*/"])
def test_scan_globs_match_what_glob_matches_on_a_tree_without_cycles(pattern: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import glob

    monkeypatch.chdir(ROOT)
    expected = sorted(f for f in glob.glob(pattern, recursive=True) if os.path.isfile(f))
    assert expand([pattern]) == expected


def test_scan_out_into_a_missing_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _cli("scan", str(SEED), "--jobs", "1", "--out", str(tmp_path / "no" / "such" / "table.csv"))
    assert "directory does not exist" in _one_line_refusal(result)


# -- encodings -------------------------------------------------------------------------------------

BAR = "[==============================]"
#: A question as a Japanese and a Korean user would post it: prose, then the log in their language.
JAPANESE = ("学習がうまくいきません。損失が下がらないのはなぜですか？\n"
            + "".join(f"エポック {i}/5\n100/100 {BAR} - 1s 5ms/step - 損失: {1 / i:.4f} - 精度: 0.{i}000\n"
                      for i in range(1, 6)) + "よろしくお願いします。\n")
KOREAN = ("학습이 잘 안 됩니다. 손실이 줄지 않는 이유가 무엇인가요?\n"
          + "".join(f"에포크 {i}/5\n100/100 {BAR} - 1s 5ms/step - 손실: {1 / i:.4f} - 정확도: 0.{i}000\n"
                    for i in range(1, 6)) + "감사합니다.\n")


@pytest.mark.parametrize(("text", "encoding", "read_as"), [
    (JAPANESE, "shift_jis", "cp932"), (JAPANESE, "cp932", "cp932"), (JAPANESE, "euc_jp", "euc_jp"),
    (KOREAN, "euc_kr", "cp949"), (KOREAN, "cp949", "cp949")])
def test_a_log_saved_in_an_east_asian_legacy_encoding_gives_its_runs(text: str, encoding: str, read_as: str) -> None:
    expected = logsense.parse(text)
    assert [len(r.epoch_records) for r in expected.runs] == [5]
    log = logsense.parse(text.encode(encoding))
    assert log.encoding == read_as and not log.warnings
    assert [r.epoch_records for r in log.runs] == [r.epoch_records for r in expected.runs]
    assert log.runs[0].meta["locale"] == expected.runs[0].meta["locale"]


def test_a_shift_jis_file_larger_than_the_sniffing_window_streams_in_its_encoding(tmp_path: Path) -> None:
    from logsense.parse.decode import SNIFF_BYTES

    copies = SNIFF_BYTES // len(JAPANESE.encode("cp932")) + 2
    path = tmp_path / "big.txt"
    path.write_bytes(JAPANESE.encode("cp932") * copies)
    log = logsense.parse(path)
    assert log.encoding == "cp932" and not any("replaced" in w for w in log.warnings)
    assert sum(len(r.epoch_records) for r in log.runs) == 5 * copies


def test_latin1_and_gbk_logs_are_read_as_before() -> None:
    french = f"Époque 1/2\n10/10 {BAR} - 0s - perte: 0.5000\nÉpoque 2/2\n10/10 {BAR} - 0s - perte: 0.2500\n"
    assert logsense.parse(french.encode("latin-1")).encoding == "latin-1"
    chinese = "".join(f"第 {i}/2 轮\n10/10 {BAR} - 0s - 损失: 0.{i}000\n" for i in (1, 2))
    assert logsense.parse(chinese.encode("gbk")).encoding == "gb18030"


# -- MSVC spellings (fixed earlier: a regression guard) ----------------------------------------------

def test_msvc_spellings_read_as_non_finite_values_with_their_signs() -> None:
    bar = "[==============================]"
    text = "".join(f"Epoch {i}/4\n10/10 {bar} - 0s - loss: {v}\n"
                   for i, v in enumerate(["0.5000", "1.#INF", "-1.#IND", "1.#QNAN"], 1))
    loss = logsense.parse(text).runs[0].series("loss")
    assert loss[0] == 0.5 and loss[1] == math.inf and np.isnan(loss[2:]).all()
    assert not (loss == 1.0).any() and not (loss == -1.0).any()


# -- overrides: every field checked, the message names it and its range ------------------------------

@pytest.mark.parametrize(("flag", "value", "says"), [
    ("--lr", "nan", "lr must be a finite number"), ("--lr", "-1", "lr must be a number above 0"),
    ("--lr", "0", "lr must be a number above 0"), ("--epochs", "0", "epochs must be a whole number from 1"),
    ("--epochs", "-5", "epochs must be a whole number from 1"),
    ("--batch-size", "0", "batch size must be a whole number from 1"),
    ("--batch-size", "-3", "batch size must be a whole number from 1"), ("--l2", "-0.1", "l2 must be a number of 0"),
])
def test_cli_refuses_an_impossible_override_naming_the_field_and_range(flag: str, value: str, says: str,
                                                                       capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["diagnose", str(SEED), f"{flag}={value}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


@pytest.mark.parametrize("overrides", [{"epochs": 0}, {"batch_size": -3}, {"lr": 0.0}, {"epochs": 2.5}])
def test_api_refuses_zero_and_negative_epochs_and_batch_sizes(overrides: dict) -> None:
    with pytest.raises(InvalidSetup) as err:
        logsense.diagnose(LOG, **overrides)
    field = next(iter(overrides)).replace("_", " ")
    assert field in str(err.value) and ("from 1" in str(err.value) or "above 0" in str(err.value))


def test_a_pasted_line_of_100k_digits_is_read_in_linear_time(tmp_path: Path) -> None:
    """fuzz/fuzz_families.py found it: the tqdm shape's optional leading number made its search
    quadratic (a 20,000-digit literal: 126 s). The subprocess timeout is a hang guard, not a speed goal."""
    path = tmp_path / "post.txt"
    path.write_text("x = " + "7" * 100_000 + "\n" + LOG, encoding="utf-8")
    result = _cli("parse", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert [e["loss"] for e in json.loads(result.stdout)["runs"][0]["epochs"]] == LOSSES
