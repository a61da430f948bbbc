"""Closed-form parameter counts of recurrent layers, term by term, for two bias conventions.

A recurrent layer with ``gates`` gate blocks, input size n and hidden size h holds, per
direction and per gate: an input matrix (n x h), a recurrent matrix (h x h) and biases.
Classic Keras keeps one bias vector per gate; PyTorch (and cuDNN) keep two, one on the
input and one on the recurrent side. Keras' GRU with ``reset_after=True`` (its default
since TF 2) also keeps two, to match cuDNN, so it counts like PyTorch's GRU.
"""

from __future__ import annotations

from torch import nn

GATES = {"rnn": 1, "gru": 3, "lstm": 4, "bilstm": 4}
DIRECTIONS = {"rnn": 1, "gru": 1, "lstm": 1, "bilstm": 2}
BIAS_VECTORS = {"keras": 1, "keras_gru_reset_after": 2, "pytorch": 2}


def parameter_terms(layer: str, input_size: int, hidden_size: int, convention: str) -> dict:
    """Each term of the count, and the total, for one layer type and bias convention."""
    gates, directions, biases = GATES[layer], DIRECTIONS[layer], BIAS_VECTORS[convention]
    terms = {
        "gates": gates,
        "directions": directions,
        "bias_vectors_per_gate": biases,
        "input_weights": directions * gates * input_size * hidden_size,
        "recurrent_weights": directions * gates * hidden_size * hidden_size,
        "biases": directions * gates * biases * hidden_size,
    }
    terms["total"] = terms["input_weights"] + terms["recurrent_weights"] + terms["biases"]
    return terms


def formula(layer: str, convention: str) -> str:
    gates, directions, biases = GATES[layer], DIRECTIONS[layer], BIAS_VECTORS[convention]
    bias = "h" if biases == 1 else "2h"
    scale = f"{directions} × {gates}" if directions > 1 else f"{gates}"
    return f"{scale} × (n·h + h·h + {bias})"


def torch_module(layer: str, input_size: int, hidden_size: int) -> nn.Module:
    if layer == "rnn":
        return nn.RNN(input_size, hidden_size)
    if layer == "gru":
        return nn.GRU(input_size, hidden_size)
    return nn.LSTM(input_size, hidden_size, bidirectional=layer == "bilstm")


def torch_count(layer: str, input_size: int, hidden_size: int) -> int:
    return sum(p.numel() for p in torch_module(layer, input_size, hidden_size).parameters())


def torch_count_one_bias(layer: str, input_size: int, hidden_size: int) -> int:
    """The module's weights plus one of its two bias vectors per gate: the Keras convention
    measured on a real module (``bias_hh`` is what Keras does not have)."""
    module = torch_module(layer, input_size, hidden_size)
    return sum(p.numel() for name, p in module.named_parameters() if not name.startswith("bias_hh"))
