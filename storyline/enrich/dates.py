"""Date expressions in English and Russian, normalised against the publication date.

Regular expressions find the expressions (fast, and their offsets are exact:
``text[m.start:m.end] == m.text``); small tables turn them into ISO values.

Normalisation rules (news style), with ``P`` the publication date:

* ``3 March 2022``, ``March 3, 2022``, ``3 марта 2022 года`` -> ``2022-03-03`` (day).
* ``March 2022``, ``в марте 2022 года`` -> ``2022-03`` (month); ``in 2014``, ``в 2014 году`` -> ``2014`` (year).
* A month-day or month without a year takes the year that puts it closest to ``P``
  (an article of 5 January that mentions "December 30" means the December just gone).
  Without ``P`` it stays partial: ``--03-03`` / ``--03``; a year is never guessed.
* A weekday (``on Tuesday``, ``во вторник``) is the most recent such day on or before ``P``:
  news reports what happened. ``last Tuesday`` is strictly before ``P``; ``next Tuesday``
  strictly after. Without ``P`` the value is ``None``.
* ``yesterday``/``вчера`` = P-1, ``today`` = P, ``tomorrow`` = P+1, ``N days ago`` = P-N.
* ``last week``/``на прошлой неделе`` -> the ISO week before P's (``2022-W09``, week);
  ``this week``, ``N weeks ago`` likewise. ``last month``, ``earlier this month``,
  ``N months ago`` -> ``YYYY-MM``; ``last year``, ``earlier this year`` -> ``YYYY``.
* Anything relative without ``P`` has ``value=None``: the span is kept so a reader sees it.

Spans leave out a leading preposition ("on", "in", "в", "во"): it is context, not
part of the date (as in TimeML's TIMEX3). ``is_event`` is True when the sentence that
holds the date also holds one of the event verbs below (a verb of happening or of
saying, past tense): such a date is a timeline entry, not background.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from storyline.model import DateMention

__all__ = ["extract_dates", "month_number", "parse_published"]

# ----------------------------------------------------------------------------- tables

_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
# English month names are capitalised; requiring that keeps "may" (the verb) out.
_EN_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.)"
)
_EN_WEEKDAYS = {
    d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
}
_EN_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": None, "few": None,
    "a few": None,
}  # fmt: skip
_EN_NUMBER = r"(?:\d{1,3}|a few|an|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several)"

# Russian month stems: genitive "марта" (3 марта), prepositional "марте" (в марте), nominative "март".
_RU_MONTH_STEMS = [
    ("январ", 1), ("феврал", 2), ("март", 3), ("апрел", 4), ("ма", 5), ("июн", 6), ("июл", 7),
    ("август", 8), ("сентябр", 9), ("октябр", 10), ("ноябр", 11), ("декабр", 12),
]  # fmt: skip
_RU_MONTH_GEN = r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
_RU_MONTH_PREP = r"(?:январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре)"
_RU_WEEKDAYS = {
    "понедельник": 0, "вторник": 1, "среду": 2, "среда": 2, "четверг": 3, "пятницу": 4, "пятница": 4,
    "субботу": 5, "суббота": 5, "воскресенье": 6,
}  # fmt: skip
_RU_WEEKDAY = r"(?:понедельник|вторник|среду|среда|четверг|пятницу|пятница|субботу|суббота|воскресенье)"
_RU_NUMBERS = {
    "один": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "несколько": None,
}  # fmt: skip
_RU_NUMBER = r"(?:\d{1,3}|одну|один|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|несколько)"

# Verbs of happening or saying, past tense. Kept short on purpose: a date in such a
# sentence dates an event ("attacked on Tuesday"), not a background fact.
_EN_EVENT = re.compile(
    r"\b(?:attack(?:ed)?|met|meet|signed|said|says|told|announced|killed|died|arrested|launched|struck|"
    r"held|visited|voted|elected|won|lost|began|started|ended|opened|closed|fired|bombed|crashed|"
    r"exploded|happened|occurred|took place|invaded|shot|agreed|approved|passed|released|resigned|"
    r"appointed|declared|reported|warned|stated|added|captured|seized|destroyed|hit|sentenced|"
    r"charged|detained|fled|raided|shelled|collapsed|protested|wounded|injured|published|introduced)\b",
    re.IGNORECASE,
)
_RU_EVENT = re.compile(
    r"(?<!\w)(?:атаковал|встретил|подписал|заявил|сказал|сообщил|объявил|погиб|убит|убил|задержал|задержан|"
    r"произош|состоял|начал|закончил|завершил|напал|обстрелял|нанес|нанёс|взорвал|разбил|упал|"
    r"арестова|избран|выиграл|проиграл|провел|провёл|открыл|закрыл|запустил|посетил|отметил|"
    r"предупредил|признал|ранен|пострадал|уничтож|захватил|утвердил|одобрил|принял|ушел|ушёл)\w*",
    re.IGNORECASE,
)

# A sentence ends at . ! ? (or a closing quote after them) followed by a space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'»”’)]*\s+|\n+")


# ----------------------------------------------------------------------------- helpers


def parse_published(published: str | None) -> dt.date | None:
    """The calendar date of an ISO date/datetime string, or None when absent or unreadable."""
    if not published:
        return None
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", published)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _iso_day(d: dt.date) -> str:
    return d.isoformat()


def _iso_week(d: dt.date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _iso_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _shift_month(d: dt.date, months: int) -> tuple[int, int]:
    total = d.year * 12 + (d.month - 1) + months
    return total // 12, total % 12 + 1


def _closest_year_day(month: int, day: int, pub: dt.date) -> dt.date | None:
    """The month-day in pub's year, the year before or after: whichever lies closest to pub."""
    best: dt.date | None = None
    for year in (pub.year - 1, pub.year, pub.year + 1):
        try:
            cand = dt.date(year, month, day)
        except ValueError:  # 29 February in a common year
            continue
        if best is None or abs((cand - pub).days) < abs((best - pub).days):
            best = cand
    return best


def _closest_year_month(month: int, pub: dt.date) -> tuple[int, int]:
    best = min(
        (pub.year - 1, pub.year, pub.year + 1),
        key=lambda y: abs((y * 12 + month) - (pub.year * 12 + pub.month)),
    )
    return best, month


def _weekday(target: int, pub: dt.date, mode: str) -> dt.date:
    """mode 'recent': on or before pub; 'last': strictly before; 'next': strictly after."""
    back = (pub.weekday() - target) % 7
    if mode == "last" and back == 0:
        back = 7
    if mode == "next":
        ahead = (target - pub.weekday()) % 7 or 7
        return pub + dt.timedelta(days=ahead)
    return pub - dt.timedelta(days=back)


def _valid_day(year: int | None, month: int, day: int) -> bool:
    try:
        dt.date(year or 2000, month, day)  # 2000 is a leap year: 29 February stays valid
    except ValueError:
        return False
    return True


def _month_day(month: int, day: int, year: int | None, pub: dt.date | None) -> tuple[str | None, str]:
    if year is not None:
        return _iso_day(dt.date(year, month, day)), "day"
    if pub is not None:
        d = _closest_year_day(month, day, pub)
        return (_iso_day(d) if d else None), "day"
    return f"--{month:02d}-{day:02d}", "day"


def _month_only(month: int, year: int | None, pub: dt.date | None) -> tuple[str | None, str]:
    if year is not None:
        return _iso_month(year, month), "month"
    if pub is not None:
        return _iso_month(*_closest_year_month(month, pub)), "month"
    return f"--{month:02d}", "month"


def _ru_month(word: str) -> int:
    w = word.lower()
    for stem, number in _RU_MONTH_STEMS:
        if w.startswith(stem) and (stem != "ма" or w in ("мая", "мае", "май")):
            return number
    raise KeyError(word)


# Month abbreviations of agency datelines ("2 дек", "12 мар.", "4 сент"): the first three letters,
# or four where the agencies write four.
_RU_MONTH_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip


def month_number(word: str) -> int | None:
    """The month an English or Russian month name or abbreviation names ("Dec", "December", "дек",
    "марта"), else None."""
    w = word.lower().rstrip(".")
    if w in _EN_MONTHS:
        return _EN_MONTHS[w]
    if w in _RU_MONTH_ABBREVIATIONS:
        return _RU_MONTH_ABBREVIATIONS[w]
    try:
        return _ru_month(w)
    except KeyError:
        return None


def _count(word: str, table: dict[str, int | None]) -> int | None:
    w = word.lower()
    return int(w) if w.isdigit() else table.get(w)


# ----------------------------------------------------------------------------- rules
# Each rule: (compiled pattern, resolver). The pattern's group "d" is the reported span;
# the resolver gets the match and the publication date and returns (value, granularity),
# or None to drop the match (an impossible date such as "31 February").

Resolved = tuple[str | None, str] | None
# An impossible date ("31 February 2022") claims its words so that no shorter reading
# ("February 2022") is reported from a typo; it is itself not reported.
_INVALID: tuple[str | None, str] = ("invalid", "")
Rule = tuple[re.Pattern[str], Callable[[re.Match[str], dt.date | None], Resolved]]


def _en_rules() -> list[Rule]:
    year = r"(?:1[89]\d\d|20\d\d)"
    day = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"

    def day_month_year(m: re.Match[str], pub: dt.date | None) -> Resolved:
        month = _EN_MONTHS[m["mon"].rstrip(".").lower()]
        d = int(re.match(r"\d+", m["day"])[0])  # type: ignore[index]
        y = int(m["year"]) if m["year"] else None
        if not _valid_day(y, month, d):
            return _INVALID
        return _month_day(month, d, y, pub)

    def month_year(m: re.Match[str], pub: dt.date | None) -> Resolved:
        month = _EN_MONTHS[m["mon"].rstrip(".").lower()]
        return _month_only(month, int(m["year"]) if m["year"] else None, pub)

    def iso(m: re.Match[str], pub: dt.date | None) -> Resolved:
        y, mo, d = int(m["y"]), int(m["mo"]), int(m["dd"])
        return (_iso_day(dt.date(y, mo, d)), "day") if _valid_day(y, mo, d) else None

    def year_only(m: re.Match[str], pub: dt.date | None) -> Resolved:
        return m["year"], "year"

    def weekday(m: re.Match[str], pub: dt.date | None) -> Resolved:
        mode = {"last": "last", "next": "next"}.get((m["mod"] or "").lower(), "recent")
        if pub is None:
            return None, "day"
        return _iso_day(_weekday(_EN_WEEKDAYS[m["wd"].lower()], pub, mode)), "day"

    def simple_day(m: re.Match[str], pub: dt.date | None) -> Resolved:
        word = m["d"].lower()
        offset = (
            -2
            if "before" in word
            else 2
            if "after" in word
            else {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}.get(word.split()[0], 0)
        )
        return (_iso_day(pub + dt.timedelta(days=offset)) if pub else None), "day"

    def ago(m: re.Match[str], pub: dt.date | None) -> Resolved:
        n = _count(m["n"], _EN_NUMBERS)
        unit = m["unit"].lower().rstrip("s")
        gran = {"day": "day", "week": "week", "month": "month", "year": "year"}[unit]
        if pub is None or n is None:
            return None, gran
        return _relative(pub, unit, -n), gran

    def relative_period(m: re.Match[str], pub: dt.date | None) -> Resolved:
        which = m["which"].lower()
        unit = m["unit"].lower()
        step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(which, 0)
        if pub is None:
            return None, unit
        return _relative(pub, unit, step), unit

    return [
        (re.compile(r"\b(?P<d>(?P<y>\d{4})-(?P<mo>\d{2})-(?P<dd>\d{2}))\b"), iso),
        # 3 March 2022 / 3rd of March, 2022 / 3 March
        (
            re.compile(rf"\b(?P<d>(?P<day>{day})(?: of)? (?P<mon>{_EN_MONTH})(?:,? (?P<year>{year}))?)\b"),
            day_month_year,
        ),
        # March 3, 2022 / March 3rd / Mar. 3
        (
            re.compile(rf"\b(?P<d>(?P<mon>{_EN_MONTH}) (?P<day>{day})(?!\d)(?:,? (?P<year>{year}))?)\b"),
            day_month_year,
        ),
        # March 2022 / (in) March
        (re.compile(rf"\b(?P<d>(?P<mon>{_EN_MONTH}),? (?P<year>{year}))\b"), month_year),
        (
            re.compile(
                rf"\b(?:in|since|until|by|from|early|late|mid-|of|last|next|this) (?P<d>(?P<mon>{_EN_MONTH})(?P<year>))\b"
            ),
            month_year,
        ),
        # in 2014: a bare four-digit number needs a temporal preposition before it
        (
            re.compile(
                rf"\b(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Tt]ill|[Ff]rom|[Dd]uring|[Bb]efore|[Aa]fter|"
                rf"[Bb]etween|[Tt]hrough|[Ee]arly|[Ll]ate|[Tt]he end of|[Tt]he year) (?P<d>(?P<year>{year}))\b(?!-\d)"
            ),
            year_only,
        ),
        (re.compile(rf"\b(?P<d>(?:(?P<mod>[Ll]ast|[Nn]ext|[Tt]his) )?(?P<wd>{_EN_WEEKDAY}))\b"), weekday),
        (
            re.compile(
                r"\b(?P<d>the day (?:before yesterday|after tomorrow)|[Yy]esterday|[Tt]oday|[Tt]onight|"
                r"[Tt]omorrow|[Tt]his (?:morning|afternoon|evening))\b"
            ),
            simple_day,
        ),
        (re.compile(rf"\b(?P<d>(?P<n>{_EN_NUMBER}) (?P<unit>days?|weeks?|months?|years?) ago)\b", re.I), ago),
        (
            re.compile(
                r"\b(?P<d>(?:(?:[Ee]arlier|[Ll]ater) )?(?P<which>[Ll]ast|[Pp]ast|[Pp]revious|[Nn]ext|"
                r"[Cc]oming|[Tt]his) (?P<unit>week|month|year))\b"
            ),
            relative_period,
        ),
    ]


def _ru_rules() -> list[Rule]:
    year = r"(?:1[89]\d\d|20\d\d)"
    day = r"(?:[12]\d|3[01]|0?[1-9])"
    year_word = r"(?: (?:года|году|год|г\.))?"

    def day_month(m: re.Match[str], pub: dt.date | None) -> Resolved:
        month = _ru_month(m["mon"])
        d = int(m["day"])
        y = int(m["year"]) if m["year"] else None
        if not _valid_day(y, month, d):
            return _INVALID
        return _month_day(month, d, y, pub)

    def month_year(m: re.Match[str], pub: dt.date | None) -> Resolved:
        return _month_only(_ru_month(m["mon"]), int(m["year"]) if m["year"] else None, pub)

    def year_only(m: re.Match[str], pub: dt.date | None) -> Resolved:
        return m["year"], "year"

    def weekday(m: re.Match[str], pub: dt.date | None) -> Resolved:
        mod = (m["mod"] or "").lower()
        mode = "last" if mod.startswith("прошл") else "next" if mod.startswith("следующ") else "recent"
        if pub is None:
            return None, "day"
        return _iso_day(_weekday(_RU_WEEKDAYS[m["wd"].lower()], pub, mode)), "day"

    def simple_day(m: re.Match[str], pub: dt.date | None) -> Resolved:
        offset = {"позавчера": -2, "вчера": -1, "сегодня": 0, "завтра": 1, "послезавтра": 2}[m["d"].lower()]
        return (_iso_day(pub + dt.timedelta(days=offset)) if pub else None), "day"

    def ago(m: re.Match[str], pub: dt.date | None) -> Resolved:
        n = 1 if not m["n"] else _count(m["n"], _RU_NUMBERS)
        unit = {"д": "day", "н": "week", "м": "month", "г": "year", "л": "year"}[m["unit"][0].lower()]
        if pub is None or n is None:
            return None, unit
        return _relative(pub, unit, -n), unit

    def relative_period(m: re.Match[str], pub: dt.date | None) -> Resolved:
        which = m["which"].lower()
        step = -1 if which.startswith("прошл") else 1 if which.startswith("следующ") else 0
        unit = {"н": "week", "м": "month", "г": "year"}[m["unit"][0].lower()]
        if pub is None:
            return None, unit
        return _relative(pub, unit, step), unit

    return [
        (
            re.compile(
                rf"(?<!\w)(?P<d>(?P<day>{day}) (?P<mon>{_RU_MONTH_GEN})(?: (?P<year>{year}){year_word})?)(?!\w)",
                re.I,
            ),
            day_month,
        ),
        (
            re.compile(
                rf"(?<!\w)(?P<d>(?P<mon>{_RU_MONTH_PREP}|{_RU_MONTH_GEN}) (?P<year>{year}){year_word})(?!\w)",
                re.I,
            ),
            month_year,
        ),
        (
            re.compile(
                rf"(?<!\w)(?:[Вв]|[Сс]|[Дд]о|[Кк]|[Нн]ачале|[Кк]онце|[Сс]ередине) (?P<d>(?P<mon>{_RU_MONTH_PREP}|{_RU_MONTH_GEN})(?P<year>))(?!\w)"
            ),
            month_year,
        ),
        (re.compile(rf"(?<!\w)(?P<d>(?P<year>{year}) (?:года|году|год|г\.))(?!\w)"), year_only),
        (re.compile(rf"(?<!\w)(?:[Вв]|[Сс]|[Дд]о|[Кк]) (?P<d>(?P<year>{year}))(?![\w-])"), year_only),
        (
            re.compile(
                rf"(?<!\w)(?:[Вв]о?|[Нн]а) (?P<d>(?:(?P<mod>прошл\w+|следующ\w+|эт\w+) )?(?P<wd>{_RU_WEEKDAY}))(?!\w)",
                re.I,
            ),
            weekday,
        ),
        (re.compile(r"(?<!\w)(?P<d>позавчера|вчера|сегодня|послезавтра|завтра)(?!\w)", re.I), simple_day),
        (
            re.compile(
                rf"(?<!\w)(?P<d>(?:(?P<n>{_RU_NUMBER}) )?(?P<unit>дн\w*|день|недел\w+|месяц\w*|год\w*|лет) назад)(?!\w)",
                re.I,
            ),
            ago,
        ),
        (
            re.compile(
                r"(?<!\w)(?P<d>(?:(?:ранее|позднее|позже) )?(?:на|в) (?P<which>прошл\w+|эт\w+|текущ\w+|следующ\w+) "
                r"(?P<unit>недел\w+|месяц\w*|году))(?!\w)",
                re.I,
            ),
            relative_period,
        ),
    ]


def _relative(pub: dt.date, unit: str, steps: int) -> str:
    if unit == "day":
        return _iso_day(pub + dt.timedelta(days=steps))
    if unit == "week":
        return _iso_week(pub + dt.timedelta(weeks=steps))
    if unit == "month":
        return _iso_month(*_shift_month(pub, steps))
    return f"{pub.year + steps:04d}"


_RULES: dict[str, list[Rule]] = {"en": _en_rules(), "ru": _ru_rules()}


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return bounds


# ----------------------------------------------------------------------------- public


def extract_dates(
    article_id: str, text: str, language: str | None, published: str | None
) -> list[DateMention]:
    """Date mentions in ``text``, in reading order, never overlapping.

    ``language`` picks the rule set ("ru" for Russian; anything else uses English,
    whose numeric/ISO forms are language-neutral). ``published`` (ISO date or
    datetime) anchors relative expressions; see the module docstring for the rules.
    """
    pub = parse_published(published)
    rules = _RULES["ru" if (language or "").lower().startswith("ru") else "en"]
    candidates: list[tuple[int, int, str | None, str]] = []
    for pattern, resolve in rules:
        for m in pattern.finditer(text):
            resolved = resolve(m, pub)
            if resolved is None:
                continue
            candidates.append((m.start("d"), m.end("d"), resolved[0], resolved[1]))
    # Longest match wins where candidates overlap ("3 March 2022" over "March 2022").
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    chosen: list[tuple[int, int, str | None, str]] = []
    for cand in candidates:
        if chosen and cand[0] < chosen[-1][1]:
            continue
        chosen.append(cand)

    event_re = _RU_EVENT if rules is _RULES["ru"] else _EN_EVENT
    sentences = _sentence_bounds(text)
    # whether a sentence tells of an event, read only for the sentences that hold a date (at most a
    # fifth of them in BASIL: searching every sentence was a quarter of this function's time)
    event_sentence: dict[int, bool] = {}
    out: list[DateMention] = []
    si = 0
    for start, end, value, gran in chosen:
        if gran == "":
            continue
        while si + 1 < len(sentences) and sentences[si][1] <= start:
            si += 1
        if si not in event_sentence:
            event_sentence[si] = bool(event_re.search(text, *sentences[si]))
        out.append(DateMention(article_id, start, end, text[start:end], value, gran, event_sentence[si]))
    return out
