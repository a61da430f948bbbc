"""A neural cache (Grave, Joulin and Usunier 2017): the memory of the ghazal being written.

The cache keeps, for every character read so far in the current poem, the model's hidden
state there and the character that came next. Its prediction for the next character is
those characters weighted by how close their states are to the current one:

    p_cache(c) ∝ Σ_i [next_i = c] · exp(sharpness · h · h_i),
    p(c) = (1 − weight) · p_model(c) + weight · p_cache(c).

It needs no training: a radif is exactly such a repeat, since the end of every couplet
comes back to the state in which the matla ended. The memory starts empty at each poem
(after a blank line); a position with an empty memory keeps the model's prediction.
``weight`` and ``sharpness`` are chosen on held-out training ghazals (``tune``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from hw3_pipelines.modeling.char_lm import CharLM, next_char_segments, target_mask


@dataclass(frozen=True)
class CacheSettings:
    weight: float  # of the cache in the mixture, in [0, 1)
    sharpness: float  # θ: how strongly the closest past states dominate


class NeuralCache:
    """The memory of one stream of poems, read in order."""

    def __init__(self, settings: CacheSettings, vocab_size: int, newline: int) -> None:
        self.settings, self.vocab_size, self.newline = settings, vocab_size, newline
        self.reset()

    @classmethod
    def tuned(cls, settings: dict, vocab_size: int, newline: int) -> NeuralCache | None:
        """The cache with the settings ``hafez``'s tuning saved (``weight``, ``sharpness``);
        None when the cache is off (no settings)."""
        if not settings:
            return None
        return cls(CacheSettings(settings["weight"], settings["sharpness"]), vocab_size, newline)

    def reset(self) -> None:
        """Forget everything: a new poem starts."""
        self.keys: list[torch.Tensor] = []
        self.values: list[int] = []
        self._previous = None

    def remember(self, hidden: torch.Tensor, next_chars: list[int]) -> None:
        """Store ``hidden`` states ``(time, hidden)`` and the character after each."""
        self.keys.extend(hidden.detach().float().unbind(0))
        self.values.extend(int(c) for c in next_chars)

    def copy(self) -> NeuralCache:
        """An independent cache with the same memory (a draft's own)."""
        twin = NeuralCache(self.settings, self.vocab_size, self.newline)
        twin.keys, twin.values, twin._previous = list(self.keys), list(self.values), self._previous
        return twin

    def forget(self, count: int) -> None:
        """Take back the last ``count`` entries (a sampler took back what it wrote)."""
        if count:
            del self.keys[-count:], self.values[-count:]

    def mix(self, hidden: torch.Tensor, model_probs: torch.Tensor, inputs: list[int] | None = None,
            next_chars: list[int] | None = None) -> torch.Tensor:
        """The mixed next-character distributions ``(time, vocab)`` for hidden states
        ``(time, hidden)`` read in order.

        Without ``next_chars`` (sampling, one step) only the memory is used. With them
        (scoring a text) each position also sees the earlier positions of this call, and
        all of them are remembered afterwards; ``inputs``, the characters read at each
        position, tell where a poem ends, and the memory is emptied there.
        """
        if next_chars is None:
            return self._mix(hidden, model_probs, len(self.keys))
        mixed = []
        for start, end in self._poem_spans(inputs):
            before = len(self.keys)
            self.remember(hidden[start:end], next_chars[start:end])
            mixed.append(self._mix(hidden[start:end], model_probs[start:end], before))
        return torch.cat(mixed)

    def _poem_spans(self, inputs: list[int]):
        """Runs of positions within one poem; the memory is reset before each new poem."""
        start = 0
        for t, char in enumerate(inputs):
            if char == self.newline and self._previous == self.newline:
                if t > start:
                    yield start, t
                self.reset()
                start = t
            self._previous = char
        if start < len(inputs):
            yield start, len(inputs)

    def _mix(self, hidden: torch.Tensor, model_probs: torch.Tensor, memory_before: int) -> torch.Tensor:
        """Row t may use the first ``memory_before + t`` remembered entries."""
        usable = memory_before + torch.arange(len(hidden))
        if not self.keys or not bool((usable > 0).any()):
            return model_probs
        keys = torch.stack(self.keys)
        scores = self.settings.sharpness * hidden.float() @ keys.T
        scores = scores.masked_fill(torch.arange(len(keys))[None, :] >= usable[:, None], float("-inf"))
        active = usable > 0
        weights = torch.zeros_like(scores)
        weights[active] = torch.softmax(scores[active], dim=-1)
        values = F.one_hot(torch.tensor(self.values), self.vocab_size).to(weights.dtype)
        cache_probs = weights @ values
        weight = self.settings.weight * active.to(weights.dtype)[:, None]
        return (1 - weight) * model_probs + weight * cache_probs


@torch.no_grad()
def hidden_states(model: CharLM, ids: torch.Tensor, chunk: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """The last layer's output and the model's next-character distribution at every position
    of a stream but the last, the recurrent state carried across chunks as in ``stream_nats``."""
    model = model.eval()
    hiddens, probs, state = [], [], None
    for x, _ in next_char_segments(ids, chunk):
        hidden, state = model.features(x, state)
        hiddens.append(hidden[0])
        probs.append(torch.softmax(model.logits(hidden[0]).float(), dim=-1))
    return torch.cat(hiddens), torch.cat(probs)


def cache_nats(
    hidden: torch.Tensor, probs: torch.Tensor, ids: torch.Tensor, settings: CacheSettings, newline: int,
    scored: torch.Tensor | None = None,
) -> float:
    """Mean cross-entropy (nats/char) of a stream's scored targets under the model mixed with
    the cache, from ``hidden_states``'s output for the same stream."""
    cache = NeuralCache(settings, probs.shape[1], newline)
    inputs, targets = ids[:-1].tolist(), ids[1:].tolist()
    mixed = cache.mix(hidden, probs, inputs, targets)
    return float(-torch.log(mixed[torch.arange(len(targets)), ids[1:]])[target_mask(ids, scored).to(ids.device)].mean())


def tune_cache(
    model: CharLM, ids: torch.Tensor, newline: int, weights: list[float], sharpness: list[float],
    scored: torch.Tensor | None = None,
) -> tuple[CacheSettings, dict]:
    """The settings of the grid with the lowest loss on ``ids`` (held-out training ghazals),
    and every setting's loss, keyed ``"weight,sharpness"``."""
    hidden, probs = hidden_states(model, ids)
    losses = {
        (w, s): cache_nats(hidden, probs, ids, CacheSettings(w, s), newline, scored)
        for w, s in itertools.product(weights, sharpness)
    }
    best = min(losses, key=losses.get)
    without = float(-torch.log(probs[torch.arange(len(ids) - 1), ids[1:]])[target_mask(ids, scored).to(ids.device)].mean())
    grid = {f"{w},{s}": loss for (w, s), loss in losses.items()}
    return CacheSettings(*best), {"tune_nats_per_char_without_cache": without, "tune_nats_per_char": losses[best], "grid": grid}
