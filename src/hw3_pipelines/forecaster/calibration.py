"""What the validation windows, the held-out tail of the training windows, say about the
model: the residual spread a point head uses, a factor on its spread, and the location and
spread of its multi-day paths. Never the test days."""

from __future__ import annotations

import math

import numpy as np
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecaster.members import model_close_paths
from hw3_pipelines.forecasting import distributions, recursive, scores
from hw3_pipelines.forecasting.selection import ParsimoniousChoice
from hw3_pipelines.forecasting.windows import ModelInput, inverse_column
from hw3_pipelines.modeling import regressor_paths
from hw3_pipelines.modeling.regressor_ensemble import Regressor
from hw3_pipelines.parameters import BtcParams


def calibrate_model(model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, btc: BtcParams) -> dict:
    """What the validation windows (the held-out tail of the training windows) say about the
    model's spread: the residual spread a point head's distribution uses, and the factor on
    the spread that minimises CRPS there. Never the test days.

    A factor fitted on one stretch of days need not hold on the next (calm months narrow it
    for the turbulent ones after), so it is first tested forward inside the validation
    windows: fitted on their first half, it must lower the CRPS of the second half.
    Otherwise, or when ``recalibrate`` is off, the factor is 1. Then the location and the
    spread of multi-day paths: see ``_choose_paths``."""
    n_val = model_input.validation_count(btc.training.val_fraction)
    windows, actual = model_input.X_train[-n_val:], model_input.y_train[-n_val:].astype("float64")
    point_scale = float(np.std(regressor_paths.predict(model, windows) - actual))
    raw = distributions.from_step(regressor_paths.one_step(model, windows, point_scale))
    report = {"validation_windows": n_val, "point_scale": point_scale}
    spread = 1.0
    if btc.calibration.recalibrate:
        report["forward_check"] = _forward_check(raw, actual)
        if report["forward_check"]["transfers"]:
            spread = distributions.crps_optimal_spread(raw, actual)
    report["spread_factor"] = spread
    for name, predictive in (("before", raw), ("after", raw.widened(spread))):
        lower, upper = scores.central_band(predictive, 80)
        report[f"validation_{name}"] = {
            "crps_scaled": float(np.mean(predictive.crps(actual))),
            "coverage_80": float(np.mean((actual >= lower) & (actual <= upper))),
        }
    report["location"], report["path_spread"] = _choose_paths(model, model_input, scaler, point_scale, spread, btc)
    return report


def _choose_paths(model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, point_scale: float, spread: float, btc: BtcParams) -> tuple[dict, dict]:
    """The factor on the model's location (``calibration.location_shrink``), then the factor
    on its paths' spread (``calibration.path_spread``), each scored by the CRPS of the
    cumulative log return, averaged over horizons 1..H, at walk-forward origins inside the
    validation windows (every ``backtest.stride`` days, H shortened to the windows there
    are). So the drift a path compounds and the width its fan grows to are chosen on the
    last training days, never the test days; of each, the one ``ParsimoniousChoice`` keeps.
    A price model keeps both as learnt: a level has no return to shrink."""
    if btc.target == "price":
        kept = "none: a price model's paths are kept as learnt"
        return {"shrink": 1.0, "chosen_on": kept}, {"factor": 1.0, "horizon": btc.backtest.horizon, "chosen_on": kept}
    n_val = model_input.validation_count(btc.training.val_fraction)
    horizon = min(btc.backtest.horizon, n_val)
    origins = recursive.walk_forward_origins(n_val, horizon, btc.backtest.stride)
    windows = model_input.X_train[-n_val:][origins]
    returns = 100 * inverse_column(scaler, model_input.y_train[-n_val:].astype("float64"), model_input.close_index)
    actual = recursive.cumulative_outcomes(returns, origins, horizon)
    choosing = ParsimoniousChoice(
        f"{len(origins)} validation origins, horizons 1-{horizon}",
        overlap=math.ceil(horizon / btc.backtest.stride),
        significance=btc.calibration.significance,
    )

    def crps_by_origin(closes: np.ndarray) -> np.ndarray:
        """The CRPS of each origin (rows) at each horizon (columns)."""
        paths = 100 * np.log(closes)  # cumulative log returns from a close of 1
        return np.stack([distributions.Predictive.from_samples(paths[:, :, h]).crps(actual[:, h]) for h in range(horizon)], axis=1)

    closes = {}
    for shrink in btc.calibration.location_shrink:
        trial = {"point_scale": point_scale, "spread_factor": spread, "location": {"shrink": shrink}, "path_spread": {"factor": 1.0}}
        closes[shrink] = model_close_paths(
            model, windows, np.ones(len(origins)), scaler, model_input.close_index, trial, btc,
            btc.backtest.model_copy(update={"horizon": horizon}),
        )
    by_shrink = {k: crps_by_origin(c) for k, c in closes.items()}
    shrink, location = choosing.kept("Location: x %s of the learnt", by_shrink, nearest_first=sorted(by_shrink))
    location = {"shrink": shrink, **location, "validation_actual_return": [float(v) for v in actual.mean(axis=0)]}
    by_factor = {f: crps_by_origin(recursive.widen_paths(closes[shrink], f, horizon)) for f in btc.calibration.path_spread}
    factor, path_spread = choosing.kept(
        "Path spread: x %s at the last horizon", by_factor, nearest_first=sorted(by_factor, key=lambda f: abs(math.log(f)))
    )
    return location, {"factor": factor, "horizon": horizon, **path_spread}


def _forward_check(predictive: distributions.Predictive, actual: np.ndarray) -> dict:
    """Does a spread factor fitted on the first half of the days lower the CRPS of the second?"""
    half = len(actual) // 2
    first, second = predictive.days(slice(None, half)), predictive.days(slice(half, None))
    factor = distributions.crps_optimal_spread(first, actual[:half])
    before = float(np.mean(second.crps(actual[half:])))
    after = float(np.mean(second.widened(factor).crps(actual[half:])))
    return {"first_half_factor": factor, "second_half_crps_before": before, "second_half_crps_after": after, "transfers": after < before}
