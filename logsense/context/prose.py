"""Hints in the prose around a log: "when the learning rate is 0.01", "this is the
output when it is 0.03", "if we change l2_lambda to be 0", "Keras 0.3.0".

Patterns are deliberately narrow: a false hint silently changes a diagnosis,
a missed one only leaves a gap the user can fill with an override.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .vocab import DATASET_PATTERN, dataset_info, initializer_name, loss_name

_NUM = r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)(?![\w.])"
_LINK = r"\s*(?:(?:is|was|of|=|to be|set to|equal to|equals|at)\s*)+"
_LR = re.compile(r"(?:learning[ _-]?rate|\blr)" + _LINK + _NUM, re.IGNORECASE)
#: "learning rate 0.05 works": with no linking word the value must look like a rate (a decimal).
_LR_BARE = re.compile(r"(?:learning[ _-]?rate|\blr)\s+((?:\d*\.\d+|\d+(?:\.\d*)?[eE][-+]?\d+))(?![\w.])",
                      re.IGNORECASE)
_LR_TOPIC = re.compile(r"learning[ _-]?rate|\blr\b|学习率", re.IGNORECASE)
#: "(the output) when it is 0.03": a bare value only counts after "when/with/for/at".
_PRONOUN = re.compile(r"\b(?:when|with|for|if|at)\s+(?:it|this|that)\s*(?:is|was|'s|’s|=)\s*" + _NUM,
                      re.IGNORECASE)
_BATCH = re.compile(r"batch[ _-]?size" + _LINK + r"(\d+)(?![\w.])", re.IGNORECASE)
_VERSION = re.compile(r"\bkeras\s*(?:version\s*)?v?(\d+\.\d+(?:\.\d+)?)\b", re.IGNORECASE)
_BACKEND = re.compile(r"\b(tensorflow|theano|cntk|jax|torch)\s*(?:backend|后端)|using\s+(\w+)\s+backend",
                      re.IGNORECASE)
_LOSS_CONTEXT = re.compile(r"\b(?:compile[ds]?|loss)\b", re.IGNORECASE)
_LOSS = re.compile(r"\b(mse|mae|mean[ _]squared[ _]error|mean[ _]absolute[ _]error|"
                   r"(?:sparse[ _]?)?categorical[ _]?cross[ _-]?entropy|binary[ _]?cross[ _-]?entropy)\b",
                   re.IGNORECASE)
#: "the target is the raw sale price, not scaled", "SalePrice target left in their raw units".
_TARGETS = re.compile(r"\b(?:targets?|labels?|y_train|prices?|saleprice)\b", re.IGNORECASE)
_UNSCALED = re.compile(r"\bnot\s+(?:scaled|normali[sz]ed|standardi[sz]ed)|\bunscaled\b|\braw\s+(?:units?|values?|"
                       r"dollars?|sale\s+prices?|prices?|counts?)\b|\bleft\s+in\s+(?:their|its)\s+raw", re.IGNORECASE)
#: Batch normalisation in the model: named, its statistics printed, or a backbone built on it.
_BATCHNORM = re.compile(r"BatchNorm|batch[ _-]?normali[sz]ation|running[ _](?:mean|variance)|moving_(?:mean|variance)|"
                        r"\b(?:InceptionV3|ResNet\d*|EfficientNet\w*|MobileNet\w*|Xception|DenseNet\d*)\b")
_INIT_CONTEXT = re.compile(r"initiali[sz]", re.IGNORECASE)
_INIT = re.compile(r"\b(he_normal|he_uniform|glorot_uniform|glorot_normal|lecun_uniform|lecun_normal|orthogonal)\b")
#: Lines that are console output, where "lr: 0.001" is a metric and not a set-up.
_CONSOLE = re.compile(r"\[=|\s-\s(?:loss|val_|\w+:)|ETA:|/step")
#: Words without which no pattern below can match (one search rules most lines out).
_TRIGGER = re.compile(r"learning|\blr\b|batch|keras|backend|后端|学习率|mnist|cifar|compil|loss|initiali|target|label"
                      r"|price|norm|running|moving_|inception|resnet|efficientnet|mobilenet|xception|densenet",
                      re.IGNORECASE)
#: How far below a mention of the learning rate a bare "it is 0.03" still refers to it.
TOPIC_WINDOW = 40


@dataclass
class ProseReader:
    """Reads prose lines top to bottom, remembering what the text is talking about."""

    lr_topic_line: int = -10**9
    hits: dict[str, Any] = field(default_factory=dict)

    def read(self, line: int, text: str, variables: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
        """Context values stated on this line, and variable overrides ("change l2_lambda to be 0")."""
        overrides = _overrides(text, variables) if variables else {}
        if (w := warning_kind(text)) is not None:
            return {f"warning_{w}": text.strip()[:200]}, overrides
        near_topic = line - self.lr_topic_line <= TOPIC_WINDOW
        if not _TRIGGER.search(text) and not near_topic or _CONSOLE.search(text):
            return {}, overrides
        values: dict[str, Any] = {}
        m = _LR.search(text) or _LR_BARE.search(text)
        if m:
            values["lr"] = float(m.group(1))
        elif near_topic:
            p = _PRONOUN.search(text)
            if p and 0 < float(p.group(1)) < 10:
                values["lr"] = float(p.group(1))
        if "lr" in values:
            values["lr_source"] = "prose"
        if _LR_TOPIC.search(text):
            self.lr_topic_line = line
        if (b := _BATCH.search(text)):
            values["batch_size"] = int(b.group(1))
            values["batch_size_source"] = "prose"
        if (v := _VERSION.search(text)):
            values["keras_version"] = v.group(1)
        if (be := _BACKEND.search(text)):
            values["backend"] = (be.group(1) or be.group(2)).lower()
        if (d := DATASET_PATTERN.search(text)) and (info := dataset_info(d.group(1))):
            values["dataset"] = info
        if _LOSS_CONTEXT.search(text) and (lo := _LOSS.search(text)):
            canonical = loss_name(lo.group(1).replace(" ", "_").replace("-", ""))
            if canonical:
                values["loss"] = canonical
        if _BATCHNORM.search(text):
            values["batchnorm"] = True
        if _TARGETS.search(text) and _UNSCALED.search(text):
            values["targets_unscaled"] = True
        if _INIT_CONTEXT.search(text) and (init := _INIT.search(text)):
            values["initializer"] = initializer_name(init.group(1))
        return values, overrides


#: (kind, pattern) of the warnings numpy/Keras/TensorFlow print that name a mechanism (causes cite them).
WARNING_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("log_of_zero", re.compile(r"divide by zero encountered in (?:log|true_divide|divide)", re.IGNORECASE)),
    ("from_logits", re.compile(r"from_logits", re.IGNORECASE)),
    ("overflow", re.compile(r"overflow encountered", re.IGNORECASE)),
    ("invalid_value", re.compile(r"invalid value encountered", re.IGNORECASE)),
    ("deprecated", re.compile(r"deprecat", re.IGNORECASE)),
)
_WARNING_LINE = re.compile(r"Warning\b|WARNING|\bW tensorflow|encountered in", re.IGNORECASE)


def warning_kind(text: str) -> str | None:
    """The kind of a printed warning line ("RuntimeWarning: divide by zero encountered in log"), if it is one."""
    if "arning" not in text and "encountered" not in text and "WARN" not in text:
        return None
    if not _WARNING_LINE.search(text):
        return None
    return next((kind for kind, pattern in WARNING_KINDS if pattern.search(text)), None)


def _overrides(text: str, variables: dict[str, Any]) -> dict[str, float]:
    """Known variables given a new value in prose: "change l2_lambda to be 0", "with d1 = 256"."""
    out: dict[str, float] = {}
    for name in variables:
        if name not in text:
            continue
        pattern = (rf"(?:(?:chang|sett?)(?:e|es|ed|ing)?\s+`?{re.escape(name)}`?\s+(?:to be|to|as|=)"
                   rf"|(?<![\w.]){re.escape(name)}\s*=)\s*" + _NUM)
        m = re.search(pattern, text, re.IGNORECASE)
        if m:
            value = float(m.group(1))
            out[name] = int(value) if value.is_integer() and isinstance(variables[name], int) else value
    return out
