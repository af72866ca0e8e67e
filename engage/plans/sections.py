"""Split a draft plan written in Markdown into numbered sections."""
import re
from dataclasses import dataclass

MAX_HEADING_CHARS = 300
INTRODUCTION = "Introduction"

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-{2,})[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Three digits at most, so that "2025 to 2028 priorities" keeps its year.
_NUMBERED = re.compile(
    r"^(?:(?:section|part|chapter)\s+)?"
    r"(\d{1,3}(?:\.\d{1,3}){0,3})"
    # "3. X", "3 X", "3: X", "3) X", "3 - X", "3.X" but not "3-year plan" or "3.5m funding".
    r"(?:\.?\s*[:)]\s*|\s+[-\u2013\u2014]\s+|\.?\s+|\.(?=[^\W\d_]))"
    r"(\S.*)$",
    re.IGNORECASE,
)
# Only when the whole heading is wrapped: "*a* and *b*" must stay as it is.
_WRAPPING_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)([^\s*_](?:[^*_]*[^\s*_])?)\1$")


@dataclass(frozen=True)
class SectionDraft:
    number: str
    heading: str
    body_markdown: str


@dataclass
class _Heading:
    line: int  # index of the heading text line
    end: int  # index of the last line belonging to the heading (the underline for Setext)
    level: int
    text: str


def split_into_sections(markdown_text: str) -> list[SectionDraft]:
    """Sections at the top heading level (below a lone title heading); text before them is "Introduction"."""
    lines = _normalise(markdown_text)
    if not any(lines):
        return []
    headings = _find_headings(lines)
    title = _document_title(headings)
    if title:
        # The title line is dropped like a Word "Title" paragraph: the consultation has its own.
        lines = lines[:title.line] + [""] * (title.end + 1 - title.line) + lines[title.end + 1:]
        headings = headings[1:]
    if headings:
        top = min(h.level for h in headings)
        headings = [h for h in headings if h.level == top]

    parts = []  # (heading text or None for the introduction, body lines)
    first = headings[0].line if headings else len(lines)
    if any(line.strip() for line in lines[:first]):
        parts.append((None, lines[:first]))
    for i, heading in enumerate(headings):
        stop = headings[i + 1].line if i + 1 < len(headings) else len(lines)
        parts.append((heading.text, lines[heading.end + 1:stop]))

    numbered = [_split_number(text) if text is not None else None for text, _ in parts]
    any_explicit = any(n and n[0] for n in numbered)
    sections = []
    for position, ((text, body), split) in enumerate(zip(parts, numbered)):
        if text is None:
            number, heading = "", INTRODUCTION
        else:
            number, heading = split
        if not number and not any_explicit:
            number = str(position + 1)
        sections.append(SectionDraft(
            number=number,
            heading=heading[:MAX_HEADING_CHARS].rstrip(),
            body_markdown=_join_body(body),
        ))
    return sections


def _document_title(headings: list[_Heading]) -> _Heading | None:
    """The first heading, if it is the only one at the top level and others follow it."""
    if len(headings) < 2:
        return None
    first = headings[0]
    if all(h.level > first.level for h in headings[1:]):
        return first
    return None


def _normalise(text: str) -> list[str]:
    if not text:
        return []
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def _find_headings(lines: list[str]) -> list[_Heading]:
    headings = []
    code_lines = set()  # fences and their contents: never headings, never above a Setext underline
    fence = None
    for i, line in enumerate(lines):
        if fence:
            code_lines.add(i)
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            continue
        match = _FENCE.match(line)
        if match:
            code_lines.add(i)
            fence = match.group(1)
            continue
        match = _ATX.match(line)
        if match:
            text = _clean_heading(match.group(2) or "")
            if text:
                headings.append(_Heading(i, i, len(match.group(1)), text))
            continue
        if (
            i > 0 and _SETEXT.match(line) and lines[i - 1].strip()
            and i - 1 not in code_lines
            and not (headings and headings[-1].end == i - 1)
            and _starts_block(lines, i - 1, headings)
        ):
            text = _clean_heading(lines[i - 1])
            if text:
                level = 1 if line.strip()[0] == "=" else 2
                headings.append(_Heading(i - 1, i, level, text))
    return headings


def _starts_block(lines: list[str], index: int, headings: list[_Heading]) -> bool:
    # Python-Markdown only treats "Text\n---" as a heading when Text opens its block; otherwise
    # the dashes are a horizontal rule under a paragraph.
    if index == 0 or not lines[index - 1].strip():
        return True
    return bool(headings) and headings[-1].end == index - 1


def _clean_heading(text: str) -> str:
    text = " ".join(text.split())
    match = _WRAPPING_EMPHASIS.match(text)
    return match.group(2) if match else text


def _split_number(heading: str) -> tuple[str, str]:
    match = _NUMBERED.match(heading)
    if match:
        return match.group(1), match.group(2).strip()
    return "", heading


def _join_body(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")
