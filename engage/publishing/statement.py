"""The statement of consultation: one builder, one JSON-serialisable dict, many formats.

`build_statement(consultation)` reads the database (no Flask request needed) and
returns the statement's whole content. A published `StatementRevision.content`
is exactly this dict, frozen; the public page, the preview and every export
(PDF, DOCX, XLSX, CSV, JSON) render from it and never query the database again.
`tests/publishing/sample_statement.json` is a realistic example.

Conventions
-----------
- Dates are ISO strings "YYYY-MM-DD"; moments are ISO strings in UTC
  "YYYY-MM-DDTHH:MM:SSZ"; a missing date is null.
- Officer-written texts (introduction, next steps, you said, we did, reason) and
  quotations are plain text: paragraphs separated by a blank line, never HTML.
  Renderers escape them.
- Plan wording ("before"/"after") is the section's Markdown source as stored
  (plain text to a renderer; `engage.plans.diff.word_diff(before, after)` gives
  the escaped word-by-word comparison).
- A **cell** is a count that may be suppressed. It is always a dict
  ``{"count": int | null, "suppressed": bool}``; when suppressed, count is null
  (the real number is never stored). Cells are produced only by
  `engage.publishing.suppression`. Cells are used for every equality count and
  every cross-tab (theme by group, theme by locality, event attendance by
  group). Every other figure is a plain int.
  Counts of 1 to 4 are suppressed ("primary"); in a table whose categories do
  not overlap and whose total is shown (equality tables), when exactly one cell
  is suppressed the next smallest non-zero cell is suppressed too, so the hidden
  number cannot be worked out from the total ("secondary"). 0 is shown as 0.
- Lists are in display order (codebook order, plan order, date order).
- Quotations: chosen only from publishable items (engage.publishing.quotes) with no
  undecided redaction, as public text. When a stored revision is shown or exported,
  pass it through `for_display(content)` first: quotations (and organisation names)
  whose author has since withdrawn, been erased or been withheld are dropped.

Which records count
-------------------
- Responses: status "submitted" only (drafts and withdrawals never count).
- Items: feedback items of submitted responses plus items with no response
  (event notes, letters typed in). Withheld items still count; they are never quoted.
- A theme's items: distinct items with a confirmed primary-pass tag of the theme
  or of any theme below it in the codebook.
- "people" for a theme: each response that raised it counts as the largest
  speaks_for among its items in the theme (usually 1); each item with no
  response (an event note) counts as its speaks_for.
- Cross-tabs count respondents: distinct submitted responses that raised the
  theme, by the response's stakeholder groups (a response may be in several) and
  by its locality.
- Equality: forms of submitted responses, plus forms already unlinked from their
  response by the retention policy.
- The draft consulted on is the newest version made before the consultation
  closed; "what changed" compares it with the newest version.

Top-level keys
--------------
{
  "format": "engage-statement",          # constant
  "format_version": 1,                   # int; additions keep the version
  "generated_at": str,                   # moment the content was built
  "suppression": {"threshold": 5, "note": str},   # cells below threshold (and > 0) are hidden
  "consultation": {
      "id": int, "slug": str, "title": str, "organisation": str, "plan_type": str,
      "summary": str, "status": str, "opens_on": date|null, "closes_on": date|null,
      "closed_on": date|null, "contact_email": str,
  },
  "introduction": str,                   # officer text (may be "")
  "figures": {                           # headline numbers, all plain ints
      "responses": int, "individual_responses": int, "organisation_responses": int,
      "items": int, "people": int,       # people = responses + speaks_for of items with no response
      "events": int, "event_attendance": int, "themes": int,
  },
  "what": {                              # 1. what was consulted on
      "plan_type": str,
      "consulted_version": version|null, # the draft people commented on
      "latest_version": version|null,    # the draft after consultation
      "versions": [version + {"consulted": bool, "latest": bool}],
      "opens_on": date|null, "closes_on": date|null, "closed_on": date|null,
  },
      # version = {"number": int, "label": str, "dated": date|null, "sections": int}
  "how": {                               # 2. how people took part
      "channels": [{"key": str, "label": str, "responses": int}],   # channels with > 0 only
      "event_kinds": [{"key": str, "label": str, "events": int, "attendance": int}],
      "events": int, "event_attendance": int,
      "first_response_on": date|null, "last_response_on": date|null,
  },
  "who": {                               # 3. who responded
      "responses": int,
      "by_respondent_type": [{"key": "individual"|"organisation", "label": str, "count": int}],
      "by_group": [{"key": int, "label": str, "count": int, "target": int|null}],
      "by_locality": [{"key": int|"outside"|"prefer_not_to_say"|"not_given", "label": str,
                       "count": int, "target": int|null}],
      "by_channel": [{"key": str, "label": str, "count": int}],
      "under_represented": [{"kind": "group"|"locality", "label": str, "count": int, "target": int}],
      "equality": {
          "respondents": int,            # responses with an equality monitoring form
          "tables": [{"key": str, "title": str,
                      "rows": [{"label": str} + cell],   # answers as given; "" shown as "Not answered"
                      "total": int}],
      },
  },
  "what_people_said": {                  # 4 and 5. themes and the partnership's response
      "coded_items": int,
      "themes": [theme],                 # top-level themes, codebook order
  },
      # theme = {
      #   "id": int, "name": str, "description": str, "parent_id": int|null,
      #   "depth": int,                  # 0 for a top-level theme, 1 below it, ...
      #   "items": int, "people": int, "respondents": int,
      #   "notes": int,                  # of the items, those with no response (event notes, letters)
      #   "stance": {"support": int, "concern": int, "mixed": int, "neutral": int, "not_recorded": int},
      #   "by_group": [{"key": int, "label": str} + cell],
      #   "by_locality": [{"key": int|str, "label": str} + cell],   # exclusive: sums to respondents
      #   "quotes": [{"item_id": int, "text": str, "attribution": str, "stance": str|null}],
      #   "response": {
      #       "you_said": str, "we_did": str,
      #       "decision": "changed"|"already_in_plan"|"no_change"|"out_of_scope"|null,
      #       "decision_label": str,     # "" when no decision yet
      #       "reason": str,
      #       "sections": [{"id": int, "number": str, "heading": str, "title": str,
      #                     "version": int,  # the draft the officer linked (normally the latest)
      #                     "status": "added"|"removed"|"changed"|"unchanged",
      #                     "before": str|null,   # wording in the draft consulted on (null: added)
      #                     "after": str|null}],  # wording in the latest draft (null: removed)
      #   },
      #   "children": [theme],           # same shape; every descendant, depth-first, each with
      #                                  # "children": [] (use "depth" and "parent_id" for the tree)
      # }
  "what_changed": {                      # the plan before and after
      "from_version": version|null, "to_version": version|null,
      "counts": {"added": int, "removed": int, "changed": int, "unchanged": int},
      "sections": [{"status": "added"|"removed"|"changed", "number": str, "heading": str,
                    "old_heading": str|null, "new_heading": str|null,
                    "before": str|null, "after": str|null,
                    "themes": [{"id": int, "name": str}]}],     # themes whose response links it
  },
  "next_steps": str,                     # officer text (may be "")
  "annexes": {
      "questions": [{"number": int, "text": str, "kind": str, "kind_label": str, "section": str|null}],
      "organisations": [str],            # organisations that responded and agreed to be named
      "codebook": [{"id": int, "name": str, "description": str, "parent_id": int|null, "depth": int}],
      "events": [{"id": int, "title": str, "kind": str, "kind_label": str, "date": date,
                  "starts_at": str,      # local time as typed, "YYYY-MM-DDTHH:MM:SS" (no zone)
                  "venue": str, "locality": str|null, "formats": [str],
                  "attendance": int, "attendance_by_group": [{"label": str} + cell]}],
      "method": {
          "items": int, "coded_items": int, "withheld_items": int,
          "suggestions": {"made": int, "accepted": int, "rejected": int, "pending": int},
          "agreement": null | {
              "sample_size": int, "coded": int, "drawn_on": date, "completed_on": date|null,
              "kappa": float|null,       # pooled over every item-theme decision
              "mean_kappa": float|null,  # mean of the per-theme kappas that are defined
              "reading": str,            # Landis and Koch's words, e.g. "substantial"
              "per_theme": [{"theme_id": int, "name": str, "kappa": float|null, "reading": str}],
          },
          "text": str,                   # the method note in words, built from the figures above
      },
  },
}
"""
from collections import Counter, defaultdict
from datetime import datetime, time, timezone

from sqlalchemy import Integer, String, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from engage.analysis.agreement import theme_agreement
from engage.extensions import db
from engage.i18n import N_
from engage.models import (
    CodingSample, CodingSampleItem, EngagementEvent, EqualityMonitoring, EventAttendance, FeedbackItem,
    PlanSection, PlanVersion, Redaction, Response, Tag, Theme, ThemeResponse,
)
from engage.models.consultation import QUESTION_KIND_LABELS
from engage.models.event import EVENT_KIND_LABELS
from engage.models.response import CHANNEL_LABELS, CHANNELS, LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT, response_group
from engage.models.theme import THEME_DECISION_LABELS, theme_response_section
from engage.plans.diff import match_sections
from engage.publishing import suppression
from engage.publishing.quotes import attribution, confirmed_redactions, publishable_condition, public_text


FORMAT = "engage-statement"
FORMAT_VERSION = 1
STANCES = ("support", "concern", "mixed", "neutral")
STANCE_LABELS = {"support": N_("Support"), "concern": N_("Concern"), "mixed": N_("Mixed"), "neutral": N_("Neutral"),
                 "not_recorded": N_("Not recorded")}
LOCALITY_NOT_GIVEN = "not_given"
LOCALITY_OTHER_LABELS = {LOCALITY_OUTSIDE: N_("Outside the area"), LOCALITY_PREFER_NOT: N_("Preferred not to say"),
                         LOCALITY_NOT_GIVEN: N_("Not given")}
RESPONDENT_TYPE_LABELS = {"individual": N_("Individuals"), "organisation": N_("Organisations")}
QUOTES_PER_THEME = 3
# Quotes are chosen among this many of a theme's quotable items (the most representative of them).
QUOTE_CANDIDATES = 150
QUOTE_MAX_CHARS = 800
PREFER_NOT = "prefer_not_to_say"
NOT_ANSWERED = N_("Not answered")
# The equality questions (engage.public.forms.EqualityForm), with their answers in the order asked.
EQUALITY_QUESTIONS = (
    ("age_band", N_("Age"), ("Under 16", "16 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 to 74",
                         "75 or over")),
    ("sex", N_("Sex"), ("Female", "Male")),
    ("gender_reassignment", N_("Gender identity the same as sex registered at birth"), ("Yes", "No")),
    ("sexual_orientation", N_("Sexual orientation"), ("Straight or heterosexual", "Gay or lesbian", "Bisexual",
                                                  "Other sexual orientation")),
    ("disability", N_("Long-term physical or mental health condition or illness"), ("Yes", "No")),
    ("ethnicity", N_("Ethnic group"), ("White", "Mixed or multiple ethnic groups", "Asian or Asian British",
                                   "African, Caribbean or Black", "Gypsy, Traveller or Roma", "Other ethnic group")),
    ("religion", N_("Religion or belief"), ("No religion", "Christian", "Buddhist", "Hindu", "Jewish", "Muslim", "Sikh",
                                        "Other religion or belief")),
    ("marriage_civil_partnership", N_("Married or in a civil partnership"), ("Yes", "No")),
    ("pregnancy_maternity", N_("Pregnant or given birth in the last 26 weeks"), ("Yes", "No")),
    ("unpaid_carer", N_("Unpaid carer"), ("Yes", "No")),
)
# Landis and Koch (1977): the usual words for a kappa value.
KAPPA_BANDS = ((0.20, N_("slight")), (0.40, N_("fair")), (0.60, N_("moderate")), (0.80, N_("substantial")),
               (1.0, N_("almost perfect")))
KAPPA_UNDEFINED = N_("undefined")
KAPPA_POOR = N_("poor (worse than chance)")


# --- Small helpers ----------------------------------------------------------------------------

def _iso_date(value):
    """A date (or the date of a datetime) as "YYYY-MM-DD", or None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def _iso_moment(value):
    """A naive UTC datetime as "YYYY-MM-DDTHH:MM:SSZ", or None."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def kappa_reading(kappa):
    """Landis and Koch's word for a kappa value ("substantial"), or "undefined" for None."""
    if kappa is None:
        return KAPPA_UNDEFINED
    if kappa < 0:
        return KAPPA_POOR
    for upper, words in KAPPA_BANDS:
        if kappa <= upper + 1e-9:
            return words
    return KAPPA_BANDS[-1][1]


def _plural(count, singular, plural=None):
    """"1 comment", "1,203 comments"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _submitted(consultation):
    """Conditions on Response: this consultation's submitted responses."""
    return (Response.consultation_id == consultation.id, Response.status == "submitted")


def _counted_items(consultation):
    """Conditions on FeedbackItem outer-joined to Response: the items a statement counts.

    Items of submitted responses, and items with no response (event notes, letters typed in).
    Withheld items still count: moderation hides words, not views.
    """
    return (FeedbackItem.consultation_id == consultation.id,
            or_(FeedbackItem.response_id.is_(None), Response.status == "submitted"))


def _confirmed_primary():
    """Conditions on Tag: the first coder's confirmed decisions (what the statement reports)."""
    return (Tag.status == "confirmed", Tag.coding_pass == "primary")


def _version_summary(version, section_counts):
    """A plan version as the statement shows it."""
    if version is None:
        return None
    return {"number": version.number, "label": version.label, "dated": _iso_date(version.dated),
            "sections": section_counts.get(version.id, 0)}


def _locality_key(locality_id, locality_other):
    """A response's locality as one key: the locality's id, "outside", "prefer_not_to_say" or "not_given"."""
    if locality_id is not None:
        return locality_id
    if locality_other in (LOCALITY_OUTSIDE, LOCALITY_PREFER_NOT):
        return locality_other
    return LOCALITY_NOT_GIVEN


def _locality_rows(consultation):
    """(key, label, target) of every locality a response can have, in order."""
    rows = [(locality.id, locality.name, locality.target) for locality in consultation.localities]
    return rows + [(key, label, None) for key, label in LOCALITY_OTHER_LABELS.items()]


# --- The codebook -----------------------------------------------------------------------------

def codebook_tree(consultation):
    """[(theme, depth)] of the live themes, each parent followed by its descendants, in codebook order."""
    themes = (Theme.query.filter_by(consultation_id=consultation.id, archived=False, merged_into_id=None)
              .order_by(Theme.position, Theme.name, Theme.id).all())
    live_ids = {theme.id for theme in themes}
    children = defaultdict(list)
    for theme in themes:
        children[theme.parent_id if theme.parent_id in live_ids else None].append(theme)
    ordered = []

    def walk(parent_id, depth):
        for theme in children.get(parent_id, []):
            ordered.append((theme, depth))
            walk(theme.id, depth + 1)

    walk(None, 0)
    return ordered


def _closure(consultation):
    """A recursive CTE (theme_id, ancestor_id) pairing every live theme with itself and its live ancestors."""
    base = (select(Theme.id.label("theme_id"), Theme.id.label("ancestor_id"), Theme.parent_id.label("next_id"))
            .where(Theme.consultation_id == consultation.id, Theme.archived.is_(False),
                   Theme.merged_into_id.is_(None))
            .cte("theme_closure", recursive=True))
    parent = aliased(Theme)
    step = (select(base.c.theme_id, parent.id, parent.parent_id)
            .join(parent, parent.id == base.c.next_id)
            .where(parent.archived.is_(False), parent.merged_into_id.is_(None)))
    return base.union_all(step)


def _theme_items(consultation, theme_ids=None):
    """CTE of distinct (theme_id, item_id, response_id, speaks_for, stance): a theme's counted items,
    each theme standing for itself and everything below it."""
    closure = _closure(consultation)
    query = (select(closure.c.ancestor_id.label("theme_id"), FeedbackItem.id.label("item_id"),
                    FeedbackItem.response_id.label("response_id"), FeedbackItem.speaks_for.label("speaks_for"),
                    FeedbackItem.stance.label("stance"))
             .select_from(closure)
             .join(Tag, Tag.theme_id == closure.c.theme_id)
             .join(FeedbackItem, FeedbackItem.id == Tag.item_id)
             .outerjoin(Response, Response.id == FeedbackItem.response_id)
             .where(*_confirmed_primary(), *_counted_items(consultation)))
    if theme_ids is not None:
        query = query.where(closure.c.ancestor_id.in_(list(theme_ids)))
    return query.distinct().cte("theme_items")


def _empty_figures():
    return {"items": 0, "people": 0, "respondents": 0, "notes": 0,
            "stance": dict.fromkeys((*STANCES, "not_recorded"), 0), "by_group": Counter(), "by_locality": Counter()}


def theme_figures(consultation, theme_ids=None):
    """{theme_id: figures} for live themes (each counting its sub-themes): items, people, respondents,
    notes, stance, and respondents by group and by locality (raw counts, before suppression).

    One statement: the theme-item pairs are worked out once (a common table expression used
    by every part, which SQLite and PostgreSQL both materialise) and counted five ways.
    """
    pairs = _theme_items(consultation, theme_ids)
    # Each response once per theme, as the most people any of its comments on the theme speaks for.
    responders = (select(pairs.c.theme_id, pairs.c.response_id, func.max(pairs.c.speaks_for).label("people"))
                  .where(pairs.c.response_id.isnot(None))
                  .group_by(pairs.c.theme_id, pairs.c.response_id).cte("theme_responders"))
    no_number, no_text = literal(None, Integer), literal(None, String)
    parts = union_all(
        select(literal("stance"), pairs.c.theme_id, no_number, pairs.c.stance, func.count(), literal(0))
        .group_by(pairs.c.theme_id, pairs.c.stance),
        select(literal("notes"), pairs.c.theme_id, no_number, no_text, func.count(), func.sum(pairs.c.speaks_for))
        .where(pairs.c.response_id.is_(None)).group_by(pairs.c.theme_id),
        select(literal("responses"), responders.c.theme_id, no_number, no_text, func.count(),
               func.sum(responders.c.people)).group_by(responders.c.theme_id),
        select(literal("group"), responders.c.theme_id, response_group.c.group_id, no_text, func.count(), literal(0))
        .join(response_group, response_group.c.response_id == responders.c.response_id)
        .group_by(responders.c.theme_id, response_group.c.group_id),
        select(literal("locality"), responders.c.theme_id, Response.locality_id, Response.locality_other,
               func.count(), literal(0))
        .join(Response, Response.id == responders.c.response_id)
        .group_by(responders.c.theme_id, Response.locality_id, Response.locality_other),
    )
    figures = defaultdict(_empty_figures)
    for kind, theme_id, number, text, count, total in db.session.execute(parts):
        entry = figures[theme_id]
        if kind == "stance":
            entry["items"] += count
            entry["stance"][text if text in STANCES else "not_recorded"] += count
        elif kind == "notes":
            entry["notes"] = count
            entry["people"] += int(total or 0)
        elif kind == "responses":
            entry["respondents"] = count
            entry["people"] += int(total or 0)
        elif kind == "group":
            entry["by_group"][number] += count
        else:
            entry["by_locality"][_locality_key(number, text)] += count
    return figures


# --- Quotations -------------------------------------------------------------------------------

def _pending_redaction():
    """Condition on FeedbackItem: a suggested redaction nobody has decided yet (such items are not quoted)."""
    return select(Redaction.id).where(Redaction.item_id == FeedbackItem.id,
                                      Redaction.status == "suggested").exists()


def representative_quotes(consultation, theme_ids, limit=QUOTES_PER_THEME):
    """Up to `limit` quotations for a theme (ids: the theme and those below it), most representative first.

    Only publishable items (engage.publishing.quotes) with no undecided redaction are
    candidates; the text is the public text (confirmed redactions applied) and the
    attribution follows the respondent's consent. Representative: closest to the
    centre of the candidates' words (TF-IDF), with different stances preferred.
    """
    # From the theme's tags first (an index lookup), then the publishing rule on those few items:
    # scanning every item of a large consultation for each theme would be far slower.
    tagged = db.session.scalars(
        select(Tag.item_id).where(Tag.theme_id.in_(list(theme_ids)), *_confirmed_primary())
        .distinct().order_by(Tag.item_id).limit(QUOTE_CANDIDATES * 4)).all()
    if not tagged:
        return []
    rows = db.session.execute(
        select(FeedbackItem, Response)
        .join(Response, Response.id == FeedbackItem.response_id)
        .where(FeedbackItem.id.in_(tagged), FeedbackItem.consultation_id == consultation.id,
               publishable_condition(), ~_pending_redaction(), func.length(FeedbackItem.text) <= QUOTE_MAX_CHARS)
        .order_by(FeedbackItem.id).limit(QUOTE_CANDIDATES)).all()
    if not rows:
        return []
    redactions = confirmed_redactions([item.id for item, _ in rows])
    candidates = []
    seen_texts, seen_groups = set(), set()
    for item, response in rows:
        text = public_text(item, redactions.get(item.id, [])).strip()
        key = " ".join(text.casefold().split())
        if not text or key in seen_texts:
            continue
        seen_texts.add(key)
        candidates.append((item, response, text))
    order = _by_closeness_to_centre([text for _, _, text in candidates])
    chosen, stances = [], set()
    # First one per stance (most representative first), then the next most representative.
    for wanted_new_stance in (True, False):
        for index in order:
            item, response, text = candidates[index]
            if len(chosen) >= limit:
                break
            if any(entry[0] is item for entry in chosen):
                continue
            if item.duplicate_group and item.duplicate_group in seen_groups:
                continue
            if wanted_new_stance and item.stance in stances:
                continue
            chosen.append((item, response, text))
            stances.add(item.stance)
            if item.duplicate_group:
                seen_groups.add(item.duplicate_group)
    return [{"item_id": item.id, "text": text, "attribution": attribution(response), "stance": item.stance}
            for item, response, text in chosen]


def _by_closeness_to_centre(texts):
    """Indexes of texts, the one closest to the centre of them all (TF-IDF cosine) first."""
    if len(texts) <= 1:
        return list(range(len(texts)))
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # nothing but stop words
        return list(range(len(texts)))
    centre = matrix.mean(axis=0).A1
    scores = matrix @ centre
    return sorted(range(len(texts)), key=lambda index: (-round(float(scores[index]), 9), index))


# --- Plan versions and sections ---------------------------------------------------------------

def _close_moment(consultation):
    """When the consultation stopped taking responses (naive UTC), or None if it still takes them."""
    if consultation.status in ("draft", "open"):
        return None
    from engage.models import AuditEvent

    for event in (AuditEvent.query.filter_by(consultation_id=consultation.id, action="consultation.status_changed")
                  .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())):
        if (event.detail or {}).get("new") == "closed":
            return event.at
    if consultation.status == "closed":
        return consultation.status_changed_at
    if consultation.closes_on:
        return datetime.combine(consultation.closes_on, time.max)
    return consultation.status_changed_at


def consulted_and_latest(consultation):
    """(the draft people commented on, the newest draft): the newest version made before the
    consultation closed, and the newest of all (the same one while it is still open)."""
    versions = list(consultation.versions)
    if not versions:
        return None, None
    latest = versions[-1]
    closed_at = _close_moment(consultation)
    if closed_at is None:
        return latest, latest
    before = [version for version in versions if version.created_at <= closed_at]
    return (before[-1] if before else versions[0]), latest


def _section_pairs(consulted, latest):
    """{latest section id: consulted section or None} and {consulted section id: latest section or None}."""
    if consulted is None or latest is None:
        return {}, {}
    old, new = list(consulted.sections), list(latest.sections)
    if consulted.id == latest.id:
        return {section.id: section for section in new}, {section.id: section for section in old}
    pairs = match_sections(old, new)
    new_to_old = {new[n].id: old[o] for n, o in pairs.items()}
    old_to_new = {old[o].id: new[n] for n, o in pairs.items()}
    return ({section.id: new_to_old.get(section.id) for section in new},
            {section.id: old_to_new.get(section.id) for section in old})


def _body(section):
    return (section.body_markdown or "").replace("\r\n", "\n").strip() if section is not None else None


def _section_status(before, after):
    if before is None:
        return "added"
    if after is None:
        return "removed"
    same = (before.heading or "").strip() == (after.heading or "").strip() and _body(before) == _body(after)
    return "unchanged" if same else "changed"


def _linked_section(section, consulted, latest, new_to_old, old_to_new):
    """A section a theme response links to, with its wording before and after consultation."""
    if latest is not None and section.version_id == latest.id:
        before, after = new_to_old.get(section.id), section
    elif consulted is not None and section.version_id == consulted.id:
        before, after = section, old_to_new.get(section.id)
    else:  # a section of some other draft: show it as it stands
        before, after = None, section
    shown = after or before
    status = _section_status(before, after) if consulted is not None and consulted.id != latest.id else (
        "unchanged" if after is not None else "removed")
    return {"id": section.id, "number": shown.number, "heading": shown.heading, "title": shown.title,
            "version": section.version.number, "status": status, "before": _body(before), "after": _body(after)}


# --- The builder ------------------------------------------------------------------------------

def build_statement(consultation):
    """The statement of consultation's whole content, as a JSON-serialisable dict (see the module docstring)."""
    groups = list(consultation.stakeholder_groups)
    section_counts = dict(db.session.execute(
        select(PlanSection.version_id, func.count()).join(PlanVersion, PlanVersion.id == PlanSection.version_id)
        .where(PlanVersion.consultation_id == consultation.id).group_by(PlanSection.version_id)).all())
    consulted, latest = consulted_and_latest(consultation)

    who = _who(consultation, groups)
    how = _how(consultation, who)
    tree = codebook_tree(consultation)
    themes = _themes(consultation, tree, groups, consulted, latest)
    counted = db.session.execute(
        select(func.count(), func.coalesce(func.sum(FeedbackItem.speaks_for).filter(FeedbackItem.response_id.is_(None)), 0))
        .select_from(FeedbackItem).outerjoin(Response, Response.id == FeedbackItem.response_id)
        .where(*_counted_items(consultation))).one()
    method = _method(consultation, tree, counted[0])
    content = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": _iso_moment(datetime.now(timezone.utc).replace(tzinfo=None)),
        "suppression": {"threshold": suppression.THRESHOLD, "note": suppression.NOTE},
        "consultation": {
            "id": consultation.id, "slug": consultation.slug, "title": consultation.title,
            "organisation": consultation.organisation, "plan_type": consultation.plan_type,
            "summary": consultation.summary, "status": consultation.status,
            "opens_on": _iso_date(consultation.opens_on), "closes_on": _iso_date(consultation.closes_on),
            "closed_on": _iso_date(consultation.closed_on), "contact_email": consultation.contact_email,
        },
        "introduction": consultation.statement_introduction or "",
        "figures": {
            "responses": who["responses"],
            "individual_responses": next(row["count"] for row in who["by_respondent_type"]
                                         if row["key"] == "individual"),
            "organisation_responses": next(row["count"] for row in who["by_respondent_type"]
                                           if row["key"] == "organisation"),
            "items": counted[0], "people": who["responses"] + int(counted[1] or 0),
            "events": how["events"], "event_attendance": how["event_attendance"], "themes": len(tree),
        },
        "what": {
            "plan_type": consultation.plan_type,
            "consulted_version": _version_summary(consulted, section_counts),
            "latest_version": _version_summary(latest, section_counts),
            "versions": [{**_version_summary(version, section_counts),
                          "consulted": consulted is not None and version.id == consulted.id,
                          "latest": latest is not None and version.id == latest.id}
                         for version in consultation.versions],
            "opens_on": _iso_date(consultation.opens_on), "closes_on": _iso_date(consultation.closes_on),
            "closed_on": _iso_date(consultation.closed_on),
        },
        "how": how,
        "who": who,
        "what_people_said": {"coded_items": method["coded_items"], "themes": themes},
        "what_changed": _what_changed(consultation, consulted, latest, section_counts),
        "next_steps": consultation.statement_next_steps or "",
        "annexes": {
            "questions": [{"number": number, "text": question.text, "kind": question.kind,
                           "kind_label": QUESTION_KIND_LABELS.get(question.kind, question.kind),
                           "section": question.section.title if question.section else None}
                          for number, question in enumerate(consultation.questions, start=1)],
            "organisations": named_organisations(consultation),
            "codebook": [{"id": theme.id, "name": theme.name, "description": theme.description or "",
                          "parent_id": theme.parent_id if depth else None, "depth": depth}
                         for theme, depth in tree],
            "events": _event_list(consultation, groups),
            "method": method,
        },
    }
    return content


def _who(consultation, groups, with_equality=True):
    """Who responded: submitted responses by type, group, locality and channel; equality in aggregate."""
    submitted = _submitted(consultation)
    total = db.session.scalar(select(func.count()).select_from(Response).where(*submitted))
    by_type = dict(db.session.execute(select(Response.respondent_type, func.count()).where(*submitted)
                                      .group_by(Response.respondent_type)).all())
    by_group = dict(db.session.execute(
        select(response_group.c.group_id, func.count())
        .join(Response, Response.id == response_group.c.response_id)
        .where(*submitted).group_by(response_group.c.group_id)).all())
    by_locality = Counter()
    for locality_id, locality_other, count in db.session.execute(
            select(Response.locality_id, Response.locality_other, func.count()).where(*submitted)
            .group_by(Response.locality_id, Response.locality_other)):
        by_locality[_locality_key(locality_id, locality_other)] += count
    by_channel = dict(db.session.execute(select(Response.channel, func.count()).where(*submitted)
                                         .group_by(Response.channel)).all())
    group_rows = [{"key": group.id, "label": group.name, "count": by_group.get(group.id, 0), "target": group.target}
                  for group in groups]
    locality_rows = [{"key": key, "label": label, "count": by_locality.get(key, 0), "target": target}
                     for key, label, target in _locality_rows(consultation)]
    under = [{"kind": kind, "label": row["label"], "count": row["count"], "target": row["target"]}
             for kind, rows in (("group", group_rows), ("locality", locality_rows))
             for row in rows if row["target"] is not None and row["count"] < row["target"]]
    return {
        "responses": total,
        "by_respondent_type": [{"key": key, "label": label, "count": by_type.get(key, 0)}
                               for key, label in RESPONDENT_TYPE_LABELS.items()],
        "by_group": group_rows,
        "by_locality": locality_rows,
        "by_channel": [{"key": channel, "label": CHANNEL_LABELS[channel], "count": by_channel[channel]}
                       for channel in CHANNELS if by_channel.get(channel)],
        "under_represented": under,
        "equality": _equality(consultation) if with_equality else None,
    }


def _equality(consultation):
    """Equality monitoring answers, counted only in aggregate and suppressed (see suppression.py).

    Forms of submitted responses count, and forms already unlinked from their response
    under the retention policy (kept only as anonymous answers).
    """
    counted = (EqualityMonitoring.consultation_id == consultation.id,
               or_(EqualityMonitoring.response_id.is_(None), Response.status == "submitted"))
    base = select(func.count()).select_from(EqualityMonitoring).outerjoin(
        Response, Response.id == EqualityMonitoring.response_id)
    respondents = db.session.scalar(base.where(*counted))
    tables = []
    for field, title, options in EQUALITY_QUESTIONS:
        column = getattr(EqualityMonitoring, field)
        counts = dict(db.session.execute(
            select(column, func.count()).select_from(EqualityMonitoring)
            .outerjoin(Response, Response.id == EqualityMonitoring.response_id)
            .where(*counted).group_by(column)).all())
        labels = list(options)
        labels += sorted((value for value in counts if value and value not in options and value != PREFER_NOT),
                         key=str.casefold)
        rows = [({"label": label}, counts.get(label, 0)) for label in labels]
        rows.append(({"label": "Prefer not to say"}, counts.get(PREFER_NOT, 0)))
        rows.append(({"label": NOT_ANSWERED}, counts.get("", 0) + counts.get(None, 0)))
        tables.append({"key": field, "title": title, "total": respondents,
                       "rows": suppression.suppressed_rows(rows, exclusive=True)})
    return {"respondents": respondents, "tables": tables}


def _how(consultation, who):
    """How people took part: channels, events by kind with attendance, when responses arrived."""
    attendance_by_event = dict(db.session.execute(
        select(EventAttendance.event_id, func.sum(EventAttendance.count))
        .join(EngagementEvent, EngagementEvent.id == EventAttendance.event_id)
        .where(EngagementEvent.consultation_id == consultation.id).group_by(EventAttendance.event_id)).all())
    kinds = {}
    events = db.session.execute(select(EngagementEvent.id, EngagementEvent.kind)
                                .where(EngagementEvent.consultation_id == consultation.id)).all()
    for event_id, kind in events:
        entry = kinds.setdefault(kind, {"key": kind, "label": EVENT_KIND_LABELS.get(kind, kind), "events": 0,
                                        "attendance": 0})
        entry["events"] += 1
        entry["attendance"] += int(attendance_by_event.get(event_id) or 0)
    first, last = db.session.execute(select(func.min(Response.submitted_at), func.max(Response.submitted_at))
                                     .where(*_submitted(consultation))).one()
    return {
        "channels": [{"key": row["key"], "label": row["label"], "responses": row["count"]}
                     for row in who["by_channel"]],
        "event_kinds": [kinds[kind] for kind in EVENT_KIND_LABELS if kind in kinds],
        "events": len(events),
        "event_attendance": sum(int(value or 0) for value in attendance_by_event.values()),
        "first_response_on": _iso_date(first), "last_response_on": _iso_date(last),
    }


def _themes(consultation, tree, groups, consulted, latest, theme_ids=None):
    """The "what people said" entries: top-level themes with their descendants as children."""
    figures = theme_figures(consultation, theme_ids)
    responses = {response.theme_id: response for response in ThemeResponse.query
                 .join(Theme, Theme.id == ThemeResponse.theme_id)
                 .filter(Theme.consultation_id == consultation.id)
                 .options(selectinload(ThemeResponse.sections).selectinload(PlanSection.version))}
    new_to_old, old_to_new = _section_pairs(consulted, latest)
    localities = _locality_rows(consultation)
    descendants = _descendants(tree)
    entries, current = [], None
    for theme, depth in tree:
        if theme_ids is not None and theme.id not in theme_ids:
            continue
        numbers = figures.get(theme.id) or _empty_figures()
        entry = {
            "id": theme.id, "name": theme.name, "description": theme.description or "",
            "parent_id": theme.parent_id if depth else None, "depth": depth,
            "items": numbers["items"], "people": numbers["people"], "respondents": numbers["respondents"],
            "notes": numbers["notes"], "stance": dict(numbers["stance"]),
            "by_group": suppression.suppressed_rows(
                [({"key": group.id, "label": group.name}, numbers["by_group"].get(group.id, 0)) for group in groups]),
            # Every response has exactly one locality key and the total (respondents) is shown.
            "by_locality": suppression.suppressed_rows(
                [({"key": key, "label": label}, numbers["by_locality"].get(key, 0)) for key, label, _ in localities],
                exclusive=True),
            "quotes": representative_quotes(consultation, descendants[theme.id]) if numbers["items"] else [],
            "response": _theme_response(responses.get(theme.id), consulted, latest, new_to_old, old_to_new),
            "children": [],
        }
        if depth == 0 or current is None:
            entries.append(entry)
            current = entry
        else:
            current["children"].append(entry)
    return entries


def _descendants(tree):
    """{theme id: [the theme's id and every id below it]}."""
    result, stack = {}, []
    for theme, depth in tree:
        del stack[depth:]
        stack.append(theme.id)
        result[theme.id] = [theme.id]
        for ancestor in stack[:-1]:
            result[ancestor].append(theme.id)
    return result


def _theme_response(response, consulted, latest, new_to_old, old_to_new):
    """You said, we did: the partnership's response to a theme, with the linked sections' wording."""
    if response is None:
        return {"you_said": "", "we_did": "", "decision": None, "decision_label": "", "reason": "", "sections": []}
    sections = sorted(response.sections, key=lambda section: (section.version.number, section.position))
    return {
        "you_said": response.you_said or "", "we_did": response.we_did or "",
        "decision": response.decision, "decision_label": THEME_DECISION_LABELS.get(response.decision, ""),
        "reason": response.reason or "",
        "sections": [_linked_section(section, consulted, latest, new_to_old, old_to_new) for section in sections],
    }


def _what_changed(consultation, consulted, latest, section_counts):
    """The sections that changed between the draft consulted on and the newest draft, with the themes behind them."""
    result = {"from_version": _version_summary(consulted, section_counts),
              "to_version": _version_summary(latest, section_counts),
              "counts": {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}, "sections": []}
    if consulted is None or latest is None or consulted.id == latest.id:
        if latest is not None:
            result["counts"]["unchanged"] = len(latest.sections)
        return result
    new_to_old, old_to_new = _section_pairs(consulted, latest)
    themes_by_section = defaultdict(list)
    for section_id, theme_id, name in db.session.execute(
            select(theme_response_section.c.section_id, Theme.id, Theme.name)
            .join(ThemeResponse, ThemeResponse.id == theme_response_section.c.theme_response_id)
            .join(Theme, Theme.id == ThemeResponse.theme_id)
            .where(Theme.consultation_id == consultation.id, Theme.archived.is_(False),
                   Theme.merged_into_id.is_(None))
            .order_by(Theme.position, Theme.name)):
        themes_by_section[section_id].append({"id": theme_id, "name": name})
    rows = [(new_to_old.get(section.id), section) for section in latest.sections]
    rows += [(section, None) for section in consulted.sections if old_to_new.get(section.id) is None]
    for before, after in rows:
        status = _section_status(before, after)
        result["counts"][status] += 1
        if status == "unchanged":
            continue
        linked = []
        for section in (after, before):
            for theme in themes_by_section.get(section.id, []) if section is not None else []:
                if theme not in linked:
                    linked.append(theme)
        shown = after or before
        result["sections"].append({
            "status": status, "number": shown.number, "heading": shown.heading,
            "old_heading": before.heading if before is not None else None,
            "new_heading": after.heading if after is not None else None,
            "before": _body(before), "after": _body(after), "themes": linked,
        })
    return result


def named_organisations(consultation):
    """Organisations that responded and agreed to be named, sorted."""
    names = db.session.scalars(
        select(Response.organisation_name).where(*_submitted(consultation), Response.consent == "publish_named",
                                                 Response.respondent_type == "organisation",
                                                 Response.organisation_name != "").distinct()).all()
    unique = {" ".join(name.split()): None for name in names if name.strip()}
    return sorted(unique, key=str.casefold)


def _event_list(consultation, groups):
    """Every engagement event, by date, with attendance by group (suppressed)."""
    names = {group.id: group.name for group in groups}
    events = (EngagementEvent.query.filter_by(consultation_id=consultation.id)
              .options(selectinload(EngagementEvent.attendance), selectinload(EngagementEvent.locality))
              .order_by(EngagementEvent.starts_at, EngagementEvent.id).all())
    listed = []
    for event in events:
        rows = [({"label": names.get(row.group_id, "Other")}, row.count)
                for row in sorted(event.attendance, key=lambda row: list(names).index(row.group_id)
                                  if row.group_id in names else len(names)) if row.count > 0]
        listed.append({
            "id": event.id, "title": event.title, "kind": event.kind,
            "kind_label": EVENT_KIND_LABELS.get(event.kind, event.kind),
            "date": _iso_date(event.starts_at), "starts_at": event.starts_at.replace(microsecond=0).isoformat(),
            "venue": event.venue or "", "locality": event.locality.name if event.locality else None,
            "formats": list(event.formats or []), "attendance": sum(row.count for row in event.attendance),
            # Each person is counted in one group and the event's total is shown.
            "attendance_by_group": suppression.suppressed_rows(rows, exclusive=True),
        })
    return listed


def _method(consultation, tree, items):
    """The note on method: how much was coded, what the software suggested and what officers decided, kappa."""
    scope = select(func.count()).select_from(FeedbackItem).outerjoin(
        Response, Response.id == FeedbackItem.response_id).where(*_counted_items(consultation))
    confirmed = select(Tag.id).where(Tag.item_id == FeedbackItem.id, *_confirmed_primary()).exists()
    coded = db.session.scalar(scope.where(or_(FeedbackItem.coded_at.isnot(None), confirmed)))
    withheld = db.session.scalar(scope.where(FeedbackItem.withheld.is_(True)))
    decided = dict(db.session.execute(
        select(Tag.status, func.count()).join(FeedbackItem, FeedbackItem.id == Tag.item_id)
        .outerjoin(Response, Response.id == FeedbackItem.response_id)
        .where(*_counted_items(consultation), Tag.source == "automatic", Tag.coding_pass == "primary")
        .group_by(Tag.status)).all())
    suggestions = {"made": sum(decided.values()), "accepted": decided.get("confirmed", 0),
                   "rejected": decided.get("rejected", 0), "pending": decided.get("suggested", 0)}
    agreement = _agreement(consultation, tree)
    method = {"items": items, "coded_items": coded, "withheld_items": withheld, "suggestions": suggestions,
              "agreement": agreement}
    method["text"] = method_text(method, themes=len(tree))
    return method


def _agreement(consultation, tree):
    """Kappa between the first and second coder on the latest sample with coded items, or None."""
    sample = (CodingSample.query.filter(CodingSample.consultation_id == consultation.id,
                                        CodingSample.items.any(CodingSampleItem.coded_at.isnot(None)))
              .order_by(CodingSample.created_at.desc(), CodingSample.id.desc()).first())
    if sample is None:
        return None
    item_ids = [entry.item_id for entry in sample.items if entry.coded_at is not None]
    first = {item_id: set() for item_id in item_ids}
    second = {item_id: set() for item_id in item_ids}
    for item_id, theme_id, coding_pass in db.session.execute(
            select(Tag.item_id, Tag.theme_id, Tag.coding_pass)
            .where(Tag.item_id.in_(item_ids), Tag.status == "confirmed")):
        (first if coding_pass == "primary" else second)[item_id].add(theme_id)
    live = [theme.id for theme, _ in tree]
    used = set().union(*first.values(), *second.values()) if item_ids else set()
    report = theme_agreement(first, second, themes=live + sorted(used - set(live)))
    pooled = report.pooled.kappa
    names = {theme.id: theme.name for theme, _ in tree}
    return {
        "sample_size": len(sample.items), "coded": len(item_ids),
        "drawn_on": _iso_date(sample.created_at), "completed_on": _iso_date(sample.completed_at),
        "kappa": round(pooled, 4) if pooled is not None else None,
        "mean_kappa": report.mean_kappa, "reading": kappa_reading(pooled),
        "per_theme": [{"theme_id": theme_id, "name": names[theme_id],
                       "kappa": (round(report.per_theme[theme_id].kappa, 4)
                                 if report.per_theme[theme_id].kappa is not None else None),
                       "reading": kappa_reading(report.per_theme[theme_id].kappa)} for theme_id in live],
    }


def method_text(method, themes):
    """The method note in words, from its figures."""
    suggestions = method["suggestions"]
    parts = [f"Officers read the responses and coded {method['coded_items']:,} of "
             f"{_plural(method['items'], 'comment')} against a codebook of {_plural(themes, 'theme')}."]
    if suggestions["made"]:
        parts.append(
            f"The software suggested {_plural(suggestions['made'], 'theme')} automatically; officers accepted "
            f"{suggestions['accepted']:,}, rejected {suggestions['rejected']:,} and "
            f"{suggestions['pending']:,} were left undecided. Only themes an officer confirmed are counted "
            "in this statement.")
    else:
        parts.append("Every theme in this statement was applied by an officer; no automatic suggestions were used.")
    agreement = method["agreement"]
    if agreement:
        kappa = agreement["kappa"]
        figure = f"{kappa:.2f}, which is {agreement['reading']}" if kappa is not None else "not defined"
        parts.append(f"A second officer coded a random sample of {_plural(agreement['coded'], 'comment')} without "
                     f"seeing the first officer’s themes; their agreement (Cohen’s kappa) was {figure}.")
    else:
        parts.append("No second-coder check of agreement has been made.")
    if method["withheld_items"]:
        parts.append(f"{_plural(method['withheld_items'], 'comment')} were withheld from publication by moderators "
                     "but are still counted.")
    return " ".join(parts)


# --- Drafting "you said" ---------------------------------------------------------------------

def draft_you_said(entry, who):
    """A first draft of "you said" for one theme entry, from its figures (never quoting anyone)."""
    name = entry["name"]
    if not entry["items"]:
        return f"Nobody raised {name}."
    parts = [f"{_plural(entry['items'], 'comment')} from {_plural(entry['people'], 'person', 'people')} "
             f"raised {name}."]
    stance = [(count, key) for key, count in entry["stance"].items() if key in STANCES and count]
    if stance:
        words = {"support": "supported the plan", "concern": "raised concerns", "mixed": "had mixed views",
                 "neutral": "were neutral"}
        stance.sort(key=lambda pair: (-pair[0], STANCES.index(pair[1])))
        said = [f"{count:,} {words[key]}" for count, key in stance]
        parts.append("Of these, " + (", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]) + ".")
    total = who["responses"]
    if total and entry["respondents"]:
        overall = entry["respondents"] / total
        for rows, totals, words in (
                (entry["by_group"], {row["key"]: row["count"] for row in who["by_group"]}, "by {label}"),
                ([row for row in entry["by_locality"] if isinstance(row["key"], int)],
                 {row["key"]: row["count"] for row in who["by_locality"]}, "in {label}")):
            best = _most_over_represented(rows, totals, overall)
            if best:
                row, size, rate = best
                parts.append(f"It was raised most often {words.format(label=row['label'])}: {row['count']:,} of "
                             f"{size:,} respondents ({rate:.0%}), compared with {overall:.0%} of all respondents.")
    return " ".join(parts)


def _most_over_represented(rows, totals, overall):
    """The row whose share of respondents raising the theme is highest and clearly above the overall share."""
    best = None
    for row in rows:
        size = totals.get(row["key"], 0)
        if row["suppressed"] or not row["count"] or size < suppression.THRESHOLD:
            continue
        rate = row["count"] / size
        if rate >= overall * 1.25 and rate - overall >= 0.05 and (best is None or rate > best[2]):
            best = (row, size, rate)
    return best


def theme_entry(consultation, theme):
    """One theme's entry (as in the statement), figures, quotes and response, for the staff pages."""
    tree = codebook_tree(consultation)
    consulted, latest = consulted_and_latest(consultation)
    ids = _descendants(tree).get(theme.id, [theme.id])
    entries = _themes(consultation, tree, list(consultation.stakeholder_groups), consulted, latest,
                      theme_ids=set(ids))
    for entry in entries:
        for candidate in [entry, *entry["children"]]:
            if candidate["id"] == theme.id:
                return candidate
    return None


def who_responded(consultation):
    """The "who" part of the statement without the equality tables (for drafting "you said")."""
    return _who(consultation, list(consultation.stakeholder_groups), with_equality=False)


# --- Showing a stored revision ----------------------------------------------------------------

def for_display(content):
    """A stored statement with quotations and organisation names checked against today's consent.

    A revision is frozen when published, but a respondent may later withdraw, be erased
    or have words withheld or redacted: their words then leave every revision too.
    """
    quotes = [quote for theme in _all_themes(content) for quote in theme.get("quotes", [])]
    ids = {quote["item_id"] for quote in quotes}
    current = {}
    if ids:
        items = (FeedbackItem.query.join(Response, Response.id == FeedbackItem.response_id)
                 .filter(FeedbackItem.id.in_(ids), publishable_condition(), ~_pending_redaction())
                 .options(selectinload(FeedbackItem.response)).all())
        redactions = confirmed_redactions([item.id for item in items])
        current = {item.id: (public_text(item, redactions.get(item.id, [])).strip(), attribution(item.response))
                   for item in items}
    shown = dict(content)
    said = dict(content.get("what_people_said") or {})
    said["themes"] = [_with_current_quotes(theme, current) for theme in said.get("themes", [])]
    shown["what_people_said"] = said
    consultation_id = (content.get("consultation") or {}).get("id")
    if consultation_id is not None and "annexes" in content:
        from engage.models import Consultation

        consultation = db.session.get(Consultation, consultation_id)
        allowed = set(named_organisations(consultation)) if consultation is not None else set()
        annexes = dict(content["annexes"])
        annexes["organisations"] = [name for name in annexes.get("organisations", []) if name in allowed]
        shown["annexes"] = annexes
    return shown


def _all_themes(content):
    for theme in (content.get("what_people_said") or {}).get("themes", []):
        yield theme
        yield from theme.get("children", [])


def _with_current_quotes(theme, current):
    theme = dict(theme)
    theme["quotes"] = [{**quote, "text": current[quote["item_id"]][0], "attribution": current[quote["item_id"]][1]}
                       for quote in theme.get("quotes", []) if quote.get("item_id") in current
                       and current[quote["item_id"]][0]]
    if "children" in theme:
        theme["children"] = [_with_current_quotes(child, current) for child in theme["children"]]
    return theme

