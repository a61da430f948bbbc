"""The btc model: a stack of recurrent layers (LSTM, GRU or plain RNN) and a linear head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

RECURRENT_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


@dataclass(frozen=True)
class RegressorConfig:
    n_features: int = 1
    hidden_size: int = 50
    num_layers: int = 4
    dropout: float = 0.2
    cell: str = "lstm"

    def __post_init__(self):
        if self.cell not in RECURRENT_CELLS:
            raise ValueError(f"cell must be one of {sorted(RECURRENT_CELLS)}, got {self.cell!r}")


class RecurrentRegressor(nn.Module):
    """Stacked recurrent layers with dropout after every layer and a linear head on the last step.

    With ``cell="lstm"`` this is the assignment's Keras model (``LSTM(50,
    return_sequences=True)`` and ``Dropout(0.2)`` four times, then ``Dense(1)``).
    ``nn.LSTM(dropout=...)`` only drops between layers, so the layers are separate modules
    to put dropout after the last one too. The layers of every cell name their weights
    alike, so a saved model's state_dict keys do not depend on the cell.
    """

    def __init__(self, config: RegressorConfig):
        super().__init__()
        self.config = config
        sizes = [config.n_features] + [config.hidden_size] * config.num_layers
        cell = RECURRENT_CELLS[config.cell]
        self.layers = nn.ModuleList(cell(n_in, n_out, batch_first=True) for n_in, n_out in zip(sizes, sizes[1:]))
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map windows ``(batch, lookback, n_features)`` to predictions ``(batch,)``."""
        for layer in self.layers:
            x, _ = layer(x)
            x = self.dropout(x)
        return self.head(x[:, -1]).squeeze(-1)
