"""Nodes of the btc pipeline: ingest, repair, split, scale, window, train, evaluate, forecast.

Each node wires one step to the catalog; the mechanics live in ``forecasting/``,
``modeling/`` and ``sources/``. Every node takes the whole ``params:btc`` section as a
validated ``BtcParams`` (see ``parameters.py``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import MinMaxScaler
from torch import nn

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.forecasting import metrics, prices as price_table, recursive
from hw3_pipelines.forecasting.windows import (
    TARGET_COLUMN,
    ModelInput,
    feature_frame,
    fit_minmax,
    inverse_column,
    sliding_windows,
    to_price,
)
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.training import make_reproducible, resolve_device, train
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.sources import prices as sources

logger = logging.getLogger(__name__)


def ingest_prices(last_snapshot: pd.DataFrame | None, btc: BtcParams) -> tuple[pd.DataFrame, dict]:
    """The raw daily snapshot, as it came, and where it came from.

    ``auto`` downloads from Yahoo and, when that fails, falls back on the raw snapshot the
    last run stored, else on the snapshot bundled with the package, with one warning.
    """
    ingest = btc.ingest
    if ingest.source == "csv":
        return sources.read_price_csv(ingest.csv_path), {"source": "csv", "path": ingest.csv_path}
    if ingest.source == "bundled":
        return sources.read_bundled_snapshot(), {"source": "bundled"}
    try:
        return sources.download_yahoo(ingest.ticker, ingest.start, ingest.end), {"source": "yfinance"}
    except InputDataError as error:
        if ingest.source == "yfinance":
            raise InputDataError(f"{error}. To run offline: --params btc.ingest.source=auto (or bundled)") from None
        fallback = "the last stored raw snapshot" if last_snapshot is not None else "the bundled snapshot"
        logger.warning("%s; using %s instead.", error, fallback)
        if last_snapshot is None:
            _check_bundled_ticker(ingest.ticker)
            return sources.read_bundled_snapshot(), {"source": "bundled", "download_error": str(error)}
        return last_snapshot, {"source": "stored_snapshot", "download_error": str(error)}


def _check_bundled_ticker(ticker: str) -> None:
    if ticker != sources.BUNDLED_TICKER:
        raise InputDataError(
            f"the download of {ticker} failed and the bundled snapshot holds {sources.BUNDLED_TICKER}, "
            "not that ticker: run with network or give a CSV (btc.ingest.source=csv)"
        )


def validate_and_repair_prices(raw: pd.DataFrame, provenance: dict, btc: BtcParams) -> tuple[pd.DataFrame, dict]:
    """Check and repair the raw snapshot (see ``forecasting.prices``); the report counts
    every repair and records where the data came from and the dates it covers."""
    prices, report = price_table.validate_and_repair(raw, btc.validation.max_gap_days, btc.validation.min_rows)
    return prices, {"provenance": provenance, **report}


def split_prices(prices: pd.DataFrame, btc: BtcParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chronological split: the first ``train_fraction`` of days train, the rest test."""
    n_train = int(len(prices) * btc.train_fraction)
    if n_train <= btc.lookback + 1 or n_train >= len(prices):
        raise ParameterError(
            f"btc.train_fraction={btc.train_fraction} with {len(prices)} days leaves "
            f"{n_train} training and {len(prices) - n_train} test days; training needs more "
            f"than btc.lookback+1={btc.lookback + 1} days and the test at least one"
        )
    return prices.iloc[:n_train].copy(), prices.iloc[n_train:].copy()


def fit_scaler(train: pd.DataFrame, btc: BtcParams) -> MinMaxScaler:
    """MinMaxScaler fitted on the training days' features only: no look at the test period."""
    return fit_minmax(feature_frame(train, btc.features, btc.target))


def make_windows(train: pd.DataFrame, test: pd.DataFrame, scaler: MinMaxScaler, btc: BtcParams) -> ModelInput:
    """Scaled windows of ``lookback`` days and the next day's target, split by target date.

    Windows run over train and test joined, so the first test days take their context
    from the last training days and every test day gets a prediction.
    """
    prices = pd.concat([train, test], ignore_index=True)
    frame = feature_frame(prices, btc.features, btc.target)
    scaled = scaler.transform(frame.to_numpy()).astype("float32")
    close_index = btc.features.index(TARGET_COLUMN)
    windows = sliding_windows(scaled, btc.lookback)
    targets = scaled[btc.lookback :, close_index]
    target_dates = frame.index[btc.lookback :]
    is_test = target_dates.isin(test["Date"])
    if is_test.sum() != len(test):
        raise ParameterError(f"btc.lookback={btc.lookback} needs more history before the test period than the data has")
    close = prices.set_index("Date")["Close"]
    test_dates = target_dates[is_test]
    return ModelInput(
        X_train=windows[~is_test],
        y_train=targets[~is_test],
        X_test=windows[is_test],
        y_test=targets[is_test],
        test_dates=np.asarray(test_dates, dtype=str),
        test_close=close.loc[test_dates].to_numpy(),
        test_previous_close=close.shift(1).loc[test_dates].to_numpy(),
        close_index=close_index,
    )


def train_model(model_input: ModelInput, btc: BtcParams) -> tuple[nn.Module, pd.DataFrame]:
    """Fit the recurrent regressor with MSE; the best epoch on the held-out last
    ``val_fraction`` of training windows (chronologically) is kept."""
    training = btc.training
    make_reproducible(training.seed, training.num_threads)
    device = resolve_device(training.device)
    config = RegressorConfig(n_features=len(btc.features), **btc.model.model_dump())
    model = RecurrentRegressor(config).to(device)
    x = torch.from_numpy(model_input.X_train).to(device)
    y = torch.from_numpy(model_input.y_train).to(device)
    split = len(x) - model_input.validation_count(training.val_fraction)
    x_fit, x_val, y_fit, y_val = x[:split], x[split:], y[:split], y[split:]
    mse = nn.MSELoss()

    def batches(generator: torch.Generator):
        order = torch.randperm(len(x_fit), generator=generator).to(device)
        return [(x_fit[i], y_fit[i]) for i in order.split(training.batch_size)]

    result = train(
        model,
        batches,
        loss_fn=lambda m, batch: mse(m(batch[0]), batch[1]),
        val_loss_fn=lambda m: mse(m(x_val), y_val),
        config=training,
        desc=f"btc {btc.target}",
    )
    history = pd.DataFrame(result.history)
    history["best"] = history["epoch"] == result.best_epoch
    logger.info(
        "Trained %d parameters for %d epochs; best epoch %d.",
        parameter_count(model), training.epochs, result.best_epoch,
    )
    return result.model.cpu(), history


def measure_residuals(model: nn.Module, model_input: ModelInput, btc: BtcParams) -> dict:
    """Spread of the one-step residuals (scaled) on the held-out training windows: the
    noise each step of a Monte-Carlo path adds."""
    n_val = model_input.validation_count(btc.training.val_fraction)
    residuals = recursive.predict(model, model_input.X_train[-n_val:]) - model_input.y_train[-n_val:]
    return {"validation_windows": n_val, "residual_std": float(np.std(residuals))}


def evaluate_model(
    model: nn.Module, model_input: ModelInput, scaler: MinMaxScaler, validation_report: dict, btc: BtcParams
) -> tuple[pd.DataFrame, dict]:
    """Test-day predictions in USD against the persistence forecast (tomorrow = today).

    Besides the errors, the metrics record how much of the test period lies above the
    training maximum: in the ``price`` setting the model cannot predict past it.
    """
    actual, previous = model_input.test_close, model_input.test_previous_close
    output = inverse_column(scaler, recursive.predict(model, model_input.X_test), model_input.close_index)
    predicted = to_price(output, previous, btc.target)
    predictions = pd.DataFrame(
        {"date": model_input.test_dates, "actual": actual, "predicted": predicted, "naive": previous}
    )
    model_metrics = metrics.point_metrics(actual, predicted, previous)
    naive_metrics = metrics.point_metrics(actual, previous, previous)
    train_max = float(inverse_column(scaler, np.array([1.0]), model_input.close_index)[0])
    by_level = btc.target == "price"
    report = {
        "target": btc.target,
        "lookback": btc.lookback,
        "cell": btc.model.cell,
        "parameters": parameter_count(model),
        "data": {key: validation_report[key] for key in ("provenance", "first_date", "last_date")},
        "test_start": str(predictions["date"].iloc[0]),
        "test_end": str(predictions["date"].iloc[-1]),
        "n_test_days": len(predictions),
        "model": model_metrics,
        "naive": naive_metrics,
        "relative_mae": model_metrics["mae"] / naive_metrics["mae"],
        "dm_test": metrics.diebold_mariano(actual, predicted, previous),
        "test_days_above_train_max": float(np.mean(actual > train_max)) if by_level else None,
        "train_close_max": train_max if by_level else None,
    }
    return predictions, report


def forecast_prices(
    model: nn.Module, prices: pd.DataFrame, scaler: MinMaxScaler, model_input: ModelInput, residuals: dict, btc: BtcParams
) -> pd.DataFrame:
    """Recursive forecast ``horizon`` days past the last date, with 80% and 95% bands.

    Only Close is predicted; other features, if any, are held at their last value
    (``price``) or at zero change (``log_return``) over the forecast.
    """
    frame = feature_frame(prices, btc.features, btc.target)
    window = scaler.transform(frame.to_numpy()[-btc.lookback :]).astype("float32")[None]
    last_close = np.array([float(prices["Close"].iloc[-1])])
    horizon = btc.forecast.horizon
    bands = recursive.close_bands(
        model, window, last_close, scaler, model_input.close_index, btc.target, horizon,
        btc.forecast.mc_samples, residuals["residual_std"], btc.forecast.seed,
    )
    dates = pd.date_range(pd.Timestamp(prices["Date"].iloc[-1]) + pd.Timedelta(days=1), periods=horizon)
    return pd.DataFrame(
        {"date": dates.strftime("%Y-%m-%d"), "forecast_close": bands.pop("point")[0]}
        | {name: values[0] for name, values in bands.items()}
    )


def backtest_model(
    model: nn.Module, model_input: ModelInput, scaler: MinMaxScaler, residuals: dict, btc: BtcParams
) -> pd.DataFrame:
    """Walk-forward backtest over the test period: from an origin every ``stride`` days,
    forecast 1..H days ahead recursively and score against what happened, per horizon."""
    horizon, stride = btc.backtest.horizon, btc.backtest.stride
    origins = recursive.walk_forward_origins(len(model_input.X_test), horizon, stride)
    if len(origins) == 0:
        raise ParameterError(f"btc.backtest.horizon={horizon} is longer than the {len(model_input.X_test)}-day test period")
    last_close = model_input.test_previous_close[origins]
    bands = recursive.close_bands(
        model, model_input.X_test[origins], last_close, scaler, model_input.close_index, btc.target, horizon,
        btc.backtest.mc_samples, residuals["residual_std"], btc.forecast.seed,
    )
    actual = np.stack([model_input.test_close[o : o + horizon] for o in origins])
    return recursive.horizon_scores(bands, actual, last_close)
