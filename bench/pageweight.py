"""The phone page's first load: GET /j/<code> and every stylesheet, script and module it pulls in.

`python -m bench.pageweight` starts facilitate on a temporary folder, follows the page's
`<link rel=stylesheet>` and `<script src>`, then every `import` of every module, and prints the
bytes, uncompressed and gzipped (level 6, what a reverse proxy typically uses).
"""

import gzip
import re
import sys
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

from .servers import Facilitate

PAGE_REFS = re.compile(
    r"""<(?:script[^>]*\ssrc|link[^>]*rel=["']stylesheet["'][^>]*\shref)=["']([^"']+)["']"""
)
LINK_HREF_FIRST = re.compile(r"""<link[^>]*href=["']([^"']+)["'][^>]*rel=["']stylesheet["']""")
MODULE_REFS = re.compile(
    r"""(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|import\s*\(?\s*["']([^"']+)["']"""
)


def fetch(url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get("Content-Encoding")


def first_load(page_url: str) -> list[dict]:
    """Every resource the phone page loads at first, with its size raw and gzipped."""
    html, encoding = fetch(page_url)
    loaded = [_entry(page_url, html, encoding)]
    text = html.decode("utf-8")
    queue = [
        urljoin(page_url, ref) for ref in PAGE_REFS.findall(text) + LINK_HREF_FIRST.findall(text)
    ]
    seen = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        body, encoding = fetch(url)
        loaded.append(_entry(url, body, encoding))
        if url.endswith(".js"):
            for ref in MODULE_REFS.findall(body.decode("utf-8")):
                queue.append(urljoin(url, ref[0] or ref[1]))
    return loaded


def _entry(url: str, body: bytes, encoding: str | None) -> dict:
    return {
        "url": url,
        "bytes": len(body),
        "gzip": len(gzip.compress(body, compresslevel=6)),
        "served_encoding": encoding,
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-page-") as folder:
        server = Facilitate(Path(folder)).start()
        try:
            code = server.open_session()["code"]
            loaded = first_load(f"{server.url}/j/{code}")
        finally:
            server.stop()
    for item in loaded:
        path = item["url"].split("/", 3)[-1]
        print(f"{item['bytes']:>8} {item['gzip']:>8}  /{path}")
    raw, packed = sum(i["bytes"] for i in loaded), sum(i["gzip"] for i in loaded)
    print(f"{raw:>8} {packed:>8}  total: {len(loaded)} files (bytes, gzipped)")
    served = {i["served_encoding"] for i in loaded}
    print(f"served Content-Encoding: {served}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
