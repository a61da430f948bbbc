"""The loss-curve figure for any history that ``training.train`` returns."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure


def loss_curves(history: pd.DataFrame, title: str, ylabel: str, yscale: str = "linear") -> Figure:
    """Training and validation loss by epoch, with the kept (best) epoch marked."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(history["epoch"], history["train_loss"], label="train (dropout on)")
    if "val_loss" in history:
        ax.plot(history["epoch"], history["val_loss"], label="validation")
        best = history.loc[history["best"]]
        ax.scatter(best["epoch"], best["val_loss"], color="black", zorder=3, label="best epoch")
    ax.set(title=title, xlabel="epoch", ylabel=ylabel, yscale=yscale)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig
