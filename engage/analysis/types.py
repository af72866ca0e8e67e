"""Plain data shared across the analysis pipeline: themes of a codebook and tag suggestions."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Theme:
    """One theme of a codebook: an id, a name, a description and the keywords that signal it."""

    id: Hashable
    name: str
    description: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Suggestion:
    """A suggested tag: the theme, a confidence in [0, 1] and the item's words behind it.

    `source` says what produced it ("model" for the trained suggester,
    "codebook" for keyword matching) so officers and the method note can tell.
    """

    theme: Hashable
    confidence: float
    words: tuple[str, ...] = ()
    source: str = "model"


def as_themes(codebook: Iterable[Theme | Mapping] | None) -> list[Theme]:
    """Accept a codebook as Theme objects or dicts (id, name, description, keywords)."""
    themes: list[Theme] = []
    for entry in codebook or ():
        if isinstance(entry, Theme):
            themes.append(entry)
            continue
        name = str(entry.get("name") or "")
        theme_id = entry.get("id", name)
        keywords = entry.get("keywords") or ()
        if isinstance(keywords, str):
            keywords = [part for part in keywords.replace(";", ",").split(",")]
        themes.append(
            Theme(
                id=theme_id,
                name=name,
                description=str(entry.get("description") or ""),
                keywords=tuple(keyword.strip() for keyword in keywords if keyword and keyword.strip()),
            )
        )
    ids = [theme.id for theme in themes]
    if len(set(ids)) != len(ids):
        raise ValueError("codebook theme ids must be unique")
    return themes
