"""Closed-form counts against real PyTorch modules, for many sizes."""

import pytest
import torch

from hw3_pipelines.theory import parameter_counts as pc
from hw3_pipelines.theory.gradients import clipping_effect, scalar_rnn_gradient

SIZES = [(128, 64), (1, 1), (1, 50), (3, 7), (64, 256), (300, 17)]


@pytest.mark.parametrize(("n", "h"), SIZES)
@pytest.mark.parametrize("layer", ["rnn", "gru", "lstm", "bilstm"])
def test_pytorch_formula_matches_module(layer, n, h):
    assert pc.parameter_terms(layer, n, h, "pytorch")["total"] == pc.torch_count(layer, n, h)


@pytest.mark.parametrize(("n", "h"), SIZES)
@pytest.mark.parametrize("layer", ["rnn", "gru", "lstm", "bilstm"])
def test_keras_formula_matches_module_without_second_bias(layer, n, h):
    assert pc.parameter_terms(layer, n, h, "keras")["total"] == pc.torch_count_one_bias(layer, n, h)


def test_assignment_answers():
    keras = [pc.parameter_terms(layer, 128, 64, "keras")["total"] for layer in ("rnn", "gru", "lstm", "bilstm")]
    torch_counts = [pc.parameter_terms(layer, 128, 64, "pytorch")["total"] for layer in ("rnn", "gru", "lstm", "bilstm")]
    assert keras == [12_352, 37_056, 49_408, 98_816]
    assert torch_counts == [12_416, 37_248, 49_664, 99_328]
    assert pc.parameter_terms("gru", 128, 64, "keras_gru_reset_after")["total"] == 37_248


def test_terms_add_up():
    terms = pc.parameter_terms("bilstm", 128, 64, "pytorch")
    assert terms["input_weights"] == 2 * 4 * 128 * 64
    assert terms["recurrent_weights"] == 2 * 4 * 64 * 64
    assert terms["biases"] == 2 * 4 * 2 * 64
    assert terms["total"] == terms["input_weights"] + terms["recurrent_weights"] + terms["biases"]


@pytest.mark.parametrize("w", [0.5, 2.0, 5.0, -3.0])
@pytest.mark.parametrize("steps", [1, 7, 30])
def test_gradient_product_matches_autograd(w, steps):
    xs = torch.randn(steps, generator=torch.Generator().manual_seed(steps), dtype=torch.float64)
    by_formula, by_autograd = scalar_rnn_gradient(w, 0.7, xs)
    assert by_formula == pytest.approx(by_autograd, rel=1e-12)


def test_single_step_gradient_by_hand():
    # h1 = sigmoid(u x + w h0) with h0 = 0: dh1/dh0 = sigmoid'(u x) * w
    s = torch.sigmoid(torch.tensor(0.5, dtype=torch.float64))
    by_formula, _ = scalar_rnn_gradient(2.0, 1.0, torch.tensor([0.5], dtype=torch.float64))
    assert by_formula == pytest.approx(float(s * (1 - s) * 2.0))


def test_clipping_by_norm_keeps_direction_and_by_value_turns_it():
    gradient = torch.tensor([100.0, 1.0, 1.0, 1.0], dtype=torch.float64)
    result = clipping_effect(gradient, clip_value=1.0, max_norm=1.0)
    assert result["norm"]["cosine"] == pytest.approx(1.0)
    assert result["norm"]["norm"] == pytest.approx(1.0)
    # by value: [1, 1, 1, 1] -> cosine = 103 / (|g| * 2)
    assert result["value"]["cosine"] == pytest.approx(103 / (gradient.norm().item() * 2))
    assert result["value"]["norm"] == pytest.approx(2.0)


def test_clipping_leaves_small_gradients_alone():
    gradient = torch.tensor([0.1, -0.2], dtype=torch.float64)
    result = clipping_effect(gradient, clip_value=1.0, max_norm=1.0)
    assert result["value"]["norm"] == pytest.approx(result["original_norm"])
    assert result["norm"]["norm"] == pytest.approx(result["original_norm"])
