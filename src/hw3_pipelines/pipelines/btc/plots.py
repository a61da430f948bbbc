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
    ax.plot(dates, forecast["median"], color="tab:red", lw=1.5, label="median of the paths (point forecast)")
    ax.set_title(f"BTC-USD {len(forecast)}-day forecast past {prices['Date'].iloc[-1]} ({btc.describe()})")
    usd_axis(ax)
    finish(ax, "upper left")
    return fig


def plot_backtest(backtest: pd.DataFrame, btc: BtcParams) -> Figure:
    """Point error and CRPS by horizon, every forecaster."""
    fig, (error, crps) = new_figure(columns=2)
    for name, rows in backtest.groupby("forecaster", sort=False):
        style = FORECASTER_STYLE.get(name, {})
        error.plot(rows["horizon"], rows["relative_mae"], label=name, **style)
        crps.plot(rows["horizon"], rows["crps"], label=name, **style)
    error.axhline(1, color="grey", ls="--", lw=1, label="naive (flat close)")
    error.set(title="Median forecast: MAE / naive MAE", xlabel="days ahead", ylabel="relative MAE")
    crps.set(title="CRPS of the cumulative log return", xlabel="days ahead", ylabel="CRPS (% log return)")
    fig.suptitle(f"Walk-forward backtest, {backtest['origins'].iloc[0]} origins ({btc.describe()})")
    finish(error, "upper left")
    finish(crps, "upper left")
    return fig


def plot_coverage_by_horizon(backtest: pd.DataFrame, btc: BtcParams) -> Figure:
    fig, axes = new_figure(columns=2)
    for ax, level in zip(axes, (80, 95)):
        for name, rows in backtest.groupby("forecaster", sort=False):
            ax.plot(rows["horizon"], rows[f"coverage_{level}"], label=name, **FORECASTER_STYLE.get(name, {}))
        ax.axhline(level / 100, color="black", ls="--", lw=1, label=f"nominal {level}%")
        ax.axhspan(level / 100 - 0.05, level / 100 + 0.05, color="grey", alpha=0.12, label="±5 points")
        ax.set(title=f"{level}% band: share of outcomes inside", xlabel="days ahead", ylabel="coverage", ylim=(0.5, 1.01))
        finish(ax, "lower left")
    fig.suptitle(f"Coverage by horizon, {backtest['origins'].iloc[0]} origins ({btc.describe()})")
    return fig


def plot_pit(one_day: pd.DataFrame, btc: BtcParams) -> Figure:
    """PIT histograms: flat when the forecaster is calibrated, U-shaped when its bands are
    too narrow, hump-shaped when too wide."""
    names = [column.removesuffix("_pit") for column in one_day.columns if column.endswith("_pit")]
    fig, axes = new_figure(columns=len(names), width=3.2 * len(names), height=3.6)
    for ax, name in zip(axes, names):
        ax.hist(one_day[f"{name}_pit"], bins=10, range=(0, 1), density=True, color=FORECASTER_STYLE.get(name, {}).get("color", "tab:gray"), alpha=0.7)
        ax.axhline(1, color="black", ls="--", lw=1, label="uniform")
        ax.set(title=name, xlabel="PIT", ylim=(0, 2.5))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("density")
    axes[0].legend(loc="upper center")
    fig.suptitle(f"One-day PIT on {len(one_day)} test days ({btc.describe()})")
    return fig


def plot_one_day_bands(one_day: pd.DataFrame, btc: BtcParams) -> Figure:
    fig, (ax,) = new_figure(height=5)
    dates = _dates(one_day, "date")
    for name in ("garch_t", "model"):
        style = FORECASTER_STYLE[name]
        ax.fill_between(dates, one_day[f"{name}_lower_80"], one_day[f"{name}_upper_80"], color=style["color"], alpha=0.25,
                        step="mid", label=f"{name}: 80% band")
    ax.plot(dates, one_day["close"], color="black", lw=0.8, label="realised close")
    ax.set_title(f"One-day 80% bands over the test period ({btc.describe()})")
    usd_axis(ax)
    finish(ax, "upper left")
    return fig


FORECASTER_STYLE = {
    "model": {"color": "tab:red"},
    "model_uncalibrated": {"color": "tab:pink", "ls": ":"},
    "constant_vol": {"color": "tab:gray", "ls": "--"},
    "ewma": {"color": "tab:green"},
    "garch_t": {"color": "tab:blue"},
}
