"""Pasted numeric arrays: numpy/Keras printouts in forum posts."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsense.parse.arrays import extract_arrays, extract_predictions

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def _seed(prefix: str) -> str:
    [path] = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_seed_001_model_predict_printout() -> None:
    [pred] = extract_predictions(_seed("001"))
    assert pred.shape == (6, 5) and pred.elided and pred.line == 29
    assert pred.values[0].tolist() == [0.40856639, 0.41575322, 0.33291921, 0.06373377, 0.18987735]
    assert pred.values[3].tolist() == [0.40923968, 0.41534185, 0.33385843, 0.06460324, 0.19168563]
    assert pred.values[-1].tolist() == [0.40562034, 0.41507864, 0.33129829, 0.0580974, 0.18172719]
    assert pred.text.startswith("array([[ 0.40856639,") and pred.text.endswith("0.18172719]])")


def test_seed_003_weight_printouts_are_numpy_reprs_with_one_value() -> None:
    # get_weights() printed after each fit; the translation split the minus sign off.
    preds = extract_predictions(_seed("003"))
    assert [(p.line, p.shape, p.values.tolist()) for p in preds] == [(55, (1,), [1.99935019]),
                                                                    (79, (1,), [-68.71629333])]
    assert preds[1].text == "array([ - 68.71629333],dtype = float32)"


def test_prose_lists_are_arrays_but_not_predictions() -> None:
    text = _seed("001")
    assert [p.values.tolist() for p in extract_arrays(text)][:3] == [[0.0, 1.0], [0.5], [0.5] * 5]
    assert [p.shape for p in extract_predictions(text)] == [(6, 5)]
    assert extract_predictions("the input shape is [2048, 400, 7] and the target [0.5]") == []


def test_print_style_rows_column_elision_and_exponents() -> None:
    text = ("pred = model.predict(x)\nprint(pred)\n"
            "[[ 1.2e-05  9.9e-01 ...  3.0e-03]\n"
            " [ 5.0e-01  nan ... -inf]]\n"
            "done\n")
    [pred] = extract_predictions(text)
    assert pred.line == 3 and pred.elided and pred.shape == (2, 3)
    assert pred.values[0].tolist() == [1.2e-05, 0.99, 0.003]
    assert math.isnan(pred.values[1, 1]) and pred.values[1, 2] == -math.inf


def test_dtype_suffix_and_rows_without_elision() -> None:
    text = "out: array([[0, 1],\n       [1, 0]], dtype=float32) and more"
    [pred] = extract_predictions(text)
    assert pred.values.tolist() == [[0.0, 1.0], [1.0, 0.0]] and not pred.elided
    assert pred.text == "array([[0, 1],\n       [1, 0]], dtype=float32)"


@pytest.mark.parametrize("text", [
    "1875/1875 [==============================] - 2s 946us/step - loss: 0.3\n",
    "[[1, 2], [3]]",                     # ragged
    "layers = ['dense', 'relu']",
    "x = [[1, 2], ['a', 3]]",
    "[]",
])
def test_not_numeric_arrays_give_no_prediction(text: str) -> None:
    assert extract_predictions(text) == []


def test_translated_signs_are_read() -> None:
    [a, b] = extract_arrays("w = [ - 1.5, \u22122.5] and array([+ 3e-2])")
    assert a.values.tolist() == [-1.5, -2.5] and b.values.tolist() == [0.03]


def test_an_abandoned_list_keeps_the_arrays_closed_inside_it() -> None:
    arrays = extract_arrays("w = [layer, [[1, 2], [3, 4]], 'x'] then [5 6]")
    assert [p.values.tolist() for p in arrays] == [[[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]]


@pytest.mark.parametrize("text", ["[[[[" * 250_000, "[" * 1_000_000 + "]" * 10, "[1, " * 250_000,
                                  "[ - " * 250_000, "[[1, 2], " * 100_000 + "x"],
                         ids=["open", "open-close", "unclosed-list", "signs", "abandoned"])
def test_pathological_megabyte_inputs_finish(text: str) -> None:
    # Linear time by construction (one pass, explicit stack); a quadratic scan would
    # take hours here. The megabyte must come back without recursion errors.
    arrays = extract_arrays(text)
    assert all(p.values.size >= 1 for p in arrays)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="[]0123456789.,-+ e\n…nafiyx", max_size=300))
def test_never_raises_on_bracket_soup(text: str) -> None:
    for p in extract_predictions(text):
        assert p.values.ndim == 2 and p.values.shape[0] >= 2 and p.values.size >= 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=3, max_size=3),
                min_size=2, max_size=6))
def test_numpy_printouts_read_back(rows: list[list[float]]) -> None:
    array = np.array(rows, dtype=np.float32)
    for printed in (repr(array), str(array)):
        [pred] = extract_predictions(f"result:\n{printed}\n")
        # numpy prints 8 digits: fixed notation rounds to 1e-8, scientific to 8 significant digits.
        np.testing.assert_allclose(pred.values, array.astype(float), rtol=1e-6, atol=1e-8)


def test_ansi_escapes_in_a_capture_are_not_arrays() -> None:
    # `\x1b[1m` is a bracket followed by a number; a raw capture holds millions of them.
    text = "\x1b[1m30/30\x1b[0m \x1b[32m━━━━\x1b[0m \x1b[1m0s\x1b[0m 3ms/step\nout = array([[1., 2.],\n [3., 4.]])\n"
    [pred] = extract_predictions(text)
    assert pred.line == 2 and pred.values.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert [p.values.tolist() for p in extract_arrays("\x1b[1m 5 \x1b[0m [0.25]")] == [[0.25]]
