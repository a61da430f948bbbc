"""The forecasters the pool draws on: the model (one-day distributions and recursive
paths) and the baselines fitted on the training days, each as a ``Predictive`` of the log
return in percent, one day or h days after each origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from threadpoolctl import threadpool_limits

from hw3_pipelines.forecasting import baselines, recursive
from hw3_pipelines.forecasting.distributions import Predictive, from_model_step
from hw3_pipelines.forecasting.windows import ModelInput, inverse_column, is_differenced
from hw3_pipelines.modeling import regressor_paths
from hw3_pipelines.modeling.regressor_ensemble import Regressor
from hw3_pipelines.parameters import BtcParams

# the forecasters fitted on training days only
BASELINES = ("constant_vol", "ewma", *baselines.VOLATILITY_MODELS, "har_t")
NAMES = {
    "model": "the model",
    "model_uncalibrated": "the model before recalibration",
    "constant_vol": "constant volatility",
    "ewma": "EWMA random walk",
    "garch_t": "GARCH(1,1)-t",
    "gjr_garch_t": "GJR-GARCH(1,1)-t",
    "egarch_t": "EGARCH(1,1)-t",
    "har_t": "HAR on the daily range, t",
    "pool": "linear pool",
}
FAILED = 1.5  # a model whose one-day CRPS is this many times the best baseline's has failed


def describe_weights(weights: dict[str, float]) -> str:
    """A pool's weights in words, largest first, those under 0.005 left out."""
    weighted = sorted(weights.items(), key=lambda item: -item[1])
    return ", ".join(f"{NAMES[name]} {weight:.2f}" for name, weight in weighted if weight >= 0.005)


def fit_baselines(train_prices: pd.DataFrame, btc: BtcParams) -> dict:
    """Every baseline's parameters, from the training days' returns and ranges alone.

    Fitted with one BLAS thread: the optimiser's path, and so the last digits of GARCH's
    parameters, depend on the thread count, which differs between a Dask worker (one) and
    a process of its own; one thread everywhere gives every runner the same fits."""
    days = train_prices.set_index("Date")
    returns = baselines.log_returns_pct(days["Close"])
    with threadpool_limits(limits=1):
        return {
            "fitted_on": {"first_date": returns.index[0], "last_date": returns.index[-1], "returns": len(returns)},
            "constant_vol_sigma": float(returns.std()),
            "ewma_lambda": btc.baselines.ewma_lambda,
            "ewma_initial_variance": float(returns.var()),
            **{kind: baselines.fit_arch_t(kind, returns) for kind in baselines.VOLATILITY_MODELS},
            "har_t": baselines.fit_har_t(baselines.parkinson_variance(days["High"], days["Low"]), returns),
        }


class BaselineForecasts:
    """The baselines' forecasts for days given by their position in the return series."""

    def __init__(self, prices: pd.DataFrame, fitted: dict, test_dates: np.ndarray):
        table = prices.set_index("Date")
        self.returns = baselines.log_returns_pct(table["Close"])
        self.fitted = fitted
        self.test_positions = self.returns.index.get_indexer(test_dates)
        if (self.test_positions < 0).any():
            raise ValueError("the test days are not all in the price table the baselines filter")
        self.ewma_sigma = baselines.ewma_volatility(
            self.returns.to_numpy(), fitted["ewma_lambda"], fitted["ewma_initial_variance"]
        )
        variance = baselines.parkinson_variance(table["High"], table["Low"])
        self.har_sigma = baselines.har_t_sigma(variance, fitted["har_t"]).reindex(self.returns.index).to_numpy()

    @classmethod
    def with_next_day(cls, prices: pd.DataFrame, fitted: dict) -> BaselineForecasts:
        """The baselines over ``prices`` and one more day, the day after the last, whose close,
        high and low are the last close: only the days before it inform its forecast, so its
        position, the last, forecasts past the data."""
        last = prices.iloc[-1]
        next_day = {**last.to_dict(), "Date": (pd.Timestamp(last["Date"]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
                    **dict.fromkeys(("Open", "High", "Low"), last["Close"])}
        extended = pd.concat([prices, pd.DataFrame([next_day])], ignore_index=True)
        return cls(extended, fitted, extended["Date"].to_numpy()[-1:])

    def one_day(self, days: np.ndarray) -> dict[str, Predictive]:
        return {
            "constant_vol": baselines.random_walk(np.full(len(days), self.fitted["constant_vol_sigma"])),
            "ewma": baselines.random_walk(self.ewma_sigma[days]),
            **{kind: baselines.arch_t_one_day(kind, self.returns, self.fitted[kind], days) for kind in baselines.VOLATILITY_MODELS},
            "har_t": baselines.har_t(self.har_sigma[days], self.fitted["har_t"]),
        }


def in_returns(step: dict, previous_close, model_input: ModelInput, scaler, btc: BtcParams) -> Predictive:
    """A one-step forecast in scaled units as a distribution of the log return in percent."""
    return from_model_step(step, scaler, model_input.close_index, btc.target, previous_close, btc.scoring.draws, btc.scoring.seed)


def model_one_day(model: Regressor, windows, previous_close, model_input: ModelInput, scaler, calibration: dict, btc: BtcParams) -> dict[str, Predictive]:
    """The model's one-day distributions from ``windows``, as shipped (recalibrated when
    ``recalibrate`` is on) and, when it is on, before recalibration."""
    location = location_at(calibration["location"]["shrink"], scaler, model_input.close_index)
    step = regressor_paths.one_step(model, windows, calibration["point_scale"], location=location)

    def widened(spread: float) -> Predictive:
        return in_returns({**step, "scale": step["scale"] * spread}, previous_close, model_input, scaler, btc)

    forecasters = {"model": widened(calibration["spread_factor"])}
    if btc.calibration.recalibrate:
        forecasters["model_uncalibrated"] = widened(1.0)
    return forecasters


def location_at(shrink: float, scaler: MinMaxScaler, close_index: int) -> regressor_paths.Location:
    """``shrink`` on the location of a log-return model scaled by ``scaler``."""
    return regressor_paths.Location(shrink, float(recursive.no_change(scaler)[close_index]))


def model_close_paths(model, windows, last_close, scaler, close_index: int, calibration: dict, btc: BtcParams, paths) -> np.ndarray:
    """The model's closes along sampled recursive paths from each window, ``(origins, paths,
    horizon)``, with the spread, location and path spread ``calibration`` set and ``paths`` (a forecast or backtest
    parameter group) giving horizon, number of paths and seed."""
    differenced = [is_differenced(feature, btc.target) for feature in btc.features]
    scaled = regressor_paths.sample_paths(
        model, windows, paths.horizon, close_index, recursive.held_features(scaler, windows, differenced), paths.paths,
        calibration["point_scale"], calibration["spread_factor"], btc.forecast.seed,
        desc=f"{paths.paths} paths x {len(windows)} origins", location=location_at(calibration["location"]["shrink"], scaler, close_index),
    )
    closes = recursive.to_close_paths(inverse_column(scaler, scaled, close_index), last_close, btc.target)
    widening = calibration["path_spread"]
    return closes if widening["factor"] == 1 else recursive.widen_paths(closes, widening["factor"], widening["horizon"])


def cumulative_forecasters(model_returns: np.ndarray, reference: BaselineForecasts, positions: np.ndarray, fitted: dict, n_paths: int, seed: int):
    """For h = 1..H, each forecaster's distribution of the cumulative log return h days
    after each origin: the model's from its paths ``model_returns`` (origins, paths, H), the
    baselines' from the return series, ``positions`` the origins' first forecast days."""
    horizon = model_returns.shape[-1]
    by_baseline = {name: cumulative_baseline(name, reference, positions, fitted, horizon, n_paths, seed) for name in BASELINES}
    for h in range(1, horizon + 1):
        yield h, {"model": Predictive.from_samples(model_returns[:, :, h - 1]), **{name: each[h - 1] for name, each in by_baseline.items()}}


def cumulative_baseline(name: str, reference: BaselineForecasts, positions: np.ndarray, fitted: dict, horizon: int, n_paths: int, seed: int) -> list[Predictive]:
    """One baseline's distributions of the cumulative log return 1..``horizon`` days after
    each origin: simulated paths for the GARCH family, closed forms for the others."""
    if name in baselines.VOLATILITY_MODELS:
        paths = np.cumsum(baselines.arch_t_paths(name, reference.returns, fitted[name], positions, horizon, n_paths, seed), axis=-1)
        return [Predictive.from_samples(paths[:, :, h]) for h in range(horizon)]
    if name == "har_t":
        return [baselines.har_t(reference.har_sigma[positions], fitted["har_t"], h) for h in range(1, horizon + 1)]
    sigma = np.full(len(positions), fitted["constant_vol_sigma"]) if name == "constant_vol" else reference.ewma_sigma[positions]
    return [baselines.random_walk(sigma, h) for h in range(1, horizon + 1)]


def pooled(weights: dict[str, float], forecasters: dict[str, Predictive], m: int, seed: int) -> Predictive:
    """The linear pool with ``weights`` as about ``m`` draws per origin."""
    return Predictive.pooled_draws(list(weights.values()), [forecasters[name] for name in weights], m, np.random.default_rng(seed))


def pool_weights(pool: dict, h: int) -> dict[str, float]:
    """The pool's weights for forecasts ``h`` days ahead (``fit_pool``)."""
    return pool["weights"] if h == 1 else pool["beyond_one_day"]["weights"]


def answering(pool: dict, h: int) -> str:
    """Who the pool is ``h`` days ahead: the one forecaster with all the weight, or the pool."""
    weighted = [name for name, weight in pool_weights(pool, h).items() if weight > 0]
    return NAMES[weighted[0]] if len(weighted) == 1 else NAMES["pool"]


def pool_members(pool: dict, h: int, forecasters: dict[str, Predictive]) -> dict[str, Predictive]:
    """The pool's members ``h`` days ahead as it pools them: beyond one day, where its
    ``spread`` is set, each widened about its median by that factor's ramp at ``h``."""
    spread = pool["beyond_one_day"].get("spread") if h > 1 else None
    factor = 1.0 if spread is None else float(recursive.spread_ramp(spread["factor"], h, spread["horizon"]))
    return {name: forecasters[name] if factor == 1 else forecasters[name].widened(factor) for name in pool_weights(pool, h)}
