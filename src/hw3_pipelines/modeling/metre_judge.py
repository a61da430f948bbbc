"""The metre judge: a character RNN that reads one hemistich and names its metre (many-to-one).

Persian script leaves most short vowels unwritten, so a hemistich's rhythm is not in its
letters alone; it is in the words, which a reader knows how to scan. A bidirectional
recurrent network reads the letters and spaces both ways, and the mean and the maximum of
its outputs over the line are what the linear head sees: the whole line, not its last
letter, decides.

Hemistichs are batched by exact length (``length_batches``), so a batch needs no padding
and no packing, and the backward direction never reads a pad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from hw3_pipelines.modeling.training import TrainConfig, train
from hw3_pipelines.text.metres import ghazal_verdict

JUDGE_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


@dataclass(frozen=True)
class MetreJudgeConfig:
    vocab_size: int
    metres: tuple[str, ...]  # the class of each output, in order
    embedding_dim: int = 32
    hidden_size: int = 128
    num_layers: int = 2
    dropout: float = 0.2
    cell: str = "lstm"
    alphabet: str | None = None  # the character of each id, in order

    def __post_init__(self):
        if self.cell not in JUDGE_CELLS:
            raise ValueError(f"cell must be one of {sorted(JUDGE_CELLS)}, got {self.cell!r}")
        if self.alphabet is not None and len(self.alphabet) != self.vocab_size:
            raise ValueError(f"an alphabet of {len(self.alphabet)} characters for vocab_size {self.vocab_size}")
        object.__setattr__(self, "metres", tuple(self.metres))  # a list after a JSON round trip


class MetreJudge(nn.Module):
    """Embedding, a bidirectional LSTM or GRU, mean and max over time, a linear head."""

    def __init__(self, config: MetreJudgeConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.rnn = JUDGE_CELLS[config.cell](
            config.embedding_dim, config.hidden_size, num_layers=config.num_layers, batch_first=True,
            bidirectional=True, dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        self.head = nn.Linear(4 * config.hidden_size, len(config.metres))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, metres)`` for hemistichs of one length, ``ids`` ``(batch, time)``."""
        x = F.dropout(self.embedding(ids), self.config.dropout, self.training)
        output, _ = self.rnn(x)
        pooled = torch.cat([output.mean(dim=1), output.amax(dim=1)], dim=-1)
        return self.head(F.dropout(pooled, self.config.dropout, self.training))


def length_batches(lengths: np.ndarray, batch_size: int, generator: torch.Generator | None = None) -> list[np.ndarray]:
    """Indices of the items cut into batches of one length each. With ``generator`` the
    items within a length and the batches are shuffled; without it they keep their order."""
    batches = []
    for length in np.unique(lengths):
        members = np.flatnonzero(lengths == length)
        if generator is not None:
            members = members[torch.randperm(len(members), generator=generator).numpy()]
        batches += [members[k : k + batch_size] for k in range(0, len(members), batch_size)]
    if generator is not None:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
    return batches


UNKNOWN_CHAR = "\ufffd"  # stands for any character the judge's alphabet lacks


def judge_alphabet(lines: list[str]) -> str:
    """The characters of ``lines`` in a stable order, and ``UNKNOWN_CHAR`` last."""
    return "".join(sorted({char for line in lines for char in line} - {UNKNOWN_CHAR})) + UNKNOWN_CHAR


def encode_lines(lines: list[str], vocab: dict[str, int]) -> list[np.ndarray]:
    """Each line as an array of ids, a character outside ``vocab`` as ``UNKNOWN_CHAR``'s."""
    unknown = vocab[UNKNOWN_CHAR]
    return [np.fromiter((vocab.get(char, unknown) for char in line), dtype=np.int64, count=len(line)) for line in lines]


@torch.no_grad()
def metre_log_probs(judge: MetreJudge, lines: list[str], batch_size: int = 512) -> np.ndarray:
    """Log-probability of each metre for each line, ``(lines, metres)``, in the lines' order."""
    judge = judge.eval()
    vocab = {char: i for i, char in enumerate(judge.config.alphabet)}
    ids = encode_lines(lines, vocab)
    out = np.zeros((len(lines), len(judge.config.metres)), dtype=np.float32)
    for batch in length_batches(np.array([len(line) for line in ids]), batch_size):
        x = torch.from_numpy(np.stack([ids[i] for i in batch]))
        out[batch] = F.log_softmax(judge(x).float(), dim=-1).numpy()
    return out


def judge_poems(judge: MetreJudge, poems: list[list[str]]) -> list[dict]:
    """For each poem: its metre by the judge, the mean probability of that metre over its
    hemistichs, and how many of its hemistichs are judged in it."""
    log_probs = metre_log_probs(judge, [line for poem in poems for line in poem])
    starts = np.cumsum([0] + [len(poem) for poem in poems])
    verdicts = []
    for a, b in zip(starts, starts[1:]):
        choice, agreeing = ghazal_verdict(log_probs[a:b])
        verdicts.append({
            "metre": judge.config.metres[choice],
            "confidence": round(float(np.exp(log_probs[a:b, choice]).mean()), 4),
            "hemistichs_agreeing": agreeing,
            "hemistichs": int(b - a),
        })
    return verdicts


def train_judge(
    judge: MetreJudge, lines: list[str], labels: np.ndarray, val_lines: list[str], val_labels: np.ndarray,
    config: TrainConfig, desc: str = "metre judge",
) -> tuple[MetreJudge, pd.DataFrame]:
    """Train ``judge`` on hemistichs and their metres' class indices with the project's loop
    (``modeling.training``), keeping the epoch with the lowest loss on the validation
    hemistichs. Returns it with its history, one row per epoch, the kept one marked ``best``."""
    vocab = {char: i for i, char in enumerate(judge.config.alphabet)}
    train_set, validation_set = _Hemistichs(lines, labels, vocab), _Hemistichs(val_lines, val_labels, vocab)
    validation = validation_set.batches(config.batch_size)

    def validation_loss(model: MetreJudge) -> float:
        total = sum(F.cross_entropy(model(x).float(), y, reduction="sum").item() for x, y in validation)
        return total / len(val_lines)

    result = train(
        judge, lambda generator: train_set.batches(config.batch_size, generator),
        lambda model, batch: F.cross_entropy(model(batch[0]), batch[1]), config, validation_loss, desc,
    )
    return result.model, result.history_frame()


class _Hemistichs:
    """Hemistichs encoded once, with their class indices, served in batches of one length."""

    def __init__(self, lines: list[str], labels: np.ndarray, vocab: dict[str, int]) -> None:
        self.ids = encode_lines(lines, vocab)
        self.lengths = np.array([len(line) for line in self.ids])
        self.labels = torch.from_numpy(np.asarray(labels, dtype=np.int64))

    def batches(self, batch_size: int, generator: torch.Generator | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [
            (torch.from_numpy(np.stack([self.ids[i] for i in batch])), self.labels[batch])
            for batch in length_batches(self.lengths, batch_size, generator)
        ]
