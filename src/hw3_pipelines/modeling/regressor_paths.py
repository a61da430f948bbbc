"""Inference with the btc regressor: its central predictions, its one-step predictive
distributions, and recursive paths drawn from it.

A path feeds each step's draw back as the next day's input. Every step is drawn from the
model's predictive distribution: the distribution a Gaussian or Student-t head predicts, or,
for a point head, a Gaussian around the point with the spread of its held-out residuals.
``spread`` widens or narrows that distribution by the factor recalibration chose on
validation windows. The recurrent state is carried from day to day, so a step costs one
time step of the network, not a rerun of the whole window; all paths of all origins run
as one batch. A seed ensemble forecasts the equal-weight mixture of its members: its
central prediction is their mean, its one-step distribution their mixture, and each of
its paths is one member's path, the paths shared out among the members. ``location``
shrinks the predicted location toward no change, on every step (see ``Location``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hw3_pipelines.modeling.regressor import RecurrentRegressor
from hw3_pipelines.modeling.regressor_ensemble import (
    Regressor,
    RegressorEnsemble,
    members,
)
from hw3_pipelines.progress import Progress


@dataclass(frozen=True)
class Location:
    """The model's predicted location, shrunk toward no change: ``zero + shrink * (loc - zero)``
    in scaled units, where ``zero`` is the scaled value of a zero log return.

    A network fed returns learns the training period's mean return and compounds it along a
    path; ``shrink`` 1 keeps that location as learnt, 0 centres every step on no change (a
    random walk with the network's spread), and the pipeline chooses between them on
    validation origins. The spread around the location is the network's either way.
    """

    shrink: float = 1.0
    zero: float = 0.0

    def __call__(self, loc):
        return self.zero + self.shrink * (loc - self.zero)


def predict(model: Regressor, windows: np.ndarray) -> np.ndarray:
    """The model's central prediction (still scaled) for a batch of windows: the point, or
    the location of the predicted distribution (an ensemble's: the mean of its members')."""
    with torch.no_grad():
        outs = [member.eval()(torch.from_numpy(windows)) for member in members(model)]
    return np.mean([(out if out.ndim == 1 else out[:, 0]).numpy() for out in outs], axis=0).astype("float64")


def one_step(model: Regressor, windows: np.ndarray, point_scale: float, spread: float = 1.0, location: Location = Location()) -> dict:
    """Each window's predictive distribution in scaled units: family, loc, scale and df; for
    an ensemble, family ``mixture`` with one column of loc and scale per member and each
    member's df (inf for a Gaussian head)."""
    steps = [_member_step(member, windows, point_scale, spread, location) for member in members(model)]
    if not isinstance(model, RegressorEnsemble):
        return steps[0]
    return {
        "family": "mixture",
        "loc": np.stack([step["loc"] for step in steps], axis=1),
        "scale": np.stack([step["scale"] for step in steps], axis=1),
        "df": np.array([np.inf if step["df"] is None else step["df"] for step in steps]),
    }


def _member_step(model: RecurrentRegressor, windows: np.ndarray, point_scale: float, spread: float, location: Location) -> dict:
    with torch.no_grad():
        distribution = model.distribution(model.eval()(torch.from_numpy(windows)), point_scale)
    df = getattr(distribution, "df", None)  # one learnt scalar, broadcast over the batch
    return {
        "family": "normal" if df is None else "t",
        "loc": location(distribution.loc.numpy().astype("float64")),
        "scale": spread * distribution.scale.numpy().astype("float64"),
        "df": None if df is None else float(df.reshape(-1)[0]),
    }


def sample_paths(
    model: Regressor,
    windows: np.ndarray,
    steps: int,
    close_index: int,
    held: np.ndarray,
    n_paths: int,
    point_scale: float,
    spread: float,
    seed: int,
    desc: str = "recursive paths",
    location: Location = Location(),
) -> np.ndarray:
    """Scaled draws along ``n_paths`` recursive paths from each window, ``(origins, n_paths, steps)``.

    Features other than the target take, on every forecast step, the values in ``held``
    (one row per origin). An ensemble's members draw ``n_paths`` between them, as evenly
    as it divides.
    """
    torch.manual_seed(seed)
    networks = members(model)
    shares = [(network, len(share)) for network, share in zip(networks, np.array_split(np.arange(n_paths), len(networks))) if len(share)]
    with Progress(steps * len(shares), desc, unit="step") as progress:
        paths = [
            _member_paths(network, windows, steps, close_index, held, share, point_scale, spread, location, progress)
            for network, share in shares
        ]
    return np.concatenate(paths, axis=1)


def _member_paths(
    model: RecurrentRegressor, windows, steps: int, close_index: int, held, n_paths: int, point_scale: float, spread: float,
    location: Location, progress,
) -> np.ndarray:
    x = torch.from_numpy(np.repeat(windows.astype("float32"), n_paths, axis=0))
    held_rows = torch.from_numpy(np.repeat(held.astype("float32"), n_paths, axis=0))
    model.eval()
    outputs = []
    with torch.no_grad():
        out, state = model.forward_with_state(x)
        for _ in range(steps):
            distribution = model.distribution(out, point_scale)
            y = location(distribution.loc) + spread * (distribution.sample() - distribution.loc)
            outputs.append(y)
            day = held_rows.clone()
            day[:, close_index] = y
            out, state = model.forward_with_state(day[:, None], state)
            progress.update()
    paths = torch.stack(outputs, dim=1).numpy().astype("float64")
    return paths.reshape(len(windows), n_paths, steps)
