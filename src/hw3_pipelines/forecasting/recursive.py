"""Running a one-step model forward: one-step predictive distributions and recursive paths.

A one-step model is rolled forward by feeding each step back as the next input. Every
path draws each step from the model's predictive distribution: the distribution a
Gaussian or Student-t head predicts, or, for a point head, a Gaussian around the point
with the spread of its held-out residuals. ``spread`` widens or narrows that distribution
by the factor recalibration chose on validation windows. The point forecast of a path set
is its median. All paths of all origins run as one batch, so a step costs one forward pass.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecasting.scores import BANDS
from hw3_pipelines.forecasting.windows import inverse_column
from hw3_pipelines.modeling.regressor import RecurrentRegressor
from hw3_pipelines.progress import Progress


def predict(model: RecurrentRegressor, windows: np.ndarray) -> np.ndarray:
    """The model's central prediction (still scaled) for a batch of windows: the point, or
    the location of the predicted distribution."""
    with torch.no_grad():
        out = model.eval()(torch.from_numpy(windows))
    return (out if out.ndim == 1 else out[:, 0]).numpy().astype("float64")


def one_step(model: RecurrentRegressor, windows: np.ndarray, point_scale: float, spread: float = 1.0) -> dict:
    """Each window's predictive distribution in scaled units: family, loc, scale and df."""
    with torch.no_grad():
        distribution = model.distribution(model.eval()(torch.from_numpy(windows)), point_scale)
    df = getattr(distribution, "df", None)  # one learnt scalar, broadcast over the batch
    return {
        "family": "normal" if df is None else "t",
        "loc": distribution.loc.numpy().astype("float64"),
        "scale": spread * distribution.scale.numpy().astype("float64"),
        "df": None if df is None else float(df.reshape(-1)[0]),
    }


def sample_paths(
    model: RecurrentRegressor,
    windows: np.ndarray,
    steps: int,
    close_index: int,
    held: np.ndarray,
    n_paths: int,
    point_scale: float,
    spread: float,
    seed: int,
    desc: str = "recursive paths",
) -> np.ndarray:
    """Scaled draws along ``n_paths`` recursive paths from each window, ``(origins, n_paths, steps)``.

    Features other than the target take, on every forecast step, the values in ``held``
    (one row per origin).
    """
    torch.manual_seed(seed)
    x = torch.from_numpy(np.repeat(windows.astype("float32"), n_paths, axis=0))
    held_rows = torch.from_numpy(np.repeat(held.astype("float32"), n_paths, axis=0))
    model.eval()
    outputs = []
    with torch.no_grad(), Progress(steps, desc, unit="step") as progress:
        for _ in range(steps):
            distribution = model.distribution(model(x), point_scale)
            y = distribution.loc + spread * (distribution.sample() - distribution.loc)
            outputs.append(y)
            step = held_rows.clone()
            step[:, close_index] = y
            x = torch.cat([x[:, 1:], step[:, None]], dim=1)
            progress.update()
    paths = torch.stack(outputs, dim=1).numpy().astype("float64")
    return paths.reshape(len(windows), n_paths, steps)


def held_features(scaler: MinMaxScaler, windows: np.ndarray, differenced: list[bool]) -> np.ndarray:
    """Scaled values of the non-target features on forecast days, one row per window: the
    last value, or no change for a differenced feature (a log return). The target column is
    overwritten on every step."""
    held = windows[:, -1, :].copy()
    no_change = scaler.transform(np.zeros((1, scaler.n_features_in_)))[0]
    for column, is_difference in enumerate(differenced):
        if is_difference:
            held[:, column] = no_change[column]
    return held


def to_close_paths(outputs: np.ndarray, last_close: np.ndarray, target: str) -> np.ndarray:
    """Unscaled outputs ``(origins, samples, steps)`` to closes, from each origin's last close.
    A drawn level at or below zero is no price: it becomes the smallest positive float."""
    if target == "price":
        return np.maximum(outputs, np.finfo(float).tiny)
    return last_close[:, None, None] * np.exp(np.cumsum(outputs, axis=-1))


def band_quantiles(closes: np.ndarray) -> dict[str, np.ndarray]:
    """Median and the 80% and 95% bands over the samples axis (axis 1)."""
    result = {"median": np.median(closes, axis=1)}
    for level in BANDS:
        tail = (100 - level) / 2
        result[f"lower_{level}"] = np.percentile(closes, tail, axis=1)
        result[f"upper_{level}"] = np.percentile(closes, 100 - tail, axis=1)
    return result


def close_paths(
    model: RecurrentRegressor, windows: np.ndarray, last_close: np.ndarray, scaler: MinMaxScaler, close_index: int,
    target: str, differenced: list[bool], steps: int, n_paths: int, point_scale: float, spread: float, seed: int,
) -> np.ndarray:
    """Closes along ``n_paths`` sampled recursive paths from each window, ``(origins, n_paths,
    steps)``; ``differenced`` says which features the model sees as daily log changes."""
    held = held_features(scaler, windows, differenced)
    scaled = sample_paths(
        model, windows, steps, close_index, held, n_paths, point_scale, spread, seed,
        desc=f"{n_paths} paths x {len(windows)} origins",
    )
    return to_close_paths(inverse_column(scaler, scaled, close_index), last_close, target)


def walk_forward_origins(n_days: int, horizon: int, stride: int) -> np.ndarray:
    """Positions, every ``stride`` days, from which ``horizon`` days of truth remain."""
    return np.arange(0, n_days - horizon + 1, stride)
