"""Parameters are checked before a run starts, with the bad key named."""

import pytest
import yaml

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.parameters import validate_parameters
from tests.conftest import PROJECT_ROOT, run_pipeline


def base_parameters() -> dict:
    params = {}
    for path in sorted((PROJECT_ROOT / "conf" / "base").glob("parameters_*.yml")):
        params.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    return params


def test_shipped_parameters_are_valid():
    validate_parameters(base_parameters(), {"btc", "hafez"})


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("btc", "train_fraction", 1.5),
        ("btc", "train_fraction", 0),
        ("btc", "lookback", 0),
        ("btc", "lookback", "60"),
        ("btc", "target", "levels"),
        ("btc", "features", ["Open"]),
        ("btc.training", "epochs", -1),
        ("btc.training", "epochs", True),
        ("btc.training", "learning_rate", 0),
        ("btc.model", "dropout", 1.0),
        ("hafez.sample", "temperature", 0),
        ("hafez.model", "cell", "transformer"),
        ("hafez.training", "bptt", 1),
    ],
)
def test_bad_values_name_their_key(section, key, value):
    params = base_parameters()
    node = params
    for part in section.split("."):
        node = node[part]
    node[key] = value
    with pytest.raises(ParameterError, match=f"parameter {section}.{key} must be"):
        validate_parameters(params, {section.split(".")[0]})


def test_missing_key_is_named():
    params = base_parameters()
    del params["btc"]["training"]["epochs"]
    with pytest.raises(ParameterError, match="btc.training.epochs is missing"):
        validate_parameters(params, {"btc"})


def test_a_run_with_a_bad_parameter_stops_before_any_node(project_copy):
    with pytest.raises(ParameterError, match="btc.train_fraction"):
        run_pipeline(project_copy, "btc", {"btc": {"train_fraction": 2}})
    assert not (project_copy / "data" / "01_raw").exists()
