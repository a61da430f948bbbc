"""The btc nodes on small synthetic data: shapes, leakage, and every bad-input case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.pipelines.btc import ingest, nodes
from tests.conftest import synthetic_prices

VALIDATION = {"max_gap_days": 3, "min_rows": 50}


def params(**overrides) -> dict:
    base = {
        "target": "price",
        "features": ["Close"],
        "train_fraction": 0.8,
        "lookback": 10,
        "model": {"hidden_size": 8, "num_layers": 2, "dropout": 0.2},
        "training": {
            "epochs": 2, "batch_size": 32, "learning_rate": 0.01, "weight_decay": 0.01,
            "val_fraction": 0.1, "seed": 0, "device": "cpu", "num_threads": 1,
        },
        "forecast": {"horizon": 7, "mc_samples": 50, "seed": 0},
        "backtest": {"horizon": 5, "stride": 10, "mc_samples": 50},
    }
    base.update(overrides)
    return base


def prepared(p: dict, n_days: int = 300):
    """Validated, split, scaled and windowed prices of an up-trending synthetic walk."""
    prices, _ = nodes.validate_prices(synthetic_prices(n_days, drift=0.003), VALIDATION)
    train, test, _ = nodes.split_prices(prices, p)
    scaler = nodes.fit_scaler(train, p)
    return prices, train, test, scaler, nodes.make_windows(train, test, scaler, p)


# ingest -------------------------------------------------------------------------------

def test_csv_source_reads_the_file(tmp_path):
    path = tmp_path / "prices.csv"
    synthetic_prices(60).to_csv(path, index=False)
    raw = nodes.ingest_prices({"source": "csv", "csv_path": str(path)})
    assert list(raw.columns) == ingest.YAHOO_COLUMNS and len(raw) == 60


def test_csv_source_without_path_names_the_parameter():
    with pytest.raises(ParameterError, match="btc.ingest.csv_path"):
        nodes.ingest_prices({"source": "csv", "csv_path": None})


def test_missing_csv_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        nodes.ingest_prices({"source": "csv", "csv_path": str(tmp_path / "nope.csv")})


def test_unknown_source_is_rejected():
    with pytest.raises(ParameterError, match="btc.ingest.source"):
        nodes.ingest_prices({"source": "bloomberg"})


def test_empty_yfinance_download_says_how_to_run_offline(monkeypatch):
    import yfinance

    monkeypatch.setattr(yfinance, "download", lambda *a, **k: pd.DataFrame())
    with pytest.raises(InputDataError, match="btc.ingest.source=csv"):
        nodes.ingest_prices({"source": "yfinance", "ticker": "BTC-USD", "start": "2014-09-17", "end": None})


def test_yfinance_multiindex_columns_are_flattened(monkeypatch):
    import yfinance

    frame = synthetic_prices(5).set_index("Date")
    frame.index = pd.to_datetime(frame.index).rename("Date")
    frame.columns = pd.MultiIndex.from_product([frame.columns, ["BTC-USD"]], names=["Price", "Ticker"])
    calls = {}

    def fake_download(ticker, **kwargs):
        calls.update(kwargs)
        return frame

    monkeypatch.setattr(yfinance, "download", fake_download)
    raw = nodes.ingest_prices({"source": "yfinance", "ticker": "BTC-USD", "start": "2020-01-01", "end": "2020-01-05"})
    assert list(raw.columns) == ingest.YAHOO_COLUMNS
    assert raw["Date"].iloc[0] == "2020-01-01"
    assert calls["end"] == "2020-01-06"  # the user's end date is inclusive
    assert calls["auto_adjust"] is False


# validate -----------------------------------------------------------------------------

def test_clean_data_passes_unchanged():
    raw = synthetic_prices(100)
    prices, report = nodes.validate_prices(raw, VALIDATION)
    pd.testing.assert_frame_equal(prices, raw.drop(columns="Adj Close"), check_dtype=False)
    assert report["missing_days_filled"] == 0 and report["duplicate_dates_dropped"] == 0


def test_missing_columns_are_named():
    with pytest.raises(InputDataError, match=r"\['Volume'\]"):
        nodes.validate_prices(synthetic_prices(100).drop(columns="Volume"), VALIDATION)


def test_unparseable_dates_are_reported():
    raw = synthetic_prices(100)
    raw.loc[3, "Date"] = "not a date"
    with pytest.raises(InputDataError, match="not a date"):
        nodes.validate_prices(raw, VALIDATION)


def test_non_positive_prices_are_an_error():
    raw = synthetic_prices(100)
    raw.loc[10, "Low"] = 0
    with pytest.raises(InputDataError, match="2020-01-11"):
        nodes.validate_prices(raw, VALIDATION)


def test_unsorted_duplicates_and_nan_rows_are_repaired_and_counted():
    raw = synthetic_prices(100)
    shuffled = pd.concat([raw.iloc[50:], raw.iloc[:50], raw.iloc[[7]]], ignore_index=True)
    shuffled.loc[len(shuffled)] = ["2020-04-20", np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]
    prices, report = nodes.validate_prices(shuffled, VALIDATION)
    assert report["was_unsorted"] and report["duplicate_dates_dropped"] == 1
    assert report["rows_without_close_dropped"] == 1
    pd.testing.assert_frame_equal(prices, raw.drop(columns="Adj Close"), check_dtype=False)


def test_short_gaps_are_forward_filled():
    raw = synthetic_prices(100).drop(index=[20, 21])
    prices, report = nodes.validate_prices(raw, VALIDATION)
    assert len(prices) == 100 and report["missing_days_filled"] == 2
    assert prices.loc[20, "Close"] == prices.loc[19, "Close"] == prices.loc[21, "Close"]


def test_long_gaps_are_an_error():
    raw = synthetic_prices(100).drop(index=range(20, 30))
    with pytest.raises(InputDataError, match="10 consecutive calendar days"):
        nodes.validate_prices(raw, VALIDATION)


def test_too_few_rows_is_an_error():
    with pytest.raises(InputDataError, match="at least 50"):
        nodes.validate_prices(synthetic_prices(20), VALIDATION)


# split, scale, window -----------------------------------------------------------------

def test_split_is_chronological():
    p = params()
    prices, _ = nodes.validate_prices(synthetic_prices(200), VALIDATION)
    train, test, figure = nodes.split_prices(prices, p)
    assert len(train) == 160 and len(test) == 40
    assert train["Date"].max() < test["Date"].min()
    assert figure.axes


def test_split_that_leaves_no_test_days_names_the_parameter():
    prices, _ = nodes.validate_prices(synthetic_prices(200), VALIDATION)
    with pytest.raises(ParameterError, match="btc.train_fraction"):
        nodes.split_prices(prices, params(train_fraction=1.0))


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_scaler_sees_training_data_only(target):
    p = params(target=target)
    prices, train, test, scaler, _ = prepared(p)
    train_values = train["Close"] if target == "price" else np.log(train["Close"]).diff().dropna()
    assert scaler.data_max_[0] == pytest.approx(train_values.max())
    assert scaler.data_min_[0] == pytest.approx(train_values.min())
    assert prices["Close"].max() > train["Close"].max()  # the test period does exceed it


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_windows_shapes_and_every_test_day_predicted(target):
    p = params(target=target)
    _, train, test, _, windows = prepared(p)
    assert windows["X_test"].shape == (len(test), 10, 1)
    assert windows["y_test"].shape == (len(test),)
    offset = 1 if target == "log_return" else 0
    assert windows["X_train"].shape == (len(train) - 10 - offset, 10, 1)
    assert windows["test_dates"] == list(test["Date"])
    assert windows["X_train"].dtype == np.float32


def test_windows_never_contain_their_own_target():
    p = params()
    prices, _, test, scaler, windows = prepared(p)
    scaled = scaler.transform(prices[["Close"]].to_numpy()).ravel()
    first_test = len(prices) - len(test)
    # the first test window is the 10 days before the first test day, not including it
    np.testing.assert_allclose(windows["X_test"][0, :, 0], scaled[first_test - 10 : first_test], rtol=1e-6)
    np.testing.assert_allclose(windows["y_test"][0], scaled[first_test], rtol=1e-6)
    np.testing.assert_allclose(windows["test_previous_close"][0], prices["Close"].iloc[first_test - 1])


def test_unknown_target_and_missing_close_feature_are_rejected():
    prices, _ = nodes.validate_prices(synthetic_prices(200), VALIDATION)
    with pytest.raises(ParameterError, match="btc.target"):
        nodes.fit_scaler(prices, params(target="levels"))
    with pytest.raises(ParameterError, match="btc.features"):
        nodes.fit_scaler(prices, params(features=["Open"]))


# train, evaluate, forecast ------------------------------------------------------------

@pytest.mark.parametrize("target", ["price", "log_return"])
def test_train_evaluate_forecast(target):
    p = params(target=target)
    prices, _, test, scaler, windows = prepared(p)
    model, history, _ = nodes.train_model(windows, p)
    assert list(history["epoch"]) == [1, 2] and history["best"].sum() == 1
    predictions, report, _ = nodes.evaluate_model(model, windows, scaler, p)
    assert len(predictions) == len(test)
    np.testing.assert_allclose(predictions["actual"], test["Close"])
    np.testing.assert_allclose(predictions["naive"].iloc[1:], test["Close"].iloc[:-1])
    assert report["relative_mae"] == pytest.approx(report["model"]["mae"] / report["naive"]["mae"])
    assert set(report["model"]) == {"mae", "rmse", "mape", "smape", "directional_accuracy"}
    assert 0 <= report["dm_test"]["p_value"] <= 1
    future, _ = nodes.forecast(model, prices, scaler, windows, p)
    assert len(future) == 7 and future["date"].iloc[0] == "2020-10-27"
    assert (future["forecast_close"] > 0).all()
    assert (future["lower_95"] <= future["lower_80"]).all() and (future["lower_80"] <= future["median"]).all()
    assert (future["median"] <= future["upper_80"]).all() and (future["upper_80"] <= future["upper_95"]).all()
    table, _ = nodes.backtest(model, windows, scaler, p)
    assert list(table["horizon"]) == [1, 2, 3, 4, 5] and (table["origins"] == 6).all()
    assert table[["coverage_80", "coverage_95"]].stack().between(0, 1).all()


def test_training_is_reproducible():
    p = params()
    _, _, _, _, windows = prepared(p)
    first, history_1, _ = nodes.train_model(windows, p)
    second, history_2, _ = nodes.train_model(windows, p)
    timing = ["seconds", "val_seconds"]
    pd.testing.assert_frame_equal(history_1.drop(columns=timing), history_2.drop(columns=timing))
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert np.array_equal(a.numpy(), b.numpy())


def test_price_setting_cannot_exceed_training_range():
    """The honest part: a MinMax level model saturates at the training maximum."""
    p = params()
    _, _, _, scaler, windows = prepared(p)
    model, _, _ = nodes.train_model(windows, p)
    _, report, _ = nodes.evaluate_model(model, windows, scaler, p)
    assert report["train_close_max"] == pytest.approx(scaler.data_max_[0])
    assert 0 < report["test_days_above_train_max"] <= 1


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_extra_features_flow_through_forecast_and_backtest(target):
    p = params(target=target, features=["Close", "Volume"])
    prices, _, _, scaler, windows = prepared(p)
    assert windows["X_train"].shape[2] == 2
    model, _, _ = nodes.train_model(windows, p)
    future, _ = nodes.forecast(model, prices, scaler, windows, p)
    table, _ = nodes.backtest(model, windows, scaler, p)
    assert len(future) == 7 and (future["forecast_close"] > 0).all()
    assert len(table) == 5 and table["model_mae"].notna().all()
