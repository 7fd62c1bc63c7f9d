"""The model predicts the per-dimension target mean for every input.

With MSE the best prediction that ignores the input is the target mean, and
training reaches it quickly whenever the signal path carries no usable
gradient (features without signal, BN-normalised or saturated activations, a
deep stack whose early layers barely move). A pasted ``model.predict`` whose
rows are identical to within a small fraction of the spread between columns is
the fingerprint. The replay trains a no-signal sigmoid regression and shows it
lands on that fingerprint; it cannot prove the real features were useless, so
it never confirms.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..findings import CollapseStats, Finding
from ..log import Log
from ..numeric import fmt
from ..simulate.collapse import simulate_collapse
from .base import CONSISTENT, CONTRADICTED, Cause, LogCause, Replay, known

#: The replayed spread ratio must be within this factor of the pasted one to count as "the same profile".
RATIO_FACTOR = 10.0


def _collapse(findings: list[Finding]) -> Finding | None:
    return next((f for f in findings if f.symptom == "collapse"), None)


class CollapseToMean(LogCause):
    id = "collapse_to_mean"
    explains = ("collapse", "plateau")

    def assess(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        found = _collapse(findings)
        if found is None:
            return None
        s = CollapseStats.of(found)
        means = s.column_means
        shown = (f"pasted predictions ({'x'.join(str(int(d)) for d in s.shape)}"
                 f"{', rows elided' if s.elided else ''}) vary across samples by {known(s.between_sample_std, 3)}")
        if s.between_column_std is None:  # one output per sample
            evidence = [(f"{shown} around {fmt(means[0]) if means else '?'} "
                        f"({100 * (s.relative_spread or 0):.2g}% of the value): every input gets the "
                        f"same prediction")]
        else:
            evidence = [(f"{shown} but across outputs by {known(s.between_column_std, 3)} "
                        f"(ratio {known(s.ratio, 3)})")]
        if means and len(means) > 1:
            evidence.append(f"column means {fmt(min(means), 2)}-{fmt(max(means), 2)}: the same vector for every input")
        act = str(context.get("output_activation") or "")
        if act == "sigmoid" and str(context.get("loss") or "") in ("mse", "mean_squared_error"):
            evidence.append("sigmoid output trained with MSE: the no-signal optimum is sigmoid(b) = mean(y)")
        replay = self.replay(log, findings, context)
        if replay is not None:
            evidence.append(f"replay: a no-signal sigmoid regression reaches spread ratio "
                            f"{fmt(replay.predicted[0], 2)} (pasted {fmt(replay.observed[0], 2)}) and MSE = Var(y)")
        confidence = 0.75 * found.confidence + (0.05 if act == "sigmoid" else 0.0)
        fix = ("check that the inputs carry signal (a linear model or a shuffled-label run should differ); "
               "standardise inputs and targets, use a linear output for regression (or keep sigmoid with targets "
               "in [0,1] but compare the loss with Var(y), the collapse level), and watch that gradients reach the "
               "first layers (fewer layers, residual connections, a larger learning rate for the head)")
        return self.cause(confidence, [], evidence, fix, replay, ["collapse"])

    def replay(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        found = _collapse(findings)
        means = CollapseStats.of(found).column_means if found else []
        observed_ratio = CollapseStats.of(found).ratio if found else None
        if not means or observed_ratio is None or observed_ratio <= 0:
            return None
        sim = simulate_collapse(means)
        err = float(np.max(np.abs(sim.column_means - sim.target_means)))
        ratio_err = abs(np.log10(max(sim.ratio, 1e-12) / observed_ratio))
        return Replay(metric="spread_ratio", predicted=[sim.ratio], observed=[observed_ratio],
                      max_rel_error=float(abs(sim.ratio - observed_ratio) / observed_ratio),
                      tolerance=RATIO_FACTOR - 1,
                      status=CONSISTENT if 10 ** ratio_err <= RATIO_FACTOR else CONTRADICTED,
                      params={"target_means": list(means), "model": "sigmoid(X W + b), X independent of y"},
                      note=("consistent, not proven: the target means are taken from the pasted predictions, so "
                            "matching them is by construction; what the replay shows is that a model whose inputs "
                            "carry no signal produces the same profile (identical rows, spread ratio within "
                            f"{'a factor of ' + fmt(10 ** ratio_err, 2)}; what spread is left comes from fitting "
                            "noise and shrinks as sqrt(features/samples)) and a loss of Var(y). "
                            "The post cannot show that its features were useless"),
                      extra={"column_means": sim.column_means.tolist(), "target_means": sim.target_means.tolist(),
                             "max_mean_error": err, "mse": sim.mse, "target_var": sim.target_var.tolist(),
                             "between_sample_std": sim.between_sample_std})
