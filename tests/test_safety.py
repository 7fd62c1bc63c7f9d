"""Pasted code is only ever read with `ast`: nothing in a paste runs, through any entry point.

`tests/test_context.py` checks the context reader alone; here the same kind of
payloads go through `logsense.diagnose` and the `logsense diagnose` command, and
an audit hook (PEP 578) watches for processes started, files opened for the
marker, modules imported by name from the paste and code objects executed that
were compiled from it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import CodeType

import pytest

import logsense

#: Appears in every payload (file names, module names), so the hook can tell the paste's actions from logsense's own.
TOKEN = "lgsns_pwned"

LOG = "".join(f"Epoch {i}/4\n8/8 [==============================] - 0s 2ms/step - loss: {2.0 / i:.4f}\n"
              for i in range(1, 5))


def _payload(directory: Path) -> tuple[str, list[Path]]:
    marks = [directory / f"{TOKEN}_{i}" for i in range(14)]
    pickled = f"cos\\nsystem\\n(S'touch {marks[8]}'\\ntR."
    code = textwrap.dedent(f"""\
        Here is my script, it crashes:
        import os, subprocess, pickle, importlib
        __import__('os').system('touch {marks[0]}')
        os.system('touch {marks[1]}')
        open('{marks[2]}', 'w').write('x')
        subprocess.run(['touch', '{marks[3]}'])
        subprocess.Popen('touch {marks[4]}', shell=True)
        eval("__import__('os').system('touch {marks[5]}')")
        exec("open('{marks[6]}', 'w').write('x')")
        exec(compile("open('{marks[7]}', 'w')", '<paste>', 'exec'))
        pickle.loads(b"{pickled}")
        importlib.import_module('{TOKEN}_module')
        getattr(__builtins__, 'exec')("open('{marks[9]}', 'w')")
        model = Sequential()
        model.add(Dense(int(__import__('os').system('touch {marks[10]}')), input_dim=4, activation='relu'))
        model.add(Dense(1, activation=(lambda: open('{marks[11]}', 'w'))()))
        model.compile(optimizer=SGD(lr=[os.system('touch {marks[12]}') for _ in '1'][0] or 0.05), loss='mse')
        model.fit(X, y, epochs=4, batch_size=f"{{open('{marks[13]}', 'w')}}")
        x = 9**9**9**9
        """)
    return code + "\nand the output:\n" + LOG, marks


#: Audit events that would mean something in the paste was carried out.
_PROCESS_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
                   "pickle.find_class", "os.startfile")


def _mentions_token(value: object, depth: int = 0) -> bool:
    if isinstance(value, (str, bytes)):
        return TOKEN in (value if isinstance(value, str) else value.decode("latin-1"))
    if isinstance(value, CodeType):  # code compiled from the paste carries its strings as constants
        return depth < 20 and any(_mentions_token(c, depth + 1) for c in value.co_consts)
    if isinstance(value, (tuple, list)):
        return any(_mentions_token(v, depth + 1) for v in value)
    return isinstance(value, Path) and TOKEN in str(value)


def _is_alarm(event: str, args: tuple) -> bool:
    """Audit events that would mean the paste ran. `compile` is fine: it is how `ast.parse` reads."""
    if event.startswith(_PROCESS_EVENTS):
        return True
    if event in ("exec", "open", "import", "os.open"):
        return _mentions_token(args[:1])
    return False


_seen: list[tuple[str, str]] = []
_armed = [False]


def _hook(event: str, args: tuple) -> None:
    if _armed[0] and _is_alarm(event, args):
        _seen.append((event, repr(args)[:200]))


sys.addaudithook(_hook)  # hooks cannot be removed; it records only while a test arms it


@pytest.fixture
def audit(monkeypatch, tmp_path):
    # A fresh cache directory: parser tables and locale files loaded during the test are built,
    # not unpickled from the user's cache (logsense/parse/cache.py), so any unpickling is the paste's.
    monkeypatch.setenv("LOGSENSE_CACHE_DIR", str(tmp_path / "fresh-cache"))
    _seen.clear()
    _armed[0] = True
    try:
        yield _seen
    finally:
        _armed[0] = False


def test_the_hook_does_see_what_it_watches_for(audit, tmp_path: Path) -> None:
    """A guard for the guard: the same payload run for real is caught."""
    marker = tmp_path / f"{TOKEN}_real"
    exec(compile(f"open({str(marker)!r}, 'w').close()", "<paste>", "exec"))  # noqa: S102 - the point of the test
    assert marker.exists()
    assert {event for event, _ in audit} >= {"exec", "open"}


def test_diagnose_runs_nothing_from_a_paste(audit, tmp_path: Path) -> None:
    text, marks = _payload(tmp_path)
    report = logsense.diagnose(text)
    assert audit == []
    assert not [m for m in marks if m.exists()]
    assert TOKEN + "_module" not in sys.modules
    (run,) = report.log.runs
    assert run.series("loss").tolist() == [2.0, 1.0, 0.6667, 0.5]
    assert run.context["optimizer"] == "sgd" and run.context["loss"] == "mse"  # the paste was still read


def test_parse_of_a_payload_as_bytes_and_file_runs_nothing(audit, tmp_path: Path) -> None:
    text, marks = _payload(tmp_path)
    path = tmp_path / "post.txt"
    path.write_text(text, encoding="utf-8")
    logsense.diagnose(logsense.parse(path))
    logsense.diagnose(text.encode("utf-16"))
    assert audit == []
    assert not [m for m in marks if m.exists()]


_CLI_WITH_HOOK = """
import sys
seen = []
def mentions(value, depth=0):
    if hasattr(value, "co_consts"):  # a code object: look at the strings compiled into it
        return depth < 20 and any(mentions(c, depth + 1) for c in value.co_consts)
    if isinstance(value, (tuple, list)):
        return any(mentions(v, depth + 1) for v in value)
    return {token!r} in str(value)
def hook(event, args):
    if event.startswith({events!r}) or (event in ("exec", "open", "import", "os.open") and mentions(args[:1])):
        seen.append(event)
sys.addaudithook(hook)
from logsense.cli import main
code = main(["diagnose", sys.argv[1], "--json"])
print("AUDIT", sorted(set(seen)), file=sys.stderr)
sys.exit(code)
"""


def test_cli_diagnose_runs_nothing_from_a_paste(tmp_path: Path) -> None:
    text, marks = _payload(tmp_path)
    path = tmp_path / "post.txt"
    path.write_text(text, encoding="utf-8")
    script = _CLI_WITH_HOOK.format(events=_PROCESS_EVENTS, token=TOKEN)
    # A fresh cache directory: logsense then builds its parser tables instead of unpickling the
    # user's cached ones (logsense/parse/cache.py), so any unpickling seen here would be the paste's.
    env = {**os.environ, "LOGSENSE_CACHE_DIR": str(tmp_path / "fresh-cache")}
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120,
                            check=False, env=env)
    assert result.returncode == 0, result.stderr
    assert "AUDIT []" in result.stderr
    assert '"optimizer": "sgd"' in result.stdout
    plain = subprocess.run([sys.executable, "-m", "logsense", "diagnose", str(path)], capture_output=True,
                           text=True, timeout=120, check=False)
    assert plain.returncode == 0 and "Traceback" not in plain.stderr
    assert not [m for m in marks if m.exists()]
