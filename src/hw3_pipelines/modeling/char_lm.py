"""The hafez model: a character language model, how to score a text with it, how to sample.

The regularisers are those of AWD-LSTM (Merity et al. 2018), each a setting that is off
by default so a plain model stays plain: locked dropout, embedding dropout, weight drop
on the hidden-to-hidden matrices and tied input and output embeddings.
"""

from __future__ import annotations

from collections.abc import Callable
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


def next_char_segments(ids: torch.Tensor, length: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A stream cut into consecutive ``(input, target)`` segments of at most ``length``
    characters, each ``(1, time)``, the target being the input shifted by one character."""
    segments = []
    for start in range(0, len(ids) - 1, length):
        y = ids[start + 1 : start + length + 1][None]
        segments.append((ids[start : start + y.shape[1]][None], y))
    return segments


def stream_nats(model: CharLM, ids: torch.Tensor, chunk: int = 2048) -> float:
    """Mean cross-entropy (nats/char) over one long stream, state carried across chunks."""
    total, state = 0.0, None
    for x, y in next_char_segments(ids, chunk):
        logits, state = model(x, state)
        total += F.cross_entropy(logits[0], y[0], reduction="sum").item()
    return total / (len(ids) - 1)


LineEnd = Callable[[list[int], Callable[[int, list[list[int]]], list[float]]], tuple[int, list[int]]]


@torch.no_grad()
def generate(
    model: CharLM, prompt: list[int], newline: int, poems: int, max_chars: int, temperature: float,
    top_k: int | None, min_lines: int = 0, max_lines: int | None = None, line_end: LineEnd | None = None,
    cache=None,
) -> list[int]:
    """Sample characters after ``prompt`` until ``poems`` poems have ended (a blank line) or
    ``max_chars`` characters; temperature and top-k shape each draw.

    The model decides where a poem ends, within bounds: not before ``min_lines`` lines nor
    after an odd number of lines (a couplet is two), and at ``max_lines`` it must. That
    choice is drawn from the model's own probability of a blank line, without temperature
    or top-k: they sharpen the draw of characters, and would make the rarer choice, ending
    the poem, rarer still (samples then ran to the upper bound).

    ``line_end(poem, score)``, when given, is called each time a line is about to end,
    with the ids of the poem so far and a function ``score(back, candidates)`` that gives
    the model's log-probability of each candidate (a list of ids) written in place of the
    line's last ``back`` ids. It returns ``(back, ids)``: how many ids to take back, and
    what to write instead before the line break. That is how form-aware sampling chooses
    a line's last word.

    ``cache`` (a ``modeling.neural_cache.NeuralCache``) mixes the memory of the poem being
    written into every draw.
    """
    model = model.eval()
    reader = _Reader(model, prompt, newline, cache)
    out: list[int] = []
    poem = list(prompt)
    ended, lines = 0, sum(1 for token in prompt if token == newline)
    while len(out) < max_chars:
        previous = poem[-1] if poem else newline
        probs = reader.next_char_probs()
        at_line_start = previous == newline
        may_end = at_line_start and lines > 0 and lines >= min_lines and lines % 2 == 0
        if may_end and ((max_lines and lines >= max_lines) or float(torch.rand(())) < probs[newline]):
            token = newline
        else:
            logits = torch.log(probs) / temperature
            if at_line_start:
                logits[newline] = float("-inf")
            if top_k:
                kth = torch.topk(logits, min(top_k, logits.numel())).values[-1]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            token = int(torch.multinomial(F.softmax(logits, dim=-1), 1))
        written = [token]
        if token == newline and at_line_start:
            ended, lines = ended + 1, 0
            out.append(token)
            if ended == poems:
                break
            reader.read(token, poem_ended=True)
            poem = []
            continue
        if token == newline:
            lines += 1
            if line_end is not None:
                back, ending = line_end(poem, reader.score)
                reader.take_back(back)
                del out[len(out) - back :], poem[len(poem) - back :]
                written = [*ending, token]
        for char in written:
            out.append(char)
            poem.append(char)
            reader.read(char)
    return out


class _Reader:
    """The model reading what is written, able to take back the current line.

    It keeps the model's output and state after each character of the current line, so a
    line's ending can be rewritten without reading the poem again.
    """

    def __init__(self, model: CharLM, prompt: list[int], newline: int, cache) -> None:
        self.model, self.newline, self.cache = model, newline, cache
        hidden, state = model.features(torch.as_tensor(prompt)[None])
        if cache is not None:
            cache.reset()
            cache.remember(hidden[0, :-1], prompt[1:])
        self.line = [(hidden[0, -1], state)]

    def next_char_probs(self) -> torch.Tensor:
        hidden, _ = self.line[-1]
        probs = torch.softmax(self.model.logits(hidden).float(), dim=-1)
        return probs if self.cache is None else self.cache.mix(hidden[None], probs[None])[0]

    def read(self, char: int, poem_ended: bool = False) -> None:
        hidden, state = self.line[-1]
        if self.cache is not None:
            self.cache.reset() if poem_ended else self.cache.remember(hidden[None], [char])
        output, state = self.model.features(torch.tensor([[char]]), state)
        reading = (output[0, -1], state)
        self.line = [reading] if char == self.newline else [*self.line, reading]

    def take_back(self, count: int) -> None:
        if count:
            del self.line[-count:]
            if self.cache is not None:
                self.cache.forget(count)

    def score(self, back: int, candidates: list[list[int]]) -> list[float]:
        """Log-probability of each candidate written after taking back ``back`` ids (the
        model alone, without the cache), all candidates in one batch."""
        hidden, state = self.line[len(self.line) - 1 - back]
        first = torch.log_softmax(self.model.logits(hidden).float(), dim=-1)
        longest = max(len(c) for c in candidates)
        scores = torch.stack([first[c[0]] for c in candidates])
        if longest > 1:
            rest = torch.zeros(len(candidates), longest - 1, dtype=torch.long)
            for row, c in enumerate(candidates):
                rest[row, : len(c) - 1] = torch.as_tensor(c[:-1])
            output, _ = self.model.features(rest, _repeat_state(state, len(candidates)))
            log_probs = torch.log_softmax(self.model.logits(output).float(), dim=-1)
            for row, c in enumerate(candidates):
                steps = torch.arange(len(c) - 1)
                scores[row] += log_probs[row, steps, torch.tensor(c[1:], dtype=torch.long)].sum()
        return scores.tolist()


def _repeat_state(state, n: int):
    """A batch-of-one recurrent state repeated ``n`` times along the batch."""
    if isinstance(state, (list, tuple)):
        return type(state)(_repeat_state(s, n) for s in state)
    return state.expand(-1, n, -1).contiguous()
