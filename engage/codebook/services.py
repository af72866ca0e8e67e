"""The codebook: create, edit, order, merge, split, archive and restore themes; add starter codebooks.

Like every service: take models and plain values, flush, never commit; the request
commits once. Tags are moved with set-based statements so that merging a theme with
tens of thousands of tags stays a handful of queries.
"""
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import aliased

from engage.audit import record
from engage.codebook import starters
from engage.extensions import db
from engage.models import FeedbackItem, Tag, Theme

PAGE_SIZE = 50
# When an item ends up with two tags of one theme in one coding pass, the stronger stays.
TAG_STRENGTH = {"confirmed": 3, "suggested": 2, "rejected": 1}
PATH_SEPARATOR = " › "


class CodebookError(Exception):
    """A change the codebook cannot take (the message says why, for the officer; field says which answer)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass
class ThemeDetails:
    """What an officer types about a theme."""

    name: str
    description: str = ""
    keywords: str = ""
    parent_id: int | None = None


@dataclass
class ThemeNode:
    """A live theme with its live sub-themes, for the tree."""

    theme: Theme
    children: list = field(default_factory=list)
    # Set when the theme's parent is archived: it is shown at the top, with a note.
    orphan_of: Theme | None = None


@dataclass
class Codebook:
    """A consultation's whole codebook, arranged for showing."""

    roots: list
    archived: list
    merged: list
    by_id: dict
    counts: dict

    def path(self, theme):
        """"Parent › Child" for a theme."""
        return theme_path(theme, self.by_id)

    @property
    def live_count(self):
        """How many themes can be applied."""
        return sum(1 for theme in self.by_id.values() if is_live(theme))


# Reading ----------------------------------------------------------------------------------------

def is_live(theme):
    """Whether the theme can be applied (not archived, not merged away)."""
    return not theme.archived and theme.merged_into_id is None


def all_themes(consultation):
    """Every theme of the consultation, archived and merged too, in codebook order."""
    return (Theme.query.filter_by(consultation_id=consultation.id)
            .order_by(Theme.position, Theme.name, Theme.id).all())


def tag_counts(consultation):
    """{theme id: {"confirmed": n, "suggested": n}} for the primary coding pass, in one grouped query."""
    rows = db.session.execute(
        select(Tag.theme_id, Tag.status, func.count())
        .join(Theme, Theme.id == Tag.theme_id)
        .where(Theme.consultation_id == consultation.id, Tag.coding_pass == "primary",
               Tag.status.in_(("confirmed", "suggested")))
        .group_by(Tag.theme_id, Tag.status))
    counts = {}
    for theme_id, status, count in rows:
        counts.setdefault(theme_id, {"confirmed": 0, "suggested": 0})[status] = count
    return counts


def theme_path(theme, by_id):
    """"Parent › Child" for a theme, from a map of the codebook's themes by id."""
    names, seen, current = [], set(), theme
    while current is not None and current.id not in seen:
        seen.add(current.id)
        names.append(current.name)
        current = by_id.get(current.parent_id) if current.parent_id else None
    return PATH_SEPARATOR.join(reversed(names))


def codebook(consultation):
    """The codebook as a tree of live themes, plus the archived and merged ones, with tag counts."""
    themes = all_themes(consultation)
    by_id = {theme.id: theme for theme in themes}
    nodes = {theme.id: ThemeNode(theme) for theme in themes if is_live(theme)}
    roots = []
    for theme in themes:
        node = nodes.get(theme.id)
        if node is None:
            continue
        parent = by_id.get(theme.parent_id) if theme.parent_id else None
        if parent is None:
            roots.append(node)
        elif parent.id in nodes:
            nodes[parent.id].children.append(node)
        else:
            node.orphan_of = parent
            roots.append(node)
    archived = [theme for theme in themes if theme.archived and theme.merged_into_id is None]
    merged = [theme for theme in themes if theme.merged_into_id is not None]
    return Codebook(roots=roots, archived=archived, merged=merged, by_id=by_id, counts=tag_counts(consultation))


def descendant_ids(theme, themes=None):
    """Ids of every theme below this one (children, their children, ...)."""
    themes = themes if themes is not None else all_themes(theme.consultation)
    children = {}
    for other in themes:
        children.setdefault(other.parent_id, []).append(other.id)
    found, queue = set(), list(children.get(theme.id, ()))
    while queue:
        theme_id = queue.pop()
        if theme_id not in found:
            found.add(theme_id)
            queue.extend(children.get(theme_id, ()))
    return found


def parent_choices(consultation, theme=None):
    """[(id, path)] of live themes a theme may sit under: never itself or one of its own sub-themes."""
    themes = all_themes(consultation)
    by_id = {other.id: other for other in themes}
    excluded = set()
    if theme is not None:
        excluded = {theme.id} | descendant_ids(theme, themes)
    choices = [(other.id, theme_path(other, by_id)) for other in themes
               if is_live(other) and other.id not in excluded]
    # An archived parent stays on offer for the theme already under it.
    if theme is not None and theme.parent_id and theme.parent_id not in {choice[0] for choice in choices}:
        parent = by_id.get(theme.parent_id)
        if parent is not None:
            choices.append((parent.id, theme_path(parent, by_id) + " (archived)"))
    return sorted(choices, key=lambda choice: choice[1].lower())


def sibling_with_name(consultation, name, parent_id, exclude_id=None):
    """A theme with this name (ignoring case) under the same parent, or None."""
    query = Theme.query.filter(Theme.consultation_id == consultation.id,
                               func.lower(Theme.name) == name.strip().lower())
    query = query.filter(Theme.parent_id.is_(None) if parent_id is None else Theme.parent_id == parent_id)
    if exclude_id is not None:
        query = query.filter(Theme.id != exclude_id)
    return query.first()


def clean_keywords(text):
    """Keywords one per line, trimmed, without blanks or repeats (ignoring case)."""
    seen, keywords = set(), []
    for line in (text or "").splitlines():
        keyword = " ".join(line.split())
        if keyword and keyword.lower() not in seen:
            seen.add(keyword.lower())
            keywords.append(keyword)
    return "\n".join(keywords)


def keyword_list(theme):
    """The theme's keywords as a list."""
    return [keyword for keyword in (theme.keywords or "").splitlines() if keyword.strip()]


# Creating and editing ---------------------------------------------------------------------------

def _next_position(consultation, parent_id):
    """One past the last position among the themes under parent_id."""
    query = select(func.max(Theme.position)).where(Theme.consultation_id == consultation.id)
    query = query.where(Theme.parent_id.is_(None) if parent_id is None else Theme.parent_id == parent_id)
    highest = db.session.execute(query).scalar()
    return 0 if highest is None else highest + 1


def _parent_of(consultation, parent_id):
    """The parent theme for an id (must be this consultation's), or None for the top level."""
    if not parent_id:
        return None
    parent = db.session.get(Theme, int(parent_id))
    if parent is None or parent.consultation_id != consultation.id:
        raise CodebookError("Select a parent theme from the list", field="parent_id")
    return parent


def create_theme(consultation, details, user):
    """Add a theme to the codebook."""
    parent = _parent_of(consultation, details.parent_id)
    name = details.name.strip()
    if sibling_with_name(consultation, name, parent.id if parent else None):
        raise CodebookError(f"There is already a theme called “{name}” there", field="name")
    theme = Theme(consultation_id=consultation.id, parent_id=parent.id if parent else None, name=name,
                  description=(details.description or "").strip(), keywords=clean_keywords(details.keywords),
                  position=_next_position(consultation, parent.id if parent else None))
    db.session.add(theme)
    db.session.flush()
    record("theme_created", theme, consultation=consultation, user=user, name=theme.name,
           parent_id=theme.parent_id)
    return theme


def update_theme(theme, details, user):
    """Rename, move, or change a theme's description or keywords; returns the names of what changed."""
    consultation = theme.consultation
    parent = _parent_of(consultation, details.parent_id)
    parent_id = parent.id if parent else None
    if parent_id is not None and (parent_id == theme.id or parent_id in descendant_ids(theme)):
        raise CodebookError("A theme cannot go under itself or one of its own sub-themes", field="parent_id")
    name = details.name.strip()
    if sibling_with_name(consultation, name, parent_id, exclude_id=theme.id):
        raise CodebookError(f"There is already a theme called “{name}” there", field="name")
    new = {"name": name, "description": (details.description or "").strip(),
           "keywords": clean_keywords(details.keywords), "parent_id": parent_id}
    changes = {key: {"from": getattr(theme, key), "to": value}
               for key, value in new.items() if getattr(theme, key) != value}
    if not changes:
        return []
    if "parent_id" in changes:
        theme.position = _next_position(consultation, parent_id)
    for key, value in new.items():
        setattr(theme, key, value)
    db.session.flush()
    record("theme_updated", theme, consultation=consultation, user=user, changes=changes)
    return sorted(changes)


def move_theme(theme, direction, user):
    """Swap a live theme with its live neighbour above (-1) or below (+1) among its siblings."""
    query = Theme.query.filter_by(consultation_id=theme.consultation_id, parent_id=theme.parent_id,
                                  archived=False, merged_into_id=None)
    siblings = query.order_by(Theme.position, Theme.name, Theme.id).all()
    if theme not in siblings:
        return False
    index = siblings.index(theme)
    other = index + direction
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    db.session.flush()
    record("theme_moved", theme, consultation=theme.consultation, user=user,
           direction="up" if direction < 0 else "down")
    return True


# Moving tags ------------------------------------------------------------------------------------

def _chunks(values, size=500):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _move_tags(source_id, target_id, item_ids=None):
    """Move tags of one theme to another (all, or those of item_ids); returns (moved, dropped).

    Where an item already has a tag of the target in the same coding pass, the stronger
    tag stays (confirmed > suggested > rejected; the target's on a tie) and the other is
    deleted, because an item has at most one tag per theme and pass.
    """
    db.session.flush()
    chunks = [None] if item_ids is None else list(_chunks(sorted(item_ids)))
    moved = dropped = 0
    source, target = aliased(Tag), aliased(Tag)
    for chunk in chunks:
        conflicts = (select(source.id, source.status, target.id, target.status)
                     .join(target, and_(target.item_id == source.item_id,
                                        target.coding_pass == source.coding_pass,
                                        target.theme_id == target_id))
                     .where(source.theme_id == source_id))
        if chunk is not None:
            conflicts = conflicts.where(source.item_id.in_(chunk))
        losers = [target_tag if TAG_STRENGTH[source_status] > TAG_STRENGTH[target_status] else source_tag
                  for source_tag, source_status, target_tag, target_status in db.session.execute(conflicts)]
        for loser_chunk in _chunks(losers):
            db.session.execute(delete(Tag).where(Tag.id.in_(loser_chunk))
                               .execution_options(synchronize_session=False))
        dropped += len(losers)
        moving = update(Tag).where(Tag.theme_id == source_id).values(theme_id=target_id)
        if chunk is not None:
            moving = moving.where(Tag.item_id.in_(chunk))
        moved += db.session.execute(moving.execution_options(synchronize_session=False)).rowcount or 0
    db.session.expire_all()
    return moved, dropped


def _tagged_item_count(theme_id):
    return db.session.execute(
        select(func.count(func.distinct(Tag.item_id))).where(Tag.theme_id == theme_id)).scalar()


# Merging ----------------------------------------------------------------------------------------

def check_merge(source, target):
    """Raise CodebookError if source cannot be merged into target."""
    if target.consultation_id != source.consultation_id:
        raise CodebookError("Select a theme from the list")
    if target.id == source.id:
        raise CodebookError("Select a different theme to merge into")
    if not is_live(target):
        raise CodebookError("Select a theme that is not archived or merged")
    if target.id in descendant_ids(source):
        raise CodebookError("A theme cannot be merged into one of its own sub-themes; merge the sub-theme "
                            "into this theme instead")
    if source.merged_into_id is not None:
        raise CodebookError("This theme has already been merged")


def merge_themes(source, target, user):
    """Merge source into target: its tags and sub-themes move to target; source is archived as merged.

    Returns counts: tags moved, duplicate tags dropped, items, sub-themes moved, sub-themes merged.
    """
    check_merge(source, target)
    counts = _merge(source, target)
    record("themes_merged", source, consultation=source.consultation, user=user, source_name=source.name,
           target_id=target.id, target_name=target.name, **counts)
    return counts


def _merge(source, target):
    counts = {"items": _tagged_item_count(source.id), "tags_moved": 0, "tags_dropped": 0,
              "children_moved": 0, "children_merged": 0}
    counts["tags_moved"], counts["tags_dropped"] = _move_tags(source.id, target.id)
    for child in list(Theme.query.filter_by(parent_id=source.id).order_by(Theme.position, Theme.id)):
        clash = sibling_with_name(source.consultation, child.name, target.id)
        if clash is not None and clash.id != source.id and is_live(clash) and is_live(child):
            # "Buses" under both themes: one "Buses" under the target, with the tags of both.
            # The merged child stays where it was, so that no two siblings share a name.
            inner = _merge(child, clash)
            counts["children_merged"] += 1
            counts["tags_moved"] += inner["tags_moved"]
            counts["tags_dropped"] += inner["tags_dropped"]
            continue
        if clash is not None:
            child.name = _free_name(source.consultation, f"{child.name} (from {source.name})", target.id)
        child.parent_id = target.id
        child.position = _next_position(source.consultation, target.id)
        db.session.flush()
        counts["children_moved"] += 1
    # Themes merged into the source earlier now point at where their tags went.
    db.session.execute(update(Theme).where(Theme.merged_into_id == source.id)
                       .values(merged_into_id=target.id).execution_options(synchronize_session=False))
    source.merged_into_id = target.id
    source.archived = True
    db.session.flush()
    db.session.expire_all()
    return counts


def _free_name(consultation, name, parent_id):
    """name, or name (2), (3)...: one no sibling under parent_id has."""
    base = name[:starters.MAX_NAME - 5]
    candidate, number = base, 1
    while sibling_with_name(consultation, candidate, parent_id):
        number += 1
        candidate = f"{base} ({number})"
    return candidate


# Splitting --------------------------------------------------------------------------------------

@dataclass
class ItemPage:
    """One page of the items tagged with a theme, and their tags of it."""

    items: list
    tags: dict
    number: int
    size: int
    has_previous: bool
    has_next: bool
    total: int

    @property
    def first_position(self):
        """1-based position of the first item on the page."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_position(self):
        """1-based position of the last item on the page."""
        return self.first_position + len(self.items) - 1 if self.items else 0


def tagged_items_page(theme, after=None, before=None, number=1, size=PAGE_SIZE):
    """A page of the items with any tag of the theme, by item id (keyset, never OFFSET).

    Driven from the theme's tags (indexed by theme), so a theme with few tags in a
    consultation of 100,000 items does not scan the items.
    """
    total = _tagged_item_count(theme.id)
    ids = select(Tag.item_id).where(Tag.theme_id == theme.id).group_by(Tag.item_id)
    if before:
        rows = list(db.session.scalars(ids.where(Tag.item_id < before).order_by(Tag.item_id.desc()).limit(size + 1)))
        if len(rows) <= size:
            # Fewer than a page before the cursor: that is the first page.
            return tagged_items_page(theme, size=size)
        page_ids, number, has_previous, has_next = list(reversed(rows[:size])), max(number, 2), True, True
    else:
        if after:
            ids = ids.where(Tag.item_id > after)
        rows = list(db.session.scalars(ids.order_by(Tag.item_id).limit(size + 1)))
        page_ids, has_previous, has_next = rows[:size], bool(after), len(rows) > size
        number = max(number, 2) if after else 1
    items = {item.id: item for item in FeedbackItem.query.filter(
        FeedbackItem.id.in_(page_ids), FeedbackItem.consultation_id == theme.consultation_id)} if page_ids else {}
    page = ItemPage([items[item_id] for item_id in page_ids if item_id in items], {}, number, size,
                    has_previous=has_previous, has_next=has_next, total=total)
    if page_ids:
        for tag in Tag.query.filter(Tag.theme_id == theme.id, Tag.item_id.in_(page_ids)):
            page.tags.setdefault(tag.item_id, []).append(tag)
    return page


def tagged_item_ids(theme, item_ids):
    """Which of item_ids have a tag of the theme."""
    found = set()
    for chunk in _chunks(sorted({int(item_id) for item_id in item_ids})):
        found.update(db.session.scalars(
            select(Tag.item_id).where(Tag.theme_id == theme.id, Tag.item_id.in_(chunk)).distinct()))
    return found


def split_theme(source, item_ids, user, details=None, into=None):
    """Move the tags of the chosen items from source to a new theme (details) or a live theme (into).

    Moved tags keep their status, source and confidence. Returns (target theme, counts).
    """
    consultation = source.consultation
    item_ids = tagged_item_ids(source, item_ids)
    if not item_ids:
        raise CodebookError("Select at least one item to move")
    if source.merged_into_id is not None:
        raise CodebookError("This theme has already been merged")
    created = into is None
    if created:
        target = create_theme(consultation, details, user)
    else:
        if into.id == source.id or into.consultation_id != consultation.id or not is_live(into):
            raise CodebookError("Select a different theme that is not archived or merged")
        target = into
    moved, dropped = _move_tags(source.id, target.id, item_ids)
    counts = {"items": len(item_ids), "tags_moved": moved, "tags_dropped": dropped}
    record("theme_split", source, consultation=consultation, user=user, source_name=source.name,
           target_id=target.id, target_name=target.name, new_theme=created, item_ids=sorted(item_ids)[:1000],
           **counts)
    return target, counts


# Archiving --------------------------------------------------------------------------------------

def archive_theme(theme, user):
    """Archive a theme and its sub-themes: no longer offered for coding, tags kept; returns how many."""
    ids = [theme.id] + sorted(descendant_ids(theme))
    changed = Theme.query.filter(Theme.id.in_(ids), Theme.archived.is_(False), Theme.merged_into_id.is_(None)).all()
    for each in changed:
        each.archived = True
    db.session.flush()
    record("theme_archived", theme, consultation=theme.consultation, user=user, name=theme.name,
           themes=len(changed), theme_ids=[each.id for each in changed])
    return len(changed)


def restore_theme(theme, user):
    """Bring an archived theme and its archived sub-themes back into the codebook; returns how many."""
    if theme.merged_into_id is not None:
        raise CodebookError("A merged theme cannot be restored; its tags are now on the theme it was merged into")
    ids = [theme.id] + sorted(descendant_ids(theme))
    changed = Theme.query.filter(Theme.id.in_(ids), Theme.archived.is_(True), Theme.merged_into_id.is_(None)).all()
    for each in changed:
        each.archived = False
    db.session.flush()
    record("theme_restored", theme, consultation=theme.consultation, user=user, name=theme.name,
           themes=len(changed), theme_ids=[each.id for each in changed])
    return len(changed)


# Starter codebooks ------------------------------------------------------------------------------

def starter_themes(consultation, kind):
    """The themes a starter codebook would add (StarterTheme list)."""
    if kind == "sections":
        version = consultation.latest_version
        return starters.section_themes(list(version.sections)) if version else []
    if kind == "outcomes":
        return list(starters.NATIONAL_OUTCOMES)
    if kind == "common":
        return list(starters.COMMON_THEMES)
    raise CodebookError("Select a starter codebook from the list")


def existing_names(consultation):
    """Names of every theme in the codebook, in lower case (archived and merged ones too)."""
    return {name.lower() for name in db.session.scalars(
        select(Theme.name).where(Theme.consultation_id == consultation.id))}


def add_starter_codebook(consultation, kind, user):
    """Add a starter codebook's themes at the top level, skipping names already in the codebook.

    Returns (themes added, names skipped).
    """
    present = existing_names(consultation)
    position = _next_position(consultation, None)
    added, skipped = [], []
    for starter in starter_themes(consultation, kind):
        name = starter.name.strip()[:starters.MAX_NAME]
        if not name or name.lower() in present:
            skipped.append(name)
            continue
        present.add(name.lower())
        theme = Theme(consultation_id=consultation.id, name=name, description=starter.description,
                      keywords=clean_keywords("\n".join(starter.keywords)), position=position)
        position += 1
        db.session.add(theme)
        added.append(theme)
    db.session.flush()
    record("starter_codebook_added", consultation, consultation=consultation, user=user, starter=kind,
           added=len(added), skipped=len(skipped), theme_ids=[theme.id for theme in added])
    return added, skipped
