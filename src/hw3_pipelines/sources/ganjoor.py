"""Ghazals in Ganjoor's JSON layout: from the export's static files over HTTPS, a local
folder, or the snapshot bundled with the package.

Ganjoor's public export (GitHub ``ganjoor/ganjoor-data``) holds one JSON file per poem,
``poets/{poet}/{category}/{poem}.json``, with the hemistichs in ``Verses[].Text`` and their
``Position`` (``Right``: first hemistich of a couplet, ``Left``: second), the rhyme letters
(qafiya then radif, no spaces) in ``RhymeLetters`` and the metre in ``Metre.Rhythm``.

A poem travels here as a compact record of those fields (``url``, ``poet``, ``title``,
``rhyme_letters``, ``metre``, ``verses``, ``positions``), one JSON object per line. The
bundled snapshot, ``ganjoor-ghazals.jsonl.xz`` beside this module, is 11,852 ghazals of 13
poets at export commit ``GANJOOR_COMMIT`` (README: provenance, sha256). Files at a pinned
commit never change, so the snapshot is what a download of the same poems returns;
``read_https`` re-reads them (or another commit's) from the export itself.
"""

from __future__ import annotations

import importlib.resources
import json
import lzma
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.progress import track

GANJOOR_COMMIT = "f5fdf5152fce7efaf287b2115195efe0a9505b14"
GANJOOR_BASE_URL = f"https://cdn.jsdelivr.net/gh/ganjoor/ganjoor-data@{GANJOOR_COMMIT}"
BUNDLED_GHAZALS = "ganjoor-ghazals.jsonl.xz"
BUNDLED_POETS = (
    "saadi", "khajoo", "salman", "kamal", "eraghi", "helali", "seyf",
    "obeyd", "attar", "sanaee", "jami", "khosro", "moulavi",
)


def compact_poem(data: dict) -> dict:
    """A poem file of the export as this module's record; a clear error when it is not one."""
    try:
        url = data["FullUrl"]
        verses = sorted(data["Verses"], key=lambda verse: verse["VOrder"])
        metre = data.get("Metre") or {}
        return {
            "url": url,
            "poet": url.strip("/").split("/")[0],
            "title": data.get("Title", ""),
            "rhyme_letters": data.get("RhymeLetters"),
            "metre": metre.get("Rhythm"),
            "verses": [verse["Text"] for verse in verses],
            "positions": [verse["Position"] for verse in verses],
        }
    except (KeyError, TypeError, AttributeError) as error:
        raise InputDataError(f"not a poem in Ganjoor's layout (missing {error})") from None


def read_bundled(poets: Iterable[str]) -> list[dict]:
    """The bundled snapshot's ghazals of ``poets``, in the snapshot's order."""
    wanted = _known_poets(poets)
    with importlib.resources.as_file(importlib.resources.files(__package__) / BUNDLED_GHAZALS) as path:
        with lzma.open(path, "rt", encoding="utf-8") as lines:
            return [poem for poem in map(json.loads, lines) if poem["poet"] in wanted]


def read_folder(folder: str | Path, poets: Iterable[str]) -> list[dict]:
    """Every poem file (``*.json``, Ganjoor's layout) under ``folder`` by one of ``poets``,
    in path order, e.g. a checkout of the export or the files ``read_https`` fetched."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputDataError(f"Ganjoor folder not found: {folder}")
    wanted = set(poets)
    poems = []
    for path in sorted(folder.rglob("*.json")):
        try:
            poem = compact_poem(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError, InputDataError) as error:
            raise InputDataError(f"{path}: {error}") from None
        if poem["poet"] in wanted:
            poems.append(poem)
    if not poems:
        raise InputDataError(f"no poem of {', '.join(sorted(wanted))} in Ganjoor's layout under {folder}")
    return poems


def read_https(poets: Iterable[str], base_url: str = GANJOOR_BASE_URL, fetch: Callable[[str], bytes] | None = None) -> list[dict]:
    """The bundled snapshot's ghazals of ``poets``, each fetched again from the export's
    static file (``{base_url}/poets/{url}.json``)."""
    fetch = fetch or _fetch
    index = read_bundled(poets)
    poems = []
    for listed in track(index, len(index), "Ganjoor poems", unit="poem"):
        address = f"{base_url.rstrip('/')}/poets{listed['url']}.json"
        try:
            poems.append(compact_poem(json.loads(fetch(address))))
        except (OSError, json.JSONDecodeError) as error:
            raise InputDataError(f"could not read {address}: {error}; hafez_pretrain.corpus.source=bundled needs no network") from None
    return poems


def _fetch(address: str) -> bytes:
    with urllib.request.urlopen(address, timeout=30) as response:
        return response.read()


def _known_poets(poets: Iterable[str]) -> set[str]:
    wanted = set(poets)
    unknown = sorted(wanted - set(BUNDLED_POETS))
    if unknown:
        raise InputDataError(f"no ghazals of {unknown} in the bundled snapshot; its poets are {', '.join(BUNDLED_POETS)}")
    return wanted
