"""The two models of the assignment, each a small ``nn.Module`` built from a config.

The config is a plain dataclass so that a saved model is a state_dict plus a JSON file
(see ``io.py``): no pickled module, nothing to trust but tensors and numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class LSTMRegressorConfig:
    n_features: int = 1
    hidden_size: int = 50
    num_layers: int = 4
    dropout: float = 0.2


class LSTMRegressor(nn.Module):
    """Stacked LSTM with dropout after every layer and a linear head on the last step.

    This is the assignment's Keras model (``LSTM(50, return_sequences=True)`` and
    ``Dropout(0.2)`` four times, then ``Dense(1)``). ``nn.LSTM(dropout=...)`` only drops
    between layers, so the layers are separate modules to put dropout after the last too.
    """

    def __init__(self, config: LSTMRegressorConfig):
        super().__init__()
        self.config = config
        sizes = [config.n_features] + [config.hidden_size] * config.num_layers
        self.layers = nn.ModuleList(
            nn.LSTM(n_in, n_out, batch_first=True) for n_in, n_out in zip(sizes, sizes[1:])
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map windows ``(batch, lookback, n_features)`` to predictions ``(batch,)``."""
        for lstm in self.layers:
            x, _ = lstm(x)
            x = self.dropout(x)
        return self.head(x[:, -1]).squeeze(-1)


@dataclass(frozen=True)
class CharLMConfig:
    vocab_size: int
    embedding_dim: int = 64
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.3
    cell: str = "lstm"


class CharLM(nn.Module):
    """Character language model: embedding, stacked LSTM or GRU, linear head.

    One fused ``nn.LSTM``/``nn.GRU`` runs the whole chunk: on CPU only these modules use
    PyTorch's oneDNN kernels, a Python loop over cells would be several times slower.
    """

    def __init__(self, config: CharLMConfig):
        super().__init__()
        if config.cell not in RNN_CELLS:
            raise ValueError(f"cell must be one of {sorted(RNN_CELLS)}, got {config.cell!r}")
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.rnn = RNN_CELLS[config.cell](
            config.embedding_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, ids: torch.Tensor, state=None):
        """Return next-character logits ``(batch, time, vocab)`` and the final RNN state."""
        x = self.dropout(self.embedding(ids))
        x, state = self.rnn(x, state)
        return self.head(self.dropout(x)), state


RNN_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}

MODEL_CLASSES = {
    "LSTMRegressor": (LSTMRegressor, LSTMRegressorConfig),
    "CharLM": (CharLM, CharLMConfig),
}


def model_spec(model: nn.Module) -> dict:
    """The JSON-able description that rebuilds ``model``'s architecture."""
    return {"class": type(model).__name__, "config": asdict(model.config)}


def build_model(spec: dict) -> nn.Module:
    """Rebuild an untrained model from ``model_spec``'s output."""
    model_class, config_class = MODEL_CLASSES[spec["class"]]
    return model_class(config_class(**spec["config"]))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
