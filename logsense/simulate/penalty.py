"""The L2 penalty a freshly initialised network adds to its training loss.

``lambda * sum(W^2)`` at initialisation is known in expectation from the layer
shapes and the initialiser alone: a weight matrix with ``n`` entries of variance
``s^2`` has ``E[sum W^2] = n s^2``. Over the millions of weights of a real
layer the sum concentrates tightly around that expectation, so the prediction
is sharp without any random draw.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Keras defaults when a layer does not name its initialisers.
DEFAULT_KERNEL_INIT = "glorot_uniform"
DEFAULT_RECURRENT_INIT = "orthogonal"
#: Gates per recurrent cell: the kernel of an LSTM is ``fan_in x 4*units``.
GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1, "CuDNNLSTM": 4, "CuDNNGRU": 3}


def expected_sq_norm(fan_in: int, fan_out: int, initializer: str | None) -> float:
    """``E[sum W^2]`` for a ``fan_in x fan_out`` matrix drawn by ``initializer``.

    Variances follow Keras: glorot_* ``2/(fan_in+fan_out)``, he_* ``2/fan_in``,
    lecun_* ``1/fan_in``; orthogonal has exactly ``min(fan_in, fan_out)`` unit
    singular values; the legacy ``uniform`` is U(-0.05, 0.05) and ``normal``
    N(0, 0.05). Truncated normals are rescaled by Keras to keep the variance.
    Raises ``ValueError`` for an initialiser whose scale is unknown.
    """
    name = (initializer or DEFAULT_KERNEL_INIT).lower().replace("initializer", "")
    n = fan_in * fan_out
    if name.startswith(("glorot", "xavier")):
        return 2.0 * n / (fan_in + fan_out)
    if name.startswith("he_"):
        return 2.0 * n / fan_in
    if name.startswith("lecun"):
        return 1.0 * n / fan_in
    if name in ("orthogonal", "identity"):
        return float(min(fan_in, fan_out))
    if name in ("zeros", "zero"):
        return 0.0
    if name in ("ones", "one"):
        return float(n)
    if name in ("uniform", "random_uniform"):
        return n * 0.05 ** 2 / 3.0
    if name in ("normal", "random_normal"):
        return n * 0.05 ** 2
    raise ValueError(f"unknown initialiser scale: {initializer!r}")


@dataclass(frozen=True)
class LayerPenalty:
    """One weight tensor's share of the penalty at initialisation."""

    layer: str
    tensor: str  # kernel, recurrent or bias
    shape: tuple[int, int]
    initializer: str
    lam: float
    sum_sq: float

    @property
    def penalty(self) -> float:
        return self.lam * self.sum_sq


def _lam(regs: Mapping[str, Any], tensor: str, default: float | None) -> float:
    reg = regs.get(tensor)
    if isinstance(reg, Mapping) and reg.get("l2") is not None:
        return float(reg["l2"])
    return float(default) if default is not None and tensor == "kernel" and not regs else 0.0


def layer_penalties(layers: Iterable[Mapping[str, Any]], default_l2: float | None = None) -> list[LayerPenalty]:
    """Each regularised tensor of ``layers`` (context layer dicts) with its expected ``lambda*sum W^2``.

    A layer without a ``regularizers`` entry takes ``default_l2`` on its kernel
    (a post that says "l2 1e-3 everywhere"). Layers without a known fan-in or
    width are skipped: they cannot be sized.
    """
    out: list[LayerPenalty] = []
    for i, layer in enumerate(layers):
        fan_in, units = layer.get("input_dim"), layer.get("units")
        if not isinstance(fan_in, int) or not isinstance(units, int) or fan_in <= 0 or units <= 0:
            continue
        name = str(layer.get("name") or f"{layer.get('type', 'layer')}_{i}")
        regs = layer.get("regularizers") or {}
        gates = GATES.get(str(layer.get("type")), 0)
        width = units * max(gates, 1)
        k_init = str(layer.get("initializer") or DEFAULT_KERNEL_INIT)
        tensors: list[tuple[str, tuple[int, int], str, float]] = [
            ("kernel", (fan_in, width), k_init, expected_sq_norm(fan_in, width, k_init))]
        if gates:
            r_init = str(layer.get("recurrent_initializer") or DEFAULT_RECURRENT_INIT)
            # Keras builds an orthogonal units x (gates*units) matrix: `units` unit singular values.
            tensors.append(("recurrent", (units, width), r_init, expected_sq_norm(units, width, r_init)))
            # LSTM's forget-gate bias starts at 1 (unit_forget_bias / forget_bias_init="one"); the rest at 0.
            tensors.append(("bias", (1, width), "unit_forget_bias" if gates == 4 else "zeros",
                            float(units) if gates == 4 else 0.0))
        elif layer.get("use_bias", True):
            tensors.append(("bias", (1, width), "zeros", 0.0))
        for tensor, shape, init, sum_sq in tensors:
            lam = _lam(regs, tensor, default_l2)
            if lam > 0:
                out.append(LayerPenalty(name, tensor, shape, init, lam, sum_sq))
    return out


def penalty_at_init(layers: Iterable[Mapping[str, Any]], default_l2: float | None = None) -> float:
    """Total expected L2 penalty at initialisation (see `layer_penalties`)."""
    return sum(p.penalty for p in layer_penalties(layers, default_l2))


def decayed_epoch_means(p0: float, factor: float, n_epochs: int) -> list[float]:
    """Epoch averages of a penalty that starts at ``p0`` and shrinks by ``factor`` per epoch.

    Within an epoch the penalty decays continuously, ``p0 * factor^t``, so the
    average printed for epoch ``k`` is ``p0 * factor^k * (1 - factor) / -ln(factor)``.
    """


    if not 0 < factor < 1:
        return [p0 * factor ** k for k in range(n_epochs)] if factor > 0 else [p0] * n_epochs
    shape = (1 - factor) / -math.log(factor)
    return [p0 * factor ** k * shape for k in range(n_epochs)]
