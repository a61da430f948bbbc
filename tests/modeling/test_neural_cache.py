"""The neural cache: a memory of the current poem only, that helps where a poem repeats itself."""

import pytest
import torch

from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig, stream_nats
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.neural_cache import (
    CacheSettings,
    NeuralCache,
    cache_nats,
    hidden_states,
    tune_cache,
)

NEWLINE = 0


def test_with_identical_states_the_cache_predicts_the_poems_next_characters_so_far():
    cache = NeuralCache(CacheSettings(weight=1.0 - 1e-9, sharpness=1.0), vocab_size=4, newline=NEWLINE)
    hidden = torch.ones(4, 2)
    uniform = torch.full((4, 4), 0.25)
    mixed = cache.mix(hidden, uniform, inputs=[1, 2, 1, 3], next_chars=[2, 1, 3, 2])
    assert torch.allclose(mixed[0], uniform[0])  # nothing remembered yet: the model alone
    assert torch.allclose(mixed[1], torch.tensor([0.0, 0.0, 1.0, 0.0]), atol=1e-6)
    assert torch.allclose(mixed[3], torch.tensor([0.0, 1 / 3, 1 / 3, 1 / 3]), atol=1e-6)


def test_the_memory_starts_empty_after_a_blank_line():
    cache = NeuralCache(CacheSettings(weight=0.5, sharpness=1.0), vocab_size=4, newline=NEWLINE)
    uniform = torch.full((5, 4), 0.25)
    mixed = cache.mix(torch.ones(5, 2), uniform, inputs=[1, NEWLINE, NEWLINE, 2, 3], next_chars=[NEWLINE, NEWLINE, 2, 3, 1])
    assert not torch.allclose(mixed[1], uniform[1]) and not torch.allclose(mixed[3], uniform[3])
    assert torch.allclose(mixed[2], uniform[2])  # the first position of the new poem
    assert cache.values == [2, 3, 1]  # the earlier poem is forgotten
    # a blank line split across two calls is a boundary too
    cache = NeuralCache(CacheSettings(weight=0.5, sharpness=1.0), vocab_size=4, newline=NEWLINE)
    cache.mix(torch.ones(2, 2), uniform[:2], inputs=[1, NEWLINE], next_chars=[NEWLINE, NEWLINE])
    cache.mix(torch.ones(1, 2), uniform[:1], inputs=[NEWLINE], next_chars=[2])
    assert cache.values == [2]


def tiny_model(vocab_size: int) -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab_size=vocab_size, embedding_dim=4, hidden_size=8, num_layers=1, dropout=0.0)).eval()


def poems_stream(seed: int) -> torch.Tensor:
    """Poems whose lines all end in the poem's own refrain of three random characters."""
    generator = torch.Generator().manual_seed(seed)
    ids = []
    for _ in range(6):
        refrain = torch.randint(1, 8, (3,), generator=generator).tolist()
        for _ in range(6):
            ids += torch.randint(1, 8, (4,), generator=generator).tolist() + refrain + [NEWLINE]
        ids.append(NEWLINE)
    return torch.tensor(ids)


def test_a_cache_of_zero_weight_scores_as_the_model_and_a_tuned_one_learns_the_refrains():
    model, ids = tiny_model(8), poems_stream(0)
    hidden, probs = hidden_states(model, ids)
    with torch.no_grad():
        static = stream_nats(model, ids)
    assert cache_nats(hidden, probs, ids, CacheSettings(1e-12, 1.0), NEWLINE) == pytest.approx(static, abs=1e-6)
    settings, report = tune_cache(model, poems_stream(1), NEWLINE, weights=[0.1, 0.3, 0.5], sharpness=[2.0, 8.0, 32.0])
    assert report["tune_nats_per_char"] == min(report["grid"].values()) == pytest.approx(
        cache_nats(*hidden_states(model, poems_stream(1)), poems_stream(1), settings, NEWLINE), abs=1e-5)
    assert cache_nats(hidden, probs, ids, settings, NEWLINE) < static - 0.05  # tuned on other poems, helps here


def test_dynamic_evaluation_with_the_cache_scores_the_mixture():
    model, ids = tiny_model(8), poems_stream(0)
    settings = CacheSettings(0.3, 2.0)
    plain = dynamic_nats(model, ids, segment=16, learning_rate=1e-12)
    cached = dynamic_nats(model, ids, segment=16, learning_rate=1e-12, cache=NeuralCache(settings, 8, NEWLINE))
    assert cached == pytest.approx(cache_nats(*hidden_states(model, ids), ids, settings, NEWLINE), abs=1e-4)
    assert cached != pytest.approx(plain, abs=1e-3)
