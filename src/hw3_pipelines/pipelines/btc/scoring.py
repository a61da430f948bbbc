"""Nodes that score the btc forecasts as distributions of the next days' log returns,
beside the volatility baselines a forecaster must beat, on exactly the same days.

Forecasters: ``model`` (as the pipeline ships it: recalibrated when ``calibration.
recalibrate`` is on; a seed ensemble's mixture when ``model.ensemble_size`` > 1),
``model_uncalibrated`` (the same before recalibration, one day only), the baselines
``constant_vol``, ``ewma``, ``garch_t``, ``gjr_garch_t``, ``egarch_t`` and ``har_t`` (see
``forecasting.baselines``), and ``pool``, their linear pool. The forecast past the last
date comes from one of them, ``forecast.forecaster``: the model or the pool.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.forecasting import baselines, metrics, recursive, scores
from hw3_pipelines.forecasting.distributions import (
    Predictive,
    crps_gram,
    crps_pool_weights,
    from_model_step,
    returns_to_prices,
)
from hw3_pipelines.forecasting.selection import ParsimoniousChoice
from hw3_pipelines.forecasting.windows import TARGET_COLUMN, ModelInput, feature_frame
from hw3_pipelines.modeling import regressor_paths
from hw3_pipelines.modeling.regressor_ensemble import Regressor, members
from hw3_pipelines.modeling.training import seed_and_pin_threads
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc.nodes import location_at, model_close_paths


def fit_baselines(train_prices: pd.DataFrame, btc: BtcParams) -> dict:
    """Every baseline's parameters, from the training days' returns and ranges alone."""
    days = train_prices.set_index("Date")
    returns = baselines.log_returns_pct(days["Close"])
    return {
        "fitted_on": {"first_date": returns.index[0], "last_date": returns.index[-1], "returns": len(returns)},
        "constant_vol_sigma": float(returns.std()),
        "ewma_lambda": btc.baselines.ewma_lambda,
        "ewma_initial_variance": float(returns.var()),
        **{kind: baselines.fit_arch_t(kind, returns) for kind in baselines.VOLATILITY_MODELS},
        "har_t": baselines.fit_har_t(baselines.parkinson_variance(days["High"], days["Low"]), returns),
    }


class _Baselines:
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
    def with_next_day(cls, prices: pd.DataFrame, fitted: dict) -> _Baselines:
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


def fit_pool(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    train_prices: pd.DataFrame, prices: pd.DataFrame, fitted: dict, btc: BtcParams,
) -> dict:
    """Weights of the linear pool of the model and the baselines, two sets: those that
    minimise the pool's mean CRPS on the validation days (the targets of the model's
    validation windows, the last training days), for one day ahead; and for every horizon
    beyond, those that minimise it over horizons 2..H at walk-forward origins inside the
    same days, or the benchmark alone where that pool is not better there
    (``_fit_pool_beyond_one_day``). Never the test days. On those days the baselines and
    the model's spread factor are in-sample; the model's weights were not fitted there
    (only its best epoch was chosen there). A model whose one-day distribution is only
    draws (a price-level target) stays out of the one-day pool, whose forecasts are
    closed-form mixtures.

    One set for all horizons beyond the first, not one per horizon: the validation span
    holds about a dozen non-overlapping 30-day outcomes, too few to fit seven weights per
    horizon; and not the one-day set, which weighs the model, whose paths are behind
    GARCH's from the fourth day on. The benchmark must be beaten, not merely matched: the
    70% split's validation months (2022's crashes) put 0.73 of the fitted weight on
    constant volatility, which lost to GARCH-t at every horizon of the calmer test years."""
    n_val = model_input.validation_count(btc.training.val_fraction)
    close = train_prices["Close"].to_numpy(float)
    previous, actual = close[-n_val - 1 : -1], 100 * np.log(close[-n_val:] / close[-n_val - 1 : -1])
    dates = train_prices["Date"].to_numpy()[-n_val:]
    own = _model_one_day(model, model_input.X_train[-n_val:], previous, model_input, scaler, calibration, btc)["model"]
    candidates = {} if own.family == "samples" else {"model": own}
    reference = _Baselines(prices, fitted, dates)
    candidates |= reference.one_day(reference.test_positions)
    weights = crps_pool_weights(crps_gram(list(candidates.values()), actual))
    pooled = Predictive.pool(weights, list(candidates.values()))
    one_day = {
        "fitted_on": {"first_date": str(dates[0]), "last_date": str(dates[-1]), "days": n_val},
        "weights": dict(zip(candidates, map(float, weights))),
        "validation_crps": {name: float(np.mean(p.crps(actual))) for name, p in (candidates | {"pool": pooled}).items()},
    }
    return one_day | {"beyond_one_day": _fit_pool_beyond_one_day(model, model_input, scaler, calibration, close, reference, fitted, btc, one_day)}


def _fit_pool_beyond_one_day(model, model_input: ModelInput, scaler, calibration: dict, close: np.ndarray, reference: _Baselines, fitted: dict, btc: BtcParams, one_day: dict) -> dict:
    """The pool's weights for horizons 2..H, from every forecaster's cumulative return at
    walk-forward origins inside the validation days (``backtest.stride`` apart, H shortened
    to the days there are), the model's from its recursive paths (``_kept_beyond_one_day``);
    the one-day weights when those days hold no two-day outcome."""
    n_val = len(reference.test_positions)
    horizon = min(btc.backtest.horizon, n_val)
    if horizon < 2:
        return {"fitted_on": f"the one-day weights: {n_val} validation day(s) hold no two-day outcome", "weights": one_day["weights"]}
    origins = recursive.walk_forward_origins(n_val, horizon, btc.backtest.stride)
    last_close = close[-n_val - 1 : -1][origins]
    closes = model_close_paths(
        model, model_input.X_train[-n_val:][origins], last_close, scaler, model_input.close_index, calibration, btc,
        btc.backtest.model_copy(update={"horizon": horizon}),
    )
    model_returns = 100 * np.log(closes / last_close[:, None, None])
    grams = []
    for h, forecasters in _cumulative_forecasters(model_returns, reference, reference.test_positions[origins], fitted, btc.backtest.paths, btc.forecast.seed):
        if h > 1:
            grams.append(crps_gram(list(forecasters.values()), 100 * np.log(close[-n_val:][origins + h - 1] / last_close)))
    fitted_on = {"origins": len(origins), "horizons": [2, horizon], "stride": btc.backtest.stride}
    return {"fitted_on": fitted_on} | _kept_beyond_one_day(list(forecasters), np.stack(grams, axis=1), btc)


def _kept_beyond_one_day(names: list[str], gram: np.ndarray, btc: BtcParams) -> dict:
    """From the Gram matrices (origins, horizons 2..H, k, k) of ``names``: the weights that
    minimise the pool's mean CRPS, kept if that pool is better than ``calibration.benchmark``
    alone there (``ParsimoniousChoice``), else the benchmark alone."""
    weights = crps_pool_weights(gram)
    mean_gram = gram.mean(axis=(0, 1))
    fitted = {
        "fitted_weights": dict(zip(names, map(float, weights))),
        "validation_crps": dict(zip(names, map(float, np.diagonal(mean_gram)))) | {"pool": float(weights @ mean_gram @ weights)},
    }
    benchmark = btc.calibration.benchmark
    if benchmark is None:
        return {"kept": "pool", "weights": fitted["fitted_weights"], **fitted}
    origins, horizons = gram.shape[:2]
    choosing = ParsimoniousChoice(
        f"{origins} validation origins, horizons 2-{horizons + 1}", overlap=math.ceil((horizons + 1) / btc.backtest.stride),
        significance=btc.calibration.significance,
    )
    alone = gram[:, :, names.index(benchmark), names.index(benchmark)]
    kept, choice = choosing.kept(
        "Beyond one day: %s", {benchmark: alone, "pool": np.einsum("i,ohij,j->oh", weights, gram, weights)}, nearest_first=[benchmark, "pool"]
    )
    return {"kept": kept, "weights": fitted["fitted_weights"] if kept == "pool" else {benchmark: 1.0}, **fitted, "choice": choice}


def pool_weights(pool: dict, h: int) -> dict[str, float]:
    """The pool's weights for forecasts ``h`` days ahead (``fit_pool``)."""
    return pool["weights"] if h == 1 else pool["beyond_one_day"]["weights"]


def score_one_day(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> tuple[dict, pd.DataFrame]:
    """Every forecaster's one-day distribution on every test day, scored; and a per-day
    table (PIT, 80% band in USD, CRPS) for the plots. The model and the pool are each
    tested against every baseline (Diebold-Mariano on the daily CRPS); an ensemble's
    members are scored alone too."""
    previous, close = model_input.test_previous_close, model_input.test_close
    actual = 100 * np.log(close / previous)
    draws, seed = btc.scoring.draws, btc.scoring.seed
    forecasters = _model_one_day(model, model_input.X_test, previous, model_input, scaler, calibration, btc)
    reference = _Baselines(prices, fitted, model_input.test_dates)
    forecasters |= reference.one_day(reference.test_positions)
    forecasters["pool"] = Predictive.pool(list(pool["weights"].values()), [forecasters[name] for name in pool["weights"]])
    report, table = {}, pd.DataFrame({"date": model_input.test_dates, "close": close, "previous_close": previous, "return_pct": actual})
    for name, predictive in forecasters.items():
        crps = predictive.crps(actual)
        report[name] = scores.score(predictive, actual, close, previous, draws, seed, crps=crps)
        lower, upper = scores.central_band(predictive, 80)
        table[f"{name}_pit"] = predictive.cdf(actual)
        table[f"{name}_lower_80"], table[f"{name}_upper_80"] = returns_to_prices(np.stack([lower, upper], 1), previous).T
        table[f"{name}_crps"] = crps
        report[name] |= scores.adaptive_coverage(table[f"{name}_pit"], btc.calibration.adaptive_gamma)
    for name in ("model", "pool"):
        for baseline in BASELINES:
            report[name][f"crps_dm_vs_{baseline}"] = _dm(table[f"{name}_crps"], table[f"{baseline}_crps"])
    report["pool"]["crps_dm_vs_model"] = _dm(table["pool_crps"], table["model_crps"])
    if btc.model.ensemble_size > 1:
        report["model"]["members"] = _members_crps(model, model_input, scaler, calibration, actual, btc)
    report["model"]["verdict"] = _verdict(report, btc)
    return report, table


def _verdict(report: dict, btc: BtcParams) -> str:
    """One sentence a newcomer reads without the README: the model against the best
    baseline, and where it failed, why and which command does better."""
    best = min(BASELINES, key=lambda name: report[name]["crps"])
    model, baseline = report["model"]["crps"], report[best]["crps"]
    if model > FAILED * baseline:
        why = (" a model of scaled price levels cannot forecast prices above the training range, where its forecasts "
               "saturate;" if btc.target == "price" else "")
        return (f"The model's one-day forecasts failed: CRPS {model:.2f} against {NAMES[best]}'s {baseline:.3f}, its 80% band "
                f"holding {report['model']['coverage_80']:.0%} of days;{why} `kedro run --pipeline btc --env distribution` "
                "forecasts daily returns with a seed ensemble whose one-day CRPS is below GARCH's.")
    test = report["model"][f"crps_dm_vs_{best}"]
    significance = "significantly" if test["p_value"] < 0.05 else "not significantly"
    return (f"The model's one-day CRPS is {model:.4f} against the best baseline's ({NAMES[best]}) {baseline:.4f}: "
            f"{'lower' if model < baseline else 'higher'}, {significance} (Diebold-Mariano p = {test['p_value']:.2g}).")


def _dm(loss: pd.Series, baseline_loss: pd.Series) -> dict:
    """Diebold-Mariano on daily CRPS: the two-sided p, and the one-sided p of "lower than the baseline"."""
    test = metrics.loss_difference_test(loss, baseline_loss)
    lower = float(stats.t.cdf(test["statistic"], df=test["n"] - 1))
    return {"statistic": test["statistic"], "p_value": test["p_value"], "p_value_lower": lower}


def _members_crps(model: Regressor, model_input: ModelInput, scaler, calibration: dict, actual, btc: BtcParams) -> dict:
    """Each member alone, as trained (no recalibration): the seed lottery the ensemble
    averages; and the mixture, as trained, tested against each member. (Against the
    members' average CRPS it wins on every day by convexity, so that test would say nothing.)"""
    def daily_crps(network: Regressor) -> np.ndarray:
        step = regressor_paths.one_step(network, model_input.X_test, calibration["point_scale"])
        return _in_returns(step, model_input.test_previous_close, model_input, scaler, btc).crps(actual)

    daily = {str(btc.training.seed + k): daily_crps(member) for k, member in enumerate(members(model))}
    values = np.array([np.mean(crps) for crps in daily.values()])
    mixture = daily_crps(model)
    return {
        "crps": dict(zip(daily, map(float, values))), "crps_mean": float(values.mean()), "crps_std": float(values.std(ddof=1)),
        "mixture_dm_vs_member": {seed: _dm(mixture, crps) for seed, crps in daily.items()},
    }


def _in_returns(step: dict, previous_close, model_input: ModelInput, scaler, btc: BtcParams) -> Predictive:
    """A one-step forecast in scaled units as a distribution of the log return in percent."""
    return from_model_step(step, scaler, model_input.close_index, btc.target, previous_close, btc.scoring.draws, btc.scoring.seed)


def _model_one_day(model: Regressor, windows, previous_close, model_input: ModelInput, scaler, calibration: dict, btc: BtcParams) -> dict[str, Predictive]:
    """The model's one-day distributions from ``windows``, as shipped (recalibrated when
    ``recalibrate`` is on) and, when it is on, before recalibration."""
    location = location_at(calibration["location"]["shrink"], scaler, model_input.close_index)
    step = regressor_paths.one_step(model, windows, calibration["point_scale"], location=location)

    def widened(spread: float) -> Predictive:
        return _in_returns({**step, "scale": step["scale"] * spread}, previous_close, model_input, scaler, btc)

    forecasters = {"model": widened(calibration["spread_factor"])}
    if btc.calibration.recalibrate:
        forecasters["model_uncalibrated"] = widened(1.0)
    return forecasters


def forecast_prices(
    model: Regressor, scaler: MinMaxScaler, calibration: dict, prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> pd.DataFrame:
    """The forecast ``forecast.horizon`` days past the last date by ``forecast.forecaster``: the
    median close and the 80% and 95% bands of the model's recursive paths, or of the linear
    pool's draws of each day's cumulative return (the model's paths and the baselines', in
    the shares of the pool's weights).

    Only Close is predicted; the model's other features are held at their last value, or
    at no change where it sees their daily log change.
    """
    seed_and_pin_threads(btc.forecast.seed, btc.training.num_threads)  # served answers equal the pipeline's
    frame = feature_frame(prices, btc.features, btc.target)
    window = scaler.transform(frame.to_numpy()[-btc.lookback :]).astype("float32")[None]
    last_close = np.array([float(prices["Close"].iloc[-1])])
    close_index = btc.features.index(TARGET_COLUMN)
    closes = model_close_paths(model, window, last_close, scaler, close_index, calibration, btc, btc.forecast)
    if btc.forecast.forecaster == "pool":
        reference = _Baselines.with_next_day(prices, fitted)
        returns = 100 * np.log(closes / last_close[:, None, None])
        by_horizon = _cumulative_forecasters(returns, reference, reference.test_positions, fitted, btc.forecast.paths, btc.forecast.seed)
        draws = [_pooled(pool_weights(pool, h), forecasters, btc.forecast.paths, btc.forecast.seed + h).samples for h, forecasters in by_horizon]
        closes = last_close[:, None, None] * np.exp(np.stack(draws, axis=-1) / 100)
    bands = recursive.band_quantiles(closes)
    dates = pd.date_range(pd.Timestamp(prices["Date"].iloc[-1]) + pd.Timedelta(days=1), periods=btc.forecast.horizon)
    return pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), **{name: values[0] for name, values in bands.items()}})


def _cumulative_forecasters(model_returns: np.ndarray, reference: _Baselines, positions: np.ndarray, fitted: dict, n_paths: int, seed: int):
    """For h = 1..H, each forecaster's distribution of the cumulative log return h days
    after each origin: the model's from its paths ``model_returns`` (origins, paths, H), the
    baselines' from the return series, ``positions`` the origins' first forecast days."""
    horizon = model_returns.shape[-1]
    simulated = {
        kind: np.cumsum(baselines.arch_t_paths(kind, reference.returns, fitted[kind], positions, horizon, n_paths, seed), axis=-1)
        for kind in baselines.VOLATILITY_MODELS
    }
    for h in range(1, horizon + 1):
        yield h, {
            "model": Predictive.from_samples(model_returns[:, :, h - 1]),
            "constant_vol": baselines.random_walk(np.full(len(positions), fitted["constant_vol_sigma"]), h),
            "ewma": baselines.random_walk(reference.ewma_sigma[positions], h),
            **{kind: Predictive.from_samples(paths[:, :, h - 1]) for kind, paths in simulated.items()},
            "har_t": baselines.har_t(reference.har_sigma[positions], fitted["har_t"], h),
        }


def _pooled(weights: dict[str, float], forecasters: dict[str, Predictive], m: int, seed: int) -> Predictive:
    """The linear pool with ``weights`` as about ``m`` draws per origin."""
    return Predictive.pooled_draws(list(weights.values()), [forecasters[name] for name in weights], m, np.random.default_rng(seed))


def backtest_forecasters(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> pd.DataFrame:
    """Walk-forward: from an origin every ``stride`` test days, each forecaster's distribution
    of the cumulative log return 1..H days ahead, scored per horizon over the origins.
    The point forecast is the distribution's median, turned into a close.

    The pool takes its one-day weights one day ahead and its multi-day weights beyond
    (``fit_pool``). Its quantiles come from about ``paths`` pooled draws; its CRPS from all
    its members' draws and closed forms (``crps_gram``), free of the subsample's noise."""
    horizon, stride, n_paths = btc.backtest.horizon, btc.backtest.stride, btc.backtest.paths
    origins = recursive.walk_forward_origins(len(model_input.X_test), horizon, stride)
    if len(origins) == 0:
        raise ParameterError(f"btc.backtest.horizon={horizon} is longer than the {len(model_input.X_test)}-day test period")
    last_close = model_input.test_previous_close[origins]
    actual_close = np.stack([model_input.test_close[o : o + horizon] for o in origins])
    closes = model_close_paths(model, model_input.X_test[origins], last_close, scaler, model_input.close_index, calibration, btc, btc.backtest)
    model_returns = 100 * np.log(closes / last_close[:, None, None])
    reference = _Baselines(prices, fitted, model_input.test_dates)
    rows = []
    for h, forecasters in _cumulative_forecasters(model_returns, reference, reference.test_positions[origins], fitted, n_paths, btc.forecast.seed):
        actual = 100 * np.log(actual_close[:, h - 1] / last_close)
        crps = {name: p.crps(actual) for name, p in forecasters.items()}
        weights = pool_weights(pool, h)
        forecasters["pool"] = _pooled(weights, forecasters, n_paths, btc.scoring.seed + h)
        crps["pool"] = _pool_crps(weights, forecasters, crps, actual)
        horizon_rows = {name: _horizon_row(h, name, p, crps[name], actual_close[:, h - 1], last_close, btc) for name, p in forecasters.items()}
        for name in ("model", "pool"):
            horizon_rows[name] |= _against_best_baseline(crps, name, math.ceil(h / stride))
        rows += horizon_rows.values()
    return pd.DataFrame(rows)


def _pool_crps(weights: dict[str, float], forecasters: dict[str, Predictive], crps: dict[str, np.ndarray], actual: np.ndarray) -> np.ndarray:
    """The pool's CRPS at each origin from its members with a weight, wᵀ G w; a pool of
    one is that forecaster, whose CRPS (in ``crps``) it takes to the last digit."""
    members = {name: w for name, w in weights.items() if w > 0}
    if len(members) == 1:
        return crps[next(iter(members))]
    w = np.array(list(members.values()))
    return np.einsum("i,dij,j->d", w, crps_gram([forecasters[name] for name in members], actual), w)


def _against_best_baseline(crps: dict[str, np.ndarray], name: str, overlap: int) -> dict:
    """``name`` against the baseline with the lowest CRPS at this horizon: Diebold-Mariano
    on the origins' CRPS (``crps``, every forecaster's), with a HAC variance over
    ``overlap`` lags, since an h-day outcome shares days with the outcomes of the origins up
    to h days later."""
    best = min(BASELINES, key=lambda rival: crps[rival].mean())
    test = metrics.loss_difference_test(crps[name], crps[best], horizon=overlap)
    return {"best_baseline": best, "best_baseline_crps": float(crps[best].mean()),
            "dm_statistic_vs_best_baseline": test["statistic"], "dm_p_vs_best_baseline": test["p_value"]}


def _horizon_row(h: int, name: str, predictive: Predictive, crps: np.ndarray, actual_close, last_close, btc: BtcParams) -> dict:
    """One forecaster's scores at horizon ``h`` over the origins, its CRPS the mean of
    ``crps``; ``median_return`` against ``actual_return`` (means over origins, %) shows a
    drift the paths picked up."""
    actual = 100 * np.log(actual_close / last_close)
    median = predictive.ppf(0.5)
    point = last_close * np.exp(median / 100)
    naive_mae = float(np.mean(np.abs(actual_close - last_close)))
    scored = scores.score(predictive, actual, actual_close, last_close, btc.scoring.draws, btc.scoring.seed, crps=crps)
    pinball = {f"pinball_{q}": value for q, value in scored.pop("pinball").items()}
    mae = float(np.mean(np.abs(point - actual_close)))
    known_after = math.ceil(h / btc.backtest.stride)  # origins until an h-day outcome is known
    adaptive = scores.adaptive_coverage(predictive.cdf(actual), btc.calibration.adaptive_gamma, known_after)
    return {"horizon": h, "forecaster": name, "origins": len(last_close), "mae": mae, "naive_mae": naive_mae,
            "relative_mae": mae / naive_mae, "median_return": float(np.mean(median)), "actual_return": float(np.mean(actual)),
            **scored, **pinball, **adaptive}
