"""Who an article says its information comes from (English and Russian).

``extract_citations`` finds phrases such as "according to a New York Times report",
"Reuters reported", "told RIA Novosti", "a source said", "citing unnamed officials",
"сообщает ТАСС", "по данным РБК", "как передает Интерфакс", "по словам источника".
Each becomes a :class:`~storyline.model.Citation` whose span is the whole phrase and
whose ``cited`` is the source as written (an outlet name loses its quote marks and a
leading "the"/"газета").

Kinds, decided in this order:

* ``outlet``: a news outlet or agency, from the hand-written list below or a pattern
  ("the newspaper X", "X news agency", "издание X", "агентство X");
* ``anonymous``: an unnamed source ("a source", "officials familiar with", "источник",
  "собеседник издания");
* ``document``: a report, study, statement, data... with no outlet named;
* ``official``: anything else named: a person or an institution.
"""

from __future__ import annotations

import re

from storyline.model import Citation

__all__ = ["OUTLETS_EN", "OUTLETS_RU", "classify_source", "extract_citations"]

# Well-known outlets and agencies. Short forms ("the Times", "the Post") count only
# where a reporting verb follows, so "the Post Office" is no outlet.
OUTLETS_EN = [
    "Reuters", "Associated Press", "AP", "Agence France-Presse", "AFP", "Bloomberg", "BBC", "CNN", "Fox News",
    "NBC News", "NBC", "CBS News", "CBS", "ABC News", "NPR", "The New York Times", "New York Times", "NYT",
    "The Washington Post", "Washington Post", "The Wall Street Journal", "Wall Street Journal", "WSJ",
    "The Guardian", "Guardian", "Financial Times", "FT", "The Economist", "Politico", "Axios", "Al Jazeera",
    "Xinhua", "TASS", "RIA Novosti", "RIA", "Interfax", "Kommersant", "Vedomosti", "RBC", "Izvestia", "Meduza",
    "Novaya Gazeta", "RT", "Sputnik", "Der Spiegel", "Spiegel", "Le Monde", "Haaretz", "Yonhap", "Kyodo", "dpa",
    "ANSA", "EFE", "CBC News", "CBC", "CTV News", "CTV", "Global News", "The Globe and Mail", "Globe and Mail",
    "Toronto Star", "National Post", "HuffPost", "Huffington Post", "Breitbart", "The Hill", "USA Today",
    "Los Angeles Times", "Daily Mail", "The Telegraph", "The Independent", "Sky News", "Euronews",
    "Deutsche Welle", "DW", "Ukrainska Pravda", "Kyiv Independent", "Ukrinform", "UNIAN", "KCNA", "Axel Springer",
    "ProPublica", "Bellingcat", "The Atlantic", "Newsweek", "Time magazine", "Vox", "BuzzFeed News",
    "the Times", "the Post", "the Journal",
]  # fmt: skip
OUTLETS_RU = [
    "ТАСС", "РИА Новости", "РИА «Новости»", "Интерфакс", "РБК", "Коммерсант", "Ведомост", "Известия", "Известий",
    "Медуз", "Новая газета", "Новой газет", "Российская газета", "Российской газет", "Лента.ру", "Lenta.ru",
    "Газета.ру", "Газета.Ru", "Фонтанк", "Эхо Москвы", "Дождь", "Би-би-си", "Русская служба Би-би-си",
    "Радио Свобода", "Первый канал", "Россия 24", "НТВ", "Baza", "Mash", "Shot", "RT", "Sputnik", "Reuters",
    "Bloomberg", "CNN", "BBC", "The New York Times", "New York Times", "Financial Times", "Wall Street Journal",
    "Washington Post", "The Guardian", "Politico", "Axios", "Bild", "Der Spiegel", "Le Monde", "Interfax",
]  # fmt: skip


def _alternation(names: list[str], inflect: bool) -> str:
    parts = []
    for n in sorted(set(names), key=len, reverse=True):
        p = re.escape(n)
        # Russian outlet names decline ("Коммерсанта", "Ведомостей"): allow an ending
        parts.append(p + r"\w*" if inflect and re.search(r"[а-яё]$", n) else p)
    return "(?:" + "|".join(parts) + ")"


_OUTLET_EN = _alternation(OUTLETS_EN, inflect=False)
_OUTLET_RU = _alternation(OUTLETS_RU, inflect=True)
_QUOTED_NAME = r"(?:«[^»\n]{1,40}»|\"[^\"\n]{1,40}\"|“[^”\n]{1,40}”)"
_CAP_NAME = r"(?:(?!(?:The|A|An|This|That)\b)[A-Z][\w&.'’-]*(?:\s+(?:[A-Z][\w&.'’-]*|of|and|de))*)"
_RU_CAP_NAME = r"(?:[A-ZА-ЯЁ][\w.-]*(?:\s+[A-ZА-ЯЁ][\w.-]*)*)"

# Words that end the names of newspapers and agencies; a capitalised name ending in one is
# an outlet even when no list knows it.
_MASTHEAD_WORD = (
    r"(?:Post|Times|Herald|News|Wire|Gazette|Journal|Tribune|Telegraph|Chronicle|Courier|Observer|Press|Daily|"
    r"Ledger|Today|Review|Standard|Express|Mail|Mirror|Globe|Dispatch|Bulletin|Inquirer|Examiner|Sentinel|"
    r"Monitor|Register|Vestnik|Pravda|Izvestia|Radio|Television|TV)"
)
# "the newspaper Vedomosti", "the Kommersant daily", "Yonhap news agency", "издание The Bell"
_EN_OUTLET_PHRASE = (
    rf"(?:(?:[Tt]he\s+)?(?:\w+\s+)?(?:newspaper|daily|tabloid|broadcaster|news\s+agency|news\s+outlet|outlet|"
    rf"magazine|news\s+site|website|TV\s+channel|channel|agency)\s+(?:{_QUOTED_NAME}|{_CAP_NAME})"
    rf"|(?:[Tt]he\s+)?{_CAP_NAME}\s+(?:news\s+agency|newspaper|daily|broadcaster|news\s+site|TV\s+channel|magazine|"
    rf"agency|wire\s+service)"
    # An outlet no list knows, recognised by the word its name ends in ("the Meridian Post").
    rf"|(?:[Tt]he\s+)?(?:[A-Z][\w&'’-]*\s+){{1,3}}{_MASTHEAD_WORD}(?![\w’'-])"
    rf"|(?:the\s+|The\s+)?{_OUTLET_EN})"
)
_RU_OUTLET_PHRASE = (
    rf"(?:(?i:газет\w*|издани\w*|агентств\w*|информагентств\w*|телеканал\w*|радиостанци\w*|портал\w*|"
    rf"журнал\w*|сайт\w*)\s+(?:{_QUOTED_NAME}|{_OUTLET_RU}|{_RU_CAP_NAME})|{_OUTLET_RU})"
)

# "a source", "officials familiar with ..." but not "official Maria Lind" (a name follows)
_ANON_EN = re.compile(
    r"\b(?:[Ss]ources?|[Ii]nsiders?|[Ii]nterlocutors?|[Pp]erson|[Pp]eople|[Oo]fficials?|[Dd]iplomats?)\b"
    r"(?!\s+[A-Z])"
)
_ANON_MARK_EN = re.compile(
    r"\b(?:a|an|one|two|three|several|unnamed|anonymous|senior|some|other|another|"
    r"familiar|who\s+(?:spoke|asked|requested|declined))\b|^(?:sources|officials|insiders)\b",
    re.I,
)
_ANON_RU = re.compile(r"(?<!\w)(?:источник\w*|собеседник\w*|осведомлен\w*|инсайдер\w*)", re.I)
_DOC_EN = re.compile(
    r"\b(?:report|reports|study|studies|survey|poll|document|documents|data|figures|statement|"
    r"statistics|analysis|memo|letter|filing|filings|research|paper|records|estimates?|review)\b",
    re.I,
)
_DOC_RU = re.compile(
    r"(?<!\w)(?:доклад\w*|исследовани\w*|документ\w*|данны\w*|отчет\w*|отчёт\w*|опрос\w*|"
    r"статистик\w*|заявлени\w*|материал\w*|сведени\w*)",
    re.I,
)
_OUTLET_ANY = re.compile(rf"(?<!\w){_EN_OUTLET_PHRASE}(?!\w)|(?<!\w){_RU_OUTLET_PHRASE}(?!\w)")


def _clean_outlet(name: str) -> str:
    """'the newspaper «Vedomosti»' -> 'Vedomosti'; 'a New York Times report' -> 'New York Times'."""
    name = name.strip(" ,.")
    m = re.search(_QUOTED_NAME, name)
    if m:
        return m.group()[1:-1]
    name = re.sub(r"^(?:a|an|the|The)\s+", "", name)
    name = re.sub(
        r"^(?:\w+\s+)?(?:newspaper|daily|tabloid|broadcaster|news\s+agency|news\s+outlet|outlet|magazine|"
        r"news\s+site|website|TV\s+channel|channel|agency)\s+",
        "",
        name,
    )
    name = re.sub(
        r"^(?:газет\w*|издани\w*|агентств\w*|информагентств\w*|телеканал\w*|радиостанци\w*|портал\w*|"
        r"журнал\w*|сайт\w*)\s+",
        "",
        name,
        flags=re.I,
    )
    name = re.sub(
        r"\s+(?:news\s+agency|newspaper|daily|broadcaster|news\s+site|TV\s+channel|magazine|agency|wire\s+service)$",
        "", name
    )
    return name


def classify_source(phrase: str) -> tuple[str, str]:
    """(cited, kind) for a source phrase such as 'a New York Times report' or 'источника в Кремле'."""
    phrase = phrase.strip(" ,.")
    m = _OUTLET_ANY.search(phrase)
    if m:
        return _clean_outlet(m.group()), "outlet"
    if _ANON_RU.match(phrase) or (_ANON_EN.search(phrase) and _ANON_MARK_EN.search(phrase)):
        return phrase, "anonymous"
    if re.fullmatch(r"(?:sources|officials|insiders|people familiar[\w\s]*)", phrase, re.I):
        return phrase, "anonymous"
    if _DOC_EN.search(phrase) or _DOC_RU.match(phrase):
        return phrase, "document"
    return phrase, "official"


# ----------------------------------------------------------------------------- patterns
# Each pattern has a group "src" (the source phrase); the whole match is the citation span.

_EN_REPORT_VERB = (
    r"(?:reported|reports|wrote|writes|said|says|cited|quoted|learned|has learned|revealed|published)"
)
_EN_NP = r"(?:(?:a|an|the|The|A|An)\s+)?[\w’'&.-]+(?:\s+(?:[\w’'&.-]+)){0,7}?"

# "The NYT, citing sources, reported": a pattern with no anchor, which tries an outlet name at every
# position of a text, so it is only run on texts that hold its word "citing" (extract_citations).
_EN_CITING_OUTLET = re.compile(rf"(?P<src>{_EN_OUTLET_PHRASE}),\s+citing\s+[^,\n]{{2,60}},\s+{_EN_REPORT_VERB}\b")

_EN_PATTERNS = [
    # "According to a New York Times report", "according to the Defence Ministry"
    re.compile(
        r"\b[Aa]ccording\s+to\s+(?!(?:the\s+)?(?:plan|schedule|tradition|custom|law|the\s+rules|rules|"
        r"legend|protocol)\b)(?P<src>(?:(?:Dr|Mr|Mrs|Ms|Gen|Col|Lt|Sen|Rep|Gov|Prof|Capt|Maj|St)\.\s+)?"
        r"[^,.;:\n()]{2,80}?)(?=\s*[,.;:\n()]|\s+(?:which|that|who)\b|$)"
    ),
    # "As reported by the newspaper Vedomosti", "as first reported by Reuters"
    re.compile(
        rf"\b[Aa]s\s+(?:first\s+|previously\s+|earlier\s+)?(?:reported|noted|written)\s+by\s+"
        rf"(?P<src>{_EN_OUTLET_PHRASE}|{_CAP_NAME})"
    ),
    # "The NYT, citing sources, reported" / "Reuters, citing two officials, said"
    _EN_CITING_OUTLET,
    # "Reuters reported", "the Times reported", "the newspaper Vedomosti wrote"
    re.compile(
        rf"(?<![\w’'])(?P<src>{_EN_OUTLET_PHRASE})\s+(?:(?:first|also|previously|earlier)\s+)?"
        rf"{_EN_REPORT_VERB}\b"
    ),
    # "quoted by TASS", "cited by Reuters", "told RIA Novosti", "in an interview with CNN"
    re.compile(rf"\b(?:quoted|cited)\s+by\s+(?P<src>{_EN_OUTLET_PHRASE}|{_CAP_NAME})"),
    re.compile(rf"\b(?:told|tells|telling)\s+(?P<src>{_EN_OUTLET_PHRASE})(?![\w’'])"),
    re.compile(rf"\bin\s+an\s+interview\s+with\s+(?P<src>{_EN_OUTLET_PHRASE})(?![\w’'])"),
    # "citing unnamed officials", "citing a Pentagon report"
    re.compile(r"\b[Cc]iting\s+(?P<src>[^,.;:\n]{2,60}?)(?=\s*[,.;:\n]|\s+(?:as|who|that)\b|$)"),
    # "a source said", "two sources told", "officials familiar with the talks said", "the source added"
    re.compile(
        r"(?<![\w’'])(?P<src>(?:(?:[Aa]|[Aa]n|[Oo]ne|[Tt]wo|[Tt]hree|[Ss]everal|[Ss]ome|[Aa]nother|[Tt]he)\s+)?"
        r"(?:(?:senior|unnamed|anonymous|diplomatic|security|government|military|western|European|US|U\.S\.|"
        r"Russian|Ukrainian|industry|informed|other)\s+){0,2}(?:source|sources|insider|insiders)"
        r"(?:\s+(?:familiar\s+with|close\s+to|in|at)\s+[^,.;\n]{2,40}?)?)\s+"
        r"(?:said|say|says|told|added|confirmed|claimed|revealed)\b"
    ),
    re.compile(
        r"(?<![\w’'])(?P<src>(?:(?:[Aa]|[Aa]n|[Oo]ne|[Tt]wo|[Tt]hree|[Ss]everal)\s+)?(?:[\w.-]+\s+){0,2}"
        r"(?:official|officials|people|person|diplomat|diplomats)\s+(?:familiar\s+with|briefed\s+on|"
        r"with\s+knowledge\s+of|close\s+to)\s+[^,.;\n]{2,40}?)\s+(?:said|say|says|told|added)\b"
    ),
]

_RU_VERB = (
    r"(?:сообщает|сообщил[аио]?|сообщают|пишет|писал[аио]?|передает|передаёт|передал[аио]?|"
    r"информирует|заявил[аио]?|утверждает|отмечает|узнал[аио]?|выяснил[аио]?|рассказал[аио]?|"
    r"цитирует|приводит)"
)
_RU_PATTERNS = [
    # "по данным РБК", "по информации Интерфакса", "по словам источника", "по сведениям издания"
    re.compile(
        r"(?<!\w)[Пп]о\s+(?:данным|информации|словам|сведениям|оценкам|подсчетам|подсчётам)\s+"
        r"(?P<src>[^,.;:\n()]{2,80}?)(?=\s*[,.;:\n()]|$)"
    ),
    # "как передает Интерфакс", "как сообщает газета «Ведомости»", "как пишет The Bell"
    re.compile(
        rf"(?<!\w)[Кк]ак\s+(?:ранее\s+|уже\s+|сегодня\s+)?{_RU_VERB}\s+(?P<src>[^,.;:\n()]{{2,80}}?)"
        rf"(?=\s*[,.;:\n()]|$)"
    ),
    # "сообщает ТАСС", "пишет «Коммерсантъ»", "передает корреспондент РИА Новости"
    re.compile(rf"(?<!\w)(?:{_RU_VERB})\s+(?:корреспондент\w*\s+)?(?P<src>{_RU_OUTLET_PHRASE})(?!\w)"),
    # "ТАСС сообщает", "газета «Ведомости» пишет"
    re.compile(rf"(?<!\w)(?P<src>{_RU_OUTLET_PHRASE})\s+(?:{_RU_VERB})(?!\w)"),
    # "пишет «Коммерсантъ»": a quoted name after a reporting verb is a publication
    re.compile(rf"(?<!\w){_RU_VERB}\s+(?P<src>{_QUOTED_NAME})"),
    # "Агентство Bloomberg со ссылкой на источники сообщило"
    re.compile(
        rf"(?<!\w)(?P<src>{_RU_OUTLET_PHRASE})\s+со\s+ссылкой\s+на\s+[^,.;:\n]{{2,60}}?\s+{_RU_VERB}\w*(?!\w)"
    ),
    # "со ссылкой на источники", "сказал ТАСС" (told TASS), "в интервью РБК"
    re.compile(
        r"(?<!\w)со\s+ссылкой\s+на\s+(?P<src>\S+(?:\s+(?!сообщ|заяв|пиш|переда|рассказ)\S+){0,3}?)"
        r"(?=\s*[,.;:\n()]|\s+(?:сообщ|заяв|пиш|переда|рассказ)|$)"
    ),
    re.compile(
        rf"(?<!\w)(?:сказал[аи]?|рассказал[аи]?|заявил[аи]?|сообщил[аи]?)\s+(?P<src>{_OUTLET_RU})(?!\w)"
    ),
    re.compile(rf"(?<!\w)в\s+интервью\s+(?P<src>{_RU_OUTLET_PHRASE})(?!\w)"),
    # "источник в Кремле сообщил", "собеседник издания рассказал"
    re.compile(
        r"(?<!\w)(?P<src>(?:[Ии]сточник|[Ии]сточники|[Сс]обеседник|[Сс]обеседники)\w*(?:\s+[^\s,.;:]+){0,3}?)\s+"
        r"(?:сообщил\w*|рассказал\w*|заявил\w*|отметил\w*|сказал\w*|пояснил\w*|уточнил\w*)(?!\w)"
    ),
]


def extract_citations(article_id: str, text: str, language: str | None) -> list[Citation]:
    """Citations of sources in ``text``, in reading order (``text[c.start:c.end] == c.text``).

    A phrase matched by two patterns is reported once (the longer match wins), except a
    "citing ..." / "со ссылкой на ..." inside a longer outlet phrase, which names a second
    source. Phrases may cross: in "Three sources told Bloomberg" both the sources and the
    outlet are cited.
    """
    patterns = _RU_PATTERNS if (language or "").lower().startswith("ru") else _EN_PATTERNS
    found: list[tuple[int, int, int, int]] = []  # span start/end, source start/end
    for pattern in patterns:
        if pattern is _EN_CITING_OUTLET and "citing" not in text:
            # it needs the word, and without an anchor it tries an outlet name at every position
            # of the text: half of this function's time on 200 BASIL articles (speed.md, run 19)
            continue
        for m in pattern.finditer(text):
            found.append((m.start(), m.end(), m.start("src"), m.end("src")))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[Citation] = []
    kept: list[tuple[int, int, int, int]] = []
    for f in found:
        if any(k[0] <= f[0] and f[1] <= k[1] and not _is_nested_citing(text, f, k) for k in kept):
            continue
        if any(k[0] <= f[2] and f[3] <= k[1] and not (k[0] <= f[0] and f[1] <= k[1]) for k in kept):
            continue  # its source is already cited by a phrase that crosses this one
        kept.append(f)
        cited, kind = classify_source(text[f[2] : f[3]])
        if not cited:
            continue
        out.append(Citation(article_id, f[0], f[1], text[f[0] : f[1]], cited, kind))
    out.sort(key=lambda c: (c.start, c.end))
    return out


def _is_nested_citing(text: str, inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    """'citing sources' inside 'The NYT, citing sources, reported' is a second citation."""
    return text.startswith(("citing", "Citing", "со ссылкой"), inner[0]) and (inner[0], inner[1]) != (
        outer[0],
        outer[1],
    )
