"""Nodes of the btc pipeline: ingest, validate, split, scale, window, train, evaluate, forecast."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import MinMaxScaler
from torch import nn

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.forecasting import metrics, recursive
from hw3_pipelines.forecasting.windows import (
    TARGET_COLUMN,
    feature_frame,
    fit_minmax,
    inverse_column,
    sliding_windows,
    to_price,
)
from hw3_pipelines.modeling.models import (
    LSTMRegressor,
    LSTMRegressorConfig,
    count_parameters,
)
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.training import (
    TrainConfig,
    make_reproducible,
    resolve_device,
    train,
)
from hw3_pipelines.parameters import validate_keys
from hw3_pipelines.pipelines.btc import plots
from hw3_pipelines.pipelines.btc.ingest import download_yahoo, read_price_csv

logger = logging.getLogger(__name__)

PRICE_COLUMNS = ["Open", "High", "Low", "Close"]
REQUIRED_COLUMNS = ["Date", *PRICE_COLUMNS, "Volume"]


def ingest_prices(ingest: dict) -> pd.DataFrame:
    """Fetch the raw daily snapshot, as it came, from yfinance or from a CSV file."""
    source = ingest.get("source", "yfinance")
    if source == "yfinance":
        return download_yahoo(ingest["ticker"], str(ingest["start"]), ingest.get("end"))
    if source == "csv":
        if not ingest.get("csv_path"):
            raise ParameterError("btc.ingest.csv_path must name a CSV file when btc.ingest.source=csv")
        return read_price_csv(ingest["csv_path"])
    raise ParameterError(f"btc.ingest.source must be 'yfinance' or 'csv', got {source!r}")


def validate_prices(raw: pd.DataFrame, validation: dict) -> tuple[pd.DataFrame, dict]:
    """Check and repair the raw snapshot; every repair is logged and counted in the report.

    Errors (the data cannot be trusted): missing columns, unparseable dates, non-positive
    prices, a gap longer than ``max_gap_days``, too few rows. Repairs: sorting, dropping
    rows without a Close, dropping repeated dates (the last row of a date wins, as Yahoo
    revises recent days), forward-filling short gaps of missing calendar days.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in raw.columns]
    if missing:
        raise InputDataError(
            f"price data lacks the columns {missing}; expected Yahoo's layout {REQUIRED_COLUMNS}"
        )
    prices = raw[REQUIRED_COLUMNS].copy()
    dates = pd.to_datetime(prices["Date"], errors="coerce", format="mixed")
    if dates.isna().any():
        bad = prices.loc[dates.isna(), "Date"].astype(str).head(5).tolist()
        raise InputDataError(f"{int(dates.isna().sum())} dates cannot be parsed, e.g. {bad}")
    prices["Date"] = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    prices["Date"] = prices["Date"].dt.normalize()
    for column in PRICE_COLUMNS + ["Volume"]:
        prices[column] = pd.to_numeric(prices[column], errors="coerce")
    report = {"rows_in": len(raw)}

    report["was_unsorted"] = not prices["Date"].is_monotonic_increasing
    if report["was_unsorted"]:
        logger.warning("Price rows were not in date order: sorted them.")
    prices = prices.sort_values("Date", kind="stable")

    no_close = prices["Close"].isna()
    report["rows_without_close_dropped"] = int(no_close.sum())
    if no_close.any():
        logger.warning("Dropped %d rows without a Close price.", no_close.sum())
    prices = prices[~no_close]

    repeated = prices["Date"].duplicated(keep="last")
    report["duplicate_dates_dropped"] = int(repeated.sum())
    if repeated.any():
        logger.warning("Dropped %d repeated dates, keeping each date's last row.", repeated.sum())
    prices = prices[~repeated]

    non_positive = (prices[PRICE_COLUMNS] <= 0).any(axis=1)
    if non_positive.any():
        bad = prices.loc[non_positive, "Date"].dt.strftime("%Y-%m-%d").head(5).tolist()
        raise InputDataError(f"{int(non_positive.sum())} rows have prices <= 0, e.g. on {bad}")

    min_rows = int(validation["min_rows"])
    if len(prices) < min_rows:
        raise InputDataError(f"only {len(prices)} usable rows of prices; at least {min_rows} are needed")

    calendar = pd.date_range(prices["Date"].iloc[0], prices["Date"].iloc[-1], freq="D")
    missing_days = calendar.difference(prices["Date"])
    longest_gap = _longest_run(calendar.isin(missing_days))
    if longest_gap > validation["max_gap_days"]:
        raise InputDataError(
            f"{longest_gap} consecutive calendar days are missing (btc.validation.max_gap_days "
            f"allows {validation['max_gap_days']}); the series is too broken to fill in"
        )
    report["missing_days_filled"] = len(missing_days)
    if len(missing_days):
        logger.warning("Forward-filled %d missing calendar days.", len(missing_days))
    prices = prices.set_index("Date").reindex(calendar).ffill()
    prices.index.name = "Date"
    prices = prices.reset_index()
    prices[PRICE_COLUMNS + ["Volume"]] = prices[PRICE_COLUMNS + ["Volume"]].astype("float64")

    report.update(
        rows_out=len(prices),
        first_date=prices["Date"].iloc[0].strftime("%Y-%m-%d"),
        last_date=prices["Date"].iloc[-1].strftime("%Y-%m-%d"),
    )
    prices["Date"] = prices["Date"].dt.strftime("%Y-%m-%d")
    return prices, report


def _longest_run(flags: np.ndarray) -> int:
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def split_prices(prices: pd.DataFrame, params: dict):
    """Chronological split: the first ``train_fraction`` of days train, the rest test."""
    n_train = int(len(prices) * params["train_fraction"])
    lookback = params["lookback"]
    if n_train <= lookback + 1 or n_train >= len(prices):
        raise ParameterError(
            f"btc.train_fraction={params['train_fraction']} with {len(prices)} days leaves "
            f"{n_train} training and {len(prices) - n_train} test days; training needs more "
            f"than btc.lookback+1={lookback + 1} days and the test at least one"
        )
    train, test = prices.iloc[:n_train].copy(), prices.iloc[n_train:].copy()
    return train, test, plots.split(train, test)


def fit_scaler(train: pd.DataFrame, params: dict) -> MinMaxScaler:
    """MinMaxScaler fitted on the training days' features only: no look at the test period."""
    validate_keys("btc", params, ("target", "features"))
    return fit_minmax(feature_frame(train, params["features"], params["target"]))


def make_windows(
    train: pd.DataFrame, test: pd.DataFrame, scaler: MinMaxScaler, params: dict
) -> dict:
    """Scaled windows of ``lookback`` days and the next day's target, split by target date.

    Windows run over train and test joined, so the first test days take their context
    from the last training days and every test day gets a prediction.
    """
    features, target, lookback = params["features"], params["target"], params["lookback"]
    prices = pd.concat([train, test], ignore_index=True)
    frame = feature_frame(prices, features, target)
    scaled = scaler.transform(frame.to_numpy()).astype("float32")
    close_index = features.index(TARGET_COLUMN)
    windows = sliding_windows(scaled, lookback)
    targets = scaled[lookback:, close_index]
    target_dates = frame.index[lookback:]
    close = prices.set_index("Date")["Close"]
    is_test = target_dates.isin(test["Date"])
    if is_test.sum() != len(test):
        raise ParameterError(
            f"btc.lookback={lookback} needs more history before the test period than the data has"
        )
    test_dates = target_dates[is_test]
    return {
        "X_train": windows[~is_test],
        "y_train": targets[~is_test],
        "X_test": windows[is_test],
        "y_test": targets[is_test],
        "test_dates": list(test_dates),
        "test_close": close.loc[test_dates].to_numpy(),
        "test_previous_close": close.shift(1).loc[test_dates].to_numpy(),
        "close_index": close_index,
    }


def train_model(model_input: dict, params: dict):
    """Fit the LSTM regressor with MSE; the best epoch on the last ``val_fraction`` of
    training windows (chronologically) is kept. Returns the model, history and plot."""
    training = params["training"]
    make_reproducible(training["seed"], training.get("num_threads"))
    device = resolve_device(training.get("device", "auto"))
    config = LSTMRegressorConfig(n_features=len(params["features"]), **params["model"])
    model = LSTMRegressor(config).to(device)

    x = torch.from_numpy(model_input["X_train"]).to(device)
    y = torch.from_numpy(model_input["y_train"]).to(device)
    n_val = int(len(x) * training["val_fraction"])
    split = len(x) - n_val
    x_fit, x_val, y_fit, y_val = x[:split], x[split:], y[:split], y[split:]
    batch_size = training["batch_size"]
    mse = nn.MSELoss()

    def batches(generator: torch.Generator):
        order = torch.randperm(len(x_fit), generator=generator).to(device)
        return [(x_fit[i], y_fit[i]) for i in order.split(batch_size)]

    result = train(
        model,
        batches,
        loss_fn=lambda m, batch: mse(m(batch[0]), batch[1]),
        val_loss_fn=(lambda m: mse(m(x_val), y_val)) if n_val else None,
        config=TrainConfig(
            epochs=training["epochs"],
            learning_rate=training["learning_rate"],
            weight_decay=training["weight_decay"],
            grad_clip_norm=training.get("grad_clip_norm"),
            seed=training["seed"],
        ),
        desc=f"btc {params['target']}",
    )
    history = pd.DataFrame(result.history)
    history["best"] = history["epoch"] == result.best_epoch
    logger.info(
        "Trained %d parameters for %d epochs; best epoch %d.",
        count_parameters(model), training["epochs"], result.best_epoch,
    )
    figure = loss_curves(history, "Training loss (MSE on scaled targets)", "MSE", yscale="log")
    return result.model.cpu(), history, figure


def predict(model: nn.Module, windows: np.ndarray) -> np.ndarray:
    """Model outputs (still scaled) for a batch of windows, on the CPU, without grad."""
    with torch.no_grad():
        return model.eval()(torch.from_numpy(windows)).numpy().astype("float64")


def evaluate_model(model: nn.Module, model_input: dict, scaler: MinMaxScaler, params: dict):
    """Test-day predictions in USD against the persistence forecast (tomorrow = today).

    Besides the errors, the metrics record how much of the test period lies above the
    training maximum: in the ``price`` setting the model cannot predict past it.
    """
    actual = model_input["test_close"]
    previous = model_input["test_previous_close"]
    output = inverse_column(scaler, predict(model, model_input["X_test"]), model_input["close_index"])
    predicted = to_price(output, previous, params["target"])
    naive = previous
    predictions = pd.DataFrame(
        {"date": model_input["test_dates"], "actual": actual, "predicted": predicted, "naive": naive}
    )
    model_metrics = metrics.point_metrics(actual, predicted, previous)
    naive_metrics = metrics.point_metrics(actual, naive, previous)
    train_max = float(inverse_column(scaler, np.array([1.0]), model_input["close_index"])[0])
    report = {
        "target": params["target"],
        "lookback": params["lookback"],
        "test_start": predictions["date"].iloc[0],
        "test_end": predictions["date"].iloc[-1],
        "n_test_days": len(predictions),
        "model": model_metrics,
        "naive": naive_metrics,
        "relative_mae": model_metrics["mae"] / naive_metrics["mae"],
        "dm_test": metrics.diebold_mariano(actual, predicted, naive),
        "test_days_above_train_max": float(np.mean(actual > train_max)) if params["target"] == "price" else None,
        "train_close_max": train_max if params["target"] == "price" else None,
    }
    return predictions, report, plots.predictions(predictions, report)


def _held_rows(scaler: MinMaxScaler, windows: np.ndarray, target: str) -> np.ndarray:
    """Scaled values of the non-target features on forecast days, one row per window:
    their last value (``price``) or no change (``log_return``). The target column is
    overwritten on every step."""
    if target == "log_return":
        no_change = scaler.transform(np.zeros((1, scaler.n_features_in_)))
        return np.repeat(no_change, len(windows), axis=0)
    return windows[:, -1, :]


def residual_std(model: nn.Module, model_input: dict, params: dict) -> float:
    """Std of one-step residuals (scaled) on the held-out tail of the training windows."""
    n_val = max(1, int(len(model_input["X_train"]) * params["training"]["val_fraction"]))
    residuals = predict(model, model_input["X_train"][-n_val:]) - model_input["y_train"][-n_val:]
    return float(np.std(residuals))


def _close_bands(model, windows, last_close, scaler, model_input, params, steps, n_samples) -> dict[str, np.ndarray]:
    """Point forecast and Monte-Carlo bands, in USD, ``steps`` days from each window."""
    target, close_index = params["target"], model_input["close_index"]
    held = _held_rows(scaler, windows, target)
    noise = residual_std(model, model_input, params)

    def closes(samples: int) -> np.ndarray:
        scaled = recursive.sample_paths(
            model, windows, steps, close_index, held, samples, noise, params["forecast"]["seed"]
        )
        return recursive.to_close_paths(inverse_column(scaler, scaled, close_index), last_close, target)

    return {"point": closes(0)[:, 0], **recursive.band_quantiles(closes(n_samples))}


def forecast(model: nn.Module, prices: pd.DataFrame, scaler: MinMaxScaler, model_input: dict, params: dict):
    """Recursive forecast ``horizon`` days past the last date, with 80% and 95% bands.

    Only Close is predicted; other features, if any, are held at their last value
    (``price``) or at zero change (``log_return``) over the forecast.
    """
    frame = feature_frame(prices, params["features"], params["target"])
    window = scaler.transform(frame.to_numpy()[-params["lookback"] :]).astype("float32")[None]
    last_close = np.array([float(prices["Close"].iloc[-1])])
    horizon = params["forecast"]["horizon"]
    bands = _close_bands(
        model, window, last_close, scaler, model_input, params, horizon, params["forecast"]["mc_samples"]
    )
    dates = pd.date_range(pd.Timestamp(prices["Date"].iloc[-1]) + pd.Timedelta(days=1), periods=horizon)
    result = pd.DataFrame(
        {"date": dates.strftime("%Y-%m-%d"), "forecast_close": bands.pop("point")[0]}
        | {name: values[0] for name, values in bands.items()}
    )
    return result, plots.forecast(prices, result)


def backtest(model: nn.Module, model_input: dict, scaler: MinMaxScaler, params: dict):
    """Walk-forward backtest over the test period: from an origin every ``stride`` days,
    forecast 1..H days ahead recursively and compare with what happened.

    Per horizon: MAE of the model's point forecast and of the naive flat forecast (the
    origin's last close), their ratio, and how often the 80% and 95% bands held the truth.
    """
    horizon, stride = params["backtest"]["horizon"], params["backtest"]["stride"]
    n_test = len(model_input["X_test"])
    origins = np.arange(0, n_test - horizon + 1, stride)
    if len(origins) == 0:
        raise ParameterError(
            f"btc.backtest.horizon={horizon} is longer than the {n_test}-day test period"
        )
    last_close = model_input["test_previous_close"][origins]
    bands = _close_bands(
        model, model_input["X_test"][origins], last_close, scaler, model_input, params, horizon,
        params["backtest"]["mc_samples"],
    )
    actual = np.stack([model_input["test_close"][o : o + horizon] for o in origins])
    model_mae = np.abs(bands["point"] - actual).mean(axis=0)
    naive_mae = np.abs(last_close[:, None] - actual).mean(axis=0)
    table = pd.DataFrame(
        {
            "horizon": np.arange(1, horizon + 1),
            "origins": len(origins),
            "model_mae": model_mae,
            "naive_mae": naive_mae,
            "relative_mae": model_mae / naive_mae,
            "coverage_80": ((actual >= bands["lower_80"]) & (actual <= bands["upper_80"])).mean(axis=0),
            "coverage_95": ((actual >= bands["lower_95"]) & (actual <= bands["upper_95"])).mean(axis=0),
        }
    )
    return table, plots.backtest(table, params["target"])
