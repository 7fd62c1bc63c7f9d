"""What a plain ``pip install .`` ships: the sample logs as package data, read through importlib.resources.

The wheel itself is not built here (that needs the network for build isolation);
instead the pyproject's package data must cover every sample the checkout offers,
and the samples must be found from the package when it is importable.
"""
from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

import pytest

from logsense import samples

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_the_sample_package_maps_to_the_fixtures_folder():
    assert samples.DATA_PACKAGE in CONFIG["packages"]
    assert CONFIG["package-dir"][samples.DATA_PACKAGE] == "fixtures"
    assert (ROOT / "fixtures" / "__init__.py").is_file()  # a regular package: resources.files gives a Path


def test_package_data_covers_every_sample_the_page_offers():
    patterns = CONFIG["package-data"][samples.DATA_PACKAGE]
    offered = samples.find_samples(ROOT)
    assert len(offered) >= 5 + 2 * 15  # the seed posts and a capture per scenario and framework
    for sample in offered:
        rel = sample.path.relative_to(ROOT / "fixtures").as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), rel
        meta = (sample.path.parent / "meta.json").relative_to(ROOT / "fixtures").as_posix()
        if sample.group == "Keras capture":
            assert any(fnmatch.fnmatch(meta, p) for p in patterns), meta


def test_samples_are_read_from_the_package_when_it_is_installed(tmp_path, monkeypatch):
    """A copy of the sample files as an installed package (no checkout beside it) is what find_samples reads."""
    pkg = tmp_path / "site" / "logsense_samples_copy"
    for sample in samples.find_samples(ROOT):
        rel = sample.path.relative_to(ROOT / "fixtures")
        for path in (sample.path, sample.path.parent / "meta.json"):
            if path.is_file():
                target = pkg / rel.parent / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(samples, "DATA_PACKAGE", "logsense_samples_copy")
    found = samples.find_samples()
    assert found and all(str(s.path).startswith(str(pkg)) for s in found)
    assert [s.key for s in found] == [s.key for s in samples.find_samples(ROOT)]
    assert found[0].read_bytes() == samples.find_samples(ROOT)[0].read_bytes()


def test_a_missing_sample_package_falls_back_to_the_checkout(monkeypatch):
    monkeypatch.setattr(samples, "DATA_PACKAGE", "logsense_no_such_package")
    assert samples.data_root() == ROOT / "fixtures"


@pytest.mark.parametrize("name", ["LICENSE"])
def test_the_license_the_metadata_names_is_in_the_repository(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"]["text"] == "MIT" and text.startswith("MIT License")
    assert "Copyright (c) 2026 the logsense authors" in text
