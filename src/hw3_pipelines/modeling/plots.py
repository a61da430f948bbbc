"""The loss-curve figure for any history that ``training.train`` returns."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hw3_pipelines.plotting import finish, new_figure


def loss_curves(history: pd.DataFrame, title: str, ylabel: str, yscale: str = "linear", selection: str = "validation") -> Figure:
    """Training and validation loss by epoch, with the kept (best) epoch marked. A history
    of several runs (a ``seed`` column: an ensemble's members) gets one colour per seed,
    training dashed and validation solid. ``selection`` names the held-out text whose
    loss picks the epoch."""
    fig, (ax,) = new_figure(width=8)
    if "seed" in history and history["seed"].nunique() > 1:
        for k, (seed, run) in enumerate(history.groupby("seed")):
            ax.plot(run["epoch"], run["train_loss"], color=f"C{k}", ls="--", lw=1, label="train (dropout on)" if k == 0 else None)
            best = run.loc[run["best"]]
            ax.plot(run["epoch"], run["val_loss"], color=f"C{k}", label=f"{selection}, seed {seed}: kept epoch {int(best['epoch'].iloc[0])}")
            ax.scatter(best["epoch"], best["val_loss"], color="black", zorder=3)
    else:
        ax.plot(history["epoch"], history["train_loss"], label="train (dropout on)")
        if "val_loss" in history:
            ax.plot(history["epoch"], history["val_loss"], label=selection)
            best = history.loc[history["best"]]
            ax.scatter(best["epoch"], best["val_loss"], color="black", zorder=3, label=f"kept: epoch {int(best['epoch'].iloc[0])}")
    ax.set(title=title, xlabel="epoch", ylabel=ylabel, yscale=yscale)
    finish(ax)
    return fig
