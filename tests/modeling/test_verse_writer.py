"""Writing a poem: where it may end, how a line's end is rewritten, drafts judged."""

import numpy as np
import pytest
import torch

from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.modeling.verse_writer import (
    FreeLine,
    MetreAwareLine,
    Reader,
    write_poem,
)

NEWLINE = 4


def model() -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab_size=5, embedding_dim=4, hidden_size=6, num_layers=2, dropout=0.0)).eval()


def lines_of(ids: list[int]) -> list[list[int]]:
    text = " ".join(map(str, ids))
    return [list(map(int, line.split())) for line in text.split(str(NEWLINE)) if line.strip()]


def test_the_ending_takes_back_and_rewrites_each_line_s_end():
    seen = []

    def ending(poem, score):
        seen.append(list(poem))
        line = poem[len(poem) - poem[::-1].index(NEWLINE):] if NEWLINE in poem else poem
        back = min(2, len(line))
        assert score(back, [[2, 3], [3]])[0] < 0  # log-probabilities
        return back, [2, 3]

    torch.manual_seed(0)
    out = write_poem(model(), [1, NEWLINE], NEWLINE, FreeLine(1.0, ending=ending), min_lines=6, max_lines=6)
    written = lines_of(out)
    assert len(written) == len(seen) == 6 and all(line[-2:] == [2, 3] for line in written)
    assert NEWLINE not in seen[0]  # the ending sees the poem, not the context before it
    torch.manual_seed(0)
    assert write_poem(model(), [1, NEWLINE], NEWLINE, FreeLine(1.0), min_lines=6, max_lines=6) != out


def test_candidate_scores_are_the_model_log_probabilities_after_taking_back():
    lm = model()
    torch.manual_seed(0)
    reader = Reader(lm, [1, NEWLINE], NEWLINE)
    for char in [2, 0, 3]:
        reader.read(char)
    batch = reader.score(1, [[2, 3, 1], [0]])
    context = [1, NEWLINE, 2, 0]  # one id taken back
    for candidate, batched in zip([[2, 3, 1], [0]], batch):
        with torch.no_grad():
            logits, _ = lm(torch.tensor([context + candidate]))
        log_probs = torch.log_softmax(logits[0], dim=-1)
        expected = sum(float(log_probs[len(context) - 1 + k, c]) for k, c in enumerate(candidate))
        assert batched == pytest.approx(expected, abs=1e-4)


def test_a_poem_ends_only_after_whole_couplets_within_its_bounds():
    lm = model()
    with torch.no_grad():  # a model that always wants to end the line and the poem
        lm.head.bias.fill_(-10.0)
        lm.head.bias[NEWLINE] = 10.0
    torch.manual_seed(0)
    assert len(lines_of(write_poem(lm, [1], NEWLINE, FreeLine(1.0), min_lines=0, max_lines=8))) == 2
    assert len(lines_of(write_poem(lm, [1], NEWLINE, FreeLine(1.0), min_lines=5, max_lines=8))) == 6
    with torch.no_grad():  # a model that ends a line or a poem about one time in four
        lm.head.bias[0] = 10.0
        lm.head.bias[NEWLINE] = 9.0
    torch.manual_seed(0)
    lengths = [len(lines_of(write_poem(lm, [1], NEWLINE, FreeLine(1.0), min_lines=0, max_lines=6))) for _ in range(30)]
    assert set(lengths) <= {2, 4, 6} and lengths.count(6) > 5


def test_banned_characters_are_never_written_and_given_lines_come_first():
    torch.manual_seed(0)
    out = write_poem(model(), [1], NEWLINE, FreeLine(2.0, banned=(0, 3)), min_lines=4, max_lines=4, given=[2, 2, NEWLINE])
    assert out[:3] == [2, 2, NEWLINE] and not {0, 3} & set(out[3:]) and len(lines_of(out)) == 4


def test_metre_aware_lines_keep_the_draft_the_judge_prefers():
    """A 'judge' that prefers lines with many 2s: the kept line has at least as many 2s as
    any single draft written from the same state would, and the reader read exactly it."""
    drafted = []

    def judge(lines):
        drafted.append(lines)
        return np.array([line.count("2") for line in lines], dtype=float)

    writer = MetreAwareLine(FreeLine(1.5), judge, lambda ids: "".join(map(str, ids)), drafts=5)
    torch.manual_seed(0)
    out = write_poem(model(), [1], NEWLINE, writer, min_lines=2, max_lines=2)
    kept = ["".join(map(str, line)) for line in lines_of(out)]
    assert len(drafted) == 2 and all(len(lines) == 5 for lines in drafted)
    for line, drafts in zip(kept, drafted):
        assert line in drafts and line.count("2") == max(d.count("2") for d in drafts)


def test_a_fork_reads_on_its_own():
    reader = Reader(model(), [1, NEWLINE], NEWLINE)
    twin = reader.fork()
    twin.read(2)
    assert reader.poem == [] and twin.poem == [2]
    twin.read(NEWLINE)
    assert twin.last_line() == [2]


def test_a_line_neither_starts_nor_ends_with_a_space():
    lm = model()
    with torch.no_grad():  # a model that wants a space, then a line break, above all
        lm.head.bias.fill_(-10.0)
        lm.head.bias[0], lm.head.bias[NEWLINE], lm.head.bias[2] = 10.0, 9.0, 5.0
    torch.manual_seed(0)
    lines = lines_of(write_poem(lm, [1], NEWLINE, FreeLine(1.0, space=0, max_chars=6), min_lines=4, max_lines=4))
    assert len(lines) == 4 and all(line[0] != 0 and line[-1] != 0 for line in lines)


def test_a_prefix_is_read_where_the_layout_puts_one_and_before_the_poem_may_end():
    lm = model()
    with torch.no_grad():  # a model that writes one character per line and would end every poem
        lm.head.bias.fill_(-10.0)
        lm.head.bias[2], lm.head.bias[NEWLINE] = 8.0, 9.0
    read = []

    def prefix(line):
        read.append(line)
        return [3, 3 - line // 2, NEWLINE] if line % 2 == 0 else []  # as text.layout's [k|...] line before a couplet

    torch.manual_seed(0)
    out = write_poem(lm, [1], NEWLINE, FreeLine(1.0, banned=(3,)), min_lines=4, max_lines=4, given=[2, NEWLINE], prefix=prefix)
    assert read == [0, 1, 2, 3, 4]  # asked before every line, and where the poem ends
    lines = lines_of(out)
    assert [lines[k] for k in (0, 3, 6)] == [[3, 3], [3, 2], [3, 1]] and len(lines) == 7
    assert lines[1] == [2] and all(set(lines[k]) == {2} for k in (2, 4, 5))  # the given line comes after the first prefix
