"""The btc nodes on synthetic series whose right answer is known."""

import numpy as np
import pandas as pd

from hw3_pipelines.forecaster.evaluation import backtest_forecasters
from hw3_pipelines.forecaster.members import fit_baselines
from hw3_pipelines.forecaster.pool import fit_pool
from hw3_pipelines.forecasting import prices as price_table
from hw3_pipelines.pipelines.btc import nodes
from tests.conftest import synthetic_prices
from tests.pipelines.btc.helpers import params, trained

PROVENANCE = {"provenance": {"source": "synthetic"}, "first_date": "", "last_date": ""}


def fit_and_score(prices: pd.DataFrame, p):
    prices, _ = price_table.validate_and_repair(prices, 3, 50, 1.5)
    train, test = nodes.split_prices(prices, p)
    scaler = nodes.fit_scaler(train, p)
    windows = nodes.make_windows(train, test, scaler, p)
    model, _, calibration = trained(p, windows, scaler)
    _, report = nodes.evaluate_model(model, windows, scaler, PROVENANCE, p)
    fitted = fit_baselines(train, p)
    pool = fit_pool(model, windows, scaler, calibration, train, prices, fitted, p)
    backtest = backtest_forecasters(model, windows, scaler, calibration, prices, fitted, pool, p)
    return report, backtest[backtest["forecaster"] == "model"].reset_index(drop=True)


def small(target: str, epochs: int = 10, dropout: float = 0.1):
    return params(
        target=target,
        lookback=20,
        model={"hidden_size": 16, "num_layers": 1, "dropout": dropout},
        training={"epochs": epochs, "batch_size": 32, "learning_rate": 0.01},
        forecast={"horizon": 5, "paths": 200, "seed": 0},
        backtest={"horizon": 5, "stride": 1, "paths": 200},
    )


def test_random_walk_naive_wins_or_ties():
    report, _ = fit_and_score(synthetic_prices(800, seed=1), small("log_return"))
    assert report["relative_mae"] >= 0.98
    assert report["dm_test"]["p_value"] > 0.01 or report["dm_test"]["statistic"] > 0


def test_sine_wave_model_beats_naive():
    days = np.arange(600)
    close = 100 + 20 * np.sin(2 * np.pi * days / 25)
    prices = synthetic_prices(600).assign(Close=close, Open=close, High=close + 1, Low=close - 1)
    report, backtest = fit_and_score(prices, small("price", epochs=40, dropout=0.0))
    assert report["relative_mae"] < 0.5
    assert (backtest["relative_mae"] < 1).all()


def test_bands_cover_a_random_walk_of_known_noise():
    _, backtest = fit_and_score(synthetic_prices(800, seed=2), small("log_return"))
    one_day = backtest.iloc[0]
    assert one_day["origins"] > 150
    assert 0.9 <= one_day["coverage_95"] <= 1.0
    assert 0.7 <= one_day["coverage_80"] <= 0.92
    assert backtest["coverage_95"].min() >= 0.85
