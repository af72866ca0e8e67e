"""Emerging themes among the items no theme fits, and campaign (near-identical) texts.

Both searches run as background jobs, because on a large consultation they take from
seconds to a minute or two:

- "emerging_themes" reads the items with no confirmed primary tag and no pending
  suggestion, groups them with `engage.analysis.emerging_themes`, and keeps the
  candidates in the job's result. The job changes nothing else: an officer then makes
  a candidate a theme (its items get suggestions to review) or dismisses it, and that
  is written into the same result so a candidate is never offered twice.
- "find_duplicates" reads every item's text, groups near-identical ones with
  `engage.analysis.find_duplicates` and writes each group's key into
  `FeedbackItem.duplicate_group`, clearing the old groups first, in the job's one
  transaction: the groups are replaced completely or not at all.

Like every service: flush, never commit.
"""
import copy
import random
import re

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.orm.attributes import flag_modified

from engage import audit, jobs
from engage.extensions import db
from engage.models import BackgroundJob, Consultation, FeedbackItem, Response, Tag, Theme, User, utcnow
from engage.models.response import CHANNEL_LABELS

EMERGING_JOB = "emerging_themes"
DUPLICATES_JOB = "find_duplicates"
# Above this many unthemed items a fixed random sample is grouped: 20,000 take about
# 20 seconds, and a theme seen in 20,000 items is seen in a sample of them.
MAX_EMERGING_ITEMS = 20_000
READ_CHUNK = 2000


def min_unthemed():
    """The fewest items worth grouping: two groups of the smallest size emerging_themes proposes.

    The analysis modules (NLTK, scikit-learn) are imported when first used, not when the
    web app starts: a web worker that never groups items never loads them.
    """
    from engage.analysis.emerging import MIN_CLUSTER_SIZE

    return 2 * MIN_CLUSTER_SIZE
WRITE_CHUNK = 500
# Suggestions of an adopted candidate are as sure as the group is tight; 0.5 when unknown.
DEFAULT_CONFIDENCE = 0.5
GROUP_KEY = re.compile(r"^g(\d+)$")
# Where an item that came with no response arrived, in the words of response channels.
SOURCE_CHANNELS = {"answer": "online", "event_note": "event", "letter": "letter", "email": "email",
                   "paper": "paper", "phone": "phone", "import": "import", "other": "other"}
GROUPS_PER_PAGE = 50
MEMBERS_PER_PAGE = 50


class NotOffered(Exception):
    """The candidate theme is not (or no longer) offered: adopted, dismissed or from an older search."""


def _plural(count, singular, plural=None):
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _chunks(values, size):
    for start in range(0, len(values), size):
        yield values[start:start + size]


# Jobs of this consultation ------------------------------------------------------------------------

def latest_job(consultation, kind, status=None):
    """The most recent job of this kind for the consultation (optionally only with this status), or None."""
    query = BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=kind)
    if status:
        query = query.filter_by(status=status)
    return query.order_by(BackgroundJob.id.desc()).first()


def active_job(consultation, kind):
    """A queued or running job of this kind for the consultation, or None."""
    return (BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=kind)
            .filter(BackgroundJob.status.in_(jobs.ACTIVE_STATUSES)).order_by(BackgroundJob.id.desc()).first())


# Emerging themes ----------------------------------------------------------------------------------

def _unthemed_condition(consultation_id):
    """Items of the consultation that no theme fits: no confirmed primary tag, no pending suggestion."""
    themed = exists().where(Tag.item_id == FeedbackItem.id, Tag.coding_pass == "primary",
                            Tag.status.in_(("confirmed", "suggested")))
    return and_(FeedbackItem.consultation_id == consultation_id, ~themed)


def unthemed_count(consultation):
    """How many of the consultation's items no theme fits yet."""
    return db.session.scalar(select(func.count(FeedbackItem.id)).where(_unthemed_condition(consultation.id)))


def start_emerging(consultation, user):
    """Start looking for emerging themes in the background; returns the queued job."""
    return jobs.enqueue(EMERGING_JOB, consultation, user, {})


def _sample_unthemed(consultation_id, limit, seed):
    """(ids, texts, how many there are) of the unthemed items: all, or a fixed random sample of `limit`.

    Streamed, and sampled as they stream (reservoir sampling), so memory stays bounded however
    many items there are.
    """
    chosen, seen = [], 0
    generator = random.Random(seed)
    rows = db.session.execute(
        select(FeedbackItem.id, FeedbackItem.text).where(_unthemed_condition(consultation_id))
        .order_by(FeedbackItem.id).execution_options(yield_per=READ_CHUNK))
    for row in rows:
        seen += 1
        if len(chosen) < limit:
            chosen.append((row.id, row.text))
        else:
            slot = generator.randrange(seen)
            if slot < limit:
                chosen[slot] = (row.id, row.text)
    chosen.sort()
    return [item_id for item_id, _ in chosen], [text for _, text in chosen], seen


def look_for_emerging_themes(consultation, progress, limit=MAX_EMERGING_ITEMS, seed=0):
    """Group the items no theme fits and return the candidates as a job result. Changes nothing."""
    progress.update(0, message="Reading the items no theme fits", force=True)
    ids, texts, unthemed = _sample_unthemed(consultation.id, limit, seed)
    # End the read transaction: on SQLite it would block the progress writes.
    db.session.rollback()
    result = {"unthemed": unthemed, "looked_at": len(ids), "candidates": [], "too_few": unthemed < min_unthemed()}
    if result["too_few"]:
        result["summary"] = (f"Only {_plural(unthemed, 'item')} no theme fits: at least {min_unthemed()} are "
                             "needed to look for themes")
        return result
    progress.update(0, total=len(ids), message="Looking for groups among the items", force=True)
    from engage.analysis import emerging_themes

    candidates = emerging_themes(texts, ids)
    result["candidates"] = [
        {"name": candidate.name[:200], "keyphrases": list(candidate.keyphrases),
         "members": list(candidate.members), "examples": list(candidate.examples),
         "size": len(candidate.members), "membership": candidate.cohesion, "status": "offered", "theme_id": None}
        for candidate in candidates]
    progress.update(len(ids), total=len(ids), message="Grouped the items", force=True)
    result["summary"] = (f"{_plural(len(candidates), 'possible theme')} among "
                         f"{_plural(len(ids), 'item')} no theme fits")
    return result


def offered_candidates(run):
    """(number, candidate) of the candidates of a finished search still offered to the officer."""
    if run is None or run.status != "done":
        return []
    return [(number, candidate) for number, candidate in enumerate((run.result or {}).get("candidates", []))
            if candidate.get("status", "offered") == "offered"]


def example_texts(consultation, candidates):
    """{item id: text} of the example items of these candidates (a few per candidate)."""
    wanted = {item_id for _, candidate in candidates for item_id in candidate.get("examples", [])}
    if not wanted:
        return {}
    return dict(db.session.execute(select(FeedbackItem.id, FeedbackItem.text).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.id.in_(wanted))).all())


def _locked_candidate(consultation, run_id, number):
    """The latest finished search (locked for update) and one of its offered candidates; NotOffered otherwise."""
    latest = latest_job(consultation, EMERGING_JOB, status="done")
    if latest is None or latest.id != run_id:
        raise NotOffered("These possible themes are from an older search. Look at the latest ones below.")
    # Two officers deciding on the same candidate at once: the second waits, then sees it decided.
    run = db.session.execute(select(BackgroundJob).where(BackgroundJob.id == latest.id)
                             .with_for_update().execution_options(populate_existing=True)).scalar_one()
    candidates = (run.result or {}).get("candidates", [])
    if not 0 <= number < len(candidates) or candidates[number].get("status", "offered") != "offered":
        raise NotOffered("That possible theme is no longer offered: someone has already made it a theme or "
                         "dismissed it.")
    return run, candidates[number]


def _mark_candidate(run, number, **changes):
    """Record a decision on a candidate in the search's result (a new dict, so the change is saved)."""
    result = copy.deepcopy(run.result)
    result["candidates"][number].update(changes)
    run.result = result
    flag_modified(run, "result")


def phrases_found(text, phrases):
    """The key phrases that an item's text uses, compared by stems ("car parks" uses "car park")."""
    from engage.analysis import text as textlib

    features = set(textlib.term_features(text or "", max_n=3))
    found = []
    for phrase in phrases:
        stemmed = " ".join(textlib.stems(phrase))
        if stemmed and stemmed in features:
            found.append(phrase)
    return found


def adopt_candidate(consultation, run_id, number, user, name, parent=None, description=""):
    """Make a candidate a live theme and suggest it on the candidate's items; returns (theme, suggestions).

    The items get automatic suggestions, not confirmed tags: an officer still decides each
    one in the review queue. The candidate is marked as used, so it is not offered again.
    """
    run, candidate = _locked_candidate(consultation, run_id, number)
    position = (db.session.scalar(select(func.max(Theme.position)).where(
        Theme.consultation_id == consultation.id,
        Theme.parent_id == parent.id if parent else Theme.parent_id.is_(None))) or 0) + 1
    phrases = list(candidate.get("keyphrases", []))
    theme = Theme(consultation_id=consultation.id, parent_id=parent.id if parent else None, name=name.strip(),
                  description=(description or "").strip(), keywords="\n".join(phrases), position=position)
    db.session.add(theme)
    db.session.flush()
    confidence = candidate.get("membership")
    confidence = DEFAULT_CONFIDENCE if confidence is None else min(1.0, max(0.0, float(confidence)))
    now = utcnow()
    suggested = 0
    for chunk in _chunks(sorted({int(item_id) for item_id in candidate.get("members", [])}), WRITE_CHUNK):
        # Items deleted since the search, or tagged with the theme meanwhile, are left out.
        already = exists().where(Tag.item_id == FeedbackItem.id, Tag.theme_id == theme.id,
                                 Tag.coding_pass == "primary")
        rows = db.session.execute(select(FeedbackItem.id, FeedbackItem.text).where(
            FeedbackItem.consultation_id == consultation.id, FeedbackItem.id.in_(chunk), ~already)).all()
        tags = [{"item_id": item_id, "theme_id": theme.id, "source": "automatic", "status": "suggested",
                 "confidence": confidence, "explanation": phrases_found(text, phrases), "coding_pass": "primary",
                 "created_at": now} for item_id, text in rows]
        if tags:
            db.session.execute(Tag.__table__.insert(), tags)
            suggested += len(tags)
    _mark_candidate(run, number, status="adopted", theme_id=theme.id, decided_by_id=user.id)
    audit.record("emerging_theme_adopted", theme, consultation=consultation, user=user, run=run.id,
                 candidate=number, proposed_name=candidate.get("name", ""), name=theme.name,
                 keyphrases=phrases, suggestions=suggested)
    db.session.flush()
    return theme, suggested


def dismiss_candidate(consultation, run_id, number, user):
    """Stop offering a candidate theme; returns the candidate."""
    run, candidate = _locked_candidate(consultation, run_id, number)
    _mark_candidate(run, number, status="dismissed", decided_by_id=user.id)
    audit.record("emerging_theme_dismissed", run, consultation=consultation, user=user, candidate=number,
                 proposed_name=candidate.get("name", ""))
    db.session.flush()
    return candidate


def _emerging_job(background_job, progress):
    consultation = db.session.get(Consultation, background_job.consultation_id)
    if consultation is None:
        raise jobs.JobFailed("The consultation no longer exists.")
    return look_for_emerging_themes(consultation, progress, seed=background_job.id)


# Campaign and duplicate texts ---------------------------------------------------------------------

def start_duplicates(consultation, user):
    """Start finding campaign and duplicate texts in the background; returns the queued job."""
    return jobs.enqueue(DUPLICATES_JOB, consultation, user, {})


def group_key(representative_id):
    """The duplicate_group value of a group: named after its representative item."""
    return f"g{representative_id}"


def find_campaigns(consultation, progress):
    """Group near-identical items and write the groups into duplicate_group, replacing the old ones."""
    progress.update(0, message="Reading the feedback items", force=True)
    ids, texts = [], []
    rows = db.session.execute(
        select(FeedbackItem.id, FeedbackItem.text).where(FeedbackItem.consultation_id == consultation.id)
        .order_by(FeedbackItem.id).execution_options(yield_per=READ_CHUNK))
    for row in rows:
        ids.append(row.id)
        texts.append(row.text or "")
        if len(ids) % READ_CHUNK == 0:
            progress.update(len(ids), message="Reading the feedback items")
    # End the read transaction: on SQLite it would block the progress writes while texts are compared.
    db.session.rollback()
    progress.update(0, total=len(ids), message="Comparing the texts of the items", force=True)
    # Default settings: MinHash with locality-sensitive hashing already avoids comparing every pair
    # (100,000 items take about a minute), and fewer permutations saved little and lost groups.
    from engage.analysis import find_duplicates

    groups = find_duplicates(texts)
    texts.clear()
    progress.update(0, total=len(ids), message="Saving the groups", force=True)
    db.session.execute(
        update(FeedbackItem).where(FeedbackItem.consultation_id == consultation.id,
                                   FeedbackItem.duplicate_group.is_not(None))
        .values(duplicate_group=None).execution_options(synchronize_session=False))
    keys = {}
    for group in groups:
        key = group_key(ids[group.representative])
        keys.update((ids[index], key) for index in group.members)
    written = 0
    # One statement per chunk of items, whatever the number of groups: most groups are pairs.
    for chunk in _chunks(sorted(keys), WRITE_CHUNK):
        db.session.execute(
            update(FeedbackItem).where(FeedbackItem.consultation_id == consultation.id, FeedbackItem.id.in_(chunk))
            .values(duplicate_group=case({item_id: keys[item_id] for item_id in chunk}, value=FeedbackItem.id))
            .execution_options(synchronize_session=False))
        written += len(chunk)
        progress.update(written, total=len(keys), message="Saving the groups")
    db.session.flush()
    in_groups = sum(len(group.members) for group in groups)
    largest = len(groups[0].members) if groups else 0
    return {"items": len(ids), "groups": len(groups), "in_groups": in_groups, "largest": largest,
            "summary": (f"{_plural(len(groups), 'group')} of near-identical texts among "
                        f"{_plural(len(ids), 'item')}" if groups else
                        f"No near-identical texts among {_plural(len(ids), 'item')}")}


def _duplicates_job(background_job, progress):
    consultation = db.session.get(Consultation, background_job.consultation_id)
    if consultation is None:
        raise jobs.JobFailed("The consultation no longer exists.")
    result = find_campaigns(consultation, progress)
    user = db.session.get(User, background_job.created_by_id) if background_job.created_by_id else None
    audit.record("duplicate_groups_found", background_job, consultation=consultation, user=user,
                 groups=result["groups"], items=result["in_groups"])
    return result


def _sender_columns():
    """Counts per group: items, people, individual and organisation senders, items with no response."""
    return (
        func.count(FeedbackItem.id).label("items"),
        func.sum(FeedbackItem.speaks_for).label("people"),
        func.count(func.distinct(case((Response.respondent_type == "individual", Response.id)))).label(
            "individuals"),
        func.count(func.distinct(case((Response.respondent_type == "organisation", Response.id)))).label(
            "organisations"),
        func.sum(case((Response.id.is_(None), 1), else_=0)).label("not_known"),
    )


def group_count(consultation):
    """How many groups of near-identical items the consultation has."""
    return db.session.scalar(select(func.count(func.distinct(FeedbackItem.duplicate_group))).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group.is_not(None)))


def campaign_groups(consultation, page=1, per_page=GROUPS_PER_PAGE):
    """One page of the groups, largest first: counts, senders by type, channels and a representative text."""
    offset = (max(page, 1) - 1) * per_page
    rows = db.session.execute(
        select(FeedbackItem.duplicate_group, *_sender_columns())
        .select_from(FeedbackItem).outerjoin(Response, Response.id == FeedbackItem.response_id)
        .where(FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group.is_not(None))
        .group_by(FeedbackItem.duplicate_group)
        .order_by(func.count(FeedbackItem.id).desc(), FeedbackItem.duplicate_group)
        .limit(per_page).offset(offset)).all()
    keys = [row.duplicate_group for row in rows]
    channels = _channels(consultation, keys)
    representatives = _representatives(consultation, keys)
    return [{"key": row.duplicate_group, "items": row.items, "people": row.people or 0,
             "individuals": row.individuals, "organisations": row.organisations, "not_known": row.not_known or 0,
             "channels": channels.get(row.duplicate_group, []),
             "representative": representatives.get(row.duplicate_group)} for row in rows]


def _channels(consultation, keys):
    """{group key: [(channel label, items)]}, commonest first."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(FeedbackItem.duplicate_group, Response.channel, FeedbackItem.source, func.count(FeedbackItem.id))
        .select_from(FeedbackItem).outerjoin(Response, Response.id == FeedbackItem.response_id)
        .where(FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group.in_(keys))
        .group_by(FeedbackItem.duplicate_group, Response.channel, FeedbackItem.source))
    tallies = {}
    for key, channel, source, count in rows:
        channel = channel or SOURCE_CHANNELS.get(source, "other")
        label = CHANNEL_LABELS.get(channel, channel)
        tallies.setdefault(key, {}).setdefault(label, 0)
        tallies[key][label] += count
    return {key: sorted(tally.items(), key=lambda pair: (-pair[1], pair[0])) for key, tally in tallies.items()}


def _representatives(consultation, keys):
    """{group key: item} of the item named in each key (or the group's first item, if that one has left)."""
    if not keys:
        return {}
    named = {int(match.group(1)): key for key in keys if (match := GROUP_KEY.match(key))}
    found = {}
    if named:
        for item in FeedbackItem.query.filter(FeedbackItem.consultation_id == consultation.id,
                                              FeedbackItem.id.in_(named)):
            if named.get(item.id) == item.duplicate_group:
                found[item.duplicate_group] = item
    missing = [key for key in keys if key not in found]
    if missing:
        first = (select(func.min(FeedbackItem.id)).where(
            FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group.in_(missing))
            .group_by(FeedbackItem.duplicate_group))
        for item in FeedbackItem.query.filter(FeedbackItem.id.in_(first)):
            found[item.duplicate_group] = item
    return found


def campaign_group(consultation, key):
    """The summary of one group of near-identical items (as in campaign_groups), or None if there is none."""
    row = db.session.execute(
        select(*_sender_columns())
        .select_from(FeedbackItem).outerjoin(Response, Response.id == FeedbackItem.response_id)
        .where(FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group == key)).one()
    if not row.items:
        return None
    return {"key": key, "items": row.items, "people": row.people or 0, "individuals": row.individuals,
            "organisations": row.organisations, "not_known": row.not_known or 0,
            "channels": _channels(consultation, [key]).get(key, []),
            "representative": _representatives(consultation, [key]).get(key)}


def group_members(consultation, key, page=1, per_page=MEMBERS_PER_PAGE):
    """One page of a group's items, oldest first, with their responses loaded."""
    return (FeedbackItem.query.filter_by(consultation_id=consultation.id, duplicate_group=key)
            .outerjoin(Response, Response.id == FeedbackItem.response_id)
            .add_entity(Response)
            .order_by(FeedbackItem.id).limit(per_page).offset((max(page, 1) - 1) * per_page).all())


def group_member_ids(consultation, key):
    """The ids of every item of a group."""
    return list(db.session.scalars(select(FeedbackItem.id).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group == key)
        .order_by(FeedbackItem.id)))


def group_themes(consultation, key):
    """Themes the group's items already carry (primary pass): [(theme, confirmed items, suggested items)]."""
    rows = db.session.execute(
        select(Tag.theme_id,
               func.sum(case((Tag.status == "confirmed", 1), else_=0)).label("confirmed"),
               func.sum(case((Tag.status == "suggested", 1), else_=0)).label("suggested"))
        .join(FeedbackItem, FeedbackItem.id == Tag.item_id)
        .where(FeedbackItem.consultation_id == consultation.id, FeedbackItem.duplicate_group == key,
               Tag.coding_pass == "primary", Tag.status.in_(("confirmed", "suggested")))
        .group_by(Tag.theme_id)).all()
    themes = {theme.id: theme for theme in Theme.query.filter(Theme.id.in_([row.theme_id for row in rows]))}
    listed = [(themes[row.theme_id], row.confirmed or 0, row.suggested or 0) for row in rows
              if row.theme_id in themes]
    return sorted(listed, key=lambda entry: (-entry[1], -entry[2], entry[0].name))


jobs.job(EMERGING_JOB, "Looking for emerging themes")(_emerging_job)
jobs.job(DUPLICATES_JOB, "Finding campaign texts")(_duplicates_job)
