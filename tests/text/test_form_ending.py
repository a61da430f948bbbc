"""What a couplet must end in, and which words can give it that ending."""

from hw3_pipelines.text.ghazal import keeps_form, required_ending, rhyme_words

MATLA = ["صبا به لطف بگو آن غزال رعنا را", "که سر به کوه و بیابان تو داده ای ما را"]


def test_second_hemistichs_have_a_required_ending():
    assert required_ending(MATLA[:1]) is None  # a first hemistich ends freely
    assert required_ending(["گل ما را", "دل ما"]) == ("را", ())  # the matla rhymes on its first hemistich's last letters
    assert required_ending([*MATLA, "شکرفروش که عمرش دراز باد چرا"]) is None
    assert required_ending([*MATLA, "شکرفروش که عمرش دراز باد چرا", "تفقدی نکند"]) == ("ا", ("را",))
    assert required_ending(["یک دو", "سه چهار", "پنج", "شش"]) is None  # a matla with no rhyme


def test_a_line_keeps_the_form_with_both_radif_and_qafiya():
    assert keeps_form("تفقدی نکند طوطی شکرخا را", "ا", ("را",))
    assert not keeps_form("تفقدی نکند طوطی شکرخا", "ا", ("را",))  # no radif
    assert not keeps_form("تفقدی نکند طوطی شکر را", "ا", ("را",))  # no qafiya before it
    assert keeps_form("که عشق آسان نمود اول ولی افتاد مشکل ها", "لها", ())


def test_rhyme_words_are_the_most_frequent_with_the_ending():
    counts = {"دانا": 3, "توانا": 5, "دل": 9, "شیدا": 1, "دنیا": 5}
    assert rhyme_words(counts, "ا", 3) == ["توانا", "دنیا", "دانا"]
    assert rhyme_words(counts, "انا", 10) == ["توانا", "دانا"]


def test_a_line_that_keeps_the_radif_but_no_corpus_word_has_the_qafiya_is_left_as_it_is():
    from collections import Counter

    from hw3_pipelines.modeling.form_aware import FormAwareLineEnd

    lines = ["گل ما را", "دل ما را", "سر و پا", "جان ما را"]  # radif "ما را" kept, qafiya "ل" not
    vocab = {c: i for i, c in enumerate(sorted(set("\n".join(lines))))}
    line_end = FormAwareLineEnd(vocab, Counter({"جان": 1}), temperature=1.0)  # no word ends in "ل"
    poem = [vocab[c] for c in "\n".join(lines)]
    assert line_end(poem, score=lambda back, candidates: [0.0] * len(candidates)) == (0, [])
    assert line_end.without_candidates == 1


def test_the_ending_takes_the_place_of_as_many_words_as_it_writes():
    """A line without the radif loses its last three words (the rhyme word's and the radif's
    places), not one: it keeps about the length, and so the metre, it had."""
    from collections import Counter

    from hw3_pipelines.modeling.form_aware import FormAwareLineEnd

    lines = ["گل ما را", "دل ما را", "سر و پا", "جان و تن و سر"]
    vocab = {c: i for i, c in enumerate(sorted(set("\n".join(lines))))}
    line_end = FormAwareLineEnd(vocab, Counter({"دل": 1}), temperature=1.0)
    poem = [vocab[c] for c in "\n".join(lines)]
    back, ending = line_end(poem, score=lambda back, candidates: [0.0] * len(candidates))
    assert back == len("تن و سر") and "".join({i: c for c, i in vocab.items()}[i] for i in ending) == "دل ما را"
