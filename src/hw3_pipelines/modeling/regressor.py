"""The btc model: a stack of recurrent layers (LSTM, GRU or plain RNN) and a linear head.

The head predicts either a point (trained on MSE) or a distribution of the next day's
target (trained on its negative log-likelihood): a Gaussian, or a Student-t whose degrees
of freedom are one learnt scalar. Either way the model speaks in the scaled target units
it was trained on; ``forecasting.distributions`` turns that into returns and prices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.distributions import Distribution, Normal, StudentT
from torch.nn import functional as F

RECURRENT_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
HEADS = ("point", "gaussian", "student_t")
MIN_SCALE = 1e-6
MIN_DF = 2.0  # above 2 the Student-t has a finite variance
INITIAL_DF = 5.0


@dataclass(frozen=True)
class RegressorConfig:
    n_features: int = 1
    hidden_size: int = 50
    num_layers: int = 4
    dropout: float = 0.2
    cell: str = "lstm"
    head: str = "point"

    def __post_init__(self):
        if self.cell not in RECURRENT_CELLS:
            raise ValueError(f"cell must be one of {sorted(RECURRENT_CELLS)}, got {self.cell!r}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {list(HEADS)}, got {self.head!r}")


class RecurrentRegressor(nn.Module):
    """Stacked recurrent layers with dropout after every layer and a linear head on the last step.

    With ``cell="lstm"`` and ``head="point"`` this is the assignment's Keras model
    (``LSTM(50, return_sequences=True)`` and ``Dropout(0.2)`` four times, then
    ``Dense(1)``). ``nn.LSTM(dropout=...)`` only drops between layers, so the layers are
    separate modules to put dropout after the last one too. The layers of every cell name
    their weights alike, so a saved model's state_dict keys do not depend on the cell.
    """

    def __init__(self, config: RegressorConfig):
        super().__init__()
        self.config = config
        sizes = [config.n_features] + [config.hidden_size] * config.num_layers
        cell = RECURRENT_CELLS[config.cell]
        self.layers = nn.ModuleList(cell(n_in, n_out, batch_first=True) for n_in, n_out in zip(sizes, sizes[1:]))
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, 1 if config.head == "point" else 2)
        if config.head == "student_t":
            self.df_raw = nn.Parameter(torch.tensor(math.log(math.expm1(INITIAL_DF - MIN_DF))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map windows ``(batch, lookback, n_features)`` to a point ``(batch,)`` or to the
        distribution's raw location and scale ``(batch, 2)``."""
        return self.forward_with_state(x)[0]

    def forward_with_state(self, x: torch.Tensor, state: list | None = None) -> tuple[torch.Tensor, list]:
        """``forward`` that starts from each layer's ``state`` (zeros when ``None``) and also
        returns the layers' final states, so a recursive path can go on one day at a time
        instead of rerunning its whole window at every step."""
        states = []
        for k, layer in enumerate(self.layers):
            x, layer_state = layer(x, None if state is None else state[k])
            states.append(layer_state)
            x = self.dropout(x)
        out = self.head(x[:, -1])
        return (out.squeeze(-1) if self.config.head == "point" else out), states

    @property
    def degrees_of_freedom(self) -> torch.Tensor | None:
        return MIN_DF + F.softplus(self.df_raw) if self.config.head == "student_t" else None

    def distribution(self, out: torch.Tensor, point_scale: float | None = None) -> Distribution:
        """The predictive distribution of ``forward``'s output. A point head has none of
        its own: it is a Gaussian around the point with the given ``point_scale``."""
        if self.config.head == "point":
            if point_scale is None:
                raise ValueError("a point head needs point_scale, the spread of its residuals")
            return Normal(out, torch.full_like(out, point_scale))
        loc, scale = out[..., 0], F.softplus(out[..., 1]) + MIN_SCALE
        if self.config.head == "gaussian":
            return Normal(loc, scale)
        return StudentT(self.degrees_of_freedom, loc, scale)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean squared error for a point head, negative log-likelihood for a distribution."""
        out = self(x)
        if self.config.head == "point":
            return F.mse_loss(out, y)
        return -self.distribution(out).log_prob(y).mean()
