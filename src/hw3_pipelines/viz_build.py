"""``hw3-viz-build``: kedro-viz's static site, made to load nothing from outside 127.0.0.1.

kedro-viz's HTML pages link Google Fonts. Offline the request only fails (the page falls
back to a local font), but a lineage page that reaches out to a third party whenever it
is opened is not what an offline, reproducible project should ship. This runs
``kedro viz build`` and removes those links from the built pages; nothing else changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
