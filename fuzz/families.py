"""Hostile input families of issue 16, built from a few numbers so both harnesses can draw them:
atheris from its `FuzzedDataProvider`, hypothesis from its strategies (`fuzz/fuzz_families.py`).

Each builder returns what logsense is fed (text, bytes, or a directory tree it creates) and never
imports logsense, so a finding's input can be rebuilt from its numbers alone.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

BAR = "[==============================]"


def console_log(epochs: int = 3, start: float = 2.0) -> str:
    return "".join(f"Epoch {i}/{epochs}\n8/8 {BAR} - 0s 2ms/step - loss: {start / i:.4f}\n"
                   for i in range(1, epochs + 1))


def huge_integer_code(digits: int, hexadecimal: bool = False, sign: str = "") -> str:
    """Pasted code holding an integer literal of ``digits`` digits (decimal or hex), then a log."""
    literal = ("0x" + "f" * digits) if hexadecimal else ("9" * digits)
    return f"x = {sign}{literal}\nlr = 0.01\nmodel.compile(optimizer=SGD(lr=lr), loss='mse')\n" + console_log()


def power_tower_code(base: int, exponent: int, storeys: int, style: int = 0) -> str:
    """``a = base**exponent; b = a**exponent; ...`` (style 0), ``base**exponent**...`` in one
    expression (style 1), or repeated squaring in a loop (style 2)."""
    if style == 1:
        body = "x = " + "**".join([str(base)] + [str(exponent)] * storeys) + "\n"
    elif style == 2:
        body = f"x = {base}\nfor i in range({storeys * 8}):\n    x = x * x\n"
    else:
        names = [f"v{i}" for i in range(storeys + 1)]
        body = f"{names[0]} = {base}**{exponent}\n" + "".join(
            f"{names[i]} = {names[i - 1]}**{exponent}\n" for i in range(1, storeys + 1))
    return body + "model.compile(optimizer=Adam(lr=0.001), loss='mse')\n" + console_log()


def deep_json(depth: int, kind: int = 0, with_log: bool = True) -> str:
    """A model config (kind 0), a history (kind 1) or a Python-literal config (kind 2) whose
    brackets nest ``depth`` deep."""
    nest = "[" * depth + "]" * depth
    if kind == 1:
        text = '{"loss": [1.0, 0.5], "junk": ' + nest + "}"
    else:
        text = '{"class_name": "Sequential", "config": {"layers": ' + nest + "}}"
        if kind == 2:
            text = text.replace('"', "'")
    return text + ("\n" + console_log() if with_log else "")


def huge_history(digits: int, position: int, negative: bool = False) -> str:
    """A history JSON whose ``position``-th loss is an integer of ``digits`` digits."""
    values: list[str] = ["1.5", "1.0", "0.5"]
    values.insert(position % 4, ("-" if negative else "") + "9" * max(digits, 1))
    return '{"loss": [' + ", ".join(values) + '], "val_loss": [2, 1, 0.5, 0.25], "lr": 0.01}'


#: Phrases of the languages whose legacy encodings the decoder reads, each with the encodings.
LANGUAGES = {
    "ja": ("エポック", "損失", "精度", "学習がうまくいきません。なぜですか？", ("cp932", "shift_jis", "euc_jp")),
    "ko": ("에포크", "손실", "정확도", "학습이 잘 안 됩니다. 왜 그럴까요?", ("euc_kr", "cp949")),
    "zh": ("第", "损失", "准确率", "训练不收敛，为什么？", ("gbk", "gb18030")),
}


def translated_log(language: str, epochs: int, words: int) -> str:
    """A post in ``language``: its prose ``words`` times, then a log in its words."""
    epoch, loss, acc, prose, _ = LANGUAGES[language]
    lines = [prose * max(words, 1)]
    for i in range(1, epochs + 1):
        header = f"{epoch} {i}/{epochs}" if language != "zh" else f"{epoch} {i}/{epochs} 轮"
        lines += [header, f"8/8 {BAR} - 0s 2ms/step - {loss}: {1.0 / i:.4f} - {acc}: 0.{i % 10}000"]
    return "\n".join(lines) + "\n"


def bad_csv(rows: int, bad_rows: list[int]) -> str:
    """A CSVLogger file with the given rows spoiled (a word, a short row)."""
    out = ["epoch,loss,val_loss"]
    for i in range(rows):
        if i in bad_rows:
            out.append(f"{i},oops,1.0" if i % 2 else f"{i},0.5")
        else:
            out.append(f"{i},{1.0 / (i + 1):.4f},{1.1 / (i + 1):.4f}")
    return "\n".join(out) + "\n"


def symlink_tree(root: Path, shape: list[int]) -> None:
    """A directory tree under ``root`` from a list of small numbers: each number adds a directory,
    a log file, an empty file, or a symlink to ``.``, to the root, to a parent, to a sibling or to
    nothing (cycles of every length, dangling links, links to links)."""
    dirs = [root]
    links = 0
    for k, n in enumerate(shape):
        here = dirs[n % len(dirs)]
        action = (n // 7) % 7
        name = f"n{k}"
        if action == 0:
            (here / name).mkdir(exist_ok=True)
            dirs.append(here / name)
        elif action == 1:
            (here / f"{name}.log").write_text(console_log(2), encoding="utf-8")
        elif action == 2:
            (here / f"{name}.txt").write_text("", encoding="utf-8")
        else:
            target = {3: ".", 4: str(root), 5: "..", 6: f"l{links - 1}" if links else "missing"}[action]
            try:
                os.symlink(target, here / f"l{links}")
            except FileExistsError:
                pass
            links += 1


def history_with_extras(extra: dict) -> str:
    return json.dumps({"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.9, 0.8], **extra})
