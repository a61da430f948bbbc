"""Dynamic evaluation (Krause et al. 2018): a language model that keeps learning as it reads.

The stream is read in segments. Each segment is scored first, with the weights as they
are, and only then does a copy of the model take a few SGD steps on it, so no character
is ever seen before it is scored. The score is a second, clearly named evaluation: the
static score of the saved weights stays the headline.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn import functional as F

from hw3_pipelines.modeling.char_lm import detach_state, next_char_segments, target_mask
from hw3_pipelines.progress import track


def dynamic_nats(
    model: nn.Module, ids: torch.Tensor, segment: int, learning_rate: float, steps: int = 1, cache=None,
    scored: torch.Tensor | None = None,
) -> float:
    """Mean cross-entropy (nats/char) of ``ids``'s scored targets under score-then-adapt;
    ``model`` is untouched.

    The recurrent state is carried from one segment's scoring pass to the next, as in
    ``stream_nats``; dropout stays off (eval mode) while adapting. With ``cache`` (a
    ``modeling.neural_cache.NeuralCache``) each segment is scored by the adapted model
    mixed with the cache; the adaptation itself learns from the model's own loss.
    """
    adapted = copy.deepcopy(model).eval()
    optimizer = torch.optim.SGD(adapted.parameters(), lr=learning_rate)
    if cache is not None:
        cache.reset()
    total, state = 0.0, None
    segments = next_char_segments(ids, segment)
    mask = target_mask(ids, scored)
    for (x, y), counted in track(zip(segments, mask.split(segment)), len(segments), "dynamic evaluation", unit="segment"):
        for step in range(steps):
            hidden, next_state = adapted.features(x, state)
            logits = adapted.logits(hidden)
            losses = F.cross_entropy(logits[0], y[0], reduction="none")[counted]
            if step == 0:
                total += _scored(losses, counted, hidden, logits, x, y, cache)
                scored_state = detach_state(next_state)
            if len(losses):
                optimizer.zero_grad(set_to_none=True)
                losses.mean().backward()
                optimizer.step()
        state = scored_state
    return total / int(mask.sum())


def _scored(losses, counted, hidden, logits, x, y, cache) -> float:
    """The segment's summed loss over its scored targets: the model's, or the model's mixed
    with the cache."""
    if cache is None:
        return losses.sum().item()
    with torch.no_grad():
        probs = torch.softmax(logits[0].float(), dim=-1)
        mixed = cache.mix(hidden[0], probs, x[0].tolist(), y[0].tolist())
        return float(-torch.log(mixed[torch.arange(y.shape[1]), y[0]])[counted].sum())
