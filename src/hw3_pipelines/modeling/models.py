"""Every model class the project saves, and how a saved model's JSON spec rebuilds it.

A saved model is a state_dict plus this spec (see ``datasets.TorchModelDataset``): no
pickled module, nothing to trust but tensors and numbers.
"""

from __future__ import annotations

from dataclasses import asdict

from torch import nn

from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.modeling.metre_judge import MetreJudge, MetreJudgeConfig
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.regressor_ensemble import EnsembleConfig, RegressorEnsemble

MODEL_CLASSES = {
    "RecurrentRegressor": (RecurrentRegressor, RegressorConfig),
    "RegressorEnsemble": (RegressorEnsemble, EnsembleConfig),
    "CharLM": (CharLM, CharLMConfig),
    "MetreJudge": (MetreJudge, MetreJudgeConfig),
    # Saved before the cell became a setting; its config has no "cell" and means LSTM.
    "LSTMRegressor": (RecurrentRegressor, RegressorConfig),
}


def model_spec(model: nn.Module) -> dict:
    """The JSON-able description that rebuilds ``model``'s architecture."""
    return {"class": type(model).__name__, "config": asdict(model.config)}


def build_model(spec: dict) -> nn.Module:
    """Rebuild an untrained model from ``model_spec``'s output."""
    if spec.get("class") not in MODEL_CLASSES:
        raise ValueError(f"unknown model class {spec.get('class')!r}; known: {sorted(MODEL_CLASSES)}")
    model_class, config_class = MODEL_CLASSES[spec["class"]]
    return model_class(config_class(**spec["config"]))


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
