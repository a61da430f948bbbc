"""Training a character model on one long stream with truncated backpropagation through time.

Both hafez pipelines train this way: the Divan (``hafez``) and the other poets' ghazals
(``hafez_pretrain``) are each one stream of characters, ghazals separated by a blank line.
"""

from __future__ import annotations

import logging
from typing import Annotated

import pandas as pd
import torch
from pydantic import Field
from torch.nn import functional as F

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.modeling.char_lm import IGNORED, CharLM, detach_state, stream_nats
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.training import TrainConfig, TrainResult, train

logger = logging.getLogger(__name__)


class StreamTrainConfig(TrainConfig):
    bptt: Annotated[int, Field(ge=2)]  # characters per truncated-BPTT chunk
    rhyme_weight: Annotated[float, Field(ge=1)] = 1.0  # loss weight of the rhyme letters (``<part>_rhyme``); 1: all alike


def stream(streams: dict, part: str, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor | None]:
    """One part of an encoded corpus (``streams[part]``, ids) and, when the corpus has form
    headers, which of its characters are scored (``streams[part + "_scored"]``)."""
    ids = torch.from_numpy(streams[part]).to(device)
    scored = streams.get(f"{part}_scored")
    return ids, None if scored is None else torch.from_numpy(scored).to(device)


def train_on_streams(
    model: CharLM, streams: dict, config: StreamTrainConfig, desc: str, select_on: str = "val"
) -> tuple[CharLM, pd.DataFrame]:
    """Train ``model`` (already on its device) on ``streams["train"]``, keep the epoch with the
    lowest loss on ``streams[select_on]``, and return it on the CPU with its history, one
    row per epoch, the kept one marked ``best``."""
    device = next(model.parameters()).device
    weights = _rhyme_weights(streams, config.rhyme_weight, desc, device)
    result = train_on_stream(model, stream(streams, "train", device), stream(streams, select_on, device), config, desc, weights)
    history = result.history_frame()
    logger.info("%s: trained %d parameters; best epoch %d (chosen on %s).", desc, parameter_count(model), result.best_epoch, select_on)
    return result.model.cpu(), history


def _rhyme_weights(streams: dict, weight: float, desc: str, device: torch.device) -> torch.Tensor | None:
    """Each training character's loss weight: ``weight`` on the rhyme letters, 1 elsewhere;
    ``None`` when all weigh alike."""
    if weight == 1:
        return None
    if "train_rhyme" not in streams:
        raise ParameterError(f"{desc}.training.rhyme_weight={weight} needs a text with form headers, whose rhyme letters it weighs")
    rhyme = torch.from_numpy(streams["train_rhyme"]).to(device)
    return torch.where(rhyme, weight, 1.0)


def train_on_stream(
    model: CharLM, train_stream: tuple, select_stream: tuple, config: StreamTrainConfig, desc: str,
    weights: torch.Tensor | None = None,
) -> TrainResult:
    """Train ``model`` on ``train_stream`` and keep the epoch with the lowest loss on
    ``select_stream``, each ``(ids, scored or None)``; targets that are not scored (form
    headers) teach nothing. ``weights``, one per training character, make the loss their
    weighted mean (the rhyme letters weighed more); validation stays the plain mean.

    Each epoch cuts the training stream, from a fresh random offset, into
    ``config.batch_size`` contiguous lanes and walks them ``config.bptt`` characters at a
    time. The RNN state is carried from one chunk to the next (detached, so gradients flow
    back at most ``bptt`` steps), so the model learns to use context from earlier
    couplets: a ghazal repeats its refrain (radif) and rhyme at the end of every couplet.
    ``desc`` names the run in progress lines and errors (``hafez``, ``hafez_pretrain``).
    """
    train_ids, train_scored = train_stream
    targets = train_ids if train_scored is None else train_ids.masked_fill(~train_scored, IGNORED)
    bptt, lanes = config.bptt, config.batch_size
    if len(train_ids) <= 2 * bptt * lanes:
        raise ParameterError(
            f"{desc}.training.bptt={bptt} x batch_size={lanes} is too long for a training text "
            f"of {len(train_ids)} characters"
        )
    carried = {"state": None}

    def batches(generator: torch.Generator):
        offset = int(torch.randint(bptt, (1,), generator=generator))
        span = (len(train_ids) - offset - 1) // (lanes * bptt) * bptt
        def in_lanes(values: torch.Tensor, start: int) -> torch.Tensor:
            return values[start : start + lanes * span].view(lanes, span)

        columns = [in_lanes(train_ids, offset), in_lanes(targets, offset + 1)]
        if weights is not None:
            columns.append(in_lanes(weights, offset + 1))
        carried["state"] = None
        return [tuple(column[:, k : k + bptt] for column in columns) for k in range(0, span, bptt)]

    def loss_fn(m: CharLM, batch):
        logits, state = m(batch[0], carried["state"])
        carried["state"] = detach_state(state)
        return _char_loss(logits.reshape(-1, logits.shape[-1]), *(t.reshape(-1) for t in batch[1:]))

    select_ids, select_scored = select_stream
    return train(
        model, batches, loss_fn, config=config, desc=desc,
        val_loss_fn=lambda m: stream_nats(m, select_ids, scored=select_scored),
    )


def _char_loss(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean cross-entropy over the scored targets, weighted by ``weights`` where given."""
    if weights is None:
        return F.cross_entropy(logits, targets, ignore_index=IGNORED)
    losses = F.cross_entropy(logits, targets, ignore_index=IGNORED, reduction="none")
    return (losses * weights).sum() / weights[targets != IGNORED].sum()
