"""Reporting nodes of the btc pipeline: each reads saved datasets and returns a figure.

Titles carry the setting (target, cell, size, lookback), so a figure saved on its own
still says which run it shows.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.plotting import finish, new_figure, usd_axis


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column])


def plot_split(train: pd.DataFrame, test: pd.DataFrame, btc: BtcParams) -> Figure:
    fig, (ax,) = new_figure()
    ax.plot(_dates(train, "Date"), train["Close"], color="tab:blue", lw=1, label=f"train ({len(train):,} days)")
    ax.plot(_dates(test, "Date"), test["Close"], color="tab:orange", lw=1, label=f"test ({len(test):,} days)")
    ax.axhline(train["Close"].max(), color="grey", ls="--", lw=1, label=f"training maximum ({train['Close'].max():,.0f})")
    ax.set_title(f"BTC-USD daily close: chronological split at {btc.train_fraction:.0%}")
    usd_axis(ax)
    finish(ax, "upper left")
    return fig


def plot_training_loss(history: pd.DataFrame, btc: BtcParams) -> Figure:
    return loss_curves(history, f"Training loss, MSE on scaled targets ({btc.describe()})", "MSE", yscale="log")


def plot_predictions(predictions: pd.DataFrame, metrics: dict, btc: BtcParams) -> Figure:
    fig, (ax,) = new_figure()
    dates = _dates(predictions, "date")
    ax.plot(dates, predictions["actual"], color="black", lw=1, label="actual close")
    ax.plot(dates, predictions["predicted"], color="tab:red", lw=1, label=f"{btc.model.cell.upper()} prediction")
    if metrics.get("train_close_max"):
        ax.axhline(metrics["train_close_max"], color="grey", ls="--", lw=1, label=f"training maximum ({metrics['train_close_max']:,.0f})")
    ax.set_title(f"Test period ({btc.describe()}): MAE / naive MAE = {metrics['relative_mae']:.3f}")
    usd_axis(ax)
    finish(ax, "upper left")
    return fig


def plot_forecast(prices: pd.DataFrame, forecast: pd.DataFrame, btc: BtcParams, history_days: int = 180) -> Figure:
    fig, (ax,) = new_figure()
    recent = prices.tail(history_days)
    dates = _dates(forecast, "date")
    ax.plot(_dates(recent, "Date"), recent["Close"], color="black", lw=1, label=f"last {history_days} closes")
    ax.fill_between(dates, forecast["lower_95"], forecast["upper_95"], color="tab:red", alpha=0.15, label="95% band")
    ax.fill_between(dates, forecast["lower_80"], forecast["upper_80"], color="tab:red", alpha=0.3, label="80% band")
    ax.plot(dates, forecast["median"], color="tab:red", lw=1, ls="--", label="median of paths")
    ax.plot(dates, forecast["forecast_close"], color="tab:red", lw=1.5, label="point forecast")
    ax.set_title(f"BTC-USD {len(forecast)}-day recursive forecast past {prices['Date'].iloc[-1]} ({btc.describe()})")
    usd_axis(ax)
    finish(ax, "upper left")
    return fig


def plot_backtest(backtest: pd.DataFrame, btc: BtcParams) -> Figure:
    fig, (error, coverage) = new_figure(columns=2)
    error.plot(backtest["horizon"], backtest["model_mae"], color="tab:red", label=f"{btc.model.cell.upper()} (point)")
    error.plot(backtest["horizon"], backtest["naive_mae"], color="black", label="naive (flat)")
    error.set(title=f"Walk-forward MAE, {backtest['origins'].iloc[0]} origins", xlabel="days ahead")
    usd_axis(error)
    error.set_ylabel("MAE (USD)")
    for level, alpha in (("80", 0.6), ("95", 1.0)):
        coverage.plot(backtest["horizon"], backtest[f"coverage_{level}"], color="tab:red", alpha=alpha, label=f"{level}% band")
        coverage.axhline(int(level) / 100, color="grey", ls=":", lw=1, label=f"nominal {level}%")
    coverage.set(title="Share of outcomes inside the band", xlabel="days ahead", ylabel="coverage", ylim=(0, 1.02))
    fig.suptitle(btc.describe())
    finish(error, "upper left")
    finish(coverage, "lower left")
    return fig
