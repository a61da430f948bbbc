"""The forecast past the last date, by the model's recursive paths or the linear pool's draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecaster.members import (
    NAMES,
    BaselineForecasts,
    answering,
    cumulative_forecasters,
    model_close_paths,
    pool_members,
    pool_weights,
    pooled,
)
from hw3_pipelines.forecasting import recursive
from hw3_pipelines.forecasting.windows import TARGET_COLUMN, feature_frame
from hw3_pipelines.modeling.regressor_ensemble import Regressor
from hw3_pipelines.modeling.training import seed_and_pin_threads
from hw3_pipelines.parameters import BtcParams


def forecast_prices(
    model: Regressor, scaler: MinMaxScaler, calibration: dict, prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> pd.DataFrame:
    """The forecast ``forecast.horizon`` days past the last date by ``forecast.forecaster``: the
    median close and the 80% and 95% bands of the model's recursive paths, or of the linear
    pool's draws of each day's cumulative return (the model's paths and the baselines', in
    the shares of the pool's weights, widened beyond one day by its spread). Beside them,
    which forecaster made each day's bands, and the median of the model's own paths (the
    assignment's recursive forecast), whoever made the bands.

    Only Close is predicted; the model's other features are held at their last value, or
    at no change where it sees their daily log change.
    """
    seed_and_pin_threads(btc.forecast.seed, btc.training.num_threads)  # served answers equal the pipeline's
    frame = feature_frame(prices, btc.features, btc.target)
    window = scaler.transform(frame.to_numpy()[-btc.lookback :]).astype("float32")[None]
    last_close = np.array([float(prices["Close"].iloc[-1])])
    close_index = btc.features.index(TARGET_COLUMN)
    closes = model_close_paths(model, window, last_close, scaler, close_index, calibration, btc, btc.forecast)
    model_median = np.median(closes, axis=1)[0]
    days = range(1, btc.forecast.horizon + 1)
    forecaster = [NAMES["model"]] * len(days)
    if btc.forecast.forecaster == "pool":
        reference = BaselineForecasts.with_next_day(prices, fitted)
        returns = 100 * np.log(closes / last_close[:, None, None])
        by_horizon = cumulative_forecasters(returns, reference, reference.test_positions, fitted, btc.forecast.paths, btc.forecast.seed)
        draws = [
            pooled(pool_weights(pool, h), pool_members(pool, h, forecasters), btc.forecast.paths, btc.forecast.seed + h).samples
            for h, forecasters in by_horizon
        ]
        closes = last_close[:, None, None] * np.exp(np.stack(draws, axis=-1) / 100)
        forecaster = [answering(pool, h) for h in days]
    bands = recursive.band_quantiles(closes)
    dates = pd.date_range(pd.Timestamp(prices["Date"].iloc[-1]) + pd.Timedelta(days=1), periods=btc.forecast.horizon)
    return pd.DataFrame({
        "date": dates.strftime("%Y-%m-%d"), "forecaster": forecaster, **{name: values[0] for name, values in bands.items()},
        "model_median": model_median,
    })
