"""One parameter schema, validated by Kedro before the first node runs."""

import pytest
from kedro.validation.exceptions import ParameterValidationError
from pydantic import ValidationError

from hw3_pipelines.parameters import (
    BtcParams,
    HafezMetreParams,
    HafezParams,
    HafezPretrainParams,
    RnnTheoryParams,
)
from tests.conftest import TEST_DATA, conf_parameters, deep_merge, run_pipeline

MODELS = {
    "btc": BtcParams, "hafez": HafezParams, "hafez_metre": HafezMetreParams, "hafez_pretrain": HafezPretrainParams,
    "rnn_theory": RnnTheoryParams,
}


@pytest.mark.parametrize("env", ["base", "test", "distribution", "long", "pretrained"])
@pytest.mark.parametrize("section", sorted(MODELS))
def test_shipped_parameters_are_valid(section, env):
    MODELS[section].model_validate(conf_parameters(section, env))


@pytest.mark.parametrize(
    ("overrides", "location", "message"),
    [
        ({"train_fraction": 1.5}, ("train_fraction",), "less than 1"),
        ({"lookback": 0}, ("lookback",), "greater than or equal to 1"),
        ({"lookback": "60"}, ("lookback",), "valid integer"),
        ({"target": "levels"}, ("target",), "'price' or 'log_return'"),
        ({"features": ["Open"]}, (), "must include 'Close'"),
        ({"model": {"cell": "transformer"}}, ("model", "cell"), "'lstm', 'gru' or 'rnn'"),
        ({"model": {"dropout": 1.0}}, ("model", "dropout"), "less than 1"),
        ({"training": {"epochs": True}}, ("training", "epochs"), "valid integer"),
        ({"training": {"learning_rate": 0}}, ("training", "learning_rate"), "greater than 0"),
        ({"training": {"lr_schedule": "step"}}, ("training", "lr_schedule"), "'constant' or 'cosine'"),
        ({"training": {"device": "gpu0"}}, ("training", "device"), "not a torch device"),
        ({"ingest": {"source": "csv", "csv_path": None}}, ("ingest",), "needs csv_path"),
        ({"ingest": {"source": "bloomberg"}}, ("ingest", "source"), "'auto', 'yfinance', 'csv' or 'bundled'"),
        ({"validation": {"max_spike_ratio": 1.0}}, ("validation", "max_spike_ratio"), "greater than 1"),
        ({"calibration": {"one_day_weights": "equal", "benchmark": None}}, ("calibration",), "name one in calibration.benchmark"),
    ],
)
def test_bad_btc_values_name_their_key(overrides, location, message):
    with pytest.raises(ValidationError) as caught:
        BtcParams.model_validate(deep_merge(conf_parameters("btc"), overrides))
    (error,) = caught.value.errors()
    assert error["loc"] == location and message in error["msg"]


@pytest.mark.parametrize(
    ("section", "overrides", "message"),
    [
        ("btc", {"trainig": {"epochs": 3}}, "unknown key 'trainig'; did you mean 'training'?"),
        ("btc", {"training": {"lr_shedule": "cosine"}}, "unknown key 'lr_shedule'; did you mean 'lr_schedule'?"),
        ("hafez", {"sample": {"temprature": 0.5}}, "unknown key 'temprature'; did you mean 'temperature'?"),
        ("btc", {"zzz": 1}, "unknown key 'zzz'; valid keys: ingest, validation, target"),
    ],
)
def test_unknown_keys_are_rejected_with_the_closest_valid_one(section, overrides, message):
    with pytest.raises(ValidationError, match=message.replace("?", r"\?")):
        MODELS[section].model_validate(deep_merge(conf_parameters(section), overrides))


@pytest.mark.parametrize(
    ("overrides", "location", "message"),
    [
        ({"model": {"cell": "rnn"}}, ("model", "cell"), "'lstm' or 'gru'"),
        ({"model": {"weight_drop": 1.0}}, ("model", "weight_drop"), "less than 1"),
        ({"model": {"tie_weights": "yes"}}, ("model", "tie_weights"), "valid boolean"),
        ({"training": {"ema_decay": 1.0}}, ("training", "ema_decay"), "less than 1"),
        ({"evaluation": {"dynamic": {"segment": 1}}}, ("evaluation", "dynamic", "segment"), "greater than or equal to 2"),
        ({"evaluation": {"dynamic": {"learning_rate": 0}}}, ("evaluation", "dynamic", "learning_rate"), "greater than 0"),
        ({"evaluation": {"cache": {"weights": [1.0]}}}, ("evaluation", "cache", "weights", 0), "less than 1"),
        ({"init_from": "checkpoint"}, ("init_from",), "'scratch' or 'pretrained'"),
        ({"split": {"tune_fraction": 0.0}}, ("split", "tune_fraction"), "greater than 0"),
        ({"sample": {"max_couplets": 3, "min_couplets": 5}}, ("sample",), "max_couplets 3 is below min_couplets 5"),
    ],
)
def test_bad_hafez_values_name_their_key(overrides, location, message):
    with pytest.raises(ValidationError) as caught:
        HafezParams.model_validate(deep_merge(conf_parameters("hafez"), overrides))
    (error,) = caught.value.errors()
    assert error["loc"] == location and message in error["msg"]


@pytest.mark.parametrize("pipeline", ["btc", "btc_lookback", "btc_rolling"])
def test_a_misspelt_key_stops_the_run_before_any_node(project_copy, pipeline):
    """btc_lookback and btc_rolling are namespaced: their parameters are validated too (kedro#5504)."""
    with pytest.raises(ParameterValidationError, match="did you mean 'training'"):
        run_pipeline(project_copy, pipeline, {"btc": {"trainig": {"epochs": 3}}})
    assert [path.name for path in (project_copy / TEST_DATA).iterdir()] == ["mlflow.db"]  # no dataset written


def test_a_bad_value_stops_the_hafez_sample_run_too(project_copy):
    with pytest.raises(ParameterValidationError, match="temperature"):
        run_pipeline(project_copy, "hafez_sample", {"hafez": {"sample": {"temperature": -1}}})


@pytest.mark.parametrize(
    ("overrides", "location", "message"),
    [
        ({"corpus": {"source": "folder", "folder": None}}, ("corpus",), "needs folder"),
        ({"corpus": {"source": "ftp"}}, ("corpus", "source"), "'bundled', 'folder' or 'https'"),
        ({"corpus": {"poets": []}}, ("corpus", "poets"), "at least 1 item"),
        ({"dropout": 1.0}, ("dropout",), "less than 1"),
    ],
)
def test_bad_hafez_pretrain_values_name_their_key(overrides, location, message):
    with pytest.raises(ValidationError) as caught:
        HafezPretrainParams.model_validate(deep_merge(conf_parameters("hafez_pretrain"), overrides))
    (error,) = caught.value.errors()
    assert error["loc"] == location and message in error["msg"]
