"""The btc nodes on small synthetic data: shapes, leakage, fallbacks and bad inputs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.forecaster.calibration import _forward_check
from hw3_pipelines.forecaster.evaluation import backtest_forecasters, score_one_day
from hw3_pipelines.forecaster.forecast import forecast_prices
from hw3_pipelines.forecaster.members import BASELINES, fit_baselines, pool_members
from hw3_pipelines.forecaster.pool import benchmark_spread, fit_pool
from hw3_pipelines.forecasting import prices as price_table
from hw3_pipelines.forecasting import recursive
from hw3_pipelines.forecasting.distributions import Predictive
from hw3_pipelines.pipelines.btc import nodes
from hw3_pipelines.sources import prices as sources
from tests.conftest import synthetic_prices
from tests.pipelines.btc.helpers import params, prepared, trained

# ingest -------------------------------------------------------------------------------

def test_csv_source_reads_the_file(tmp_path):
    path = tmp_path / "prices.csv"
    synthetic_prices(60).to_csv(path, index=False)
    raw, provenance = nodes.ingest_prices(None, params(ingest={"source": "csv", "csv_path": str(path)}))
    assert list(raw.columns) == sources.YAHOO_COLUMNS and len(raw) == 60
    assert provenance == {"source": "csv", "path": str(path)}


def test_strict_yfinance_source_fails_and_says_how_to_run_offline():
    with pytest.raises(InputDataError, match="btc.ingest.source=auto"):
        nodes.ingest_prices(None, params(ingest={"source": "yfinance"}))


def test_auto_falls_back_on_the_last_stored_snapshot(caplog):
    stored = synthetic_prices(50)
    with caplog.at_level(logging.WARNING):
        raw, provenance = nodes.ingest_prices(stored, params(ingest={"source": "auto"}))
    assert raw is stored and provenance["source"] == "stored_snapshot"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "using the last stored raw snapshot" in warnings[0].getMessage()


def test_auto_falls_back_on_the_bundled_snapshot_without_a_stored_one(caplog):
    with caplog.at_level(logging.WARNING):
        raw, provenance = nodes.ingest_prices(None, params(ingest={"source": "auto"}))
    assert provenance["source"] == "bundled" and "yfinance returned no data" in provenance["download_error"]
    assert (raw["Date"].iloc[0], raw["Date"].iloc[-1], len(raw)) == ("2014-09-17", "2026-07-22", 4327)
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 1


def test_auto_prefers_the_download(monkeypatch):
    import yfinance

    frame = synthetic_prices(30).set_index("Date")
    frame.index = pd.to_datetime(frame.index).rename("Date")
    monkeypatch.setattr(yfinance, "download", lambda *a, **k: frame)
    raw, provenance = nodes.ingest_prices(synthetic_prices(5), params(ingest={"source": "auto"}))
    assert provenance == {"source": "yfinance"} and len(raw) == 30


def test_bundled_snapshot_cannot_stand_in_for_another_ticker():
    with pytest.raises(InputDataError, match="bundled snapshot holds BTC-USD"):
        nodes.ingest_prices(None, params(ingest={"source": "auto", "ticker": "ETH-USD"}))


def test_validation_report_records_where_the_data_came_from():
    _, report = nodes.validate_and_repair_prices(synthetic_prices(100), {"source": "bundled"}, params())
    assert report["provenance"] == {"source": "bundled"}
    assert (report["first_date"], report["last_date"]) == ("2020-01-01", "2020-04-09")


# split, scale, window -----------------------------------------------------------------

def test_split_is_chronological():
    prices, _ = price_table.validate_and_repair(synthetic_prices(200), 3, 50, 1.5)
    train, test = nodes.split_prices(prices, params())
    assert len(train) == 160 and len(test) == 40
    assert train["Date"].max() < test["Date"].min()


def test_split_that_leaves_too_few_training_days_names_the_parameters():
    prices, _ = price_table.validate_and_repair(synthetic_prices(200), 3, 50, 1.5)
    with pytest.raises(ParameterError, match="btc.train_fraction=0.05"):
        nodes.split_prices(prices, params(train_fraction=0.05))


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_scaler_sees_training_data_only(target):
    prices, train, _, scaler, _ = prepared(params(target=target))
    train_values = train["Close"] if target == "price" else np.log(train["Close"]).diff().dropna()
    assert scaler.data_max_[0] == pytest.approx(train_values.max())
    assert scaler.data_min_[0] == pytest.approx(train_values.min())
    assert prices["Close"].max() > train["Close"].max()  # the test period does exceed it


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_windows_shapes_and_every_test_day_predicted(target):
    _, train, test, _, windows = prepared(params(target=target))
    assert windows.X_test.shape == (len(test), 10, 1)
    assert windows.y_test.shape == (len(test),)
    offset = 1 if target == "log_return" else 0
    assert windows.X_train.shape == (len(train) - 10 - offset, 10, 1)
    assert list(windows.test_dates) == list(test["Date"])
    assert windows.X_train.dtype == np.float32


def test_windows_never_contain_their_own_target():
    prices, _, test, scaler, windows = prepared(params())
    scaled = scaler.transform(prices[["Close"]].to_numpy()).ravel()
    first_test = len(prices) - len(test)
    # the first test window is the 10 days before the first test day, not including it
    np.testing.assert_allclose(windows.X_test[0, :, 0], scaled[first_test - 10 : first_test], rtol=1e-6)
    np.testing.assert_allclose(windows.y_test[0], scaled[first_test], rtol=1e-6)
    np.testing.assert_allclose(windows.test_previous_close[0], prices["Close"].iloc[first_test - 1])


def test_lookback_longer_than_the_training_days_names_the_parameter():
    """The sweep splits once with the base lookback, then windows with its own lookbacks."""
    prices, _ = price_table.validate_and_repair(synthetic_prices(200), 3, 50, 1.5)
    train, test = nodes.split_prices(prices, params(lookback=10))
    long = params(lookback=170)
    with pytest.raises(ParameterError, match="btc.lookback=170"):
        nodes.make_windows(train, test, nodes.fit_scaler(train, long), long)


# train, evaluate, forecast ------------------------------------------------------------

@pytest.mark.parametrize("target", ["price", "log_return"])
def test_train_evaluate_forecast(target):
    p = params(target=target)
    prices, _, test, scaler, windows = prepared(p)
    model, history, calibration = trained(p, windows, scaler)
    assert list(history["epoch"]) == [1, 2] and history["best"].sum() == 1
    assert calibration["validation_windows"] == windows.validation_count(0.1) and calibration["point_scale"] > 0
    predictions, report = nodes.evaluate_model(model, windows, scaler, {"provenance": {}, "first_date": "a", "last_date": "b"}, p)
    assert len(predictions) == len(test)
    np.testing.assert_allclose(predictions["actual"], test["Close"])
    np.testing.assert_allclose(predictions["naive"].iloc[1:], test["Close"].iloc[:-1])
    assert report["relative_mae"] == pytest.approx(report["model"]["mae"] / report["naive"]["mae"])
    assert set(report["model"]) == {"mae", "rmse", "mape", "smape", "directional_accuracy"}
    assert 0 <= report["dm_test"]["p_value"] <= 1 and report["cell"] == "lstm"
    train = prices.iloc[: len(prices) - len(windows.X_test)]
    alone = params(target=target, forecast={"forecaster": "model"})
    future = forecast_prices(model, scaler, calibration, prices, fit_baselines(train, p), {}, alone)
    assert len(future) == 7 and future["date"].iloc[0] == "2020-10-27"
    assert (future["forecaster"] == "the model").all() and (future["model_median"] == future["median"]).all()
    assert (future["median"] > 0).all()
    assert (future["lower_95"] <= future["lower_80"]).all() and (future["lower_80"] <= future["median"]).all()
    assert (future["median"] <= future["upper_80"]).all() and (future["upper_80"] <= future["upper_95"]).all()


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_every_cell_trains(cell):
    p = params(model={"cell": cell})
    _, _, _, scaler, windows = prepared(p)
    model, history, _ = trained(p, windows, scaler)
    assert type(model.layers[0]).__name__ == cell.upper()
    assert history["val_loss"].notna().all()


def test_training_is_reproducible():
    p = params()
    *_, scaler, windows = prepared(p)
    first, history_1, _ = trained(p, windows, scaler)
    second, history_2, _ = trained(p, windows, scaler)
    timing = ["seconds", "val_seconds"]
    pd.testing.assert_frame_equal(history_1.drop(columns=timing), history_2.drop(columns=timing))
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        assert np.array_equal(a.numpy(), b.numpy())


def test_the_learning_rate_schedule_is_applied():
    *_, scaler, windows = prepared(params())
    constant = trained(params(training={"lr_schedule": "constant"}), windows, scaler)[1]
    cosine = trained(params(training={"lr_schedule": "cosine"}), windows, scaler)[1]
    assert constant["train_loss"].iloc[0] == cosine["train_loss"].iloc[0]  # same first epoch: rate = base
    assert constant["val_loss"].iloc[1] != cosine["val_loss"].iloc[1]


def test_price_setting_cannot_exceed_training_range():
    """The honest part: a MinMax level model saturates at the training maximum."""
    p = params()
    _, _, _, scaler, windows = prepared(p)
    model, _, _ = trained(p, windows, scaler)
    _, report = nodes.evaluate_model(model, windows, scaler, {"provenance": {}, "first_date": "a", "last_date": "b"}, p)
    assert report["train_close_max"] == pytest.approx(scaler.data_max_[0])
    assert 0 < report["test_days_above_train_max"] <= 1


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_extra_features_flow_through_forecast_and_backtest(target):
    p = params(target=target, features=["Close", "Volume"])
    prices, _, _, scaler, windows = prepared(p)
    assert windows.X_train.shape[2] == 2
    model, _, calibration = trained(p, windows, scaler)
    train = prices.iloc[: len(prices) - len(windows.X_test)]
    fitted = fit_baselines(train, p)
    pool = fit_pool(model, windows, scaler, calibration, train, prices, fitted, p)
    future = forecast_prices(model, scaler, calibration, prices, fitted, pool, p)
    table = backtest_forecasters(model, windows, scaler, calibration, prices, fitted, pool, p)
    assert len(future) == 7 and (future["median"] > 0).all()
    assert len(table) == 5 * (2 + len(BASELINES)) and table["mae"].notna().all()
    assert ("model" in pool["fitted_weights"]) == (target == "log_return")  # a price model's draws stay out of the pool


def assert_kept_nearest_the_random_walk_not_worse_than_the_lowest(choice: dict, kept: float, nearest_first: list[str]):
    crps, p_values, significance = choice["validation_crps"], choice["p_value_against_lowest"], choice["significance"]
    assert crps[f"{choice['lowest']:g}"] == min(crps.values()) and p_values[f"{choice['lowest']:g}"] == 1
    assert p_values[f"{kept:g}"] >= significance
    assert all(p_values[nearer] < significance for nearer in nearest_first[: nearest_first.index(f"{kept:g}")])


def test_the_location_and_path_spread_are_chosen_on_validation_origins_and_each_horizon_tested_against_its_best_baseline():
    p = params(target="log_return", model={"head": "student_t"},
               calibration={"location_shrink": [1.0, 0.5, 0.0], "path_spread": [0.5, 1.0, 2.0]})
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    location, path_spread = calibration["location"], calibration["path_spread"]
    assert set(location["validation_crps"]) == {"1", "0.5", "0"} and len(location["validation_crps_by_horizon"]["0"]) == 5
    assert_kept_nearest_the_random_walk_not_worse_than_the_lowest(location, location["shrink"], ["0", "0.5", "1"])
    assert set(path_spread["validation_crps"]) == {"0.5", "1", "2"} and path_spread["horizon"] == 5
    assert_kept_nearest_the_random_walk_not_worse_than_the_lowest(path_spread, path_spread["factor"], ["1", "0.5", "2"])
    assert path_spread["validation_crps"]["1"] == location["validation_crps"][f"{location['shrink']:g}"]
    fitted = fit_baselines(train, p)
    constant_then_two = {"weights": {"constant_vol": 1.0}, "beyond_one_day": {"weights": {"garch_t": 0.5, "model": 0.5}}}
    table = backtest_forecasters(model, windows, scaler, calibration, prices, fitted, constant_then_two, p)
    for h, rows in table.groupby("horizon"):
        by_name = rows.set_index("forecaster")
        rivals = by_name.loc[list(BASELINES), "crps"]
        for name in ("model", "pool"):
            assert by_name.loc[name, "best_baseline"] == rivals.idxmin() and 0 <= by_name.loc[name, "dm_p_vs_best_baseline"] <= 1
            assert by_name.loc[name, "best_baseline_crps"] == pytest.approx(rivals.min())
        if h == 1:  # a pool of one is that forecaster
            assert by_name.loc["pool", "crps"] == by_name.loc["constant_vol", "crps"]
        else:  # scored from all its members' draws, a pool is never worse than its members on average
            assert by_name.loc["pool", "crps"] < by_name.loc[["garch_t", "model"], "crps"].mean()


def only(weights: dict) -> dict:
    """A pool with the same weights at every horizon."""
    return {"weights": weights, "beyond_one_day": {"weights": weights}}


def test_the_pool_forecasts_past_the_last_date_in_its_forecasters_shares():
    p = params(target="log_return", model={"head": "student_t"}, forecast={"forecaster": "pool", "paths": 4000})
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    fitted = fit_baselines(train, p)
    only_constant = forecast_prices(model, scaler, calibration, prices, fitted, only({"constant_vol": 1.0}), p)
    last, sigma, days = prices["Close"].iloc[-1], fitted["constant_vol_sigma"], np.arange(1, 8)
    z95 = 1.959964 * sigma * np.sqrt(days) / 100
    np.testing.assert_allclose(only_constant["upper_95"], last * np.exp(z95), rtol=0.01)
    np.testing.assert_allclose(only_constant["lower_95"], last * np.exp(-z95), rtol=0.01)
    np.testing.assert_allclose(only_constant["median"], last, rtol=0.005)
    alone = forecast_prices(model, scaler, calibration, prices, fitted, only({"model": 1.0}),
                                    params(target="log_return", model={"head": "student_t"}, forecast={"paths": 4000}))
    only_model = forecast_prices(model, scaler, calibration, prices, fitted, only({"model": 1.0}), p)
    np.testing.assert_allclose(only_model[["lower_95", "median", "upper_95"]], alone[["lower_95", "median", "upper_95"]], rtol=1e-9)


def test_a_price_model_keeps_its_paths():
    p = params(target="price")
    *_, scaler, windows = prepared(p)
    calibration = trained(p, windows, scaler)[2]
    kept = "none: a price model's paths are kept as learnt"
    assert calibration["location"] == {"shrink": 1.0, "chosen_on": kept}
    assert calibration["path_spread"] == {"factor": 1.0, "horizon": 5, "chosen_on": kept}


@pytest.mark.parametrize("head", ["gaussian", "student_t"])
def test_distribution_heads_train_on_likelihood_and_forecast(head):
    p = params(target="log_return", model={"head": head})
    prices, train, _, scaler, windows = prepared(p)
    model, history, calibration = trained(p, windows, scaler)
    assert history["val_loss"].notna().all() and 0.2 <= calibration["spread_factor"] <= 5
    assert (model.degrees_of_freedom is not None) == (head == "student_t")
    fitted = fit_baselines(train, p)
    pool = fit_pool(model, windows, scaler, calibration, train, prices, fitted, p)
    report, table = score_one_day(model, windows, scaler, calibration, prices, fitted, pool, p)
    assert set(report) == {"model", "model_uncalibrated", *BASELINES, "pool"}
    assert table["model_pit"].between(0, 1).all() and len(table) == len(windows.X_test)
    assert (table["model_lower_80"] < table["model_upper_80"]).all()
    future = forecast_prices(model, scaler, calibration, prices, fitted, pool, p)
    assert (future["lower_80"] < future["median"]).all() and (future["median"] < future["upper_80"]).all()


def test_equal_one_day_weights_pool_the_model_and_the_benchmark_half_each():
    p = params(target="log_return", model={"head": "student_t"}, calibration={"one_day_weights": "equal"})
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    pool = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, p), p)
    weights, crps = pool["fitted_weights"], pool["validation_crps"]
    assert {name: w for name, w in weights.items() if w} == {"model": 0.5, "garch_t": 0.5}
    assert crps["pool"] < (crps["model"] + crps["garch_t"]) / 2  # CRPS is convex in the forecast: a mixture gains
    assert pool["kept"] in {"pool", "garch_t"} and pool["weights"] == (weights if pool["kept"] == "pool" else {"garch_t": 1.0})


def test_baselines_are_fitted_on_the_training_days_only():
    p = params()
    prices, train, _, _, _ = prepared(p)
    fitted = fit_baselines(train, p)
    assert fitted["fitted_on"]["last_date"] == train["Date"].iloc[-1]
    assert fitted["fitted_on"]["returns"] == len(train) - 1
    train_returns = 100 * np.log(train["Close"]).diff().dropna()
    assert fitted["constant_vol_sigma"] == pytest.approx(train_returns.std())


def test_backtest_longer_than_the_test_period_names_the_parameter():
    p = params(backtest={"horizon": 100})
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    with pytest.raises(ParameterError, match="btc.backtest.horizon=100"):
        backtest_forecasters(model, windows, scaler, calibration, prices, fit_baselines(train, p), only({}), p)


@pytest.mark.parametrize(("forecaster", "beyond", "named"), [
    ("model", {"garch_t": 1.0}, "by the model's recursive paths"),
    ("pool", {"garch_t": 1.0}, "by the linear pool, GARCH(1,1)-t beyond the first day"),
    ("pool", {"garch_t": 0.6, "model": 0.4}, "by the linear pool\n"),
])
def test_the_forecast_plot_names_what_drew_the_forecast_and_draws_the_models_path_beside_the_pools(forecaster, beyond, named):
    from hw3_pipelines.pipelines.btc.plots import plot_forecast

    prices = pd.DataFrame({"Date": pd.date_range("2026-01-01", periods=5).strftime("%Y-%m-%d"), "Close": [1.0, 2, 3, 4, 5]})
    forecast = pd.DataFrame({"date": ["2026-01-06", "2026-01-07"], "median": [5.0, 5], **dict.fromkeys(["lower_80", "lower_95"], [4.0, 4]),
                             **dict.fromkeys(["upper_80", "upper_95"], [6.0, 6]), "model_median": [5.5, 6]})
    pool = {"weights": {"model": 1.0}, "beyond_one_day": {"weights": beyond}}
    figure = plot_forecast(prices, forecast, pool, params(forecast={"forecaster": forecaster}))
    assert named in figure.axes[0].get_title()
    beside = [line for line in figure.axes[0].get_lines() if line.get_label() == "the model's recursive median path (the assignment)"]
    assert len(beside) == (forecaster == "pool") and all(list(line.get_ydata()) == [5.5, 6] for line in beside)


@pytest.mark.parametrize(("head", "losses", "scale"), [("point", [0.02, 0.01], "log"), ("student_t", [-0.5, -0.7], "linear")])
def test_the_loss_axis_suits_the_loss(head, losses, scale, recwarn):
    from hw3_pipelines.pipelines.btc.plots import plot_training_loss

    history = pd.DataFrame({"epoch": [1, 2], "train_loss": losses, "val_loss": losses, "best": [False, True]})
    figure = plot_training_loss(history, params(model={"head": head}))
    assert figure.axes[0].get_yscale() == scale
    assert not [w for w in recwarn if "log-scaled" in str(w.message)]


def test_an_ensemble_is_its_members_trained_alone_with_successive_seeds():
    p = params(target="log_return", model={"head": "student_t", "ensemble_size": 2})
    prices, train, _, scaler, windows = prepared(p)
    ensemble, history, calibration = trained(p, windows, scaler)
    assert list(history["seed"].unique()) == [0, 1] and history.groupby("seed")["best"].sum().tolist() == [1, 1]
    for k, member in enumerate(ensemble.members):
        alone, _ = nodes.train_model(windows, params(target="log_return", model={"head": "student_t"}, training={"seed": k}))
        for a, b in zip(member.state_dict().values(), alone.state_dict().values(), strict=True):
            assert np.array_equal(a.numpy(), b.numpy())
    fitted = fit_baselines(train, p)
    pool = fit_pool(ensemble, windows, scaler, calibration, train, prices, fitted, p)
    report, _ = score_one_day(ensemble, windows, scaler, calibration, prices, fitted, pool, p)
    members = report["model"]["members"]
    assert list(members["crps"]) == ["0", "1"]
    assert members["crps_mean"] == pytest.approx(np.mean(list(members["crps"].values())))
    assert list(members["mixture_dm_vs_member"]) == ["0", "1"]
    assert set(report["pool"]) >= {"crps_dm_vs_model", "crps_dm_vs_garch_t"}
    future = forecast_prices(ensemble, scaler, calibration, prices, fitted, pool, p)
    assert (future["lower_80"] < future["median"]).all() and (future["median"] < future["upper_80"]).all()


def test_the_pool_is_fitted_on_the_validation_days_and_beats_its_parts_there():
    p = params(target="log_return", model={"head": "student_t"})
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    pool = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, p), p)
    n_val = windows.validation_count(0.1)
    assert pool["fitted_on"] == {"first_date": train["Date"].iloc[-n_val], "last_date": train["Date"].iloc[-1], "days": n_val}
    fitted = pool["fitted_weights"]
    assert list(fitted) == ["model", *BASELINES] and sum(fitted.values()) == pytest.approx(1) and min(fitted.values()) >= 0
    crps = pool["validation_crps"]
    assert crps["pool"] <= min(crps[name] for name in fitted) + 1e-9
    one_day = pool["choice"]  # as beyond: the fitted pool answers one day ahead only where it beats GARCH-t there
    assert one_day["chosen_on"] == f"{n_val} validation days"
    assert one_day["validation_crps"] == pytest.approx({"garch_t": crps["garch_t"], "pool": crps["pool"]})
    replaced = one_day["lowest"] == "pool" and one_day["p_value_against_lowest"]["garch_t"] < 0.05
    assert pool["kept"] == ("pool" if replaced else "garch_t")
    assert pool["weights"] == (fitted if replaced else {"garch_t": 1.0})
    beyond = pool["beyond_one_day"]
    origins = len(recursive.walk_forward_origins(n_val, 5, p.backtest.stride))
    assert beyond["fitted_on"] == {"origins": origins, "horizons": [2, 5], "stride": p.backtest.stride}
    fitted = beyond["fitted_weights"]
    assert list(fitted) == ["model", *BASELINES] and sum(fitted.values()) == pytest.approx(1) and min(fitted.values()) >= 0
    crps = beyond["validation_crps"]
    assert crps["pool"] <= min(crps[name] for name in fitted) + 1e-9
    choice = beyond["choice"]  # the fitted pool replaces the benchmark only where it is significantly better
    assert choice["validation_crps"] == pytest.approx({"garch_t": crps["garch_t"], "pool": crps["pool"]})
    replaced = choice["lowest"] == "pool" and choice["p_value_against_lowest"]["garch_t"] < 0.05
    assert beyond["kept"] == ("pool" if replaced else "garch_t")
    assert beyond["weights"] == (fitted if replaced else {"garch_t": 1.0})


def test_the_lowest_pool_is_kept_when_significance_is_1():
    p = params(target="log_return", model={"head": "student_t"}, calibration={"significance": 1.0, "benchmark": "ewma"},
               backtest={"stride": 3})  # at least 3 origins: with fewer nothing can be shown, and the benchmark stays
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    beyond = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, p), p)["beyond_one_day"]
    assert set(beyond["choice"]["validation_crps"]) == {"ewma", "pool"}
    assert beyond["kept"] == "pool" and beyond["weights"] == beyond["fitted_weights"]
    one_day = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, p), p)
    assert one_day["kept"] == "pool" and one_day["weights"] == one_day["fitted_weights"]
    untested = params(target="log_return", model={"head": "student_t"}, calibration={"benchmark": None})
    beyond = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, untested), untested)["beyond_one_day"]
    assert "choice" not in beyond and beyond["kept"] == "pool" and beyond["weights"] == beyond["fitted_weights"]
    one_day = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, untested), untested)
    assert "choice" not in one_day and one_day["weights"] == one_day["fitted_weights"]


def test_a_price_level_model_stays_out_of_the_pool():
    p = params(target="price", model={"head": "gaussian"})
    prices, train, _, scaler, windows = prepared(p)
    model, _, calibration = trained(p, windows, scaler)
    pool = fit_pool(model, windows, scaler, calibration, train, prices, fit_baselines(train, p), p)
    assert list(pool["fitted_weights"]) == list(BASELINES)


def test_an_ensemble_of_point_heads_is_refused_before_any_node_runs():
    with pytest.raises(ValueError, match="a point head predicts none"):
        params(model={"head": "point", "ensemble_size": 3})


def test_an_ensembles_loss_plot_draws_every_member():
    from hw3_pipelines.pipelines.btc.plots import plot_training_loss

    history = pd.DataFrame({"seed": [0, 0, 1, 1], "epoch": [1, 2, 1, 2], "train_loss": [-0.1, -0.2, -0.1, -0.3],
                            "val_loss": [-0.1, -0.2, -0.2, -0.1], "best": [False, True, True, False]})
    figure = plot_training_loss(history, params(target="log_return", model={"head": "student_t", "ensemble_size": 2}))
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "validation, seed 0: kept epoch 2" in labels and "validation, seed 1: kept epoch 1" in labels


@pytest.mark.parametrize(("second_half_sigma", "transfers"), [(2.0, True), (0.5, False)])
def test_recalibration_must_hold_forward_inside_the_validation_windows(second_half_sigma, transfers):
    from hw3_pipelines.forecasting.distributions import Predictive

    rng = np.random.default_rng(0)
    actual = np.concatenate([rng.normal(0, 2.0, 400), rng.normal(0, second_half_sigma, 400)])
    check = _forward_check(Predictive.normal(np.zeros(800), np.ones(800)), actual)
    assert check["first_half_factor"] == pytest.approx(2.0, rel=0.15)
    assert check["transfers"] is transfers
    assert (check["second_half_crps_after"] < check["second_half_crps_before"]) is transfers


def test_the_benchmark_spread_beyond_one_day_is_the_factor_with_the_lowest_crps_on_training_origins():
    p = params(target="log_return", calibration={"benchmark_spread": {"factors": [0.5, 1.0, 3.0], "days": 1095}})
    _, train, _, _, _ = prepared(p)
    spread = benchmark_spread(train, fit_baselines(train, p), p)
    crps = spread["crps"]
    assert set(crps) == {"0.5", "1", "3"} and crps["0.5"] > crps["1"] < crps["3"]  # GARCH-t is near exact on a random walk
    assert spread["factor"] == 1.0 and spread["horizon"] == p.backtest.horizon
    days = (len(train) - 1) // 2  # at most half the training returns, so every origin has a history to filter
    assert spread["chosen_on"]["origins"] == len(recursive.walk_forward_origins(days, p.backtest.horizon, p.backtest.stride))
    assert spread["chosen_on"]["last_date"] < train["Date"].iloc[-1]


def test_the_pool_widens_its_members_beyond_one_day_by_its_spread_ramp():
    garch = Predictive.normal(np.zeros(2), np.ones(2))
    pool = {"weights": {"garch_t": 1.0}, "beyond_one_day": {"weights": {"garch_t": 1.0}, "spread": {"factor": 2.0, "horizon": 5}}}
    scale = {h: pool_members(pool, h, {"garch_t": garch})["garch_t"].scale[0] for h in (1, 3, 5, 9)}
    assert scale == pytest.approx({1: 1.0, 3: 1.5, 5: 2.0, 9: 2.0})
    assert pool_members({**pool, "beyond_one_day": {"weights": {"garch_t": 1.0}}}, 5, {"garch_t": garch})["garch_t"] is garch
