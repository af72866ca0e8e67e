"""Second coder: draw a blind sample of coded items, record the second officer's coding, report kappa.

The sample is drawn from items the first officer has coded (marked coded, or with at
least one confirmed primary tag), with a seed that is stored so the draw can be
repeated. The second officer's coding goes through `engage.coding.services`, as a
"second" pass that leaves the first pass alone. Like every service: flush, never commit.
"""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select

from engage.analysis.agreement import AgreementReport, Kappa, sample_for_second_coder, theme_agreement
from engage.audit import record
from engage.coding.services import live_themes, set_item_themes
from engage.extensions import db
from engage.models import CodingSample, CodingSampleItem, FeedbackItem, Membership, Tag, Theme, User, utcnow

MAX_SAMPLE_SIZE = 500
# The seed is stored in an Integer column: keep it inside PostgreSQL's 32-bit range.
MAX_SEED = 2_147_483_647
# Below this many items where either coder chose a theme, its kappa swings on one decision.
FEW_CASES = 5

# Landis and Koch (1977): the usual words for a kappa value.
KAPPA_BANDS = (
    (0.0, "poor (worse than chance)"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (1.0, "almost perfect"),
)


def kappa_reading(kappa):
    """Landis and Koch's word for a kappa value ("substantial"), or "undefined" for None."""
    if kappa is None:
        return "undefined"
    if kappa < 0:
        return KAPPA_BANDS[0][1]
    for upper, words in KAPPA_BANDS[1:]:
        if kappa <= upper + 1e-9:
            return words
    return KAPPA_BANDS[-1][1]


def _primary_coded(consultation):
    """Condition: an item of the consultation coded in the primary pass."""
    confirmed_primary = exists().where(Tag.item_id == FeedbackItem.id, Tag.coding_pass == "primary",
                                       Tag.status == "confirmed")
    return (FeedbackItem.consultation_id == consultation.id) & or_(FeedbackItem.coded_at.isnot(None),
                                                                  confirmed_primary)


def primary_coded_count(consultation):
    """How many of the consultation's items have been coded in the primary pass."""
    return db.session.scalar(select(func.count(FeedbackItem.id)).where(_primary_coded(consultation)))


def second_coder_candidates(consultation):
    """Active users who may code the consultation: officers, admins and its officer members."""
    is_member_officer = exists().where(Membership.user_id == User.id, Membership.consultation_id == consultation.id,
                                       Membership.role == "officer")
    return (User.query.filter(User.active.is_(True), or_(User.role.in_(("admin", "officer")), is_member_officer))
            .order_by(User.name, User.email).all())


def main_primary_coder(consultation, item_ids=None):
    """(user, items they coded, items coded) for whoever coded most items in the primary pass; None if nobody.

    Limited to `item_ids` when given (a sample); otherwise over the whole consultation.
    """
    query = (select(FeedbackItem.coded_by_id, func.count(FeedbackItem.id))
             .where(_primary_coded(consultation), FeedbackItem.coded_by_id.isnot(None))
             .group_by(FeedbackItem.coded_by_id))
    if item_ids is not None:
        query = query.where(FeedbackItem.id.in_(list(item_ids)))
    counts = Counter(dict(db.session.execute(query).all()))
    if not counts:
        return None
    user_id, count = counts.most_common(1)[0]
    return db.session.get(User, user_id), count, sum(counts.values())


def draw_sample(consultation, size, seed, second_coder, user):
    """Draw a reproducible random sample of primary-coded items for `second_coder` to code blind."""
    # Through the connection, not the ORM: plain ids come back about twice as fast for 100,000 items.
    population = db.session.connection().scalars(select(FeedbackItem.id).where(_primary_coded(consultation))).all()
    chosen = sample_for_second_coder(population, size, seed)
    sample = CodingSample(consultation_id=consultation.id, size=len(chosen), seed=seed,
                          created_by_id=getattr(user, "id", None), second_coder_id=second_coder.id)
    db.session.add(sample)
    db.session.flush()
    # The draw's own random order is the coding order, so the second coder meets items unsorted.
    # One Core insert: the ORM's unit of work is slow for hundreds of rows.
    if chosen:
        db.session.execute(CodingSampleItem.__table__.insert(),
                           [{"sample_id": sample.id, "item_id": item_id, "position": position}
                            for position, item_id in enumerate(chosen, start=1)])
    db.session.expire(sample, ["items"])
    record("second_coder_sample_drawn", sample, consultation=consultation, user=user, size=len(chosen),
           seed=seed, second_coder_id=second_coder.id, population=len(population))
    return sample


def samples_with_progress(consultation):
    """[(sample, items coded, items in the sample)], newest first."""
    samples = (CodingSample.query.filter_by(consultation_id=consultation.id)
               .order_by(CodingSample.created_at.desc(), CodingSample.id.desc()).all())
    counts = {sample_id: (coded, total) for sample_id, coded, total in db.session.execute(
        select(CodingSampleItem.sample_id, func.count(CodingSampleItem.coded_at), func.count(CodingSampleItem.id))
        .join(CodingSample, CodingSample.id == CodingSampleItem.sample_id)
        .where(CodingSample.consultation_id == consultation.id)
        .group_by(CodingSampleItem.sample_id))}
    return [(sample, *counts.get(sample.id, (0, 0))) for sample in samples]


def progress(sample):
    """(items coded, items in the sample)."""
    return sum(1 for entry in sample.items if entry.coded_at), len(sample.items)


def next_uncoded(sample):
    """The first sample item, in position order, that the second coder has not coded; None when all are."""
    return next((entry for entry in sample.items if entry.coded_at is None), None)


def sample_item_at(sample, position):
    """The sample item at `position`, or None."""
    return next((entry for entry in sample.items if entry.position == position), None)


def second_pass_theme_ids(item):
    """The themes the second coder has chosen for an item."""
    return {tag.theme_id for tag in item.tags if tag.coding_pass == "second" and tag.status == "confirmed"}


def code_sample_item(sample_item, theme_ids, user):
    """Record the second coder's themes for one sample item; finish the sample when all are coded.

    Returns True when this completed the sample.
    """
    sample = sample_item.sample
    set_item_themes(sample_item.item, theme_ids, user, coding_pass="second")
    sample_item.coded_at = utcnow()
    if sample.completed_at is None and next_uncoded(sample) is None:
        sample.completed_at = sample_item.coded_at
        db.session.flush()
        record("second_coder_sample_completed", sample, consultation=sample.consultation, user=user,
               items=len(sample.items))
        return True
    db.session.flush()
    return False


@dataclass(frozen=True)
class ThemeAgreement:
    """One theme's line of the report."""

    theme: Theme
    result: Kappa
    reading: str
    chosen: int  # items where at least one coder chose the theme

    @property
    def few_cases(self):
        """A defined kappa resting on so few items that one decision moves it a lot."""
        return self.result.kappa is not None and self.chosen < FEW_CASES

    @property
    def why_undefined(self):
        """Why a theme has no kappa, in words that group themes with the same reason."""
        if self.result.items == 0:
            return "No items have been coded by both coders"
        if self.result.table[0][0] == self.result.items:
            return "Both coders chose these themes for every item"
        return "Neither coder chose these themes for any item"


@dataclass(frozen=True)
class Disagreement:
    """A sample item where the coders chose different themes."""

    entry: CodingSampleItem
    only_first: list
    only_second: list


@dataclass(frozen=True)
class SampleReport:
    """The agreement report of a sample: kappa overall and per theme, and where the coders differed."""

    report: AgreementReport
    themes: list  # ThemeAgreement with a kappa, in codebook order
    undefined: list  # ThemeAgreement without one
    disagreements: list
    coded: int
    total: int

    @property
    def mean_reading(self):
        """Landis and Koch's word for the mean of the per-theme kappas."""
        return kappa_reading(self.report.mean_kappa)

    @property
    def pooled_reading(self):
        """Landis and Koch's word for the kappa pooled over every item-theme decision."""
        return kappa_reading(self.report.pooled.kappa)


def sample_report(sample):
    """Compare the first coder's confirmed tags with the second coder's, on the sample items coded so far."""
    coded = [entry for entry in sample.items if entry.coded_at is not None]
    item_ids = [entry.item_id for entry in coded]
    first = {item_id: set() for item_id in item_ids}
    second = {item_id: set() for item_id in item_ids}
    if item_ids:
        rows = db.session.execute(
            select(Tag.item_id, Tag.theme_id, Tag.coding_pass)
            .where(Tag.item_id.in_(item_ids), Tag.status == "confirmed"))
        for item_id, theme_id, coding_pass in rows:
            (first if coding_pass == "primary" else second)[item_id].add(theme_id)
    codebook = live_themes(sample.consultation)
    used = set().union(*first.values(), *second.values()) if item_ids else set()
    # Themes archived or merged since the first coder used them still count, after the live ones.
    extra = sorted(Theme.query.filter(Theme.id.in_(used - {theme.id for theme in codebook})).all(),
                   key=lambda theme: (theme.position, theme.name)) if used else []
    themes = codebook + extra
    by_id = {theme.id: theme for theme in themes}
    report = theme_agreement(first, second, themes=list(by_id))

    lines = []
    for theme in themes:
        result = report.per_theme[theme.id]
        chosen = sum(1 for item_id in item_ids if theme.id in first[item_id] or theme.id in second[item_id])
        lines.append(ThemeAgreement(theme, result, kappa_reading(result.kappa), chosen))
    disagreements = [
        Disagreement(entry, [by_id[theme_id] for theme_id in _in_order(first[entry.item_id] - second[entry.item_id],
                                                                       themes)],
                     [by_id[theme_id] for theme_id in _in_order(second[entry.item_id] - first[entry.item_id],
                                                                themes)])
        for entry in coded if first[entry.item_id] != second[entry.item_id]]
    return SampleReport(report=report, themes=[line for line in lines if line.result.kappa is not None],
                        undefined=[line for line in lines if line.result.kappa is None],
                        disagreements=disagreements, coded=len(coded), total=len(sample.items))


def _in_order(theme_ids, themes):
    return [theme.id for theme in themes if theme.id in theme_ids]
