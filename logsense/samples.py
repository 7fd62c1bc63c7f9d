"""The sample logs the page offers: the seed forum posts, real Keras captures and one of each other framework.

Samples are discovered by globbing, never listed by hand, so a new seed or a
regenerated capture appears on the page without code changes. They ship with
the package (``logsense.sample_logs``, the repository's ``fixtures/`` folder,
read with `importlib.resources`), so a plain ``pip install .`` has them; an
editable install made before they were package data reads the checkout's.

Example:
    >>> from logsense import samples
    >>> found = samples.find_samples()
    >>> all(s.path.is_file() for s in found)
    True
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The package the sample logs ship in (pyproject maps it to ``fixtures/``).
DATA_PACKAGE = "logsense.sample_logs"

#: The capture of each Keras scenario the page offers: verbose=1 with stdout
#: piped to a file, the raw bytes someone gets from ``python train.py > log``.
KERAS_CAPTURE = "pipe.txt"
FRAMEWORK_NAMES = {"keras3": "Keras 3", "tfkeras": "tf.keras 2"}

#: What each seed post is about, in the asker's terms (the symptom they saw,
#: not logsense's diagnosis). Seeds without an entry get their first line.
SEED_TITLES = {
    "000": "Training loss 200x the validation loss (Keras 0.x Graph model, two runs)",
    "001": "Regression predicts the same vector for every input (pasted model.predict)",
    "002": "LSTM loss jumps suddenly late in training and never recovers",
    "003": "Custom scalar layer: loss explodes with 20 inputs (machine-translated Chinese page)",
    "004": "MNIST loss in the hundreds, growing with the learning rate (tf.keras 2)",
}


@dataclass(frozen=True)
class Sample:
    """One sample log: a stable ``key`` for widgets and URLs, a label for people, its file."""

    key: str
    label: str
    path: Path
    group: str

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


def repo_root() -> Path:
    """The source checkout this package was imported from (``fixtures/`` lives there)."""
    return Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """The folder holding ``seeds/`` and ``keras/``: the installed package data, else the checkout's ``fixtures/``."""
    try:
        root = resources.files(DATA_PACKAGE)
    except ModuleNotFoundError:  # an editable install from before the samples were package data
        return repo_root() / "fixtures"
    return root if isinstance(root, Path) else Path(str(root))


def _fixtures(root: Path | None) -> Path:
    return root / "fixtures" if root is not None else data_root()


def seed_samples(root: Path | None = None) -> list[Sample]:
    """The seed forum posts, ``seeds/NNN_<hash>.txt``, in number order (``root``: a checkout to read instead)."""
    folder = _fixtures(root) / "seeds"
    out = []
    for path in sorted(folder.glob("*.txt")):
        number = path.stem.split("_", 1)[0]
        title = SEED_TITLES.get(number) or _first_line(path)
        out.append(Sample(key=f"seed-{number}", label=f"Seed {number}: {title}", path=path, group="forum post"))
    return out


def keras_samples(root: Path | None = None, capture: str = KERAS_CAPTURE) -> list[Sample]:
    """Real Keras captures, ``keras/<framework>/<scenario>/<capture>``, labelled from meta.json."""
    folder = _fixtures(root) / "keras"
    out = []
    for path in sorted(folder.glob(f"*/*/{capture}")):
        scenario, framework = path.parent.name, path.parent.parent.name
        shows = _meta(path.parent).get("shows", "")
        label = f"{FRAMEWORK_NAMES.get(framework, framework)}: {scenario.replace('_', ' ')}"
        if shows:
            label += f" ({_shorten(shows, 60)})"
        out.append(Sample(key=f"keras-{framework}-{scenario}", label=label, path=path, group="Keras capture"))
    return out


#: One real capture per other framework family (``frameworks/<family>/<scenario>/<capture>``): the
#: learning rate too high, as printed where the whole run shows (a piped Rich bar shows the last epoch only).
FAMILY_CAPTURES = {
    "lightning_tqdm": ("Lightning (TQDM bar)", "lr_too_high/pipe.txt"),
    "lightning_rich": ("Lightning (Rich bar, terminal)", "lr_too_high/tty.txt"),
    "hf_trainer": ("HF Trainer", "lr_too_high/pipe.txt"),
    "fastai": ("fastai", "lr_too_high/pipe.txt"),
    "torch_loop": ("plain PyTorch loop", "lr_too_high-step/pipe.txt"),
    "yolo_posts": ("Ultralytics YOLO (public issue)", "ultralytics-21765.txt"),
}


def framework_samples(root: Path | None = None) -> list[Sample]:
    """A real capture of each other framework family the parser reads (PyTorch Lightning, HF, fastai, YOLO, loops)."""
    folder = _fixtures(root) / "frameworks"
    out = []
    for family, (name, capture) in FAMILY_CAPTURES.items():
        path = folder / family / capture
        if path.is_file():
            what = (path.parent.name.partition("-")[0].replace("_", " ") if family != "yolo_posts"
                    else "validation metrics at 0, then back")
            out.append(Sample(key=f"framework-{family}", label=f"{name}: {what}", path=path, group="other framework"))
    return out


def find_samples(root: Path | None = None) -> list[Sample]:
    """Every sample: seeds first, then Keras captures, then one capture per other framework."""
    return seed_samples(root) + keras_samples(root) + framework_samples(root)


def _meta(folder: Path) -> dict:
    try:
        data = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _first_line(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.strip():
                return _shorten(line.strip(), 70)
    return path.stem


def _shorten(text: str, limit: int) -> str:
    """Collapse whitespace and cut at a word boundary, so labels never end mid-word."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:(") + "…"
