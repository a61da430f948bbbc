"""Gradient flow through a scalar RNN, and what clipping does to a gradient's direction."""

from __future__ import annotations

import torch
from torch import nn


def scalar_rnn_gradient(w: float, u: float, xs: torch.Tensor, h0: float = 0.0) -> tuple[float, float]:
    """dL/dh_0 for h_t = sigmoid(u x_t + w h_{t-1}) and L = h_T, by formula and by autograd.

    The chain rule gives dh_t/dh_{t-1} = sigmoid'(a_t) w, so dL/dh_0 is the product of
    those T factors. sigmoid' <= 1/4, so the product shrinks geometrically unless |w| > 4,
    and even then saturation (sigmoid' -> 0) usually wins: the vanishing gradient.
    """
    h0_leaf = torch.tensor(h0, dtype=torch.float64, requires_grad=True)
    h, product = h0_leaf, torch.tensor(1.0, dtype=torch.float64)
    for x in xs:
        a = u * x + w * h
        s = torch.sigmoid(a)
        product = product * (s * (1 - s)).detach() * w
        h = s
    (grad,) = torch.autograd.grad(h, h0_leaf)
    return float(product), float(grad)


def clipping_effect(gradient: torch.Tensor, clip_value: float, max_norm: float) -> dict:
    """Cosine with the original and norm after clipping by value and by norm.

    Clipping by norm rescales the whole vector, so its direction (cosine 1) is kept.
    Clipping by value cuts each component on its own, which turns the vector: the
    larger the spread of component sizes, the lower the cosine.
    """
    results = {"original_norm": float(gradient.norm())}
    for method in ("value", "norm"):
        param = nn.Parameter(torch.zeros_like(gradient))
        param.grad = gradient.clone()
        if method == "value":
            nn.utils.clip_grad_value_([param], clip_value)
        else:
            nn.utils.clip_grad_norm_([param], max_norm)
        clipped = param.grad
        results[method] = {
            "cosine": float(nn.functional.cosine_similarity(clipped, gradient, dim=0)),
            "norm": float(clipped.norm()),
        }
    return results
