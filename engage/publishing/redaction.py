"""Personal details in what people said: find them, then hide them before publication.

`find_personal_details(text)` suggests spans an officer confirms or rejects;
`apply_redactions(text, spans)` replaces confirmed spans with a short notice
such as "[phone number removed]". Both are pure functions on strings (no Flask,
no database), so they can run over a whole consultation in a background job.

Detection leans towards suggesting: an officer rejects a wrong suggestion in one
click, while a missed phone number gets published. Where a cheap check removes
obvious false alarms it is applied: NHS and CHI numbers must pass their modulus
11 check, CHI numbers must start with a real date, phone numbers must have the
length and leading digits of a UK number, and names are only suggested next to
a cue (a title, "my name is", a sign-off) because without one a capitalised word
is as likely to be a place, a service or the start of a sentence.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from engage.i18n import N_

KINDS = ("email", "phone", "postcode", "nhs_number", "chi_number", "ni_number", "url", "name")

REPLACEMENTS = {
    "email": N_("[email removed]"),
    "phone": N_("[phone number removed]"),
    "postcode": N_("[postcode removed]"),
    "nhs_number": N_("[NHS number removed]"),
    "chi_number": N_("[CHI number removed]"),
    "ni_number": N_("[National Insurance number removed]"),
    "url": N_("[link removed]"),
    "name": N_("[name removed]"),
    "other": N_("[details removed]"),
}
FALLBACK_REPLACEMENT = REPLACEMENTS["other"]

# When two candidates cover the same characters the longer wins; on a tie the
# kind earlier here wins (checksum-validated numbers are the most certain).
_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("nhs_number", "chi_number", "ni_number", "email", "url", "phone", "postcode", "name"))}


@dataclass(frozen=True, order=True)
class Span:
    """A suggested redaction: characters text[start:end] of one kind, with a plain-English reason."""

    start: int
    end: int
    kind: str
    text: str
    reason: str


# ---------------------------------------------------------------------------
# Checksums


def _mod11_check_digit(digits: str) -> int | None:
    """The modulus 11 check digit of nine digits (weights 10..2); None when no check digit can be valid."""
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, range(10, 1, -1))) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def _ten_digits(digits: str) -> str | None:
    """The ten digits of a number written with optional spaces or dashes, or None."""
    compact = digits.replace(" ", "").replace("-", "")
    if len(compact) != 10 or not compact.isascii() or not compact.isdigit():
        return None
    return compact


def valid_nhs_number(digits: str) -> bool:
    """Whether ten digits (spaces and dashes allowed) pass the NHS number modulus 11 check."""
    compact = _ten_digits(digits)
    if compact is None:
        return False
    return _mod11_check_digit(compact[:9]) == int(compact[9])


_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_ddmmyy(six: str) -> bool:
    """Whether six digits are a real date DDMMYY (29 February only in years divisible by four)."""
    day, month, year = int(six[:2]), int(six[2:4]), int(six[4:6])
    if not 1 <= month <= 12 or day < 1 or day > _DAYS_IN_MONTH[month - 1]:
        return False
    # The century is unknown; 00 counts as a leap year because 2000 was one.
    return not (month == 2 and day == 29 and year % 4 != 0)


def valid_chi_number(digits: str) -> bool:
    """Whether ten digits (spaces and dashes allowed) are a CHI number: a DDMMYY date, then the modulus 11 check."""
    compact = _ten_digits(digits)
    if compact is None:
        return False
    return _valid_ddmmyy(compact[:6]) and _mod11_check_digit(compact[:9]) == int(compact[9])


# ---------------------------------------------------------------------------
# Patterns, compiled once at import: the detector runs over every item of a consultation.
#
# Speed: a pattern that opens with a lookbehind or \b makes the regex engine try
# a full match at every character. So each pattern opens with a plain character
# or class and checks "not glued to the previous word" just after it, as a
# lookbehind over that first character ("0(?<!\w.)"); the engine then skips
# straight to possible starts, about five times faster. Case-insensitive cues
# ("my name is", "Kind regards") are searched for in the lower-cased text for
# the same reason, and the name after them in the text itself.

_EMAIL = re.compile(
    r"[A-Za-z0-9](?<![A-Za-z0-9._%+-].)[A-Za-z0-9._%+'-]*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
    r"(?![A-Za-z0-9-])"
)

_URL = re.compile(r"(?<![\w@.])(?:[Hh][Tt][Tt][Pp][Ss]?://|[Ww][Ww][Ww]\.)[^\s<>\"]+")
_URL_TRAILING = ".,;:!?'\")]}’”"

# A phone candidate starts at +44, 0044, (0 or 0 not glued to a word, an amount
# or a decimal; its digit runs are then checked in Python (_phone_span).
_NOT_GLUED = r"(?<![\w£$€/+\-].)(?<![0-9][.,].)"
_INTERNATIONAL_TAIL = r"[ ]?44[ ]?(?:\(0\)[ ]?)?"
_PHONE = re.compile(
    rf"(?P<prefix>\+{_NOT_GLUED}{_INTERNATIONAL_TAIL}|0{_NOT_GLUED}0{_INTERNATIONAL_TAIL}"
    rf"|\({_NOT_GLUED}0|0{_NOT_GLUED})"
    r"(?P<body>[0-9]+(?:(?:[ \u00a0.\-–]|\)[ \u00a0]?)[0-9]+)*)"
)
_DIGIT_RUN = re.compile(r"[0-9]+")
# UK numbers never start 04 or 06.
_PHONE_SECOND_DIGITS = frozenset("1235789")

# Ten digits as 3-3-4 (one separator style throughout) or 6-4 (how CHI numbers are often written).
_TEN_DIGITS = re.compile(
    r"[0-9](?<![\w£$€+].)(?<![0-9][.,].)"
    r"(?:[0-9]{2}(?P<sep>[ \-]?)[0-9]{3}(?P=sep)[0-9]{4}|[0-9]{5}[ \-][0-9]{4})"
    r"(?![\w£$€])(?![.,][0-9])"
)

# The official prefix rules: first letter not D F I Q U V, second not D F I O Q U V,
# and never BG GB KN NK NT TN ZZ; then six digits and a suffix A-D.
_NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ ]?[0-9]{2}[ ]?[0-9]{2}[ ]?[0-9]{2}[ ]?[A-D]"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Six digits and a suffix: a cheap test, starting at a digit, that an NI number could be there at all.
_NI_GATE = re.compile(r"[0-9]{2}[ ]?[0-9]{2}[ ]?[0-9]{2}[ ]?[A-Da-d]")

# Full postcodes only (an outward code alone, "EH1", names an area, not a person).
# The inward code (digit, two letters, never C I K M O V) is found first, then
# the outward code is tried just before it.
_INWARD_CODE = re.compile(r"[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}(?![A-Za-z0-9])")
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?|GIR)"
    r"[ \u00a0]?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_HAS_DIGIT = re.compile(r"[0-9]")


# --- names -----------------------------------------------------------------


def _at_word_start(phrases: Iterable[str]) -> str:
    """An alternation of phrases that matches only at the start of a word, opening with a plain letter."""
    by_first: dict[str, list[str]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        rest = r"[ \t]+".join(re.escape(word) for word in phrase[1:].split(" "))
        by_first.setdefault(phrase[0], []).append(rest)
    return "|".join(rf"{re.escape(first)}(?<!\w.)(?:{'|'.join(rests)})" for first, rests in by_first.items())


_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# A capitalised name token: Smith, O'Neill, McDonald, Smith-Jones, Siân; or an
# initial ("J." or "J") when another capitalised word follows.
_TOKEN = (
    rf"(?:(?:Mc|Mac|O['’]|D['’])?[{_UPPER}][{_LOWER}]+(?:[\-'’][{_UPPER}][{_LOWER}]+)*"
    rf"|[{_UPPER}]\.?(?=[ \t]+[{_UPPER}]))"
)
_NAME = rf"(?P<name>{_TOKEN}(?:[ \t]+{_TOKEN}){{0,2}})"
_TITLES = (
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Doctor", "Prof", "Professor", "Sister", "Nurse",
    "Councillor", "Cllr", "Rev", "Revd", "Reverend", "Father", "Sir", "Dame",
)
_TITLE = "|".join(sorted(_TITLES, key=len, reverse=True))
# "Nurse Practitioner Jones": a role between the title and the name stays in the text.
_ROLES = "Practitioner|Specialist|Consultant|Manager|Prescriber|Registrar|Lecturer"
_AFTER_TITLE = re.compile(rf"(?P<cue>{_at_word_start(_TITLES)})\b\.?(?:[ \t]+(?:{_ROLES}))?[ \t]+{_NAME}")

_RELATIONS = (
    "husband", "wife", "partner", "son", "daughter", "mum", "mam", "mother", "dad", "father",
    "brother", "sister", "carer", "friend", "neighbour", "gran", "granny", "grandad", "grandma",
    "grandpa", "nan", "nana", "grandson", "granddaughter", "uncle", "aunt", "auntie", "cousin",
    "nephew", "niece", "boyfriend", "girlfriend", "fiancé", "fiancée", "stepson", "stepdaughter",
)
_CLOSINGS = (
    "kind regards", "best regards", "warm regards", "warmest regards", "many regards", "regards",
    "best wishes", "with best wishes", "all the best", "many thanks", "thanks again", "with thanks",
    "thanks", "thank you", "yours sincerely", "yours faithfully", "yours truly", "sincerely", "cheers",
)

# Cues, searched for in the lower-cased text.
_RELATION_CUE = re.compile(
    rf"(?:{_at_word_start(('my', 'our'))})[ \t]+(?:late[ \t]+)?"
    rf"(?:{'|'.join(sorted(_RELATIONS, key=len, reverse=True))})\b"
)
_INTRODUCTIONS = ("my name is", "my name's", "my name’s", "i am called", "i'm called", "i’m called", "call me")
_INTRODUCTION_CUE = re.compile(rf"(?:{_at_word_start(_INTRODUCTIONS)})\b")
_THIS_IS_CUE = re.compile(rf"(?:{_at_word_start(('this is',))})\b")
_NAME_FIELD_CUE = re.compile(rf"(?:{_at_word_start(('full name', 'name'))})\b")
_CLOSING_CUE = re.compile(rf"(?:{_at_word_start(_CLOSINGS)})\b")

# Names, matched in the text right after a cue.
_NAME_AFTER = re.compile(rf",?[ \t]+{_NAME}")
_NAME_THEN_FROM = re.compile(rf"[ \t]+{_NAME}[ \t]+(?i:from)\b")
_NAME_AFTER_COLON = re.compile(rf"[ \t]*:[ \t]*{_NAME}")
# A sign-off: the name alone on the rest of the closing's line or on the next one.
_SIGN_OFF_NAME = re.compile(
    rf"[ \t]*[,.!]?[ \t]*(?:\r?\n[ \t]*){{0,2}}(?:(?:{_TITLE})\.?[ \t]+)?"
    rf"(?P<name>{_TOKEN}(?:[ \t]+{_TOKEN}){{0,3}})[ \t]*[.!]?[ \t]*\r?$",
    re.MULTILINE,
)
# "— J. Smith" or "-- Jane" as the last line. (A single hyphen starts list items, so it is not a cue.)
_DASH_SIGNATURE = re.compile(
    rf"(?:^|\n)[ \t]*(?:—|–|--)[ \t]*(?:(?:{_TITLE})\.?[ \t]+)?"
    rf"(?P<name>{_TOKEN}(?:[ \t]+{_TOKEN}){{0,3}})\s*\Z"
)

# Capitalised words that follow a cue but are not names ("Nurse Practitioner",
# "Dr Appointment", "Kind regards, The Carers Centre"). A name stops at the first.
_NOT_NAMES = frozenset("""
    A An The And But Or So If Then When While As At In On Of To For From With By About After
    Before Also Just Only Very Not No Yes Please Thanks Thank Hi Hello Dear Regards Kind Best
    Many Yours Cheers Sincerely Again Too Anyway Sorry Ok Okay
    I Im We You He She They It Its This That These Those There Here Who What Which Where Why
    How My Our Your His Her Their Me Us Him Them Everyone Everybody All Someone Anyone
    Is Was Are Were Be Been Has Have Had Do Did Does Can Could Will Would Should May Might
    Must Said Says Told Asked Came Comes Went Saw Gave Got Gets Made Makes Visited Called
    Phoned Rang Helped Explained Always Never Still
    Mr Mrs Ms Miss Mx Dr Doctor Prof Professor Sister Nurse Councillor Cllr Rev Revd Reverend
    Father Sir Dame Madam Lord Lady
    Appointment Appointments Practitioner Practitioners Specialist Specialists Consultant
    Consultants Manager Managers Led Prescriber Prescribing Team Teams Staff Service Services
    Surgery Surgeries Practice Practices Clinic Clinics Hospital Hospitals Ward Wards Unit Units
    Department Departments Centre Centres Center Group Groups Forum Council Partnership Trust
    Board Association Society Network Committee Church Club Charity Limited Ltd Health Care
    Carers Carer Social Community Residents Family Families Patients Patient Users Visits Visit
    Home Office Phone Telephone Email Online Support Plan Strategy Consultation Scotland
    England Wales Ireland Britain Road Street Lane
""".split())
_WORD = re.compile(r"\S+")


def _starts_line(text: str, position: int, after_sentence: bool = False) -> bool:
    """Whether only spaces stand between `position` and the start of its line (or, optionally, the end of a sentence)."""
    index = position - 1
    while index >= 0 and text[index] in " \t":
        index -= 1
    return index < 0 or text[index] == "\n" or (after_sentence and text[index] in ".!?")


# (cue in the lower-cased text, name in the text after it, reason, the name must fill its line,
#  where the cue must stand: anywhere, at a line start, or at a line or sentence start)
_CUED_NAMES = (
    (_RELATION_CUE, ("my", "our"), _NAME_AFTER,
     "Looks like the name of someone the writer knows (after “{cue}”)", False, None),
    (_INTRODUCTION_CUE, ("name", "call"), _NAME_AFTER, "Looks like a name (after “{cue}”)", False, None),
    (_THIS_IS_CUE, ("this is",), _NAME_THEN_FROM, "Looks like a name (“{cue} … from”)", False, None),
    (_NAME_FIELD_CUE, ("name",), _NAME_AFTER_COLON, "Looks like a name (after “{cue}:”)", False, "line"),
    (_CLOSING_CUE, ("regards", "thank", "wishes", "the best", "sincerely", "faithfully", "truly", "cheers"),
     _SIGN_OFF_NAME, "Looks like a name signing off the message (after “{cue}”)", True, "sentence"),
)


# ---------------------------------------------------------------------------
# Detectors: each yields candidate Spans; overlaps are resolved afterwards.


def _emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        yield Span(match.start(), match.end(), "email", match.group(), "Looks like an email address")


def _urls(text: str) -> Iterator[Span]:
    for match in _URL.finditer(text):
        link = match.group()
        # Trailing punctuation usually ends the sentence, not the link; a closing
        # bracket belongs to the link only when the link opened one.
        while link and link[-1] in _URL_TRAILING:
            if link[-1] == ")" and link.count("(") >= link.count(")"):
                break
            link = link[:-1]
        address = link.split("://", 1)[1] if "://" in link else link[4:]
        if not any(character.isalnum() for character in address):
            continue
        yield Span(match.start(), match.start() + len(link), "url", link, "Looks like a web link")


def _phone_span(text: str, match: re.Match) -> tuple[int, int, str] | None:
    """Where a phone-number candidate really is a UK phone number: its start, end and national digits."""
    prefix = match.group("prefix")
    body = match.group("body")
    runs = [(match.start("body") + run.start(), run.group()) for run in _DIGIT_RUN.finditer(body)]
    # A ")" is part of a number only when it closes "(0131)"; anywhere else it ends the number.
    bracketed = prefix.startswith("(")
    kept = [runs[0]]
    for position, digits in runs[1:]:
        between = text[kept[-1][0] + len(kept[-1][1]) : position]
        if ")" in between and not (bracketed and len(kept) == 1):
            break
        kept.append((position, digits))
    start = match.start()
    if bracketed:
        area_end = kept[0][0] + len(kept[0][1])
        if len(kept) == 1 or ")" not in text[area_end : kept[1][0]]:
            start += 1  # "(0131 536 1000)": the bracket is the sentence's
    international = prefix.startswith(("+", "00"))
    if len(kept[0][1]) < 2:  # "01 02 2023" is a date; area codes have at least three digits
        return None
    national = ""
    while kept:
        digits = "".join(run for _, run in kept)
        national = digits if international and digits.startswith("0") else "0" + digits
        if len(national) <= 11:
            break
        kept.pop()  # "0131 536 1000 2 times": the trailing run is not part of it
    if not kept or len(national) not in (10, 11) or national[1] not in _PHONE_SECOND_DIGITS:
        return None
    end = kept[-1][0] + len(kept[-1][1])
    after = text[end : end + 2]
    if after[:1].isalnum() or (after[:1] in ("/", ".", ",", ":") and after[1:2].isdigit()):
        return None
    return start, end, national


def _phones(text: str) -> Iterator[Span]:
    position = 0
    while (match := _PHONE.search(text, position)) is not None:
        found = _phone_span(text, match)
        if found is None:
            # A later run of this candidate may still start a number ("01 0131 536 1000").
            position = match.start() + 1
            continue
        start, end, national = found
        kind = "mobile phone number" if national.startswith("07") else "phone number"
        yield Span(start, end, "phone", text[start:end], f"Looks like a UK {kind}")
        position = end


def _ten_digit_numbers(text: str) -> Iterator[Span]:
    for match in _TEN_DIGITS.finditer(text):
        number = match.group()
        # A CHI number is an NHS-style number whose first six digits are a date of
        # birth. NHS numbers issued in England and Wales start with 4, 6 or 7, so
        # never look like a date: a number passing both checks is a CHI number.
        if valid_chi_number(number):
            yield Span(match.start(), match.end(), "chi_number", number,
                       "Looks like a CHI number (starts with a date of birth; checksum valid)")
        elif valid_nhs_number(number):
            yield Span(match.start(), match.end(), "nhs_number", number,
                       "Looks like an NHS number (checksum valid)")


def _ni_numbers(text: str) -> Iterator[Span]:
    for match in _NI_NUMBER.finditer(text):
        yield Span(match.start(), match.end(), "ni_number", match.group(),
                   "Looks like a National Insurance number")


def _postcodes(text: str) -> Iterator[Span]:
    done = 0
    for inward in _INWARD_CODE.finditer(text):
        # The outward code and an optional space take two to five characters.
        for start in range(max(done, inward.start() - 5), inward.start() - 1):
            match = _POSTCODE.match(text, start)
            if match is not None and match.end() == inward.end():
                yield Span(start, match.end(), "postcode", match.group(), "Looks like a full UK postcode")
                done = match.end()
                break


def _name_length(name: str, whole: bool) -> int | None:
    """How much of `name` is name words, up to the first word that is not a name; None when none is.

    With `whole` (a sign-off line) any such word means the line is not a name at all.
    """
    kept = []
    for word in _WORD.finditer(name):
        # A single letter is only matched as an initial (before another capitalised
        # word), so "Dr A Patel" keeps its "A" although "A" is in the list.
        if len(word.group().rstrip(".")) > 1 and word.group() in _NOT_NAMES:
            if whole:
                return None
            break
        kept.append(word)
    if not kept or all(len(word.group().rstrip(".")) == 1 for word in kept):
        # Lone initials ("Dr J") are too little to identify anyone and too often a typo.
        return None
    return kept[-1].end()


def _name_span(match: re.Match, cue: str, reason: str, whole: bool) -> Iterator[Span]:
    name = match.group("name")
    length = _name_length(name, whole)
    if length is not None:
        start = match.start("name")
        yield Span(start, start + length, "name", name[:length], reason.format(cue=" ".join(cue.split())))


def _lower_same_length(text: str) -> str:
    """The text lower-cased, character for character, so offsets in it are offsets in the text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters ("İ") lower-case to two; those stay as they are.
    return "".join(character.lower() if len(character.lower()) == 1 else character for character in text)


def _names(text: str, lowered: str) -> Iterator[Span]:
    for match in _AFTER_TITLE.finditer(text):
        yield from _name_span(match, match.group("cue"), "Looks like a name after the title “{cue}”", False)
    for cue_pattern, hints, name_pattern, reason, whole, where in _CUED_NAMES:
        # A plain substring test first: most feedback has none of these cues.
        if not any(hint in lowered for hint in hints):
            continue
        for cue in cue_pattern.finditer(lowered):
            if where is not None and not _starts_line(text, cue.start(), after_sentence=where == "sentence"):
                continue
            match = name_pattern.match(text, cue.end())
            if match is not None:
                yield from _name_span(match, text[cue.start() : cue.end()], reason, whole)
    if "—" in text or "–" in text or "--" in text:
        for match in _DASH_SIGNATURE.finditer(text):
            yield from _name_span(match, "", "Looks like a name signing off the message", True)


def _resolve(candidates: list[Span]) -> list[Span]:
    """Non-overlapping spans in text order: longer first, then the more specific kind."""
    chosen: list[Span] = []
    for candidate in sorted(candidates, key=lambda span: (span.start - span.end, _PRIORITY[span.kind], span.start)):
        if all(candidate.end <= kept.start or candidate.start >= kept.end for kept in chosen):
            chosen.append(candidate)
    chosen.sort()
    return chosen


def find_personal_details(text: str) -> list[Span]:
    """Suggested redactions in a text: sorted, non-overlapping Spans of the kinds in KINDS."""
    if not text:
        return []
    lowered = _lower_same_length(text)
    candidates = list(_names(text, lowered))
    if "@" in text:
        candidates += _emails(text)
    if "://" in text or "www." in lowered:
        candidates += _urls(text)
    # Every other kind needs a digit; most feedback has none.
    if _HAS_DIGIT.search(text):
        candidates += _ten_digit_numbers(text)
        candidates += _phones(text)
        if _NI_GATE.search(text):
            candidates += _ni_numbers(text)
        candidates += _postcodes(text)
    if len(candidates) <= 1:
        return candidates
    return _resolve(candidates)


def apply_redactions(text: str, spans: Iterable, replacement_for: Mapping[str, str] | None = None) -> str:
    """The text with each span replaced by a notice for its kind; overlapping spans are merged first.

    `spans` are Spans or anything with start, end and kind (a Redaction row works);
    `replacement_for` maps a kind to the notice to use instead of REPLACEMENTS.
    Raises ValueError for a span outside the text, which would hide the wrong words.
    """
    notices = {**REPLACEMENTS, **(replacement_for or {})}
    merged: list[list] = []  # [start, end, kind of the longest member, its length]
    for span in sorted(spans, key=lambda span: (span.start, -span.end)):
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"span {span.start}-{span.end} is outside a text of length {len(text)}")
        length = span.end - span.start
        if merged and span.start < merged[-1][1]:
            region = merged[-1]
            region[1] = max(region[1], span.end)
            if length > region[3]:
                region[2], region[3] = span.kind, length
        else:
            merged.append([span.start, span.end, span.kind, length])
    if not merged:
        return text
    pieces = []
    position = 0
    for start, end, kind, _ in merged:
        pieces.append(text[position:start])
        pieces.append(notices.get(kind, FALLBACK_REPLACEMENT))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
