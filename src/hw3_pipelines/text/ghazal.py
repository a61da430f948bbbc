"""The form of a ghazal: its radif (refrain) and qafiya (rhyme), found and checked.

A ghazal is a run of couplets (two hemistichs each). Its first couplet, the matla, sets the
form: both of its hemistichs end in the same words, the radif (possibly none), and just
before them in the same letters, the qafiya. Every later couplet repeats both at the end
of its second hemistich. Here:

- the radif is the longest run of whole words that ends both hemistichs of the matla;
- the qafiya is the longest run of letters that ends both matla hemistichs once the radif
  is taken off, spaces ignored (the text writes the plural "ها" as a separate word, so
  "مشکل ها" rhymes with "ناولها" on "لها");
- a couplet keeps the radif if its second hemistich ends in those words, and the qafiya if,
  with the radif taken off, it ends in those letters.
Letters are compared after folding the variants Ganjoor's rhyme finder treats as one
(Arabic and Persian yeh and kaf, alef with madda or hamza, teh marbuta).
"""

from __future__ import annotations

import statistics

LETTER_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "آ": "ا", "أ": "ا", "إ": "ا", "ؤ": "و", "ة": "ه"})


def fold(text: str) -> str:
    return text.translate(LETTER_VARIANTS)


def radif(first: str, second: str) -> tuple[str, ...]:
    """The longest run of whole words ending both hemistichs (empty when they share none)."""
    a, b = fold(first).split(), fold(second).split()
    k = 0
    while k < min(len(a), len(b)) - 1 and a[-1 - k] == b[-1 - k]:
        k += 1
    return tuple(a[len(a) - k :]) if k else ()


def _rhyme_part(hemistich: str, refrain: tuple[str, ...]) -> str:
    words = fold(hemistich).split()
    return "".join(words[: len(words) - len(refrain)])


def qafiya(first: str, second: str, refrain: tuple[str, ...]) -> str:
    """The longest run of letters ending both hemistichs before the radif."""
    a, b = _rhyme_part(first, refrain), _rhyme_part(second, refrain)
    k = 0
    while k < min(len(a), len(b)) - 1 and a[-1 - k] == b[-1 - k]:
        k += 1
    return a[len(a) - k :]


def ghazal_form(hemistichs: list[str]) -> dict | None:
    """The matla's radif and qafiya and, for each later couplet, whether it keeps them.
    ``None`` for a poem of fewer than two couplets."""
    couplets = [hemistichs[i : i + 2] for i in range(0, len(hemistichs) - 1, 2)]
    if len(couplets) < 2:
        return None
    refrain = radif(*couplets[0])
    rhyme = qafiya(*couplets[0], refrain)
    later = [second for _, second in couplets[1:]]
    return {
        "couplets": len(couplets),
        "radif": " ".join(refrain),
        "qafiya": rhyme,
        "keeps_radif": [bool(refrain) and tuple(fold(line).split()[-len(refrain):]) == refrain for line in later],
        "keeps_qafiya": [bool(rhyme) and _rhyme_part(line, refrain).endswith(rhyme) for line in later],
    }


def form_report(poems: list[list[str]]) -> dict:
    """Shares over a set of poems: ghazals with a radif, later couplets that keep their
    ghazal's radif (among ghazals with one) and qafiya, couplets per ghazal. A share with
    nothing to count (no ghazal sets a radif) is ``None``, not 0."""
    forms = [form for form in map(ghazal_form, poems) if form is not None]
    with_radif = [form for form in forms if form["radif"]]
    radif_kept = [kept for form in with_radif for kept in form["keeps_radif"]]
    qafiya_kept = [kept for form in forms if form["qafiya"] for kept in form["keeps_qafiya"]]
    couplets = [form["couplets"] for form in forms]
    return {
        "ghazals": len(forms),
        "share_with_radif": len(with_radif) / len(forms) if forms else None,
        "radif_kept_share": sum(radif_kept) / len(radif_kept) if radif_kept else None,
        "qafiya_kept_share": sum(qafiya_kept) / len(qafiya_kept) if qafiya_kept else None,
        "couplets_per_ghazal_mean": statistics.fmean(couplets) if couplets else None,
        "couplets_per_ghazal_median": statistics.median(couplets) if couplets else None,
    }


MATLA_RHYME_LETTERS = 2


def required_ending(lines: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """What the last of ``lines``, about to end, must end in: ``(qafiya, radif words as the
    matla writes them)``. For the matla's second hemistich, the last letters of the first
    hemistich's last word (``MATLA_RHYME_LETTERS``): a rhyme, which becomes a radif when the
    same word is chosen. For the second hemistich of a later couplet, the matla's qafiya and
    radif. ``None`` for a first hemistich, and for a ghazal whose matla has neither."""
    if len(lines) == 2:
        words = fold(lines[0]).split()
        return (words[-1][-MATLA_RHYME_LETTERS:], ()) if words else None
    if len(lines) < 4 or len(lines) % 2:
        return None
    refrain = radif(lines[0], lines[1])
    rhyme = qafiya(lines[0], lines[1], refrain)
    if not (refrain or rhyme):
        return None
    return rhyme, tuple(lines[1].split()[len(lines[1].split()) - len(refrain) :]) if refrain else ()


def keeps_form(line: str, rhyme: str, refrain: tuple[str, ...]) -> bool:
    """Whether ``line`` ends in the radif and, before it, in the qafiya's letters."""
    words = fold(line).split()
    folded = tuple(fold(word) for word in refrain)
    if refrain and tuple(words[len(words) - len(folded) :]) != folded:
        return False
    return _rhyme_part(line, folded).endswith(rhyme)


def rhyme_words(word_counts: dict[str, int], rhyme: str, limit: int) -> list[str]:
    """The ``limit`` most frequent words that end in the qafiya's letters."""
    fitting = [word for word in word_counts if fold(word).endswith(rhyme)]
    return sorted(fitting, key=lambda word: (-word_counts[word], word))[:limit]


def rhyme_agreement(poems: list[tuple[list[str], str, str]]) -> dict:
    """How the form finder's rhyme compares with another's, poem by poem.

    ``poems`` holds ``(hemistichs, rhyme_letters, group)``: the other finder's rhyme letters
    (Ganjoor's ``RhymeLetters``: qafiya then radif, no spaces) and a group name (the poet).
    Ours, written the same way, is the qafiya followed by the radif's letters. The finder
    takes the longest common ending of the matla's hemistichs, which may run past the
    rhyme letters prosody counts (دانا / توانا: ours "انا", Ganjoor's "ا"); so besides
    exact agreement the report counts the poems where ours ends in theirs (the same rhyme,
    read longer) and where theirs ends in ours (ours read shorter).
    """
    rows = []
    for hemistichs, letters, group in poems:
        form = ghazal_form(hemistichs)
        theirs = fold(letters).replace(" ", "")
        if form is None or not theirs:
            continue
        ours = form["qafiya"] + form["radif"].replace(" ", "")
        rows.append({"group": group, "ours": ours, "theirs": theirs})

    def shares(selected: list[dict]) -> dict:
        n = len(selected)
        return {
            "poems": n,
            "exact": sum(r["ours"] == r["theirs"] for r in selected) / n if n else None,
            "ours_ends_in_theirs": sum(r["ours"].endswith(r["theirs"]) for r in selected) / n if n else None,
            "theirs_ends_in_ours": sum(r["theirs"].endswith(r["ours"]) for r in selected) / n if n else None,
        }

    groups = sorted({r["group"] for r in rows})
    disagreements = [r for r in rows if not (r["ours"].endswith(r["theirs"]) or r["theirs"].endswith(r["ours"]))]
    return {
        **shares(rows),
        "by_group": {group: shares([r for r in rows if r["group"] == group]) for group in groups},
        "disagreement_examples": disagreements[:20],
    }
