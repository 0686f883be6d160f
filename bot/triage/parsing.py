"""Free-text answers to follow-up questions: yes/no, duration, severity, onset and trend.

Every function returns ``None`` when the text does not answer the question (so the bot can
ask again) and ``"unknown"`` when the person says they don't know. Buttons send their title
text, so pressing a button and typing the same words are parsed identically.

Where a reply could be read two ways, the parser prefers the more concerning reading
(a duration range counts as its longer end, "not getting better" counts as "same"), or
returns ``None`` to re-ask when "yes" and "no" cues conflict.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot.triage.entities import Entity, is_negated
from bot.triage.models import TREND_CONCERN, UNKNOWN, Answer, Duration, Onset, Severity, Trend
from bot.triage.questions import Question, question_by_id
from bot.vocabulary import ONSETS, TRENDS

# --------------------------------------------------------------------------- helpers

_WORD_NUMBERS: dict[str, float] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30,
}  # fmt: skip

_UNCERTAIN = re.compile(
    r"\bnot\s+(?:really\s+|very\s+|too\s+|so\s+)?(?:sure|certain)\b|\bunsure\b|\buncertain\b"
    r"|\b(?:i\s+)?(?:do\s*n'?o?t|dont)\s+know\b|\bdunno\b|\bidk\b|\bno\s+idea\b"
    r"|\bhard\s+to\s+(?:say|tell)\b|\bdifficult\s+to\s+(?:say|tell)\b"
    r"|\bcan'?\s*not\s+(?:say|tell|remember|be\s+sure)\b|\bcan'?t\s+(?:say|tell|remember|be\s+sure)\b"
    r"|\bdon'?t\s+remember\b|\bmaybe\b|\bperhaps\b|\bpossibly\b|\bunclear\b|^\s*\?+\s*$"
)


def normalise_text(text: str | None) -> str:
    """Lowercase, straight apostrophes and hyphens, single spaces."""
    if not text:
        return ""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    return " ".join(text.split())


def is_uncertain(text: str) -> bool:
    """True for "not sure", "don't know", "no idea", "hard to say", "maybe?" and the like."""
    return bool(_UNCERTAIN.search(normalise_text(text)))


def _active(entities: Iterable[Entity] | None, kind: str) -> list[Entity]:
    return [e for e in entities or () if e.get("entity") == kind and not is_negated(e)]


def _entity_texts(entities: Iterable[Entity] | None, kind: str) -> list[str]:
    texts = []
    for e in _active(entities, kind):
        for key in ("value", "text"):
            if isinstance(e.get(key), str) and e[key].strip():
                texts.append(e[key])
    return texts


# --------------------------------------------------------------------------- yes / no

_NO = re.compile(
    r"\b(?:i\s+)?do\s*n'?t\s+think\s+so\b|\bdont\s+think\s+so\b|\bnot\s+really\b"
    r"|\bnot\s+at\s+all\b|\bnot\s+that\s+i(?:'ve|\s+have)?\s+(?:noticed|know|seen)\b"
    r"|\bno+\b|\bnope\b|\bnah\b|\bnever\b|\bnone\b|\bnegative\b|\bnothing\s+like\s+that\b"
    r"|^/deny\b"
)
_YES = re.compile(
    r"\byes\b|\byeah\b|\byea\b|\byep\b|\byup\b|\baye\b|\bi\s+think\s+so\b|\bdefinitely\b"
    r"|\babsolutely\b|\bcorrect\b|\bthat'?s\s+right\b|\ba\s+(?:bit|little)\b|\bslightly\b"
    r"|\bsometimes\b|\bkind\s+of\b|\bsort\s+of\b|\bi\s+(?:have|do|did)\b|\bit\s+does\b"
    r"|\bsure\b|^/affirm\b"
)


def parse_yes_no(
    text: str,
    intent: str | None = None,
    entities: Iterable[Entity] | None = None,
    yes_symptoms: Iterable[str] = (),
) -> Answer | None:
    """ "yes"/"no"/"unknown", or ``None`` when the reply is not an answer or is contradictory.

    Uncertainty wins ("no idea" is not "no"); then the words themselves; then the NLU intent
    (affirm/deny); then a mentioned symptom that means yes ("my legs are numb").
    """
    clean = normalise_text(text)
    if clean and is_uncertain(clean):
        return UNKNOWN
    no_hit = bool(_NO.search(clean))
    yes_hit = bool(_YES.search(_NO.sub(" ", clean)))
    if no_hit and not yes_hit:
        return "no"
    if yes_hit and not no_hit:
        return "yes"
    if yes_hit and no_hit:
        first = clean.split()[0].strip(",.!") if clean else ""
        if first in {"yes", "yeah", "yep", "yup", "yea"}:
            return "yes"
        if first in {"no", "nope", "nah"}:
            return "no"
        return None
    if intent == "affirm":
        return "yes"
    if intent == "deny":
        return "no"
    wanted = set(yes_symptoms)
    if wanted and any(e.get("value") in wanted for e in _active(entities, "symptom")):
        return "yes"
    return None


_LEADING_YES = frozenset(
    {"yes", "yeah", "yep", "yup", "yea", "ya", "yh", "aye", "y", "definitely", "absolutely",
     "correct", "sure", "affirmative", "/affirm"}
)  # fmt: skip
_LEADING_NO = frozenset({"no", "nope", "nah", "nay", "n", "never", "none", "nothing", "negative",
                         "/deny"})  # fmt: skip
_SHORT_REPLY_WORDS = 5


def leading_hedge(text: str) -> bool:
    """True when a reply starts with "not sure", "dunno", "maybe" and the like."""
    clean = normalise_text(text)
    match = _UNCERTAIN.search(clean)
    return bool(match) and len(clean[: match.start()].split()) <= 2


def leading_yes_no(text: str) -> Answer | None:
    """The yes or no a reply starts with ("yes, since Tuesday", "no, it's fine"), if any.

    Also a short reply ("I think so", "not really") that is only a yes or a no.
    """
    clean = normalise_text(text)
    if not clean or leading_hedge(clean):
        return None
    first = re.split(r"[\s,.!;:]+", clean, maxsplit=1)[0]
    if first in _LEADING_YES:
        return "yes"
    if first in _LEADING_NO or re.match(r"not\s+(?:really|at\s+all)\b", clean):
        return "no"
    if len(clean.split()) <= _SHORT_REPLY_WORDS and not is_uncertain(clean):
        no_hit = bool(_NO.search(clean))
        yes_hit = bool(_YES.search(_NO.sub(" ", clean)))
        if no_hit != yes_hit:
            return "no" if no_hit else "yes"
    return None


# --------------------------------------------------------------------------- duration

_DAY = 1.0
_UNITS: dict[str, float] = {
    "minute": 1 / 1440, "min": 1 / 1440, "mins": 1 / 1440, "minutes": 1 / 1440,
    "hour": 1 / 24, "hours": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24, "h": 1 / 24,
    "day": 1, "days": 1, "d": 1, "night": 1, "nights": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "w": 7,
    "fortnight": 14, "fortnights": 14,
    "month": 30, "months": 30, "mo": 30, "mos": 30, "mth": 30, "mths": 30, "mnth": 30,
    "year": 365, "years": 365, "yr": 365, "yrs": 365,
}  # fmt: skip
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_QUANT = (
    r"(?:\d+(?:\.\d+)?|a\s+couple\s+of|a\s+couple|couple\s+of|a\s+few|few|several|a|an|one"
    r"|half\s+an?|" + "|".join(_WORD_NUMBERS) + r")"
)
_QUANTITY = re.compile(
    rf"\b(?P<low>{_QUANT})(?:\s*(?:-|to|or)\s*(?P<high>{_QUANT}))?(?:(?<=\d)\s*|\s+)"
    rf"(?P<unit>{_UNIT_RE})\b"
    r"(?P<half>\s+and\s+a\s+half)?"
)
_FIXED_DURATIONS: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p), v)
    for p, v in (
        (r"\bless\s+than\s+(?:a|one|1)\s+week\b|\bunder\s+a\s+week\b", 3.0),
        (r"\b1\s*-\s*4\s+weeks\b|\bone\s+to\s+four\s+weeks\b", 14.0),
        (r"\b(?:more|longer)\s+than\s+(?:a|one|1)\s+month\b|\bover\s+a\s+month\b", 45.0),
        (r"\b(?:more|longer)\s+than\s+(?:a|one|1)\s+week\b|\bover\s+a\s+week\b", 10.0),
        (r"\bless\s+than\s+(?:a|one|1)\s+month\b|\bunder\s+a\s+month\b", 14.0),
        (r"\bless\s+than\s+(?:a|one|1)\s+day\b|\bunder\s+a\s+day\b", 0.5),
    )
)
_RELATIVE: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p), v)
    for p, v in (
        (r"\b(?:since\s+)?(?:this\s+(?:morning|afternoon|evening)|today|tonight|just\s+now"
         r"|earlier\s+today|last\s+night|few\s+hours)\b", 0.5),
        (r"\b(?:one|an?|the|that|just\s+(?:one|the))\s+(?:evening|afternoon|morning|night)\b", 0.5),
        (r"\b(?:since\s+)?(?:yesterday|the\s+day\s+before)\b", 1.0),
        (r"\b(?:since\s+)?(?:the|last)\s+weekend\b", 3.0),
        (r"\b(?:since\s+)?last\s+week\b|\ba\s+week\s+ago\b", 7.0),
        (r"\b(?:since\s+)?last\s+month\b", 30.0),
        (r"\b(?:since\s+)?last\s+year\b", 365.0),
        (r"\b(?:for\s+)?ages\b|\ba\s+long\s+time\b|\bforever\b|\bages\s+ago\b", 60.0),
        (r"\ball\s+day\b", 0.5),
        (r"\ba\s+while\b", 30.0),
        (r"\b(?:for\s+|over\s+)?(?:many\s+)?years\b", 365.0),
        (r"\b(?:for\s+|over\s+)?(?:many\s+)?months\b", 60.0),
        (r"\b(?:for\s+|over\s+)?(?:many\s+)?weeks\b", 14.0),
        (r"\b(?:for\s+|over\s+the\s+last\s+)?(?:few\s+)?days\b", 3.0),
    )
)  # fmt: skip
#: "day 2", "the third day": how many days it has lasted.
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "2nd": 2, "3rd": 3,
             "4th": 4, "5th": 5, "6th": 6}  # fmt: skip
_DAY_ORDINAL = re.compile(
    r"\bday\s+(?P<n>\d{1,2})\b|\b(?P<nth>" + "|".join(_ORDINALS) + r")\s+day\b"
)
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}


def _quantity(word: str) -> float:
    word = " ".join(word.split())
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    if word in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[word])
    if "couple" in word:
        return 2.0
    if "few" in word:
        return 3.0
    if word == "several":
        return 4.0
    if word.startswith("half"):
        return 0.5
    return 1.0  # a, an, one


def _since_date(clean: str, today: date) -> float | None:
    match = re.search(r"\bsince\s+(?:last\s+)?(" + "|".join(_WEEKDAYS) + r")\b", clean)
    if match:
        delta = (today.weekday() - _WEEKDAYS[match.group(1)]) % 7
        return float(delta or 7)
    match = re.search(
        r"\bsince\s+(?:early\s+|mid\s+|late\s+)?(" + "|".join(_MONTHS) + r")\b", clean
    )
    if match:
        month = _MONTHS[match.group(1)]
        year = today.year if month <= today.month else today.year - 1
        return float(max((today - date(year, month, 1)).days, 1))
    return None


#: Vague relative phrases ("for weeks", "a while", "most days"): fine as an answer to "how
#: long?", too vague to correct a duration stated elsewhere.
_VAGUE_RELATIVE_FROM = 7


def parse_duration(
    text: str | None, today: date | None = None, *, strict: bool = False
) -> Duration:
    """Days since the symptom started: "about 3 weeks" -> 21, "since yesterday" -> 1.

    Ranges count as their longer end ("2-3 weeks" -> 21); buttons map to a representative
    value ("1-4 weeks" -> 14). Returns "unknown" for "not sure" and None for no answer.
    ``strict`` ignores vague phrases ("for weeks", "most days"), for corrections found in a
    reply to another question.
    """
    clean = normalise_text(text)
    if not clean:
        return None
    for pattern, days in _FIXED_DURATIONS:
        if pattern.search(clean):
            return days
    best: float | None = None
    for match in _QUANTITY.finditer(clean):
        unit = _UNITS[match.group("unit")]
        amount = _quantity(match.group("high") or match.group("low"))
        if match.group("half"):
            amount += 0.5
        value = amount * unit
        best = value if best is None else max(best, value)
    if best is not None:
        return round(best, 4)
    ordinal = _DAY_ORDINAL.search(clean)
    if ordinal:
        word = ordinal.group("n") or ordinal.group("nth")
        return float(_ORDINALS.get(word, word)) if word in _ORDINALS or word.isdigit() else None
    since = _since_date(clean, today or date.today())
    if since is not None:
        return since
    for index, (pattern, days) in enumerate(_RELATIVE):
        if strict and index >= _VAGUE_RELATIVE_FROM:
            break
        if pattern.search(clean):
            return days
    return UNKNOWN if is_uncertain(clean) and not strict else None


# --------------------------------------------------------------------------- severity

_SEVERITY_BUTTONS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\bmild\s*\(\s*1\s*-\s*3\s*\)"), 2),
    (re.compile(r"\bmoderate\s*\(\s*4\s*-\s*6\s*\)"), 5),
    (re.compile(r"\bsevere\s*\(\s*7\s*-\s*10\s*\)"), 8),
)
_SEVERITY_WORDS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p), v)
    for p, v in (
        (r"\bworst\b|\bunbearable\b|\bexcruciating\b|\bagony\b|\bagonising\b|\bagonizing\b"
         r"|\bcan'?t\s+bear\b|\bthe\s+most\b", 10),
        (r"\bnot\s+(?:too|that|so|very)?\s*bad\b|\bnot\s+severe\b", 2),
        (r"\b(?:really|very|so|extremely)\s+(?:bad|painful|sore)\b|\bsevere(?:ly)?\b|\bterrible\b"
         r"|\bawful\b|\bhorrible\b|\bhorrendous\b|\bextreme\b|\bintense\b|\bdreadful\b", 8),
        (r"\b(?:pretty|quite|fairly|rather)\s+(?:bad|painful|sore)\b|\bbad\b", 6),
        (r"\bmoderate\b|\bmedium\b|\bmiddling\b|\bso-so\b|\bin\s+between\b|\bmanageable\b"
         r"|\bbearable\b|\bnoticeable\b", 5),
        (r"\bmild\b|\bslight(?:ly)?\b|\ba\s+(?:little|bit)\b|\bminor\b|\bniggl\w*\b|\blow\b"
         r"|\bnot\s+much\b", 2),
        (r"\bnone\b|\bno\s+pain\b|\bnothing\b", 0),
    )
)  # fmt: skip
_OUT_OF_TEN = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:/|out\s+of|outta|from|of|on)\s*10\b")
_BARE_NUMBER = re.compile(
    r"(?<![\d./])\b(\d{1,2}(?:\.\d+)?)\b(?![\d./]|\s*(?:%|" + _UNIT_RE + r")\b)"
)


def _words_to_digits(clean: str) -> str:
    return re.sub(
        r"\b(" + "|".join(_WORD_NUMBERS) + r")\b", lambda m: str(int(_WORD_NUMBERS[m[1]])), clean
    )


def parse_severity(text: str | None, *, strict: bool = False) -> Severity:
    """Severity 0-10: "7/10" -> 7, "pretty bad, maybe 7" -> 7, "mild" -> 2, "worst ever" -> 10.

    ``strict`` accepts only "N/10" / "N out of 10" (used for corrections in free text, where a
    bare number may mean anything).
    """
    clean = normalise_text(text)
    if not clean:
        return None
    for pattern, value in _SEVERITY_BUTTONS:
        if pattern.search(clean):
            return value
    digits = _words_to_digits(clean)
    scored = [float(m) for m in _OUT_OF_TEN.findall(digits)]
    if scored:
        return min(10, round(max(scored)))
    if strict:
        return None
    numbers = [float(m) for m in _BARE_NUMBER.findall(digits) if float(m) <= 10]
    if numbers:
        return round(max(numbers))
    for pattern, value in _SEVERITY_WORDS:
        if pattern.search(clean):
            return value
    return UNKNOWN if is_uncertain(clean) else None


# --------------------------------------------------------------------------- onset, trend

_ONSET_GRADUAL = re.compile(
    r"\b(?:not|wasn'?t|isn'?t|didn'?t\s+come\s+on)\s+(?:all\s+of\s+a\s+)?sudden(?:ly)?\b|\bgradual(?:ly)?\b|\bslow(?:ly)?\b"
    r"|\bover\s+(?:the\s+)?(?:last\s+)?(?:few\s+|several\s+|many\s+|a\s+few\s+)?(?:days|weeks|months|years|time)\b"
    r"|\bbit\s+by\s+bit\b|\blittle\s+by\s+little\b|\bcre(?:pt|eps?|eping)\b|\bbuil(?:t|ds?|ding)\s+up\b"
    r"|\bsteadily\b|\bprogressive(?:ly)?\b|\bgradual\b"
)
_ONSET_SUDDEN = re.compile(
    r"\bsudden(?:ly)?\b|\bout\s+of\s+(?:the\s+)?(?:nowhere|blue)\b|\ball\s+at\s+once\b"
    r"|\bovernight\b|\binstant(?:ly)?\b|\bcame\s+on\s+(?:fast|quickly|at\s+once)\b"
    r"|\bquick(?:ly)?\b|\bin\s+(?:a\s+few\s+)?(?:seconds|minutes)\b|\babrupt(?:ly)?\b"
    r"|\bthunderclap\b|\bstraight\s+away\b|\bwithout\s+warning\b|\bfrom\s+nowhere\b"
)


def parse_onset(text: str | None) -> Onset:
    """ "suddenly"/"out of nowhere" -> sudden; "gradually"/"slowly"/"over weeks" -> gradual."""
    clean = normalise_text(text)
    if not clean:
        return None
    if _ONSET_GRADUAL.search(clean):
        stripped = _ONSET_GRADUAL.sub(" ", clean)
        return "sudden" if _ONSET_SUDDEN.search(stripped) else "gradual"
    if _ONSET_SUDDEN.search(clean):
        return "sudden"
    return UNKNOWN if is_uncertain(clean) else None


_TREND_NOT_WORSE = re.compile(
    r"\b(?:not|isn'?t|hasn'?t|no)\s+(?:(?:getting|got|gotten|been|any|really|much)\s+)*worse\b"
)
_TREND_NOT_BETTER = re.compile(
    r"\b(?:not|isn'?t|hasn'?t|no)\s+(?:(?:getting|got|gotten|been|any|really|much)\s+)*"
    r"(?:better|improv\w*)\b"
)
_TREND_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), v)
    for p, v in (
        (r"\bcomes?\s+and\s+goes?\b|\bcoming\s+and\s+going\b|\bon\s+and\s+off\b|\boff\s+and\s+on\b"
         r"|\bintermittent\w*\b|\bvar(?:ies|iable)\b|\bup\s+and\s+down\b|\bsome\s+days\b"
         r"|\bnow\s+and\s+(?:then|again)\b|\bfluctuat\w*\b|\bgoes\s+away\s+and\s+comes\s+back\b",
         "comes and goes"),
        (r"\bworse\b|\bworsening\b|\bdeteriorat\w*\b|\bincreas\w*\b|\bspreading\b|\bgrowing\b"
         r"|\bmore\s+(?:painful|often|intense|frequent)\b", "worse"),
        (r"\bbetter\b|\bimprov\w*\b|\beas(?:ing|ed)\b|\bsettl\w*\b|\bgoing\s+away\b|\bfading\b"
         r"|\bless\s+(?:painful|often|intense|frequent)\b|\bsubsid\w*\b|\bclearing\s+up\b"
         r"|\bhealing\b|\bgetting\s+less\b|\bloosening\b|\bwearing\s+off\b"
         r"|\b(?:it'?s|it\s+has|it\s+had|it\s+was|was)\s+(?:all\s+)?gone\b|\bgone\s+(?:now|today)\b"
         r"|\ball\s+gone\b|\bfine\s+(?:now|today)\b|\bback\s+to\s+normal\b|\bwent\s+away\b",
         "better"),
        (r"\bsame\b|\bno\s+change\b|\bnot\s+changed\b|\bunchanged\b|\bhasn'?t\s+changed\b"
         r"|\bstable\b|\bsteady\b|\bconstant\b|\bno\s+different\b|\bsimilar\b|\bstayed\b"
         r"|\bpersistent\b|\ball\s+the\s+time\b", "same"),
    )
)  # fmt: skip


#: "worse at night", "better when I rest": when it is worse, not whether it is getting worse.
_SITUATIONAL = re.compile(
    r"\b(?:worse|worst|better|easier)\s+(?:when|with|if|on|at|after|during|lying|in|first|than"
    r"|for|before|while|as|by|going|walking|sitting|standing|bending|moving|doing|off)\b"
)


def parse_trend(text: str | None, *, strict: bool = False) -> Trend:
    """Worse / same / better / comes and goes. "not getting better" counts as "same".

    ``strict`` ignores "worse when ..."/"better at ..." (when it hurts, not how it changes),
    for corrections found in a reply to another question.
    """
    clean = normalise_text(text)
    if strict:
        clean = _SITUATIONAL.sub(" ", clean)
    if not clean:
        return None
    negated_same = bool(_TREND_NOT_WORSE.search(clean) or _TREND_NOT_BETTER.search(clean))
    stripped = _TREND_NOT_BETTER.sub(" ", _TREND_NOT_WORSE.sub(" ", clean))
    for pattern, value in _TREND_PATTERNS:
        if value == "better" and negated_same:
            continue
        if pattern.search(stripped):
            return value  # type: ignore[return-value]
    if negated_same:
        return "same"
    return UNKNOWN if is_uncertain(clean) else None


# --------------------------------------------------------------------------- entry points

_ONSET_ENTITY = {value: value for value in ONSETS}
_TREND_ENTITY = {value: value for value in TRENDS}


def _most_concerning_trend(values: Iterable[str]) -> Trend:
    values = [v for v in values if v in TREND_CONCERN]
    return max(values, key=TREND_CONCERN.__getitem__) if values else None  # type: ignore[return-value]


def _entity_value(entities: Iterable[Entity] | None, kind: str, table: Mapping[str, str]) -> Any:
    values = [
        table[str(e.get("value")).lower()]
        for e in _active(entities, kind)
        if str(e.get("value")).lower() in table
    ]
    if not values:
        return None
    if kind == "trend":
        return _most_concerning_trend(values)
    return "sudden" if "sudden" in values else values[0]


def _max_known(values: Iterable[Any]) -> Any:
    known = [v for v in values if v is not None and v != UNKNOWN]
    if known:
        return max(known)
    return UNKNOWN if any(v == UNKNOWN for v in values) else None


def parse_answer(
    question: Question | str,
    text: str | None,
    intent: str | None = None,
    entities: Iterable[Entity] | None = None,
    *,
    today: date | None = None,
) -> Any:
    """The answer ``text`` gives to ``question`` (a Question or its id), or None to re-ask.

    yes_no -> "yes" | "no" | "unknown"; duration -> days (float) | "unknown";
    severity -> 0-10 | "unknown"; onset -> "sudden" | "gradual" | "unknown";
    trend -> "worse" | "same" | "better" | "comes and goes" | "unknown".
    Entities from the NLU (duration, severity, onset, trend, symptom) are used first where
    relevant; entities with role "negated" are ignored.
    """
    if isinstance(question, str):
        question = question_by_id(question)
    entities = list(entities or ())
    text = text or ""
    if question.type == "yes_no":
        return parse_yes_no(text, intent, entities, question.yes_symptoms)
    if question.type == "duration":
        found = [parse_duration(t, today) for t in _entity_texts(entities, "duration")]
        value = _max_known(found)
        return value if value not in (None, UNKNOWN) else parse_duration(text, today)
    if question.type == "severity":
        found = [parse_severity(t) for t in _entity_texts(entities, "severity")]
        value = _max_known(found)
        return value if value not in (None, UNKNOWN) else parse_severity(text)
    if question.type == "onset":
        return _entity_value(entities, "onset", _ONSET_ENTITY) or parse_onset(text)
    if question.type == "trend":
        return _entity_value(entities, "trend", _TREND_ENTITY) or parse_trend(text)
    raise ValueError(f"unknown question type {question.type!r}")


#: A date of something past ("two years ago", "last year", "in 2019"): when the message also
#: says how long the symptom has lasted, a long one of these is the history, not the symptom.
_PAST_EVENT = re.compile(r"\bago\b|\blast\s+year\b|\b(?:19|20)\d\d\b")
_PAST_EVENT_DAYS = 180


def is_past_event(text: str, days: float) -> bool:
    """True when a duration of ``days`` in ``text`` dates something long past ("two years ago")."""
    return days >= _PAST_EVENT_DAYS and bool(_PAST_EVENT.search(text.lower()))


#: A severity word ("very bad") counts when it is this close to a symptom (characters).
_SEVERITY_NEAR = 40


def symptom_durations(texts: Iterable[str], today: date | None = None) -> list[float]:
    """The durations (days) that say how long the symptom has lasted."""
    parsed = [(t, parse_duration(t, today, strict=True)) for t in texts]
    known = [(t, d) for t, d in parsed if isinstance(d, float)]
    past = [d for t, d in known if is_past_event(t, d)]
    rest = [d for t, d in known if not is_past_event(t, d)]
    return rest if rest else past


def is_stated_severity(entity: Mapping[str, Any], entities: list[Mapping[str, Any]]) -> bool:
    """A severity entity that rates a symptom: "7/10" always, "very bad" next to a symptom
    ("the pillow was very bad" rates the pillow).
    """
    if entity.get("entity") != "severity":
        return False
    if "10" in str(entity.get("value") or entity.get("text") or "") or not isinstance(
        entity.get("start"), int
    ):
        return True
    return any(
        e.get("entity") == "symptom"
        and isinstance(e.get("start"), int)
        and abs(int(e["start"]) - int(entity["start"])) <= _SEVERITY_NEAR
        for e in entities
    )


def parse_corrections(
    text: str | None, entities: Iterable[Entity] | None = None, *, today: date | None = None
) -> dict[str, Any]:
    """Duration, severity, onset and trend stated anywhere in a message, whatever was asked.

    For "actually it started last week". Keys are ``Findings`` field names
    (``duration_days``, ``severity``, ``onset``, ``trend``) so the result can be passed to
    ``dataclasses.replace(findings, **corrections)``. Uncertainty is not a correction, and a
    bare number counts as a severity only when written as "N/10" or "N out of 10".
    """
    entities = list(entities or ())
    clean = normalise_text(text)
    result: dict[str, Any] = {}

    durations = symptom_durations(_entity_texts(entities, "duration"), today)
    duration = _max_known(durations)
    if duration in (None, UNKNOWN) and clean:
        duration = parse_duration(clean, today, strict=True)
    if duration not in (None, UNKNOWN):
        result["duration_days"] = duration

    active = _active(entities, "severity")
    rated = [
        parse_severity(str(e.get("value") or e.get("text")))
        for e in active
        if is_stated_severity(e, list(entities))
    ]
    severity = _max_known(rated)
    if severity in (None, UNKNOWN) and clean:
        severity = parse_severity(clean, strict=True)
    if severity not in (None, UNKNOWN):
        result["severity"] = severity

    onset = _entity_value(entities, "onset", _ONSET_ENTITY) or (
        parse_onset(clean) if clean else None
    )
    if onset not in (None, UNKNOWN):
        result["onset"] = onset

    trend = (
        None if _SITUATIONAL.search(clean) else _entity_value(entities, "trend", _TREND_ENTITY)
    ) or (parse_trend(clean, strict=True) if clean else None)
    if trend not in (None, UNKNOWN):
        result["trend"] = trend
    return result
