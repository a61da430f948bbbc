"""Inference with the btc regressor: its central predictions, its one-step predictive
distributions, and recursive paths drawn from it.

A path feeds each step's draw back as the next day's input. Every step is drawn from the
model's predictive distribution: the distribution a Gaussian or Student-t head predicts, or,
for a point head, a Gaussian around the point with the spread of its held-out residuals.
``spread`` widens or narrows that distribution by the factor recalibration chose on
validation windows. The recurrent state is carried from day to day, so a step costs one
time step of the network, not a rerun of the whole window; all paths of all origins run
as one batch.
"""

from __future__ import annotations

import numpy as np
import torch

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
        out, state = model.forward_with_state(x)
        for _ in range(steps):
            distribution = model.distribution(out, point_scale)
            y = distribution.loc + spread * (distribution.sample() - distribution.loc)
            outputs.append(y)
            day = held_rows.clone()
            day[:, close_index] = y
            out, state = model.forward_with_state(day[:, None], state)
            progress.update()
    paths = torch.stack(outputs, dim=1).numpy().astype("float64")
    return paths.reshape(len(windows), n_paths, steps)
