"""Ganjoor's poems: the bundled snapshot, a folder of poem files, and the export over HTTP."""

import collections
import functools
import hashlib
import http.server
import importlib.resources
import json
import threading

import pytest

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.sources import ganjoor

BUNDLED_SHA256 = "684a84b022d0a299b1be2334243b0ff9a91044da3665beecefc7f5c3fe3036f2"  # as in the README


def export_file(poem: dict) -> dict:
    """A bundled poem written back in the export's own layout, as its static files hold it."""
    return {
        "Id": 1, "Title": poem["title"], "FullUrl": poem["url"], "RhymeLetters": poem["rhyme_letters"],
        "Metre": {"Id": 19, "Rhythm": poem["metre"]},
        "Verses": [
            {"VOrder": k + 1, "Position": position, "Text": text, "CoupletIndex": k // 2}
            for k, (text, position) in reversed(list(enumerate(zip(poem["verses"], poem["positions"]))))
        ],
    }


def test_bundled_snapshot_is_the_documented_file():
    data = (importlib.resources.files("hw3_pipelines.sources") / ganjoor.BUNDLED_GHAZALS).read_bytes()
    assert hashlib.sha256(data).hexdigest() == BUNDLED_SHA256
    poems = ganjoor.read_bundled(ganjoor.BUNDLED_POETS)
    assert len(poems) == 11852
    counts = collections.Counter(poem["poet"] for poem in poems)
    assert counts["saadi"] == 637 and counts["moulavi"] == 3230 and "hafez" not in counts
    assert poems[0]["url"] == "/saadi/divan/ghazals/sh1" and poems[0]["positions"][:2] == ["Right", "Left"]


def test_poets_are_chosen_and_an_unknown_one_is_named():
    assert {poem["poet"] for poem in ganjoor.read_bundled(["obeyd"])} == {"obeyd"}
    with pytest.raises(InputDataError, match=r"no ghazals of \['hafez'\]"):
        ganjoor.read_bundled(["obeyd", "hafez"])


@pytest.fixture(scope="module")
def obeyd():
    return ganjoor.read_bundled(["obeyd"])


def write_export(root, poems):
    for poem in poems:
        path = root / "poets" / f"{poem['url'].strip('/')}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(export_file(poem), ensure_ascii=False), encoding="utf-8")


def test_a_folder_of_poem_files_reads_as_the_snapshot(tmp_path, obeyd):
    write_export(tmp_path, obeyd[:3])
    read = ganjoor.read_folder(tmp_path, ["obeyd"])
    assert sorted(read, key=lambda p: p["url"]) == sorted(obeyd[:3], key=lambda p: p["url"])
    assert ganjoor.read_folder(tmp_path, ["obeyd", "saadi"]) == read


def test_a_folder_without_poems_or_with_a_broken_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        ganjoor.read_folder(tmp_path / "nope", ["obeyd"])
    (tmp_path / "poem.json").write_text(json.dumps({"Title": "no verses"}), encoding="utf-8")
    with pytest.raises(InputDataError, match="poem.json: not a poem in Ganjoor's layout"):
        ganjoor.read_folder(tmp_path, ["obeyd"])


def test_the_export_over_http_reads_as_the_snapshot(tmp_path, obeyd):
    """The same static files served on 127.0.0.1 stand in for the export's CDN."""
    write_export(tmp_path, obeyd)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            assert ganjoor.read_https(["obeyd"], base) == obeyd
            (tmp_path / "poets" / obeyd[5]["url"].strip("/")).with_suffix(".json").unlink()
            with pytest.raises(InputDataError, match="could not read .*needs no network"):
                ganjoor.read_https(["obeyd"], base)
        finally:
            server.shutdown()
