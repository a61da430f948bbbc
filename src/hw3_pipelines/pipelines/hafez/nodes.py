"""Nodes of the hafez pipelines: corpus → clean → tokenize → train → evaluate → sample.

Text travels between nodes in one layout: one hemistich per line, a blank line between
ghazals. Every text file is UTF-8.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.modeling.models import CharLM, CharLMConfig, count_parameters
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.training import (
    TrainConfig,
    make_reproducible,
    resolve_device,
    train,
)
from hw3_pipelines.text.ngram import KneserNey
from hw3_pipelines.text.normalize import normalize_line, normalize_poems
from hw3_pipelines.text.vocab import build_vocab, decode, encode

logger = logging.getLogger(__name__)

POEM_BREAK = "\n\n"


def poems_to_text(poems: list[list[str]]) -> str:
    return POEM_BREAK.join("\n".join(poem) for poem in poems) + "\n"


def text_to_poems(text: str) -> list[list[str]]:
    blocks = text.replace("\r\n", "\n").split(POEM_BREAK)
    poems = [[line for line in block.split("\n") if line.strip()] for block in blocks]
    return [poem for poem in poems if poem]


def load_corpus(corpus_path: str | None) -> str:
    """The corpus as text: the Divan packaged in ``hafez`` by default, else a UTF-8 file."""
    if corpus_path is None:
        source = importlib.resources.files("hafez") / "data" / "hafez.json"
        poems = [entry["poem"] for entry in json.loads(source.read_text(encoding="utf-8"))]
    else:
        path = Path(corpus_path)
        if not path.is_file():
            raise InputDataError(f"corpus file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InputDataError(
                f"corpus file {path} is not UTF-8 (byte {error.start}: {error.reason}); "
                "convert it first, e.g. iconv -f WINDOWS-1256 -t UTF-8"
            ) from None
        poems = text_to_poems(text.lstrip("\ufeff"))
    if not poems:
        raise InputDataError(f"the corpus {corpus_path or 'hafez.json'} has no verse in it")
    return poems_to_text(poems)


def clean_corpus(raw_text: str) -> tuple[str, dict]:
    """Normalise every hemistich (see ``text.normalize``) and report what changed."""
    poems, report = normalize_poems(text_to_poems(raw_text))
    if not poems:
        raise InputDataError("nothing is left of the corpus after cleaning: it holds no letters")
    logger.info("Cleaned %d poems, %d hemistichs: %s", report["poems"], report["hemistichs"], report["changes"])
    return poems_to_text(poems), report


def tokenize(clean_text: str, split: dict) -> tuple[dict, dict, dict]:
    """Character vocabulary, a seeded split by whole ghazals, and the id streams.

    Each part is its poems joined in corpus order, each poem followed by a blank line,
    so the model learns where a ghazal ends. No poem is in both parts.
    """
    poems = text_to_poems(clean_text)
    n_val = max(1, round(len(poems) * split["val_fraction"]))
    if n_val >= len(poems):
        raise InputDataError(f"the corpus has {len(poems)} poems: too few to hold out {n_val} for validation")
    order = np.random.default_rng(split["seed"]).permutation(len(poems))
    val_poems = sorted(int(i) for i in order[:n_val])
    train_poems = sorted(int(i) for i in order[n_val:])
    vocab = build_vocab(clean_text)
    streams = {
        "train": encode(poems_to_text([poems[i] for i in train_poems]) + "\n", vocab),
        "val": encode(poems_to_text([poems[i] for i in val_poems]) + "\n", vocab),
    }
    return vocab, {"train_poems": train_poems, "val_poems": val_poems}, streams


def _stream_loss(model: CharLM, ids: torch.Tensor, chunk: int = 2048) -> float:
    """Mean cross-entropy (nats/char) over one long stream, state carried across chunks."""
    total, state = 0.0, None
    for start in range(0, len(ids) - 1, chunk):
        x = ids[start : start + chunk][None]
        y = ids[start + 1 : start + chunk + 1][None]
        x = x[:, : y.shape[1]]
        logits, state = model(x, state)
        total += F.cross_entropy(logits[0], y[0], reduction="sum").item()
    return total / (len(ids) - 1)


def train_char_lm(streams: dict, vocab: dict, params: dict):
    """Train the character model with truncated backpropagation through time (TBPTT).

    Each epoch cuts the training stream, from a fresh random offset, into
    ``batch_size`` contiguous lanes and walks them ``bptt`` characters at a time. The
    RNN state is carried from one chunk to the next (detached, so gradients flow back
    at most ``bptt`` steps), so the model learns to use context from earlier couplets:
    a ghazal repeats its refrain (radif) and rhyme at the end of every couplet. The
    best epoch by validation loss is kept.
    """
    training = params["training"]
    make_reproducible(training["seed"], training.get("num_threads"))
    device = resolve_device(training.get("device", "auto"))
    model = CharLM(CharLMConfig(vocab_size=len(vocab), **params["model"])).to(device)
    train_ids = torch.from_numpy(streams["train"]).to(device)
    val_ids = torch.from_numpy(streams["val"]).to(device)
    bptt, lanes = training["bptt"], training["batch_size"]
    if len(train_ids) <= 2 * bptt * lanes:
        raise ParameterError(
            f"hafez.training.bptt={bptt} x batch_size={lanes} is too long for a training text "
            f"of {len(train_ids)} characters"
        )
    carried = {"state": None}

    def batches(generator: torch.Generator):
        offset = int(torch.randint(bptt, (1,), generator=generator))
        steps = (len(train_ids) - offset - 1) // (lanes * bptt)
        span = steps * bptt
        x = train_ids[offset : offset + lanes * span].view(lanes, span)
        y = train_ids[offset + 1 : offset + 1 + lanes * span].view(lanes, span)
        carried["state"] = None
        return [(x[:, k : k + bptt], y[:, k : k + bptt]) for k in range(0, span, bptt)]

    def loss_fn(m: CharLM, batch):
        logits, state = m(batch[0], carried["state"])
        carried["state"] = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[1].reshape(-1))

    result = train(
        model,
        batches,
        loss_fn,
        config=TrainConfig(
            epochs=training["epochs"],
            learning_rate=training["learning_rate"],
            weight_decay=training["weight_decay"],
            grad_clip_norm=training["grad_clip_norm"],
            seed=training["seed"],
            lr_schedule=training.get("lr_schedule", "constant"),
            bf16_autocast=training.get("bf16_autocast", False),
        ),
        val_loss_fn=lambda m: _stream_loss(m, val_ids),
        desc="hafez",
    )
    history = pd.DataFrame(result.history)
    history["best"] = history["epoch"] == result.best_epoch
    logger.info("Trained %d parameters; best epoch %d.", count_parameters(model), result.best_epoch)
    return result.model.cpu(), history, loss_curves(history, "Character model loss", "nats / character")


def evaluate_char_lm(model: CharLM, streams: dict, vocab: dict, ngram_orders: list[int]) -> dict:
    """Validation loss of the model and of Kneser-Ney n-grams fitted on the same training text."""
    with torch.no_grad():
        nats = _stream_loss(model.eval(), torch.from_numpy(streams["val"]))
    train_text, val_text = decode(streams["train"], vocab), decode(streams["val"], vocab)
    ngram = {
        str(order): KneserNey(order, vocab_size=len(vocab)).fit(train_text).nats_per_char(val_text, start=1)
        for order in ngram_orders
    }
    best_order = min(ngram, key=ngram.get)
    return {
        "val_nats_per_char": nats,
        "val_bits_per_char": nats / math.log(2),
        "val_characters": len(val_text) - 1,
        "ngram": ngram,
        "best_ngram_order": int(best_order),
        "beats_best_ngram": nats < ngram[best_order],
        "parameters": count_parameters(model),
    }


def sample_verse(model: CharLM, vocab: dict, clean_text: str, sample: dict) -> tuple[str, dict]:
    """Continue the seed text with temperature and top-k sampling, seeded, and report on it."""
    seed_text = normalize_line(sample["seed_text"])
    unknown = sorted(set(seed_text) - vocab.keys())
    if unknown:
        raise InputDataError(
            f"hafez.sample.seed_text has characters outside the model's vocabulary: {unknown}"
        )
    if not seed_text:
        raise ParameterError("hafez.sample.seed_text is empty after normalisation")
    if sample["temperature"] <= 0:
        raise ParameterError(f"hafez.sample.temperature must be > 0, got {sample['temperature']}")
    torch.manual_seed(sample["seed"])
    ids = generate(
        model, encode(seed_text + "\n", vocab), vocab, sample["ghazals"], sample["max_chars"],
        sample["temperature"], sample.get("top_k"),
    )
    generated = decode(ids, vocab)
    poems = text_to_poems(seed_text + "\n" + generated)
    text = poems_to_text(poems)
    return text, sample_report(poems, seed_text, clean_text, sample)


def generate(model, prompt, vocab, ghazals, max_chars, temperature, top_k) -> list[int]:
    """Sample characters until ``ghazals`` poem breaks or ``max_chars`` characters."""
    newline = vocab["\n"]
    model = model.eval()
    out: list[int] = []
    with torch.no_grad():
        logits, state = model(torch.as_tensor(prompt)[None])
        logits = logits[0, -1]
        breaks, previous = 0, int(prompt[-1])
        while len(out) < max_chars:
            logits = logits / temperature
            if top_k:
                kth = torch.topk(logits, min(top_k, logits.numel())).values[-1]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            token = int(torch.multinomial(F.softmax(logits, dim=-1), 1))
            out.append(token)
            if token == newline and previous == newline:
                breaks += 1
                if breaks == ghazals:
                    break
            previous = token
            logits, state = model(torch.tensor([[token]]), state)
            logits = logits[0, -1]
    return out


def sample_report(poems: list[list[str]], seed_text: str, clean_text: str, sample: dict) -> dict:
    """How much of the sample is real Persian from the corpus, and how much is copied."""
    corpus_lines = [line for poem in text_to_poems(clean_text) for line in poem]
    corpus_words = {word for line in corpus_lines for word in line.split()}
    corpus_line_set = set(corpus_lines)
    lines = [line for poem in poems for line in poem][1:]  # the seed is not the model's work
    words = [word for line in lines for word in line.split()]
    return {
        "settings": {k: sample[k] for k in ("temperature", "top_k", "seed", "ghazals")},
        "seed_text": seed_text,
        "ghazals": len(poems),
        "hemistichs": len(lines),
        "words": len(words),
        "known_word_share": sum(word in corpus_words for word in words) / max(len(words), 1),
        "copied_hemistich_share": sum(line in corpus_line_set for line in lines) / max(len(lines), 1),
        "mean_hemistich_chars": float(np.mean([len(line) for line in lines])) if lines else 0.0,
        "corpus_mean_hemistich_chars": float(np.mean([len(line) for line in corpus_lines])),
    }
