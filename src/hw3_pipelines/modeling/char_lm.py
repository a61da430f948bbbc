"""The hafez model: a character language model, how to score a text with it, how to sample."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
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

    def __post_init__(self):
        if self.cell not in CHAR_CELLS:
            raise ValueError(f"cell must be one of {sorted(CHAR_CELLS)}, got {self.cell!r}")


class CharLM(nn.Module):
    """Character language model: embedding, stacked LSTM or GRU, linear head.

    One fused ``nn.LSTM``/``nn.GRU`` runs the whole chunk: on CPU only these modules use
    PyTorch's oneDNN kernels, a Python loop over cells would be several times slower.
    """

    def __init__(self, config: CharLMConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.rnn = CHAR_CELLS[config.cell](
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


def detach_state(state):
    """The recurrent state without its graph, for truncated backpropagation through time."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def stream_nats(model: CharLM, ids: torch.Tensor, chunk: int = 2048) -> float:
    """Mean cross-entropy (nats/char) over one long stream, state carried across chunks."""
    total, state = 0.0, None
    for start in range(0, len(ids) - 1, chunk):
        x = ids[start : start + chunk][None]
        y = ids[start + 1 : start + chunk + 1][None]
        x = x[:, : y.shape[1]]
        logits, state = model(x, state)
        total += F.cross_entropy(logits[0], y[0], reduction="sum").item()
    return total / (len(ids) - 1)


@torch.no_grad()
def generate(
    model: CharLM, prompt: list[int], newline: int, poems: int, max_chars: int, temperature: float,
    top_k: int | None, min_lines: int = 0,
) -> list[int]:
    """Sample characters after ``prompt`` until ``poems`` poems have ended (a blank line) or
    ``max_chars`` characters; temperature and top-k shape each draw. A poem may not end
    before ``min_lines`` lines: the blank line is then not drawn, and a line starts instead."""
    model = model.eval()
    out: list[int] = []
    logits, state = model(torch.as_tensor(prompt)[None])
    logits = logits[0, -1]
    ended, previous, lines = 0, int(prompt[-1]), sum(1 for token in prompt if token == newline)
    while len(out) < max_chars:
        logits = logits / temperature
        if previous == newline and lines < min_lines:
            logits[newline] = float("-inf")
        if top_k:
            kth = torch.topk(logits, min(top_k, logits.numel())).values[-1]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        token = int(torch.multinomial(F.softmax(logits, dim=-1), 1))
        out.append(token)
        if token == newline:
            if previous == newline:
                ended, lines = ended + 1, 0
                if ended == poems:
                    break
            else:
                lines += 1
        previous = token
        logits, state = model(torch.tensor([[token]]), state)
        logits = logits[0, -1]
    return out
