"""Turn notes typed or pasted at an engagement event into feedback items: plain data in and out.

One non-blank line is one note. A line may start with a bullet ("- ", "* ", "• ", "1. ")
and a section marker ("S3:", "s3 -", "[S3]", "Section 3:"), and end with how many people
made the point ("(x12)", "(×12)", "(12 people)"). Nothing here touches Flask or the database,
so the rules can be tested on strings; checking that a section exists is done against a list
of section numbers the caller supplies.
"""
import re
from dataclasses import dataclass

MAX_NOTE_CHARS = 5000
MAX_NOTES = 2000
MAX_SPEAKS_FOR = 100_000
# Characters that show nothing: a line of only these (and spaces) is blank.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
# How many problems to spell out in one message before "and N more".
MAX_PROBLEMS_SHOWN = 5

_SECTION_NUMBER = r"(\d{1,3}(?:\.\d{1,3}){0,3})"
# Bullets people type or paste from Word: "- ", "* ", "• ", "◦ ", "– ", "1. ", "2) ", and Word's
# second-level "o" followed by a tab. A bullet is followed by white space or the end of the line,
# so "-5 degrees" and "2.5 million" are text, not bullets.
_BULLET = re.compile(r"^(?:[-*•◦▪‣–—+]|\d{1,3}[.)]|o(?=\t))(?:\s+|$)")
_SECTION_MARKERS = (
    re.compile(r"^\[\s*(?:s|section)\s*" + _SECTION_NUMBER + r"\s*\]\s*", re.IGNORECASE),
    re.compile(r"^(?:s|section\s*)\s*" + _SECTION_NUMBER + r"\s*:\s*", re.IGNORECASE),
    re.compile(r"^(?:s|section\s*)\s*" + _SECTION_NUMBER + r"(?:\s+[-–—]|\s*[-–—](?=\s|$))\s*",
               re.IGNORECASE),
)
# "(x12)", "(X 12)", "(×12)", "(12x)", "(12 people)", "(1 person)", optionally followed by a full stop.
_COUNT = re.compile(
    r"\s*\(\s*(?:[x×]\s*(\d+)|(\d+)\s*[x×]|(\d+)\s*(?:people|persons|person|ppl))\s*\)[.;,]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedNote:
    """One note: its words, the plan section it is about, how many people it speaks for, where it was."""

    text: str
    section_number: str | None = None
    speaks_for: int = 1
    line_number: int = 0


@dataclass(frozen=True)
class NoteProblem:
    """Why one line (or row) cannot become a note; line_number is None for the whole text."""

    line_number: int | None
    message: str


class NoteError(ValueError):
    """Notes that cannot be added, with a problem for each line that needs fixing."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(summarise(self.problems))

    @property
    def line_numbers(self):
        """The lines (or rows) that need fixing."""
        return [problem.line_number for problem in self.problems if problem.line_number is not None]


def summarise(problems):
    """One message for the field: the first few problems, then how many more."""
    shown = [problem.message for problem in problems[:MAX_PROBLEMS_SHOWN]]
    hidden = len(problems) - len(shown)
    if hidden:
        shown.append(f"There {'is' if hidden == 1 else 'are'} {hidden} more "
                     f"problem{'' if hidden == 1 else 's'} like this.")
    return " ".join(shown)


def normalise_section_number(number):
    """"03" and "3." and "3" are the same section; "3.1" stays "3.1"."""
    parts = str(number).strip().rstrip(".").split(".")
    if not parts or not all(part.strip().isdigit() for part in parts):
        return None
    return ".".join(str(int(part)) for part in parts)


def is_blank(line):
    """True for a line with nothing to see: spaces, tabs, byte order marks, zero-width spaces."""
    return not _visible(line)


def _visible(line):
    return line.strip().strip(_INVISIBLE).strip()


def _strip_bullets(text):
    while True:
        text = _visible(text)
        match = _BULLET.match(text)
        if not match:
            return text
        text = text[match.end():]


def _count_value(match):
    digits = next(group for group in match.groups() if group is not None)
    # Python refuses to read thousands of digits as a number; anything this long is out of range anyway.
    return int(digits) if len(digits) <= 7 else MAX_SPEAKS_FOR + 1


def parse_line(line, line_number, label="Line"):
    """One line as a note, or a NoteProblem saying why it cannot be one."""
    text = _strip_bullets(_visible(line))
    section_number = None
    for marker in _SECTION_MARKERS:
        match = marker.match(text)
        if match:
            section_number = normalise_section_number(match.group(1))
            text = _strip_bullets(text[match.end():])
            break
    speaks_for = 1
    count = _COUNT.search(text)
    if count:
        speaks_for = _count_value(count)
        text = text[:count.start()]
    text = _visible(text)
    where = f"{label} {line_number}"
    if count and not 1 <= speaks_for <= MAX_SPEAKS_FOR:
        return NoteProblem(line_number, f"{where}: the number of people must be from 1 to "
                                        f"{MAX_SPEAKS_FOR:,}.")
    if not text:
        return NoteProblem(line_number, f"{where} has a bullet, section or count but no note. "
                                        "Add the note or delete the line.")
    if not any(ch.isalnum() for ch in text):
        return NoteProblem(line_number, f"{where} has no words in it. Add the note or delete the line.")
    if len(text) > MAX_NOTE_CHARS:
        return NoteProblem(line_number, f"{where} is longer than {MAX_NOTE_CHARS:,} characters. "
                                        "Split it into shorter notes.")
    return ParsedNote(text=text, section_number=section_number, speaks_for=speaks_for,
                      line_number=line_number)


def parse_notes(text, label="Line"):
    """Every non-blank line as a note, in order; NoteError naming each line that cannot be one."""
    notes, problems = [], []
    for line_number, line in enumerate((text or "").splitlines(), start=1):
        if is_blank(line):
            continue
        parsed = parse_line(line, line_number, label)
        (problems if isinstance(parsed, NoteProblem) else notes).append(parsed)
    if len(notes) + len(problems) > MAX_NOTES:
        problems.insert(0, NoteProblem(None, f"Enter {MAX_NOTES:,} notes or fewer at a time."))
    if problems:
        raise NoteError(problems)
    return notes


def parse_rows(rows, label="Row"):
    """Spreadsheet rows (row number, text, section, speaks for) as notes, through the same rules as lines.

    The section and speaks-for cells may be blank (then the text's own marker or count is used),
    numbers, or text such as "S3" and "12".
    """
    notes, problems = [], []
    for row_number, text, section_cell, speaks_for_cell in rows:
        text = _cell_text(text)
        section_cell, speaks_for_cell = _cell_text(section_cell), _cell_text(speaks_for_cell)
        if not text.strip():
            if section_cell or speaks_for_cell:
                problems.append(NoteProblem(row_number, f"{label} {row_number} has no note in the first column."))
            continue
        parsed = parse_line(" ".join(text.split()), row_number, label)
        if isinstance(parsed, NoteProblem):
            problems.append(parsed)
            continue
        section_number, problem = _section_cell(section_cell, parsed, label)
        speaks_for, count_problem = _speaks_for_cell(speaks_for_cell, parsed, label)
        if problem or count_problem:
            problems.extend(p for p in (problem, count_problem) if p)
            continue
        notes.append(ParsedNote(parsed.text, section_number, speaks_for, row_number))
    if len(notes) + len(problems) > MAX_NOTES:
        problems.insert(0, NoteProblem(None, f"The file has more than {MAX_NOTES:,} notes. Split it into "
                                             "smaller files."))
    if problems:
        raise NoteError(problems)
    return notes


def _cell_text(value):
    """A cell as text: 3 and 3.0 both read "3"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _section_cell(cell, parsed, label):
    if not cell:
        return parsed.section_number, None
    match = re.fullmatch(r"(?:\[\s*)?(?:s|section)?\s*" + _SECTION_NUMBER + r"\.?(?:\s*\])?", cell,
                         re.IGNORECASE)
    where = f"{label} {parsed.line_number}"
    if not match:
        return None, NoteProblem(parsed.line_number,
                                 f"{where}: the section must be a section number, like 3 or 3.1.")
    number = normalise_section_number(match.group(1))
    if parsed.section_number and parsed.section_number != number:
        return None, NoteProblem(parsed.line_number, f"{where} names section {parsed.section_number} in "
                                                     f"the note and section {number} in the section column.")
    return number, None


def _speaks_for_cell(cell, parsed, label):
    if not cell:
        return parsed.speaks_for, None
    typed = re.sub(r"[\s,]", "", cell)
    where = f"{label} {parsed.line_number}"
    if not typed.isdigit() or not 1 <= int(typed) <= MAX_SPEAKS_FOR:
        return None, NoteProblem(parsed.line_number, f"{where}: speaks for must be a whole number from 1 "
                                                     f"to {MAX_SPEAKS_FOR:,}.")
    return int(typed), None


def check_sections(notes, section_numbers, label="Line"):
    """NoteError naming each note whose section is not one of section_numbers (those of the latest draft)."""
    known = {normalise_section_number(number) for number in section_numbers} - {None}
    problems = []
    for note in notes:
        if note.section_number is None or note.section_number in known:
            continue
        where = f"{label} {note.line_number}"
        if known:
            problems.append(NoteProblem(note.line_number, f"{where}: there is no section {note.section_number} "
                                                          "in the latest draft of the plan."))
        else:
            problems.append(NoteProblem(note.line_number, f"{where} names section {note.section_number}, but "
                                                          "the plan has no numbered sections yet."))
    if problems:
        raise NoteError(problems)


def format_note(note):
    """The note as one line that parse_line reads back as the same note."""
    prefix = f"[S{note.section_number}] " if note.section_number else ""
    # A count is written when the text itself ends like a count, so the parser leaves the text alone.
    suffix = f" (x{note.speaks_for})" if note.speaks_for != 1 or _COUNT.search(note.text) else ""
    return f"{prefix}{note.text}{suffix}"


def split_parts(text):
    """The parts of a note an officer split with blank lines, each trimmed; blank parts dropped."""
    parts, current = [], []
    for line in (text or "").splitlines():
        if is_blank(line):
            if current:
                parts.append("\n".join(current).strip())
                current = []
        else:
            current.append(line.rstrip())
    if current:
        parts.append("\n".join(current).strip())
    return parts


def merged_text(texts):
    """The texts of notes merged into one, in order, joined by a space."""
    return " ".join(text.strip() for text in texts if text and text.strip())
