"""What every test module shares: the fixture catalogues, and hypothesis' settings.

The catalogues live beside the fixtures they describe (``fixtures/keras/catalog.py``,
stdlib only, so the fixture generators can use them too). They are loaded here
once, by path, and registered as importable modules: a test writes
``import keras_catalog`` and parametrises over its scenarios at collection time.
The seed posts and their truth are `seeds` (tests/seeds.py).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Tests assert behaviour, never speed (speed lives in benchmarks/): on a shared machine a wall-clock
# check of how fast examples are drawn, or how long one takes, fails runs that are correct.
settings.register_profile("logsense", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("logsense")


def _register(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


keras_catalog = _register("keras_catalog", FIXTURES / "keras" / "catalog.py")
frameworks_catalog = _register("frameworks_catalog", FIXTURES / "frameworks" / "catalog.py")
