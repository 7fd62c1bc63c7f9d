"""Every public name of the API documents itself with a runnable example.

The examples themselves run under pytest's ``--doctest-modules`` (configured in
pyproject.toml for ``logsense/``); this test makes sure none is missing, so a
new public function without an example fails here rather than going unnoticed.
"""
from __future__ import annotations

import inspect

import pytest

import logsense
from logsense import keras as live
from logsense import plot
from logsense.parse import render


def _public_functions(module) -> list[tuple[str, object]]:
    return [(f"{module.__name__}.{name}", obj) for name, obj in vars(module).items()
            if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == module.__name__]


def _public_members(cls) -> list[tuple[str, object]]:
    out = [(f"{cls.__module__}.{cls.__name__}", cls)]
    for name, obj in vars(cls).items():
        if name.startswith("_") or name.startswith(("on_", "set_")):  # Keras hooks: covered by the class example
            continue
        if isinstance(obj, property):
            obj = obj.fget
        elif hasattr(obj, "func"):  # functools.cached_property
            obj = obj.func
        if inspect.isfunction(obj):
            out.append((f"{cls.__module__}.{cls.__name__}.{name}", obj))
    return out


API = (
    [("logsense.parse", logsense.parse), ("logsense.diagnose", logsense.diagnose)]
    + [m for cls in (logsense.Log, logsense.Run, logsense.Event, logsense.Prediction, logsense.Report,
                     live.LogsenseMonitor) for m in _public_members(cls)]
    + _public_functions(plot) + _public_functions(render) + _public_functions(live)
)


def test_the_api_list_is_not_empty():
    names = {name for name, _ in API}
    assert {"logsense.plot.run_chart", "logsense.plot.report_chart", "logsense.parse.render.render",
            "logsense.report.Report.to_dict", "logsense.log.Run.series", "logsense.keras.LogsenseMonitor"} <= names


@pytest.mark.parametrize(("name", "obj"), API, ids=[name for name, _ in API])
def test_public_api_has_a_runnable_example(name, obj):
    assert ">>>" in (inspect.getdoc(obj) or ""), f"{name} has no example in its docstring"
