"""Checks of run parameters, applied before any node runs, so a typo fails in a second
with a message naming the key instead of an hour later inside torch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.forecasting.windows import TARGETS


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _fraction(value: Any) -> bool:
    return _positive_number(value) and value < 1


def _probability(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _one_of(*choices: str) -> Callable[[Any], bool]:
    return lambda value: value in choices


RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "btc.ingest.source": (_one_of("yfinance", "csv"), "'yfinance' or 'csv'"),
    "btc.target": (_one_of(*TARGETS), " or ".join(repr(t) for t in TARGETS)),
    "btc.features": (lambda v: isinstance(v, list) and "Close" in v, "a list that includes 'Close'"),
    "btc.train_fraction": (_fraction, "a number in (0, 1)"),
    "btc.lookback": (_positive_int, "a positive integer"),
    "btc.model.hidden_size": (_positive_int, "a positive integer"),
    "btc.model.num_layers": (_positive_int, "a positive integer"),
    "btc.model.dropout": (_probability, "a number in [0, 1)"),
    "btc.training.epochs": (_positive_int, "a positive integer"),
    "btc.training.batch_size": (_positive_int, "a positive integer"),
    "btc.training.learning_rate": (_positive_number, "a positive number"),
    "btc.training.val_fraction": (_probability, "a number in [0, 1)"),
    "btc.training.grad_clip_norm": (_optional(_positive_number), "null or a positive number"),
    "btc.training.num_threads": (_optional(_positive_int), "null or a positive integer"),
    "btc.forecast.horizon": (_positive_int, "a positive integer"),
    "btc.forecast.mc_samples": (_positive_int, "a positive integer"),
    "btc.backtest.horizon": (_positive_int, "a positive integer"),
    "btc.backtest.stride": (_positive_int, "a positive integer"),
    "btc.backtest.mc_samples": (_positive_int, "a positive integer"),
    "btc_lookback.epochs": (_positive_int, "a positive integer"),
    "hafez.split.val_fraction": (_fraction, "a number in (0, 1)"),
    "hafez.model.embedding_dim": (_positive_int, "a positive integer"),
    "hafez.model.hidden_size": (_positive_int, "a positive integer"),
    "hafez.model.num_layers": (_positive_int, "a positive integer"),
    "hafez.model.dropout": (_probability, "a number in [0, 1)"),
    "hafez.model.cell": (_one_of("lstm", "gru"), "'lstm' or 'gru'"),
    "hafez.training.epochs": (_positive_int, "a positive integer"),
    "hafez.training.bptt": (lambda v: _positive_int(v) and v >= 2, "an integer >= 2"),
    "hafez.training.batch_size": (_positive_int, "a positive integer"),
    "hafez.training.learning_rate": (_positive_number, "a positive number"),
    "hafez.training.lr_schedule": (_one_of("constant", "cosine"), "'constant' or 'cosine'"),
    "hafez.training.grad_clip_norm": (_optional(_positive_number), "null or a positive number"),
    "hafez.training.num_threads": (_optional(_positive_int), "null or a positive integer"),
    "hafez.training.bf16_autocast": (_flag, "true or false"),
    "hafez.sample.temperature": (_positive_number, "a positive number"),
    "hafez.sample.top_k": (_optional(_positive_int), "null or a positive integer"),
    "hafez.sample.ghazals": (_positive_int, "a positive integer"),
    "hafez.sample.max_chars": (_positive_int, "a positive integer"),
}


def validate_parameters(parameters: dict, sections: set[str]) -> None:
    """Check every rule under the given top-level sections (e.g. ``{"btc"}``)."""
    for key in RULES:
        if key.split(".", 1)[0] in sections:
            _check(parameters, key)


def validate_keys(section: str, values: dict, keys: tuple[str, ...]) -> None:
    """Check some rules of one section, for a node that receives only that section."""
    for key in keys:
        _check({section: values}, f"{section}.{key}")


def _check(parameters: dict, key: str) -> None:
    check, expected = RULES[key]
    value = _lookup(parameters, key)
    if not check(value):
        raise ParameterError(f"parameter {key} must be {expected}, got {value!r}")


def _lookup(parameters: dict, key: str) -> Any:
    value: Any = parameters
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ParameterError(f"parameter {key} is missing")
        value = value[part]
    return value
