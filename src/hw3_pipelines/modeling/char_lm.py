"""The hafez model: a character language model, and how to score a text with it (sampling is
``verse_writer``'s).

The regularisers are those of AWD-LSTM (Merity et al. 2018), each a setting that is off
by default so a plain model stays plain: locked dropout, embedding dropout, weight drop
on the hidden-to-hidden matrices and tied input and output embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call
from torch.nn import functional as F

CHAR_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


@dataclass(frozen=True)
class CharLMConfig:
    vocab_size: int
    embedding_dim: int = 64
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.3
    cell: str = "lstm"
    locked_dropout: bool = False
    embedding_dropout: float = 0.0
    weight_drop: float = 0.0
    tie_weights: bool = False
    alphabet: str | None = None  # the character of each id, in order: what the ids mean
    layout: str = "plain"  # how the text it reads is laid out (``text.layout``): the model was trained on it

    def __post_init__(self):
        if self.cell not in CHAR_CELLS:
            raise ValueError(f"cell must be one of {sorted(CHAR_CELLS)}, got {self.cell!r}")
        if self.alphabet is not None and len(self.alphabet) != self.vocab_size:
            raise ValueError(f"an alphabet of {len(self.alphabet)} characters for vocab_size {self.vocab_size}")


class CharLM(nn.Module):
    """Character language model: embedding, one LSTM or GRU per layer, linear head.

    Each layer is its own fused ``nn.LSTM``/``nn.GRU``, which keeps PyTorch's oneDNN and
    cuDNN kernels (a Python loop over cells would be several times slower) and still
    lets dropout and weight drop act between and inside the layers.

    - ``dropout`` acts on the embeddings, between layers and before the head; with
      ``locked_dropout`` one mask per sequence is shared by all its time steps.
    - ``embedding_dropout`` drops whole characters: every occurrence of a dropped
      character in the batch gets a zero embedding.
    - ``weight_drop`` (DropConnect) drops entries of each hidden-to-hidden matrix, one
      mask per forward pass; the dropped matrix is passed with ``functional_call`` so
      gradients reach the raw weight and the fused kernel runs.
    - ``tie_weights`` makes the head reuse the embedding matrix, after a linear
      projection when the hidden and embedding sizes differ.
    """

    def __init__(self, config: CharLMConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        sizes = [config.embedding_dim] + [config.hidden_size] * config.num_layers
        cell = CHAR_CELLS[config.cell]
        self.layers = nn.ModuleList(cell(n_in, n_out, batch_first=True) for n_in, n_out in zip(sizes, sizes[1:]))
        if config.tie_weights:
            self.projection = (
                nn.Linear(config.hidden_size, config.embedding_dim, bias=False)
                if config.hidden_size != config.embedding_dim
                else nn.Identity()
            )
            self.head_bias = nn.Parameter(torch.zeros(config.vocab_size))
        else:
            self.head = nn.Linear(config.hidden_size, config.vocab_size)
        self._register_load_state_dict_pre_hook(_split_stacked_rnn)

    def forward(self, ids: torch.Tensor, state: list | None = None):
        """Return next-character logits ``(batch, time, vocab)`` and the per-layer states."""
        hidden, states = self.features(ids, state)
        return self.logits(hidden), states

    def features(self, ids: torch.Tensor, state: list | None = None):
        """The last layer's output ``(batch, time, hidden)``, which the head reads (and the
        neural cache compares), and the per-layer states."""
        x = self._dropout(self._embed(ids))
        states = []
        for k, layer in enumerate(self.layers):
            x, layer_state = self._run_layer(layer, x, None if state is None else state[k])
            states.append(layer_state)
            x = self._dropout(x)
        return x, states

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        if self.config.tie_weights:
            return F.linear(self.projection(hidden), self.embedding.weight, self.head_bias)
        return self.head(hidden)

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        p = self.config.embedding_dropout
        if not (self.training and p):
            return self.embedding(ids)
        keep = self.embedding.weight.new_empty(self.config.vocab_size, 1).bernoulli_(1 - p) / (1 - p)
        return F.embedding(ids, self.embedding.weight * keep)

    def _dropout(self, x: torch.Tensor) -> torch.Tensor:
        p = self.config.dropout
        if not (self.training and p and self.config.locked_dropout):
            return F.dropout(x, p, self.training)
        mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1 - p) / (1 - p)
        return x * mask

    def _run_layer(self, layer: nn.RNNBase, x: torch.Tensor, state):
        p = self.config.weight_drop
        if not (self.training and p):
            return layer(x, state)
        dropped = {"weight_hh_l0": F.dropout(layer.weight_hh_l0, p, training=True)}
        return functional_call(layer, dropped, (x, state))


def describe(config) -> str:
    """A model's sizes in a few words (``lstm 2×384``), from a config or its parameters."""
    return f"{config.cell} {config.num_layers}×{config.hidden_size}"


def _split_stacked_rnn(state_dict, prefix, *args):
    """Load a model saved when all layers were one stacked module (``rnn.weight_hh_l1``)."""
    for key in [k for k in state_dict if k.startswith(prefix + "rnn.")]:
        name, layer = key[len(prefix + "rnn.") :].rsplit("_l", 1)
        state_dict[f"{prefix}layers.{layer}.{name}_l0"] = state_dict.pop(key)


def detach_state(state):
    """The recurrent state without its graph, for truncated backpropagation through time."""
    if isinstance(state, (list, tuple)):
        return type(state)(detach_state(s) for s in state)
    return state.detach()


IGNORED = -100  # F.cross_entropy's ignore_index: a training target that is not scored (a form header's)


def next_char_segments(ids: torch.Tensor, length: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A stream cut into consecutive ``(input, target)`` segments of at most ``length``
    characters, each ``(1, time)``, the target being the input shifted by one character."""
    segments = []
    for start in range(0, len(ids) - 1, length):
        y = ids[start + 1 : start + length + 1][None]
        segments.append((ids[start : start + y.shape[1]][None], y))
    return segments


def target_mask(ids: torch.Tensor, scored: torch.Tensor | None) -> torch.Tensor:
    """Which of a stream's targets (every character but the first) are scored: all of them,
    or those ``scored`` (a boolean per character) marks."""
    return torch.ones(len(ids) - 1, dtype=torch.bool) if scored is None else scored[1:].cpu()


def stream_nats(model: CharLM, ids: torch.Tensor, scored: torch.Tensor | None = None, chunk: int = 2048) -> float:
    """Mean cross-entropy (nats/char) over one long stream's scored targets, state carried
    across chunks."""
    total, state = 0.0, None
    mask = target_mask(ids, scored)
    for (x, y), counted in zip(next_char_segments(ids, chunk), mask.split(chunk)):
        logits, state = model(x, state)
        total += F.cross_entropy(logits[0], y[0], reduction="none")[counted.to(logits.device)].sum().item()
    return total / int(mask.sum())
