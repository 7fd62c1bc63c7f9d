"""Keras vocabulary: canonical names, defaults and well-known datasets.

Posts span Keras 0.x to 3.x, so one concept has several spellings
(``nb_epoch``/``epochs``, ``W_regularizer``/``kernel_regularizer``, ``lr``/``learning_rate``).
Everything downstream sees one spelling, chosen here.
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

#: Optimizer class or string -> canonical lowercase name.
OPTIMIZERS = {
    "sgd": "sgd", "adam": "adam", "rmsprop": "rmsprop", "adagrad": "adagrad", "adadelta": "adadelta",
    "adamax": "adamax", "nadam": "nadam", "adamw": "adamw", "ftrl": "ftrl",
}

#: Keras 2 default learning rates (tf.keras agrees except Adadelta, whose default became 0.001).
DEFAULT_LR = {
    "sgd": 0.01, "adam": 0.001, "rmsprop": 0.001, "adagrad": 0.01, "adadelta": 1.0,
    "adamax": 0.002, "nadam": 0.002, "adamw": 0.001, "ftrl": 0.001,
}

#: Loss spellings -> canonical name.
LOSSES = {
    "mse": "mse", "mean_squared_error": "mse", "meansquarederror": "mse",
    "mae": "mae", "mean_absolute_error": "mae", "meanabsoluteerror": "mae",
    "categorical_crossentropy": "categorical_crossentropy", "categoricalcrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy", "binarycrossentropy": "binary_crossentropy",
    "mape": "mape", "mean_absolute_percentage_error": "mape",
    "msle": "msle", "mean_squared_logarithmic_error": "msle",
    "hinge": "hinge", "squared_hinge": "squared_hinge", "huber": "huber", "huber_loss": "huber",
    "kld": "kld", "kullback_leibler_divergence": "kld", "poisson": "poisson", "cosine_proximity": "cosine",
}

#: Initializer spellings (snake or Camel case) -> canonical snake case.
INITIALIZERS = {
    name.replace("_", ""): name for name in (
        "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_uniform", "lecun_normal",
        "orthogonal", "zeros", "ones", "identity", "uniform", "normal", "random_uniform", "random_normal",
        "truncated_normal", "variance_scaling", "constant", "one", "zero",
    )
}
INITIALIZERS.update({"xavieruniform": "glorot_uniform", "xaviernormal": "glorot_normal"})

#: Layers whose Keras default kernel initializer is glorot_uniform.
GLOROT_DEFAULT_LAYERS = {
    "Dense", "TimeDistributedDense", "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D",
    "Convolution3D", "LSTM", "GRU", "SimpleRNN", "Embedding", "SeparableConv2D", "Conv2DTranspose",
}
RECURRENT_LAYERS = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM2D", "CuDNNLSTM", "CuDNNGRU"}
#: Layers that keep the width of their input.
PASS_THROUGH_LAYERS = {
    "Dropout", "BatchNormalization", "LayerNormalization", "Activation", "PReLU", "LeakyReLU", "ELU",
    "GaussianNoise", "GaussianDropout", "Masking", "SpatialDropout1D", "SpatialDropout2D", "ActivityRegularization",
}

#: Well-known datasets, as ``keras.datasets`` ships them.
DATASETS: dict[str, dict[str, Any]] = {
    "mnist": {"n_train": 60000, "n_test": 10000, "input_shape": [28, 28], "input_dim": 784,
              "classes": 10, "input_max": 255},
    "fashion_mnist": {"n_train": 60000, "n_test": 10000, "input_shape": [28, 28], "input_dim": 784,
                      "classes": 10, "input_max": 255},
    "cifar10": {"n_train": 50000, "n_test": 10000, "input_shape": [32, 32, 3], "input_dim": 3072,
                "classes": 10, "input_max": 255},
    "cifar100": {"n_train": 50000, "n_test": 10000, "input_shape": [32, 32, 3], "input_dim": 3072,
                 "classes": 100, "input_max": 255},
}
#: Prose/code spellings of the datasets (longest first, so "fashion mnist" wins over "mnist").
DATASET_PATTERN = re.compile(
    r"(?<![A-Za-z])(fashion[-_ ]?mnist|mnist|cifar[-_ ]?100|cifar[-_ ]?10)(?![A-Za-z0-9])", re.IGNORECASE)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", name.lower())


def optimizer_name(name: str) -> str | None:
    return OPTIMIZERS.get(_key(name).replace("_", ""))


def loss_name(name: str) -> str | None:
    k = _key(name)
    return LOSSES.get(k) or LOSSES.get(k.replace("_", ""))


def initializer_name(name: str) -> str | None:
    return INITIALIZERS.get(_key(name).replace("_", ""))


def dataset_info(name: str) -> dict[str, Any] | None:
    key = re.sub(r"[-_ ]", "", name.lower()).replace("fashionmnist", "fashion_mnist")
    if key not in DATASETS:
        return None
    return {"name": key, **DATASETS[key]}


def tidy_float(x: float) -> float:
    """Undo float32 storage: 0.009999999776482582 -> 0.01.

    Only values that are exactly a float32 are rounded (to 7 significant digits,
    float32's precision), so a genuine float64 such as 0.2 is left alone.
    """
    if not math.isfinite(x) or x == 0:
        return x
    if float(np.float32(x)) != x:
        return x
    short = float(f"{x:.7g}")
    return short if float(np.float32(short)) == x else x
