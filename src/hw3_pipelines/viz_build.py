"""``hw3-viz-build``: kedro-viz's static site, made to load nothing from outside 127.0.0.1.

kedro-viz's HTML pages link Google Fonts. Offline the request only fails (the page falls
back to a local font), but a lineage page that reaches out to a third party whenever it
is opened is not what an offline, reproducible project should ship. This runs
``kedro viz build`` and removes those links from the built pages; nothing else changes.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Headless Chromium that starts no background traffic of its own (the browser test and
# the README's screenshots drive it against pages served on 127.0.0.1).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
EXTERNAL_FONT_LINK = re.compile(r"\s*<link[^>]*?fonts\.(?:googleapis|gstatic)\.com[^>]*>")


def strip_external_links(build_dir: Path) -> int:
    """Remove external font links from every HTML page of the build; return how many."""
    removed = 0
    for page in sorted(build_dir.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        cleaned, count = EXTERNAL_FONT_LINK.subn("", html)
        if count:
            page.write_text(cleaned, encoding="utf-8")
            removed += count
    return removed


def main() -> None:
    subprocess.run([sys.executable, "-m", "kedro", "viz", "build", *sys.argv[1:]], check=True)
    removed = strip_external_links(Path("build"))
    print(f"Removed {removed} external font links from build/*.html")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_locally(directory: Path) -> Iterator[str]:
    """Serve ``directory`` (a build) on 127.0.0.1 for the block; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
