"""Reporting nodes of the btc pipeline: each reads saved datasets and returns a figure.

Titles carry the setting (target, cell, size, lookback), so a figure saved on its own
still says which run it shows.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from hw3_pipelines.forecaster.members import NAMES, answering
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.plotting import finish, legend_below, new_figure, usd_axis


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
    """MSE on a log axis for a point head; a distribution head's negative log-likelihood can be
    below zero, so its axis is linear."""
    if btc.model.head == "point":
        return loss_curves(history, f"Training loss, MSE on scaled targets ({btc.describe()})", "MSE", yscale="log")
    return loss_curves(history, f"Training loss, negative log-likelihood ({btc.describe()})", "NLL per window")


def plot_predictions(predictions: pd.DataFrame, metrics: dict, btc: BtcParams, window: int = 30) -> Figure:
    """The test period at full scale, and beside it what full scale hides: the model's error
    against the naive forecast's, as a rolling mean of absolute errors."""
    fig, (ax, error) = new_figure(rows=2, height=7.5)
    dates = _dates(predictions, "date")
    ax.plot(dates, predictions["actual"], color="black", lw=1, label="actual close")
    ax.plot(dates, predictions["predicted"], color="tab:red", lw=1, label=f"{btc.model.cell.upper()} prediction")
    if metrics.get("train_close_max"):
        ax.axhline(metrics["train_close_max"], color="grey", ls="--", lw=1, label=f"training maximum ({metrics['train_close_max']:,.0f})")
    ax.set_title(f"Test period ({btc.describe()})")
    usd_axis(ax)
    finish(ax, "upper left")
    for column, color, label in (("predicted", "tab:red", "model"), ("naive", "grey", "naive: tomorrow = today")):
        absolute = (predictions[column] - predictions["actual"]).abs().rolling(window).mean()
        error.plot(dates, absolute, color=color, lw=1.2, label=label)
    error.set_title(f"Absolute error, {window}-day rolling mean: MAE / naive MAE = {metrics['relative_mae']:.3f} over the test period")
    usd_axis(error)
    error.set_ylabel("USD (absolute error)")
    finish(error, "upper left")
    return fig


def plot_forecast(prices: pd.DataFrame, forecast: pd.DataFrame, pool: dict, btc: BtcParams, history_days: int = 180) -> Figure:
    fig, (ax,) = new_figure()
    recent = prices.tail(history_days)
    dates = _dates(forecast, "date")
    ax.plot(_dates(recent, "Date"), recent["Close"], color="black", lw=1, label=f"last {history_days} closes")
    ax.fill_between(dates, forecast["lower_95"], forecast["upper_95"], color="tab:red", alpha=0.15, label="95% band")
    ax.fill_between(dates, forecast["lower_80"], forecast["upper_80"], color="tab:red", alpha=0.3, label="80% band")
    ax.plot(dates, forecast["median"], color="tab:red", lw=1.5, label="median (point forecast)")
    if btc.forecast.forecaster != "model":
        ax.plot(dates, forecast["model_median"], color="tab:blue", lw=1.2, ls="--", label="the model's recursive median path (the assignment)")
    ax.set_title(f"BTC-USD {len(forecast)}-day forecast past {prices['Date'].iloc[-1]} by {_forecaster(pool, btc)}\n({btc.describe()})")
    usd_axis(ax)
    finish(ax, "upper left")
    return fig


def _forecaster(pool: dict, btc: BtcParams) -> str:
    """What drew the forecast: the model's paths, or the pool, which at one day, beyond it
    or both may be the benchmark alone (``forecaster.pool.fit_pool``)."""
    if btc.forecast.forecaster == "model":
        return "the model's recursive paths"
    first, beyond = answering(pool, 1), answering(pool, 2)
    if first == beyond != NAMES["pool"]:
        return f"{beyond}, which the linear pool did not beat on the validation days"
    return f"the linear pool, {beyond} beyond the first day" if beyond != NAMES["pool"] else "the linear pool"


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
    fig, axes = new_figure(columns=2, height=5)
    for ax, level in zip(axes, (80, 95)):
        for name, rows in backtest.groupby("forecaster", sort=False):
            ax.plot(rows["horizon"], rows[f"coverage_{level}"], label=name, marker="o", ms=3, **FORECASTER_STYLE.get(name, {}))
        ax.axhline(level / 100, color="black", ls="--", lw=1, label="nominal level")
        ax.axhspan(level / 100 - 0.05, level / 100 + 0.05, color="grey", alpha=0.12, label="±5 points")
        ax.set(title=f"{level}% band: share of outcomes inside", xlabel="days ahead", ylabel="coverage",
               ylim=(_floor(backtest[f"coverage_{level}"], 0.5), 1.01))
        ax.grid(alpha=0.3)
    legend_below(axes[0], columns=4)
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


def plot_one_day_bands(one_day: pd.DataFrame, btc: BtcParams, zoom_days: int = 90, window: int = 60) -> Figure:
    """The 80% bands of the model and of GARCH: drawn over the last ``zoom_days`` test days,
    where they can be told apart, and as their coverage in time over the whole test
    period (the share of the past ``window`` days whose close fell inside)."""
    fig, (bands, coverage) = new_figure(rows=2, height=8)
    recent = one_day.tail(zoom_days)
    dates = _dates(recent, "date")
    rolling = pd.DataFrame()
    for name in ("garch_t", "model"):
        style = FORECASTER_STYLE[name]
        bands.fill_between(dates, recent[f"{name}_lower_80"], recent[f"{name}_upper_80"], color=style["color"], alpha=0.25,
                           step="mid", label=f"{name}: 80% band")
        inside = (one_day["close"] >= one_day[f"{name}_lower_80"]) & (one_day["close"] <= one_day[f"{name}_upper_80"])
        rolling[name] = inside.rolling(window).mean()
        coverage.plot(_dates(one_day, "date"), rolling[name], color=style["color"], lw=1.2, label=name)
    bands.plot(dates, recent["close"], color="black", lw=0.8, marker=".", ms=3, label="realised close")
    bands.set_title(f"One-day 80% bands, last {len(recent)} test days ({btc.describe()})")
    usd_axis(bands)
    finish(bands, "upper left")
    coverage.axhline(0.8, color="black", ls="--", lw=1, label="nominal 80%")
    coverage.set(title=f"Coverage in time: share of the past {window} test days inside the 80% band", ylabel="coverage",
                 ylim=(_floor(rolling.stack(), 0.4), 1.02))
    finish(coverage, "lower left")
    return fig


def _floor(coverages: pd.Series, default: float) -> float:
    """The lower limit of a coverage axis: ``default``, or lower when a forecaster falls below it."""
    return min(default, float(coverages.min()) - 0.05)


FORECASTER_STYLE = {
    "model": {"color": "tab:red"},
    "model_uncalibrated": {"color": "tab:pink", "ls": ":"},
    "constant_vol": {"color": "tab:gray", "ls": "--"},
    "ewma": {"color": "tab:green"},
    "garch_t": {"color": "tab:blue"},
    "gjr_garch_t": {"color": "tab:cyan"},
    "egarch_t": {"color": "tab:purple"},
    "har_t": {"color": "tab:olive"},
}
