"""Suggesting themes, stance and tone for a consultation's feedback items, in a background job.

The job learns from what officers have coded so far and writes automatic suggestions
(`Tag(source="automatic", status="suggested")`) for every item not yet coded, plus a
stance and tone for every item whose stance an officer has not set. Officers then accept
or reject the suggestions through `engage.coding.services`.

Which method suggests themes:
- a model (`engage.analysis.train`) once officers have coded at least MIN_CODED_ITEMS
  items and at least MIN_TRAINED_THEMES themes have MIN_EXAMPLES_PER_THEME examples or
  more; themes with fewer examples are then suggested from the codebook's words;
- otherwise (a cold start) the codebook alone: each theme's keywords, name and
  description matched against each item's words (`engage.analysis.CodebookMatcher`).
The model is also told what each item answered (`item_context`: its question, else its plan
section), so that "No." to two different questions can mean two different themes.
Stance is learnt from the stances officers corrected (`engage.analysis.train_stance`)
when there are enough of them, and otherwise set by a rule on VADER's scores.

The job runs in three phases so that it holds the database's write lock only briefly
(on SQLite a job's transaction takes the one write lock from its first statement):
1. learn: read the codebook and the training set, end the read transaction, train;
2. suggest: read the items in keyset batches of BATCH_ITEMS (id, text, stance source and
   whether coded; each read in its own short transaction), analyse each distinct text of
   a batch once, and keep the results in memory (tens of MB for 100,000 items);
3. write: in one transaction, per batch, check again which items are still not coded
   (an officer may have coded some meanwhile), delete their undecided automatic
   suggestions by id, insert the new ones and update stance and tone set-based: Core
   executemany on SQLite; on PostgreSQL one statement per batch over array parameters
   (psycopg would run an executemany as one statement per row). The job runner commits
   this with the job's "done" status, so a failure changes nothing.
"""
import json
import time
from collections import Counter
from contextlib import contextmanager

from sqlalchemy import (
    ARRAY, Float, Integer, Text, any_, bindparam, case, cast, delete, exists, func, literal, or_, select, update,
)

from engage import analysis, jobs
from engage.audit import record
from engage.coding.services import live_themes
from engage.extensions import db
from engage.models import BackgroundJob, Consultation, FeedbackItem, Tag, Theme, User, utcnow

SUGGEST_JOB = "suggest_themes"
BATCH_ITEMS = 2000
# The suggester learns only when the coding says something: fewer items, or a single
# theme with examples, would give a model no better than the codebook's own words.
MIN_CODED_ITEMS = 30
MIN_EXAMPLES_PER_THEME = 3  # the same as engage.analysis.suggester: fewer examples are not learnt
MIN_TRAINED_THEMES = 2
# engage.analysis.train_stance needs this many officer stances (and 5 of each of 2 stances).
MIN_OFFICER_STANCES = 30
METHOD_WORDS = {
    "model": "a model trained on the officers' coding",
    "model+codebook": "a model trained on the officers' coding, and the codebook's words for themes with "
                      "too few examples",
    "codebook": "the codebook's words (keywords, names and descriptions)",
}

_items = FeedbackItem.__table__
_tags = Tag.__table__


def _confirmed_primary_tag():
    """A confirmed first-pass tag on the feedback item of the enclosing query."""
    return exists().where(Tag.item_id == FeedbackItem.id, Tag.coding_pass == "primary",
                          Tag.status == "confirmed")


def _is_coded():
    """An officer has coded the item: marked as coded (perhaps with no theme), or a theme confirmed on it."""
    return or_(FeedbackItem.coded_at.isnot(None), _confirmed_primary_tag())


# The public interface (the review screens start the job and show its result) -------------------

def start_suggesting(consultation, user):
    """Queue the suggester for this consultation, or return the run already queued or running."""
    running = active_run(consultation)
    if running is not None:
        return running
    return jobs.enqueue(SUGGEST_JOB, consultation, user, {})


def active_run(consultation):
    """The suggester's run of this consultation that is queued or running, or None.

    A run left "running" by a restart is marked failed first (flushed, not committed), so it
    cannot block the next one for ever.
    """
    running = BackgroundJob.query.filter(
        BackgroundJob.consultation_id == consultation.id, BackgroundJob.kind == SUGGEST_JOB,
        BackgroundJob.status.in_(jobs.ACTIVE_STATUSES),
    ).order_by(BackgroundJob.id.desc()).first()
    if running is not None and jobs.expire_interrupted([running]):
        return None
    return running


def latest_run(consultation):
    """The suggester's most recent run of this consultation, whatever its status, or None."""
    return BackgroundJob.query.filter_by(consultation_id=consultation.id, kind=SUGGEST_JOB) \
        .order_by(BackgroundJob.id.desc()).first()


def training_status(consultation):
    """What the suggester has to learn from, which method it will use and why (plain English)."""
    themes = live_themes(consultation)
    coded = db.session.scalar(select(func.count()).select_from(FeedbackItem).where(
        FeedbackItem.consultation_id == consultation.id, _is_coded()))
    examples = _examples_per_theme(consultation, themes)
    with_examples = sum(1 for count in examples.values() if count >= MIN_EXAMPLES_PER_THEME)
    officer_stances = db.session.scalar(select(func.count()).select_from(FeedbackItem).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.stance_source == "officer",
        FeedbackItem.stance.isnot(None)))
    ready = bool(themes) and _ready_for_model(coded, with_examples)
    return {
        "coded_items": coded,
        "themes": len(themes),
        "themes_with_examples": with_examples,
        "ready_for_model": ready,
        "method": None if not themes else ("codebook" if not ready else
                                           "model" if with_examples == len(themes) else "model+codebook"),
        "officer_stances": officer_stances,
        "min_coded_items": MIN_CODED_ITEMS,
        "min_examples_per_theme": MIN_EXAMPLES_PER_THEME,
        "min_trained_themes": MIN_TRAINED_THEMES,
        "explanation": _explanation(len(themes), coded, with_examples, ready, officer_stances),
    }


def _ready_for_model(coded_items, themes_with_examples):
    return coded_items >= MIN_CODED_ITEMS and themes_with_examples >= MIN_TRAINED_THEMES


def _explanation(theme_count, coded, with_examples, ready, officer_stances):
    """Which method the next run will use, and why, in words an officer can act on."""
    if not theme_count:
        return ("The codebook has no themes yet, so there is nothing to suggest. Add themes, with keywords "
                "that signal each one, then suggest themes.")
    items = _plural(coded, "item")
    if ready:
        if with_examples == theme_count:
            themes = f"All {_plural(theme_count, 'theme')} have enough examples (at least {MIN_EXAMPLES_PER_THEME}) " \
                     "to learn from."
        else:
            rest = theme_count - with_examples
            themes = (f"{with_examples:,} of the {theme_count:,} themes have enough examples (at least "
                      f"{MIN_EXAMPLES_PER_THEME}) to learn from; the other {rest:,} "
                      f"{'is' if rest == 1 else 'are'} suggested by matching the theme's keywords, name "
                      "and description.")
        themes_sentence = (f"Themes will be suggested by a model trained on the {items} officers have coded. "
                           + themes)
    else:
        themes_sentence = (
            f"Officers have coded {items} so far, and {_plural(with_examples, 'theme')} "
            f"{'has' if with_examples == 1 else 'have'} at least {MIN_EXAMPLES_PER_THEME} examples. Themes "
            "will be suggested by matching each theme's keywords, name and description against the words of "
            f"each item. Once at least {MIN_CODED_ITEMS} items are coded and at least {MIN_TRAINED_THEMES} "
            f"themes have {MIN_EXAMPLES_PER_THEME} examples each, the suggester will learn from the officers' "
            "coding instead.")
    if officer_stances >= MIN_OFFICER_STANCES:
        stance_sentence = (f"Stance will be learnt from the {_plural(officer_stances, 'stance')} officers have "
                           "set (if they include at least two kinds of stance, 5 of each; otherwise by a rule "
                           "on the tone of the words).")
    else:
        stance_sentence = ("Stance (support, concern, mixed or neutral) will be judged by a rule on the tone of "
                           f"the words until officers have set at least {MIN_OFFICER_STANCES} stances "
                           f"(so far {officer_stances:,}).")
    return f"{themes_sentence} {stance_sentence} Items already coded are left as they are."


def _plural(count, singular):
    return f"{count:,} {singular if count == 1 else singular + 's'}"


# The codebook and the training set ----------------------------------------------------------

def _theme_targets(consultation, themes):
    """Where the confirmed tags of every theme of the consultation count: a live theme id or None.

    A merged theme counts for the theme it was merged into (following chains of merges);
    an archived theme, or a merge ending in one, counts for nothing.
    """
    live = {theme.id for theme in themes}
    merged_into = dict(db.session.execute(select(Theme.id, Theme.merged_into_id).where(
        Theme.consultation_id == consultation.id)).all())
    targets = {}
    for theme_id in merged_into:
        seen, current = set(), theme_id
        while current is not None and current not in live and current not in seen:
            seen.add(current)
            current = merged_into.get(current)
        targets[theme_id] = current if current in live else None
    return targets


def _examples_per_theme(consultation, themes):
    """How many items officers have confirmed each live theme on (merged themes counting for their target)."""
    targets = _theme_targets(consultation, themes)
    moved = {theme_id: target for theme_id, target in targets.items() if target is not None and target != theme_id}
    counted_as = case(moved, value=Tag.theme_id, else_=Tag.theme_id) if moved else Tag.theme_id
    # Distinct (theme, item) pairs first: an item tagged with a theme and with one merged into
    # it is one example. (Grouping by the CASE itself would repeat its parameters, which
    # PostgreSQL does not accept as the same expression.)
    pairs = select(counted_as.label("theme_id"), Tag.item_id).join(FeedbackItem, FeedbackItem.id == Tag.item_id) \
        .where(FeedbackItem.consultation_id == consultation.id, Tag.coding_pass == "primary",
               Tag.status == "confirmed").distinct().subquery()
    rows = db.session.execute(select(pairs.c.theme_id, func.count()).group_by(pairs.c.theme_id))
    return {theme_id: count for theme_id, count in rows if targets.get(theme_id) == theme_id}


def item_context(question_id, section_id):
    """What an item answered, for the suggester: its question, else the plan section it comments on (None: neither)."""
    if question_id is not None:
        return f"question {question_id}"
    if section_id is not None:
        return f"section {section_id}"
    return None


def _training_set(consultation, themes):
    """Texts, contexts and label sets of the items officers have coded (an empty set: "fits no theme")."""
    targets = _theme_targets(consultation, themes)
    texts, contexts, labels, position = [], [], [], {}
    rows = db.session.execute(select(FeedbackItem.id, FeedbackItem.text, FeedbackItem.question_id,
                                     FeedbackItem.section_id).where(
        FeedbackItem.consultation_id == consultation.id, _is_coded()).order_by(FeedbackItem.id))
    for item_id, text, question_id, section_id in rows:
        position[item_id] = len(texts)
        texts.append(text or "")
        contexts.append(item_context(question_id, section_id))
        labels.append(set())
    tags = db.session.execute(
        select(Tag.item_id, Tag.theme_id).join(FeedbackItem, FeedbackItem.id == Tag.item_id)
        .where(FeedbackItem.consultation_id == consultation.id, Tag.coding_pass == "primary",
               Tag.status == "confirmed"))
    for item_id, theme_id in tags:
        target = targets.get(theme_id)
        if target is not None and item_id in position:
            labels[position[item_id]].add(target)
    return texts, contexts, labels


def _officer_stances(consultation):
    """Texts and stances of the items whose stance an officer set."""
    rows = db.session.execute(select(FeedbackItem.text, FeedbackItem.stance).where(
        FeedbackItem.consultation_id == consultation.id, FeedbackItem.stance_source == "officer",
        FeedbackItem.stance.isnot(None)).order_by(FeedbackItem.id)).all()
    return [text or "" for text, _ in rows], [stance for _, stance in rows]


def _codebook(themes):
    """The live themes as plain data for the analysis pipeline (keywords are one per line)."""
    return [analysis.Theme(id=theme.id, name=theme.name, description=theme.description or "",
                           keywords=tuple(line.strip() for line in (theme.keywords or "").splitlines()
                                          if line.strip()))
            for theme in themes]


# The job ----------------------------------------------------------------------------------

def suggest_themes(background_job, progress):
    """The job: learn from the coding so far, then suggest themes, stance and tone; returns the figures."""
    began = time.perf_counter()
    consultation = db.session.get(Consultation, background_job.consultation_id)
    if consultation is None:
        raise jobs.JobFailed("This consultation no longer exists.")
    consultation_id = consultation.id
    themes = live_themes(consultation)
    if not themes:
        raise jobs.JobFailed("The codebook has no themes yet, so there is nothing to suggest. Add themes, with "
                             "keywords that signal each one, then suggest themes again.")
    theme_ids = [theme.id for theme in themes]
    codebook_ids = set(theme_ids)
    codebook = _codebook(themes)
    texts, contexts, labels = _training_set(consultation, themes)
    stance_texts, stances = _officer_stances(consultation)
    total = db.session.scalar(select(func.count()).select_from(FeedbackItem).where(
        FeedbackItem.consultation_id == consultation_id))
    examples = Counter(theme_id for item_labels in labels for theme_id in item_labels)
    ready = _ready_for_model(len(texts), sum(1 for count in examples.values() if count >= MIN_EXAMPLES_PER_THEME))
    # Nothing is written until phase 3: end the read transaction, which on SQLite would hold
    # the write lock (and keep progress off the job row) through the training.
    db.session.rollback()

    steps = 2 * total  # each item is analysed, then written
    progress.update(0, steps, f"Learning from {_plural(len(texts), 'coded item')}" if ready
                    else "Reading the codebook", force=True)
    timings = _Timings()
    learnt = []
    with timings.phase("train"):
        if ready:
            suggester = analysis.train(texts, labels, codebook, contexts=contexts)
            learnt = [theme_id for theme_id in suggester.themes if theme_id in codebook_ids]
            predict = suggester.suggest
        if learnt:
            method = "model" if len(learnt) == len(theme_ids) else "model+codebook"
        else:
            method = "codebook"
            matcher = analysis.CodebookMatcher(codebook)

            def predict(texts, contexts):
                return matcher.suggest(texts)
        stance_model = analysis.train_stance(stance_texts, stances)
    trained_on = len(texts) if learnt else 0
    stance_method = "model" if stance_model is not None else "rule"
    del texts, contexts, labels, stance_texts, stances

    analysed = _analyse_items(consultation_id, predict, stance_model, total, steps, progress, timings)
    with timings.phase("write"):
        figures = _write(consultation_id, analysed, stance_method, total, steps, progress)

    result = {
        "method": method,
        "trained_on": trained_on,
        "themes": len(theme_ids),
        "learnt_themes": len(learnt),
        "items_total": total,
        "items_considered": figures["items_considered"],
        "items_with_suggestions": figures["items_with_suggestions"],
        "suggestions": figures["suggestions"],
        "suggested": {str(theme_id): figures["suggested"][theme_id]
                      for theme_id in theme_ids if figures["suggested"][theme_id]},
        "by_method": dict(sorted(figures["by_method"].items())),
        "stance_method": stance_method,
        "stances_set": figures["stances_set"],
        **{f"{phase}_seconds": round(timings.wall[phase], 2) for phase in _Timings.PHASES},
        # The job thread's own CPU time: what the run costs, however busy the machine is.
        "cpu_seconds": {phase: round(timings.cpu[phase], 2) for phase in _Timings.PHASES},
        "seconds": round(time.perf_counter() - began, 2),
    }
    result["summary"] = (
        f"Suggested {_plural(result['suggestions'], 'theme')} for "
        f"{result['items_with_suggestions']:,} of the {_plural(result['items_considered'], 'item')} not yet coded, "
        f"using {METHOD_WORDS[method]}.")
    user = db.session.get(User, background_job.created_by_id) if background_job.created_by_id else None
    consultation = db.session.get(Consultation, consultation_id)
    record("suggestions_made", consultation, consultation=consultation, user=user, job_id=background_job.id,
           **{key: result[key] for key in ("method", "trained_on", "themes", "learnt_themes", "items_considered",
                                           "items_with_suggestions", "suggestions", "suggested", "by_method",
                                           "stance_method", "stances_set")})
    db.session.flush()
    progress.update(steps, steps, result["summary"], force=True)
    return result


def _analyse_items(consultation_id, predict, stance_model, total, steps, progress, timings):
    """Phase 2: suggestions for items not yet coded, stance and tone for all, batch by batch, in memory.

    Returns per batch: (id, suggestions) of the items not yet coded, (id, stance, tone) of the
    items whose stance an officer has not set, and (id, tone) of those whose stance an officer set.
    """
    batches, done, last_id = [], 0, 0
    query = select(FeedbackItem.id, FeedbackItem.text, FeedbackItem.question_id, FeedbackItem.section_id,
                   FeedbackItem.stance_source, _is_coded().label("coded")) \
        .where(FeedbackItem.consultation_id == consultation_id)
    while True:
        with timings.phase("read"):
            rows = db.session.execute(query.where(FeedbackItem.id > last_id).order_by(FeedbackItem.id)
                                      .limit(BATCH_ITEMS)).all()
            # A short read transaction per batch: nothing here writes (see the module docstring).
            db.session.rollback()
        if not rows:
            break
        last_id = rows[-1].id

        with timings.phase("suggest"):
            to_suggest = [(row.id, (row.text or "", item_context(row.question_id, row.section_id)))
                          for row in rows if not row.coded]
            # Campaign responses repeat a text word for word: analyse each distinct text once
            # (per question it answered).
            distinct = list(dict.fromkeys(key for _, key in to_suggest))
            found = dict(zip(distinct, predict([text for text, _ in distinct], [context for _, context in distinct]))) \
                if distinct else {}
            suggestions = [(item_id, found[key]) for item_id, key in to_suggest]

        with timings.phase("stance"):
            to_judge = [(row.id, row.text or "") for row in rows if row.stance_source != "officer"]
            distinct = list(dict.fromkeys(text for _, text in to_judge))
            judged = dict(zip(distinct, analysis.classify_stances(distinct, stance_model))) if distinct else {}
            stance_rows = [(item_id, judged[text].stance, judged[text].tone) for item_id, text in to_judge]
            tone_rows = [(row.id, analysis.tone(row.text or "")) for row in rows if row.stance_source == "officer"]

        batches.append((suggestions, stance_rows, tone_rows))
        done += len(rows)
        progress.update(done, steps, f"Suggesting themes: {done:,} of {total:,} items")
    return batches


class _Timings:
    """Seconds spent in each phase of a run: wall-clock, and CPU time of the job's own thread."""

    PHASES = ("train", "read", "suggest", "stance", "write")

    def __init__(self):
        self.wall = Counter()
        self.cpu = Counter()

    @contextmanager
    def phase(self, name):
        """Time the block as part of phase `name`."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - wall
            self.cpu[name] += time.thread_time() - cpu


def _write(consultation_id, batches, stance_method, total, steps, progress):
    """Phase 3: replace undecided automatic suggestions of items still not coded; set stance and tone."""
    figures = {"items_considered": 0, "items_with_suggestions": 0, "suggestions": 0, "suggested": Counter(),
               "by_method": Counter(), "stances_set": 0}
    now = utcnow()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    done = total
    progress.update(done, steps, "Writing the suggestions")
    for suggestions, stance_rows, tone_rows in batches:
        candidates = [item_id for item_id, _ in suggestions]
        still_open = _still_not_coded(consultation_id, candidates, postgresql) if candidates else set()
        open_ids = [item_id for item_id in candidates if item_id in still_open]
        rows = []
        if open_ids:
            # The first pass's tags of these items: undecided automatic suggestions are replaced;
            # any other tag (a rejection, an import's suggestion) holds its theme's place, so a
            # rejected theme is never suggested again.
            replaced, taken = [], set()
            for tag_id, item_id, theme_id, status, source in db.session.execute(
                    select(Tag.id, Tag.item_id, Tag.theme_id, Tag.status, Tag.source).where(
                        _among(Tag.item_id, open_ids, postgresql), Tag.coding_pass == "primary")):
                if status == "suggested" and source == "automatic":
                    replaced.append(tag_id)
                else:
                    taken.add((item_id, theme_id))
            # By id: a delete filtered on status would be planned on the status index, a scan
            # of every suggestion of every consultation.
            if replaced:
                db.session.execute(delete(Tag).where(_among(Tag.id, replaced, postgresql))
                                   .execution_options(synchronize_session=False))
            for item_id, found in suggestions:
                if item_id not in still_open:
                    continue
                figures["items_considered"] += 1
                written = 0
                for suggestion in found:
                    if (item_id, suggestion.theme) in taken:
                        continue
                    taken.add((item_id, suggestion.theme))
                    rows.append({"item_id": item_id, "theme_id": suggestion.theme, "source": "automatic",
                                 "status": "suggested", "coding_pass": "primary",
                                 "confidence": min(1.0, max(0.0, round(float(suggestion.confidence), 4))),
                                 "explanation": list(suggestion.words), "coder_id": None, "created_at": now,
                                 "decided_at": None})
                    figures["suggested"][suggestion.theme] += 1
                    figures["by_method"][suggestion.source] += 1
                    written += 1
                figures["items_with_suggestions"] += bool(written)
        if rows:
            _insert_tags(rows, postgresql)
            figures["suggestions"] += len(rows)
        if stance_rows:
            _update_items(stance_rows, ("stance", "tone"), postgresql, fixed={"stance_source": stance_method},
                          only_if=or_(_items.c.stance_source.is_(None), _items.c.stance_source != "officer"))
            figures["stances_set"] += len(stance_rows)
        if tone_rows:
            _update_items(tone_rows, ("tone",), postgresql)
        done += len(stance_rows) + len(tone_rows)
        progress.update(done, steps, f"Writing the suggestions: {done - total:,} of {total:,} items")
    return figures


def _insert_tags(rows, postgresql):
    """Insert many tags: executemany on SQLite; on PostgreSQL one INSERT ... SELECT from arrays."""
    if not postgresql:
        db.session.execute(_tags.insert(), rows)
        return
    # psycopg runs an executemany as one statement per row, and a multi-row VALUES would be
    # compiled afresh for every batch; a statement over arrays is compiled once.
    columns = ("item_id", "theme_id", "source", "status", "coding_pass", "confidence", "explanation",
               "created_at")
    given = select(
        _unnested("item_ids", [row["item_id"] for row in rows], Integer()),
        _unnested("theme_ids", [row["theme_id"] for row in rows], Integer()),
        literal("automatic"), literal("suggested"), literal("primary"),
        _unnested("confidences", [row["confidence"] for row in rows], Float()),
        cast(_unnested("explanations", [json.dumps(row["explanation"]) for row in rows], Text()), _tags.c.explanation.type),
        bindparam("created_at", rows[0]["created_at"], type_=_tags.c.created_at.type))
    db.session.execute(_tags.insert().from_select(columns, given))


def _update_items(rows, columns, postgresql, fixed=None, only_if=None):
    """Set `columns` of many feedback items from rows of (item id, *values), and `fixed` values on all of them.

    An automatic stance or tone is an annotation, not an edit, so the items' updated_at stays.
    """
    conditions = [only_if] if only_if is not None else []
    unchanged = {"updated_at": _items.c.updated_at, **(fixed or {})}
    if postgresql:
        # UPDATE ... FROM (SELECT unnest(ids), unnest(values)...): one statement per batch.
        given = select(*(_unnested(f"given_{name}", [row[position] for row in rows], _items.c[name].type).label(name)
                         for position, name in enumerate(("id", *columns)))).subquery("given")
        db.session.execute(update(_items).where(_items.c.id == given.c.id, *conditions).values(
            **{name: given.c[name] for name in columns}, **unchanged))
        return
    statement = update(_items).where(_items.c.id == bindparam("given_id"), *conditions).values(
        **{name: bindparam(f"given_{name}") for name in columns}, **unchanged)
    db.session.execute(statement, [{"given_id": row[0], **{f"given_{name}": value
                                                            for name, value in zip(columns, row[1:])}}
                                   for row in rows])


def _unnested(name, values, sql_type):
    """PostgreSQL: the rows of one array parameter (set-returning; several in one SELECT run in step)."""
    return func.unnest(cast(bindparam(name, values, type_=ARRAY(sql_type)), ARRAY(sql_type)))


def _still_not_coded(consultation_id, item_ids, postgresql):
    """Which of these items are, now, still not coded (an officer may have coded some since they were read)."""
    return set(db.session.scalars(select(FeedbackItem.id).where(
        _among(FeedbackItem.id, item_ids, postgresql), FeedbackItem.consultation_id == consultation_id,
        ~_is_coded())))


def _among(ids_column, ids, postgresql):
    """ids_column IN ids; on PostgreSQL = ANY(one array), which psycopg need not parse 2,000 placeholders for."""
    if postgresql:
        return ids_column == any_(cast(bindparam(None, list(ids), type_=ARRAY(Integer)), ARRAY(Integer)))
    return ids_column.in_(ids)


jobs.job(SUGGEST_JOB, "Suggesting themes")(suggest_themes)
