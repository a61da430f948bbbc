"""Nodes of the btc pipeline: ingest, repair, split, scale, window, train, calibrate, evaluate.

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

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.forecasting import metrics
from hw3_pipelines.forecasting import prices as price_table
from hw3_pipelines.forecasting.windows import (
    TARGET_COLUMN,
    ModelInput,
    feature_frame,
    fit_minmax,
    inverse_column,
    sliding_windows,
    to_price,
)
from hw3_pipelines.modeling import regressor_paths
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.regressor_ensemble import Regressor, RegressorEnsemble
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
    prices, report = price_table.validate_and_repair(raw, **btc.validation.model_dump())
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


def train_model(model_input: ModelInput, btc: BtcParams) -> tuple[Regressor, pd.DataFrame]:
    """Fit the recurrent regressor (MSE for a point head, negative log-likelihood for a
    distribution); the best epoch on the held-out last ``val_fraction`` of training windows
    (chronologically) is kept. With ``model.ensemble_size`` N > 1, N members are trained
    one after the other with seeds ``seed``, ``seed + 1``, ..., and saved as one ensemble;
    the history has a ``seed`` column."""
    size, seed = btc.model.ensemble_size, btc.training.seed
    trained = [_train_member(model_input, btc, seed + k, f", seed {seed + k} ({k + 1}/{size})" if size > 1 else "") for k in range(size)]
    history = pd.concat([member_history for _, member_history in trained], ignore_index=True)
    networks = [network for network, _ in trained]
    return (networks[0] if size == 1 else RegressorEnsemble.of(networks)), history


def _train_member(model_input: ModelInput, btc: BtcParams, seed: int, label: str) -> tuple[RecurrentRegressor, pd.DataFrame]:
    training = btc.training
    make_reproducible(seed, training.num_threads)
    device = resolve_device(training.device)
    config = RegressorConfig(n_features=len(btc.features), **btc.model.network())
    model = RecurrentRegressor(config).to(device)
    x = torch.from_numpy(model_input.X_train).to(device)
    y = torch.from_numpy(model_input.y_train).to(device)
    split = len(x) - model_input.validation_count(training.val_fraction)
    x_fit, x_val, y_fit, y_val = x[:split], x[split:], y[:split], y[split:]

    def batches(generator: torch.Generator):
        order = torch.randperm(len(x_fit), generator=generator).to(device)
        return [(x_fit[i], y_fit[i]) for i in order.split(training.batch_size)]

    result = train(
        model,
        batches,
        loss_fn=lambda m, batch: m.loss(*batch),
        val_loss_fn=lambda m: m.loss(x_val, y_val),
        config=training.model_copy(update={"seed": seed}),
        desc=f"btc {btc.target} {btc.model.head}{label}",
    )
    history = result.history_frame()
    history.insert(0, "seed", seed)
    logger.info(
        "Trained %d parameters for %d epochs%s; best epoch %d.",
        parameter_count(model), training.epochs, label, result.best_epoch,
    )
    return result.model.cpu(), history


def evaluate_model(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, validation_report: dict, btc: BtcParams
) -> tuple[pd.DataFrame, dict]:
    """Test-day predictions in USD against the persistence forecast (tomorrow = today).

    Besides the errors, the metrics record how much of the test period lies above the
    training maximum: in the ``price`` setting the model cannot predict past it.
    """
    actual, previous = model_input.test_close, model_input.test_previous_close
    output = inverse_column(scaler, regressor_paths.predict(model, model_input.X_test), model_input.close_index)
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
