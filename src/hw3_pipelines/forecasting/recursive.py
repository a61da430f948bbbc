"""Recursive multi-step forecasts with Monte-Carlo dropout and residual noise.

A one-step model is rolled forward by feeding each prediction back as the next input.
Uncertainty comes from two sources, both sampled on every path:
- the model's: dropout stays on at prediction time (Gal & Ghahramani, 2016), so each
  path runs a different thinned network;
- the data's: each step adds Gaussian noise with the standard deviation of the model's
  one-step residuals on held-out windows. Dropout alone describes only what the model
  does not know, and on a noisy series its bands would cover far too little.
All paths of all origins run as one batch, so a step costs one forward pass.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _dropout_on(model: nn.Module) -> None:
    model.eval()
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.train()


def sample_paths(
    model: nn.Module,
    windows: np.ndarray,
    steps: int,
    close_index: int,
    held: np.ndarray,
    n_samples: int,
    noise_std: float,
    seed: int,
) -> np.ndarray:
    """Scaled one-step outputs along ``n_samples`` recursive paths from each window.

    ``windows`` is ``(origins, lookback, features)``; the result is
    ``(origins, n_samples, steps)``. Features other than the target take, on every
    forecast step, the values in ``held`` (one row per origin). With ``n_samples=0`` the
    single deterministic path (dropout off, no noise) is returned as ``(origins, 1, steps)``.
    """
    deterministic = n_samples == 0
    repeats = 1 if deterministic else n_samples
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # dropout masks draw from the global generator
    x = torch.from_numpy(np.repeat(windows.astype("float32"), repeats, axis=0))
    held_rows = torch.from_numpy(np.repeat(held.astype("float32"), repeats, axis=0))
    outputs = []
    if deterministic:
        model.eval()
    else:
        _dropout_on(model)
    with torch.no_grad():
        for _ in range(steps):
            y = model(x)
            if not deterministic and noise_std > 0:
                y = y + noise_std * torch.randn(y.shape, generator=generator)
            outputs.append(y)
            step = held_rows.clone()
            step[:, close_index] = y
            x = torch.cat([x[:, 1:], step[:, None]], dim=1)
    model.eval()
    paths = torch.stack(outputs, dim=1).numpy().astype("float64")
    return paths.reshape(len(windows), repeats, steps)


def to_close_paths(outputs: np.ndarray, last_close: np.ndarray, target: str) -> np.ndarray:
    """Unscaled outputs ``(origins, samples, steps)`` to closes, from each origin's last close."""
    if target == "price":
        return outputs
    return last_close[:, None, None] * np.exp(np.cumsum(outputs, axis=-1))


BANDS = {"80": (10, 90), "95": (2.5, 97.5)}


def band_quantiles(closes: np.ndarray) -> dict[str, np.ndarray]:
    """Median and the 80% and 95% bands over the samples axis (axis 1)."""
    result = {"median": np.median(closes, axis=1)}
    for name, (low, high) in BANDS.items():
        result[f"lower_{name}"] = np.percentile(closes, low, axis=1)
        result[f"upper_{name}"] = np.percentile(closes, high, axis=1)
    return result
