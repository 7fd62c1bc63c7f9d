"""Small numpy mechanisms that causes replay.

Each module simulates one way training goes wrong, small enough to run in well
under a second, so a cause can show that its mechanism prints the log's numbers:
gradient descent on a one-weight quadratic (`quadratic`), the L2 penalty of a
freshly initialised network (`penalty`), softmax regression on unscaled inputs
(`softmax`), a no-signal sigmoid regression (`collapse`), an Adam-like
optimizer hit by a rare large gradient (`instability`), the training loss an
epoch's averaging alone explains (`epoch_mean`), a bias-only classifier that
learns the label prior (`prior`) and a sigmoid trained with binary
cross-entropy on targets above 1, frozen at Keras' clip (`bce_targets`).
"""
from .collapse import CollapseResult, simulate_collapse
from .epoch_mean import epoch_mean_curve, logarithmic_mean
from .instability import ShockResult, simulate_shock
from .penalty import LayerPenalty, expected_sq_norm, layer_penalties, penalty_at_init
from .quadratic import Quadratic, ScalarGD, gd_losses
from .softmax import SoftmaxResult, train_softmax_regression

__all__ = [
           "CollapseResult",
           "LayerPenalty",
           "Quadratic",
           "ScalarGD",
           "ShockResult",
           "SoftmaxResult",
           "epoch_mean_curve",
           "expected_sq_norm",
           "gd_losses",
           "layer_penalties",
           "logarithmic_mean",
           "penalty_at_init",
           "simulate_collapse",
           "simulate_shock",
           "train_softmax_regression",
]
