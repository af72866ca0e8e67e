"""Compare two versions of a plan section by section, word by word."""
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

STATUSES = ("added", "removed", "changed", "unchanged")
SIMILARITY_THRESHOLD = 0.5

_TOKEN = re.compile(r"^\s+|\S+\s*")
_EXACT_LIMIT = 5000
_SIMILARITY_WORDS = 500
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@dataclass
class SectionChange:
    status: str  # "added", "removed", "changed" or "unchanged"
    number: str
    heading: str
    old_heading: str | None
    new_heading: str | None
    html: Markup


def diff_versions(old_sections: Sequence, new_sections: Sequence) -> list[SectionChange]:
    """Section changes in the new version's order, removed sections shown where they were."""
    old_sections, new_sections = list(old_sections), list(new_sections)
    pairs = match_sections(old_sections, new_sections)  # new index -> old index
    matched_old = set(pairs.values())

    # A removed section follows whichever new section took over the old section before it.
    new_for_old = {old: new for new, old in pairs.items()}
    leading, after = [], {}
    for old_index, section in enumerate(old_sections):
        if old_index in matched_old:
            continue
        anchor = next(
            (new_for_old[i] for i in range(old_index - 1, -1, -1) if i in new_for_old), None
        )
        (leading if anchor is None else after.setdefault(anchor, [])).append(section)

    changes = [_removed(section) for section in leading]
    for new_index, new in enumerate(new_sections):
        if new_index in pairs:
            changes.append(_compared(old_sections[pairs[new_index]], new))
        else:
            changes.append(_added(new))
        changes.extend(_removed(section) for section in after.get(new_index, []))
    return changes


def summary_counts(changes: Sequence[SectionChange]) -> dict:
    """How many sections were added, removed, changed and unchanged."""
    counts = dict.fromkeys(STATUSES, 0)
    for change in changes:
        counts[change.status] += 1
    return counts


def match_sections(old: list, new: list) -> dict[int, int]:
    """Which section of the old draft each section of the new one continues: new index -> old index."""
    pairs: dict[int, int] = {}

    def pair_by(key) -> None:
        free_old = [i for i in range(len(old)) if i not in pairs.values()]
        for n, section in enumerate(new):
            if n in pairs:
                continue
            wanted = key(section)
            if wanted is None:
                continue
            for o in free_old:
                if key(old[o]) == wanted:
                    pairs[n] = o
                    free_old.remove(o)
                    break

    pair_by(lambda s: (_number(s), _heading_key(s)))
    pair_by(_heading_key)
    # Content before number: when a section is deleted the ones after it are often renumbered,
    # and pairing by number alone would then report every later section as rewritten.
    _pair_by_similarity(old, new, pairs)
    pair_by(lambda s: _number(s) or None)
    return pairs


def _pair_by_similarity(old: list, new: list, pairs: dict[int, int]) -> None:
    free_new = [n for n in range(len(new)) if n not in pairs]
    free_old = [o for o in range(len(old)) if o not in pairs.values()]
    candidates = []
    for n in free_new:
        new_words = _words(new[n])
        for o in free_old:
            matcher = difflib.SequenceMatcher(None, _words(old[o]), new_words)
            # The quick upper bounds skip the expensive ratio() for obviously different pairs.
            if (
                matcher.real_quick_ratio() > SIMILARITY_THRESHOLD
                and matcher.quick_ratio() > SIMILARITY_THRESHOLD
                and matcher.ratio() > SIMILARITY_THRESHOLD
            ):
                candidates.append((-matcher.ratio(), n, o))
    used_old = set()
    for _, n, o in sorted(candidates):
        if n not in pairs and o not in used_old:
            pairs[n] = o
            used_old.add(o)


def _number(section) -> str:
    return (section.number or "").strip()


def _heading_key(section) -> str | None:
    return " ".join((section.heading or "").split()).casefold() or None


def _words(section) -> list[str]:
    # The opening words are enough to recognise a section, and bound the cost of comparing
    # every unmatched pair when a plan has been heavily rewritten.
    return f"{section.heading or ''} {section.body_markdown or ''}".split()[:_SIMILARITY_WORDS]


def _normalised_body(text: str | None) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _compared(old, new) -> SectionChange:
    old_body, new_body = _normalised_body(old.body_markdown), _normalised_body(new.body_markdown)
    same_heading = (old.heading or "").strip() == (new.heading or "").strip()
    status = "unchanged" if same_heading and old_body == new_body else "changed"
    return SectionChange(
        status=status, number=_number(new), heading=new.heading,
        old_heading=old.heading, new_heading=new.heading,
        html=_render([("equal", new_body)]) if status == "unchanged" else word_diff(old_body, new_body),
    )


def _added(new) -> SectionChange:
    return SectionChange(
        status="added", number=_number(new), heading=new.heading, old_heading=None,
        new_heading=new.heading, html=_render([("insert", _normalised_body(new.body_markdown))]),
    )


def _removed(old) -> SectionChange:
    return SectionChange(
        status="removed", number=_number(old), heading=old.heading, old_heading=old.heading,
        new_heading=None, html=_render([("delete", _normalised_body(old.body_markdown))]),
    )


def word_diff(old_text: str, new_text: str) -> Markup:
    """Escaped HTML of new_text with words removed since old_text in <del> and added in <ins>."""
    # Every line ends in a newline, so a deleted last line cannot run into the line before it.
    old_lines = (old_text + "\n").splitlines(keepends=True)
    new_lines = (new_text + "\n").splitlines(keepends=True)
    segments: list[tuple[str, str]] = []
    # Lines first, then words within changed lines: whole-text word diffs are slow on long plans.
    old_keys, new_keys = [line.strip() for line in old_lines], [line.strip() for line in new_lines]
    for op, i1, i2, j1, j2 in _opcodes(old_keys, new_keys):
        old_chunk, new_chunk = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            segments.append(("equal", new_chunk))
        elif op == "replace":
            segments.extend(_word_segments(old_chunk, new_chunk))
        else:
            segments.extend(_changed(old_chunk, new_chunk))
    return _render(segments)


def _word_segments(old_text: str, new_text: str) -> list[tuple[str, str]]:
    # Each token carries the whitespace after it, so "at home" -> "in the community" is one
    # replacement rather than alternating boxes, and spacing changes alone never show as edits.
    old_tokens, new_tokens = _TOKEN.findall(old_text), _TOKEN.findall(new_text)
    segments = []
    opcodes = _opcodes([t.strip() for t in old_tokens], [t.strip() for t in new_tokens])
    for op, i1, i2, j1, j2 in opcodes:
        old_piece, new_piece = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if op == "equal":
            segments.append(("equal", new_piece))
        else:
            segments.extend(_changed(old_piece, new_piece))
    return segments


def _changed(old_piece: str, new_piece: str) -> list[tuple[str, str]]:
    # The trailing space or line break goes outside the <del>/<ins> so the boxes hug the words.
    segments = []
    old_core, new_core = old_piece.rstrip(), new_piece.rstrip()
    if old_core:
        segments.append(("delete", old_core))
    if new_core:
        segments.append(("insert", new_core))
    trail = new_piece[len(new_core):] if new_piece else old_piece[len(old_core):]
    if trail:
        segments.append(("equal", trail))
    return segments


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes, with the common start and end trimmed off first to keep large diffs fast."""
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    middle_a, middle_b = a[prefix:len(a) - suffix], b[prefix:len(b) - suffix]
    # Exact matching is quadratic in repeated tokens; past this size accept difflib's heuristic.
    autojunk = max(len(middle_a), len(middle_b)) > _EXACT_LIMIT
    matcher = difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=autojunk)
    opcodes = []
    if prefix:
        opcodes.append(("equal", 0, prefix, 0, prefix))
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i1 == i2 and j1 == j2:
            continue
        opcodes.append((op, i1 + prefix, i2 + prefix, j1 + prefix, j2 + prefix))
    if suffix:
        opcodes.append(("equal", len(a) - suffix, len(a), len(b) - suffix, len(b)))
    return opcodes


def _render(segments: list[tuple[str, str]]) -> Markup:
    # Whitespace around an edit is shown as plain text and merged with its neighbours, so that a
    # blank line split across two segments is still seen as a paragraph break.
    flat: list[list[str]] = []
    for kind, text in segments:
        core = text.strip()
        if core:
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
            pieces = (("equal", lead), (kind, core), ("equal", trail))
        else:
            pieces = (("equal", text),)
        for piece_kind, piece in pieces:
            if not piece:
                continue
            if flat and flat[-1][0] == piece_kind:
                flat[-1][1] += piece
            else:
                flat.append([piece_kind, piece])

    if flat and flat[0][0] == "equal":
        flat[0][1] = flat[0][1].lstrip()
    if flat and flat[-1][0] == "equal":
        flat[-1][1] = flat[-1][1].rstrip()

    # Each blank-line break starts a new <p>; an <ins> or <del> that spans one is split in two.
    paragraphs: list[list[tuple[str, str]]] = [[]]
    for kind, text in flat:
        for i, piece in enumerate(_PARAGRAPH_BREAK.split(text)):
            if i:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append((kind, piece))
    html = []
    for paragraph in paragraphs:
        if not any(text.strip() for _, text in paragraph):
            continue
        inner = "".join(_wrap(kind, text) for kind, text in paragraph)
        html.append(f"<p>{inner.strip()}</p>")
    # bandit B704: reviewed, every text piece went through escape() in _wrap
    return Markup("\n".join(html))  # nosec B704


def _wrap(kind: str, text: str) -> str:
    # Single newlines matter in Markdown source (list items, table rows), so keep them visible.
    escaped = str(escape(text)).replace("\n", "<br>\n")
    if kind == "insert":
        return f"<ins>{escaped}</ins>"
    if kind == "delete":
        return f"<del>{escaped}</del>"
    return escaped
