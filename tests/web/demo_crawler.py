"""A breadth-first crawl of the demo as one person would click through it, and what it finds wrong on the way.

Used by test_demo_crawl.py (broken links, raw data on pages) and test_no_english_on_translated_pages.py (English
left on translated pages). Only GET: a page's links (`<a href>`, and `hx-get` fragments the page loads by itself)
are followed within the page's language prefix; links elsewhere on the site (another language, the API docs, the
Django admin, downloads) are only asked for their status. Links that differ only in their numbers (`/calls/12/`,
`/calls/13/`) are one shape; a few of each shape are visited, which keeps a crawl to seconds.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client

# The demo logins of README.md, and the people the crawl is done as (None: signed out).
LANGUAGES = ("kk", "ru", "zh-hans", "en")
ROLES = ["admin", "coordinator", "registrar", "teacher", "student", "student.intern", "student.returned", "supervisor",
         "manager", "trainer", "analyst", None]

DOWNLOAD = re.compile(r"(\.(pdf|csv|xlsx|json|jsonld|zip|png|svg|txt)$|/(export|download|pdf)/?$|/certificate\.pdf|/did\.json)")
SKIPPED = re.compile(r"/(logout|sign-out)/")  # never followed: it would end the session being crawled
NUMBER = re.compile(r"/\d+(?=/|$)|/[0-9a-f]{8}-[0-9a-f-]{27}(?=/|$)|/[A-Z0-9]{8,}(?=/|$)")

# Raw data that must never reach a reader: Python reprs, internal codes, machine timestamps.
REPRS = ("{'", "[<", "<QuerySet", "object at 0x", "Decimal('", "datetime.date(", "datetime.datetime(")
CODE = re.compile(r"(?<![\w./@:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./@-])")  # snake_case: an untranslated key or choice
ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
INVISIBLE = {"script", "style", "template", "textarea", "pre", "code", "noscript", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """Links, visible text nodes and table cells of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []  # (href, is a download)
        self.texts: list[str] = []
        self.cells: list[str] = []
        self._hidden = 0
        self._stack: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append((values["href"] or "", "download" in values))
        if values.get("hx-get"):
            self.links.append((values["hx-get"] or "", False))
        if tag in VOID:
            return
        self._stack.append(tag)
        if tag in INVISIBLE or "hidden" in values:
            self._hidden += 1
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in VOID or tag not in self._stack:
            return
        while self._stack:
            open_tag = self._stack.pop()
            if open_tag in INVISIBLE:
                self._hidden -= 1
            if open_tag in ("td", "th") and self._cell is not None:
                self.cells.append(" ".join("".join(self._cell).split()))
                self._cell = None
            if open_tag == tag:
                break
        self._hidden = max(self._hidden, 0)

    def handle_data(self, data):
        if self._hidden:
            return
        text = " ".join(data.split())
        if text:
            self.texts.append(text)
        if self._cell is not None:
            self._cell.append(data)


def shape(path: str) -> str:
    """The URL with its record numbers and codes blanked: `/en/mobility/calls/#/`."""
    parts = urlsplit(path)
    query = "&".join(sorted(p.split("=")[0] for p in parts.query.split("&") if p))
    return NUMBER.sub("/#", parts.path) + (f"?{query}" if query else "")


def raw_data(texts: list[str], cells: list[str]) -> list[str]:
    """What on a page looks like data nobody formatted for a reader."""
    found = []
    text = "\n".join(texts)
    for marker in REPRS:
        if marker in text:
            at = text.index(marker)
            found.append(f"Python repr {marker!r} in “{' '.join(text[max(0, at - 40):at + 60].split())}”")
    codes = list(CODE.finditer(text))
    if codes:
        first = codes[0]
        names = ", ".join(dict.fromkeys(m.group() for m in codes[:8]))
        found.append(f"internal code(s) {names} (e.g. in “{' '.join(text[max(0, first.start() - 40):first.end() + 30].split())}”)")
    for match in ISO_TIMESTAMP.finditer(text):
        found.append(f"ISO timestamp “{match.group()}…” in “{' '.join(text[max(0, match.start() - 40):match.end() + 30].split())}”")
    found += ["“None” alone in a table cell" for cell in cells if cell == "None"]
    return found


@dataclass
class Crawl:
    role: str | None
    language: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, what is wrong)
    pages: dict[str, list[str]] = field(default_factory=dict)  # path → visible text nodes
    checked: dict[str, int] = field(default_factory=dict)  # path → status


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def crawl(client: Client, *, role: str | None, language: str, max_pages: int = 70, per_shape: int = 2, max_depth: int = 4,
          start: str | None = None) -> Crawl:
    """Start at the home page in `language` and follow every link shown, breadth first."""
    prefix = f"/{language}/"
    result = Crawl(role, language)
    queue: deque[tuple[str, str, int]] = deque([(start or prefix, "(start)", 0)])
    seen_shapes: dict[str, int] = {}
    queued = {start or prefix}
    while queue and len(result.pages) < max_pages:
        path, parent, depth = queue.popleft()
        response = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE=language)
        final = response.redirect_chain[-1][0] if response.redirect_chain else path
        result.checked[path] = response.status_code
        if response.status_code >= 400:
            result.problems.append((path, f"answers {response.status_code} (linked from {parent})"))
            continue
        if "text/html" not in response.get("Content-Type", "") or not urlsplit(final).path.startswith(prefix):
            continue
        page = _Page()
        page.feed(response.content.decode(response.charset or "utf-8", "replace"))
        result.pages[path] = page.texts
        result.problems += [(path, problem) for problem in dict.fromkeys(raw_data(page.texts, page.cells))]
        for href, download in page.links:
            target = urljoin(final, href)
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https", "") or (parts.netloc and parts.netloc != "testserver"):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link in queued or SKIPPED.search(parts.path) or parts.path.startswith("/static/"):
                continue
            queued.add(link)
            other_language = next((lang for lang in LANGUAGES if lang != language and parts.path.startswith(f"/{lang}/")), None)
            if other_language and depth > 0:
                continue  # the same page in another language: the language switcher of the home page stands for all
            outside = not parts.path.startswith(prefix) or parts.path.startswith((f"{prefix}jsi18n",))
            if download or outside or DOWNLOAD.search(parts.path):
                if link not in result.checked:
                    # A download or a page of another part of the site: its status, not its links.
                    status = client.head(link, HTTP_ACCEPT_LANGUAGE=language).status_code
                    if status == 405:
                        status = client.get(link, HTTP_ACCEPT_LANGUAGE=language).status_code
                    result.checked[link] = status
                    if status >= 400:
                        result.problems.append((link, f"answers {status} (linked from {path})"))
                continue
            key = shape(link)
            if depth + 1 > max_depth or seen_shapes.get(key, 0) >= per_shape:
                continue
            seen_shapes[key] = seen_shapes.get(key, 0) + 1
            queue.append((link, path, depth + 1))
    return result
