"""A record as a news web page: its text wrapped in the furniture real pages carry, seeded.

``storyline eval clustering --as-files html`` and ``benchmarks/html_pages.py`` use it to measure
the HTML path (trafilatura's extraction, then cleaning) the way they measure plain text: a page
has a navigation bar, a cookie banner, a byline and a date line, share buttons, a photo credit,
related links, a newsletter box, a comment form and a footer, drawn from the harness's invented
catalogue (:data:`storyline.corrupt.CATALOGUE`), in a layout that varies with the seed. The
record's title and outlet go where a page puts them (``<title>Headline | Outlet</title>``, the
``<h1>``), so a page of a record without metadata has neither.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .corrupt import _HEADLINES, _OUTLETS, _SECTIONS, boilerplate_line

__all__ = ["WebPage", "html_page"]

_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
{% if head_title %}<title>{{ head_title }}</title>{% endif %}
</head><body>
<a href="#main">{{ skip }}</a>
<header><div class="logo">{{ brand }}</div><nav><ul>{% for s in sections %}<li><a href="/{{ s|lower }}">{{ s }}</a></li>{% endfor %}</ul></nav></header>
{% if cookie %}<div class="cookie-banner"><p>{{ cookie }}</p><button>OK</button></div>{% endif %}
<main id="main"><article>
{% if title %}<h1>{{ title }}</h1>{% endif %}
<div class="byline"><span>{{ byline }}</span>{% if published %} <time datetime="{{ published }}">{{ published }}</time>{% endif %}</div>
{% if share_top %}<div class="share">{{ share_top }}</div>{% endif %}
{% for p in paragraphs %}<p>{{ p }}</p>
{% if loop.index == photo_after %}<figure><img src="/img/{{ loop.index }}.jpg" alt=""><figcaption>{{ photo }}</figcaption></figure>{% endif %}
{% if loop.index == related_after %}<aside class="related"><h2>{{ related_title }}</h2><ul>{% for h in related %}<li><a href="/story/{{ loop.index }}">{{ h }}</a></li>{% endfor %}</ul></aside>{% endif %}
{% endfor %}
<div class="tags">{{ tags }}</div>
</article>
<section class="newsletter"><h3>{{ newsletter }}</h3><form><input type="email"><button>Sign up</button></form></section>
<section id="comments"><h3>{{ comments_title }}</h3><p>{{ comment_note }}</p><form><textarea></textarea><button>Post</button></form></section>
</main>
<footer><p>© {{ year }} {{ brand }}. All rights reserved.</p><ul>{% for s in footer %}<li><a href="/{{ loop.index }}">{{ s }}</a></li>{% endfor %}</ul></footer>
</body></html>
"""


@lru_cache(maxsize=1)
def _template() -> Any:
    from jinja2 import Environment

    return Environment(autoescape=True).from_string(_PAGE)


@dataclass
class WebPage:
    """A rendered page and the furniture put into it (the lines a reader would not call the article)."""

    html: str
    furniture: list[str] = field(default_factory=list)


def html_page(record: Mapping[str, Any], rng: random.Random) -> WebPage:
    """``record`` (``text``, optional ``title``, ``source``, ``published``, ``language``) as a web page."""
    line = lambda kind: boilerplate_line(rng, kind)[1]  # noqa: E731 - a short local helper
    title, outlet = record.get("title"), record.get("source")
    brand = outlet or rng.choice(_OUTLETS)  # the logo is an image's alt text on many pages: a made-up name
    values = {
        "lang": record.get("language") or "en",
        "head_title": f"{title} | {outlet}" if title and outlet else title,
        "skip": line("page") if rng.random() < 0.5 else "Skip to main content",
        "brand": brand,
        "sections": rng.sample(_SECTIONS, rng.randint(4, 8)),
        "cookie": line("cookie notice") if rng.random() < 0.6 else "",
        "title": title,
        # a byline with a date would contradict the page's own date: names only
        "byline": next(b for b in iter(lambda: line("byline"), None) if not any(c.isdigit() for c in b)),
        "published": record.get("published"),
        "share_top": line("share bar") if rng.random() < 0.5 else "",
        "paragraphs": [p.strip() for p in str(record["text"]).split("\n") if p.strip()],
        "photo": line("photo credit"),
        "related_title": rng.choice(["Related stories", "Most popular", "More from " + rng.choice(_SECTIONS)]),
        "related": rng.sample(_HEADLINES, 3),
        "tags": line("tag line"),
        "newsletter": line("newsletter"),
        "comments_title": line("comment form"),
        "comment_note": "Your email address will not be published. Required fields are marked *",
        "year": rng.randint(2015, 2025),
        "footer": ["About us", "Contact", "Privacy policy", "Terms of use"],
    }
    n = len(values["paragraphs"])
    values["photo_after"] = rng.randint(1, n) if n > 1 and rng.random() < 0.5 else 0
    values["related_after"] = rng.randint(1, n) if n > 2 and rng.random() < 0.5 else 0
    furniture = [values["byline"], values["tags"], values["newsletter"], values["comments_title"],
                 values["comment_note"], *values["sections"], *values["footer"]]
    furniture += [v for k, v in values.items() if k in ("skip", "cookie", "share_top") and v]
    if values["photo_after"]:
        furniture.append(values["photo"])
    if values["related_after"]:
        furniture += [values["related_title"], *values["related"]]
    return WebPage(_template().render(**values), furniture)
