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
import pandas as pd
import torch
from sklearn.preprocessing import MinMaxScaler
from torch import nn

from hw3_pipelines.forecasting.windows import inverse_column
from hw3_pipelines.progress import Progress

BANDS = {"80": (10, 90), "95": (2.5, 97.5)}


def predict(model: nn.Module, windows: np.ndarray) -> np.ndarray:
    """Model outputs (still scaled) for a batch of windows, on the CPU, without grad."""
    with torch.no_grad():
        return model.eval()(torch.from_numpy(windows)).numpy().astype("float64")


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
    desc: str = "recursive paths",
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
    with torch.no_grad(), Progress(steps, desc, unit="step") as progress:
        for _ in range(steps):
            y = model(x)
            if not deterministic and noise_std > 0:
                y = y + noise_std * torch.randn(y.shape, generator=generator)
            outputs.append(y)
            step = held_rows.clone()
            step[:, close_index] = y
            x = torch.cat([x[:, 1:], step[:, None]], dim=1)
            progress.update()
    model.eval()
    paths = torch.stack(outputs, dim=1).numpy().astype("float64")
    return paths.reshape(len(windows), repeats, steps)


def held_features(scaler: MinMaxScaler, windows: np.ndarray, target: str) -> np.ndarray:
    """Scaled values of the non-target features on forecast days, one row per window:
    their last value (``price``) or no change (``log_return``). The target column is
    overwritten on every step."""
    if target == "log_return":
        no_change = scaler.transform(np.zeros((1, scaler.n_features_in_)))
        return np.repeat(no_change, len(windows), axis=0)
    return windows[:, -1, :]


def to_close_paths(outputs: np.ndarray, last_close: np.ndarray, target: str) -> np.ndarray:
    """Unscaled outputs ``(origins, samples, steps)`` to closes, from each origin's last close."""
    if target == "price":
        return outputs
    return last_close[:, None, None] * np.exp(np.cumsum(outputs, axis=-1))


def band_quantiles(closes: np.ndarray) -> dict[str, np.ndarray]:
    """Median and the 80% and 95% bands over the samples axis (axis 1)."""
    result = {"median": np.median(closes, axis=1)}
    for name, (low, high) in BANDS.items():
        result[f"lower_{name}"] = np.percentile(closes, low, axis=1)
        result[f"upper_{name}"] = np.percentile(closes, high, axis=1)
    return result


def close_bands(
    model: nn.Module,
    windows: np.ndarray,
    last_close: np.ndarray,
    scaler: MinMaxScaler,
    close_index: int,
    target: str,
    steps: int,
    n_samples: int,
    noise_std: float,
    seed: int,
) -> dict[str, np.ndarray]:
    """Point forecast (the deterministic path) and Monte-Carlo bands, in USD, ``steps``
    days from each window; every array is ``(origins, steps)``."""
    held = held_features(scaler, windows, target)

    def closes(samples: int, desc: str) -> np.ndarray:
        scaled = sample_paths(model, windows, steps, close_index, held, samples, noise_std, seed, desc)
        return to_close_paths(inverse_column(scaler, scaled, close_index), last_close, target)

    point = closes(0, "point path")[:, 0]
    return {"point": point, **band_quantiles(closes(n_samples, f"{n_samples} Monte-Carlo paths"))}


def walk_forward_origins(n_days: int, horizon: int, stride: int) -> np.ndarray:
    """Positions, every ``stride`` days, from which ``horizon`` days of truth remain."""
    return np.arange(0, n_days - horizon + 1, stride)


def horizon_scores(bands: dict[str, np.ndarray], actual: np.ndarray, last_close: np.ndarray) -> pd.DataFrame:
    """Per horizon, over origins: MAE of the point forecast and of the flat naive forecast
    (the origin's last close), their ratio, and how often each band held the truth."""
    horizon = actual.shape[1]
    model_mae = np.abs(bands["point"] - actual).mean(axis=0)
    naive_mae = np.abs(last_close[:, None] - actual).mean(axis=0)
    table = {
        "horizon": np.arange(1, horizon + 1),
        "origins": len(actual),
        "model_mae": model_mae,
        "naive_mae": naive_mae,
        "relative_mae": model_mae / naive_mae,
    }
    for name in BANDS:
        inside = (actual >= bands[f"lower_{name}"]) & (actual <= bands[f"upper_{name}"])
        table[f"coverage_{name}"] = inside.mean(axis=0)
    return pd.DataFrame(table)
