"""Small-number suppression: the one place that decides which counts the statement may show.

Equality counts and cross-tabulations (theme by stakeholder group, theme by
locality, event attendance by group) can point at a handful of people. A count
from 1 to THRESHOLD - 1 is never shown: it becomes a *cell* with no number,
``{"count": None, "suppressed": True}``; a count that may be shown is
``{"count": n, "suppressed": False}``. Zero is shown (it discloses nobody).

In a table whose categories do not overlap and whose total is published, one
hidden cell could be worked out by subtracting the others from the total, so
the next smallest cell is hidden too ("secondary" suppression); if nothing else
can be hidden the whole table is.

Pure functions on numbers: no Flask, no database.
"""
from collections.abc import Iterable, Sequence

THRESHOLD = 5
NOTE = (f"To protect people’s privacy, numbers from 1 to {THRESHOLD - 1} in equality and cross-tabulated "
        "tables are replaced by “not shown”. Where a hidden number could be worked out from a table’s total, "
        "another number in the same table is not shown either.")


def is_small(count):
    """True for a count that must not be shown on its own (1 to THRESHOLD - 1)."""
    return 0 < count < THRESHOLD


def cell(count, suppressed=None):
    """One count as a cell: the number, or no number when it is small (or `suppressed` says so)."""
    hidden = is_small(count) if suppressed is None else suppressed
    return {"count": None if hidden else int(count), "suppressed": bool(hidden)}


def suppress(counts: Sequence[int], exclusive=False) -> list[dict]:
    """Cells for a row or column of counts.

    exclusive: the categories do not overlap and their total is published, so a single
    hidden cell is protected by hiding the next smallest one as well.
    """
    counts = [int(count) for count in counts]
    hidden = [is_small(count) for count in counts]
    if exclusive and sum(hidden) == 1:
        others = sorted((count, index) for index, count in enumerate(counts) if count > 0 and not hidden[index])
        if others:
            hidden[others[0][1]] = True
        else:
            # Every other category is empty: the total alone gives the hidden number away.
            hidden = [True] * len(counts)
    return [cell(count, suppressed) for count, suppressed in zip(counts, hidden)]


def suppressed_rows(rows: Iterable[tuple[dict, int]], exclusive=False) -> list[dict]:
    """Each (fields, count) as fields plus a cell: e.g. {"label": "Carers", "count": None, "suppressed": True}."""
    rows = list(rows)
    cells = suppress([count for _, count in rows], exclusive=exclusive)
    return [{**fields, **cell_} for (fields, _), cell_ in zip(rows, cells)]


def shown(cell_):
    """The number of a cell, or None when it is suppressed."""
    return None if cell_["suppressed"] else cell_["count"]
