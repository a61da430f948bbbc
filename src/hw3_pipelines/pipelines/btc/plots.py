"""Figures of the btc pipeline. Each returns a ``Figure`` for a MatplotlibDataset to save.

Figures are built without pyplot, so no global state and no GUI backend is involved.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure


def _dated(frame: pd.DataFrame, column: str = "Date") -> pd.Series:
    return pd.to_datetime(frame[column])


def split(train: pd.DataFrame, test: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(_dated(train), train["Close"], color="tab:blue", lw=1, label=f"train ({len(train)} days)")
    ax.plot(_dated(test), test["Close"], color="tab:orange", lw=1, label=f"test ({len(test)} days)")
    ax.set(title="BTC-USD daily Close: chronological split", ylabel="USD")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def predictions(frame: pd.DataFrame, report: dict) -> Figure:
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    ax = fig.subplots()
    dates = _dated(frame, "date")
    ax.plot(dates, frame["actual"], color="black", lw=1, label="actual")
    ax.plot(dates, frame["predicted"], color="tab:red", lw=1, label="LSTM prediction")
    if report.get("train_close_max"):
        ax.axhline(report["train_close_max"], color="grey", ls="--", lw=1, label="training maximum")
    ax.set(
        title=f"Test period, target={report['target']}: relative MAE vs naive "
        f"{report['relative_mae']:.3f}",
        ylabel="USD",
    )
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def forecast(prices: pd.DataFrame, result: pd.DataFrame, history_days: int = 180) -> Figure:
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    ax = fig.subplots()
    recent = prices.tail(history_days)
    dates = _dated(result, "date")
    ax.plot(_dated(recent), recent["Close"], color="black", lw=1, label="history")
    ax.fill_between(dates, result["lower_95"], result["upper_95"], color="tab:red", alpha=0.15, label="95% band")
    ax.fill_between(dates, result["lower_80"], result["upper_80"], color="tab:red", alpha=0.3, label="80% band")
    ax.plot(dates, result["median"], color="tab:red", lw=1, ls="--", label="median of paths")
    ax.plot(dates, result["forecast_close"], color="tab:red", lw=1.5, label=f"point forecast ({len(result)} days)")
    ax.set(title="BTC-USD recursive forecast past the last date", ylabel="USD")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def backtest(table: pd.DataFrame, target: str) -> Figure:
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    error, coverage = fig.subplots(1, 2)
    error.plot(table["horizon"], table["model_mae"], color="tab:red", label="LSTM (point)")
    error.plot(table["horizon"], table["naive_mae"], color="black", label="naive (flat)")
    error.set(title=f"Walk-forward MAE by horizon, target={target}", xlabel="days ahead", ylabel="MAE (USD)")
    error.legend()
    coverage.plot(table["horizon"], table["coverage_80"], color="tab:red", alpha=0.6, label="80% band")
    coverage.plot(table["horizon"], table["coverage_95"], color="tab:red", label="95% band")
    coverage.axhline(0.8, color="grey", ls=":", lw=1)
    coverage.axhline(0.95, color="grey", ls=":", lw=1)
    coverage.set(title="Empirical band coverage", xlabel="days ahead", ylabel="share of outcomes inside", ylim=(0, 1.02))
    coverage.legend()
    for ax in (error, coverage):
        ax.grid(alpha=0.3)
    return fig
