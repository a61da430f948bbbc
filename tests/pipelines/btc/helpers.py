"""Tiny btc settings for node tests: the shipped parameters with a small, fast model."""

from __future__ import annotations

from hw3_pipelines.forecaster.calibration import calibrate_model
from hw3_pipelines.forecasting import prices as price_table
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc import nodes
from tests.conftest import conf_parameters, deep_merge, synthetic_prices

TINY = {
    "lookback": 10,
    "model": {"hidden_size": 8, "num_layers": 2, "dropout": 0.2},
    "training": {"epochs": 2, "learning_rate": 0.01, "seed": 0, "device": "cpu", "num_threads": 1},
    "scoring": {"draws": 200},
    "forecast": {"horizon": 7, "paths": 50, "seed": 0},
    "backtest": {"horizon": 5, "stride": 10, "paths": 50},
}


def params(**overrides) -> BtcParams:
    """``BtcParams`` from conf/base, TINY and ``overrides`` (nested dicts merge)."""
    return BtcParams.model_validate(deep_merge(deep_merge(conf_parameters("btc"), TINY), overrides))


def prepared(p: BtcParams, n_days: int = 300):
    """Validated, split, scaled and windowed prices of an up-trending synthetic walk."""
    prices, _ = price_table.validate_and_repair(synthetic_prices(n_days, drift=0.003), max_gap_days=3, min_rows=50, max_spike_ratio=1.5)
    train, test = nodes.split_prices(prices, p)
    scaler = nodes.fit_scaler(train, p)
    return prices, train, test, scaler, nodes.make_windows(train, test, scaler, p)


def trained(p: BtcParams, model_input, scaler):
    """The model, its training history and its calibration on the validation windows."""
    model, history = nodes.train_model(model_input, p)
    return model, history, calibrate_model(model, model_input, scaler, p)
