"""Tables of the statement as (headers, rows), and CSV files of them.

Pure functions of the content dict (house style: one builder, thin serialisers). The
same tables fill the spreadsheet's sheets and the CSV files, so a suppressed count is
"not shown" in both. Every cell goes through text.sheet_value: no cell starts a formula.
"""
import csv
import io

from engage.exports.text import all_themes, cell_value, sheet_value, theme_paths

STANCE_COLUMNS = (("support", "Support"), ("concern", "Concern"), ("mixed", "Mixed"), ("neutral", "Neutral"),
                  ("not_recorded", "View not recorded"))
PUBLISHED_HEADERS = ("Consultation", "Question", "Section of the plan", "Themes", "Comment", "From")


def _labels(rows_of_rows):
    """Labels in order of first appearance across several lists of rows."""
    seen = {}
    for rows in rows_of_rows:
        for row in rows:
            seen.setdefault(row["label"], None)
    return list(seen)


def theme_table(content):
    """One row per theme (depth-first): counts, balance of views, the decision, and responses by group and place.

    Counts by group and by locality are cells: a suppressed one is "not shown", exactly as in the statement.
    """
    themes = list(all_themes(content))
    paths = theme_paths(content)
    groups = _labels(theme.get("by_group", []) for theme in themes)
    places = _labels(theme.get("by_locality", []) for theme in themes)
    headers = (["Theme", "Part of", "Level", "Comments", "People", "Responses", "Notes from events and letters"]
               + [label for _, label in STANCE_COLUMNS]
               + ["Decision", "You said", "We did", "Reason"]
               + [f"Responses from: {label}" for label in groups]
               + [f"Responses in: {label}" for label in places])
    rows = []
    for theme in themes:
        response = theme.get("response") or {}
        by_group = {row["label"]: row for row in theme.get("by_group", [])}
        by_place = {row["label"]: row for row in theme.get("by_locality", [])}
        parent = paths.get(theme.get("parent_id"), "")
        rows.append([theme["name"], parent, theme.get("depth", 0) + 1, theme["items"], theme["people"],
                     theme["respondents"], theme["notes"]]
                    + [theme["stance"].get(key, 0) for key, _ in STANCE_COLUMNS]
                    + [response.get("decision_label", ""), response.get("you_said", ""),
                       response.get("we_did", ""), response.get("reason", "")]
                    + [cell_value(by_group[label]) if label in by_group else "" for label in groups]
                    + [cell_value(by_place[label]) if label in by_place else "" for label in places])
    return headers, [[sheet_value(value) for value in row] for row in rows]


def who_table(content):
    """Who responded, as one long table: what is counted, the category, the number and the aim.

    Groups, localities and channels are plain counts; equality answers are cells and a
    suppressed one is "not shown", exactly as in the statement.
    """
    who = content["who"]
    headers = ["Counted", "Category", "Number", "Aim"]
    rows = []
    for row in who.get("by_respondent_type", []):
        rows.append(["Responses by who responded", row["label"], row["count"], ""])
    for row in who.get("by_group", []):
        rows.append(["Responses by stakeholder group (a response can be in several)", row["label"], row["count"],
                     row.get("target") if row.get("target") is not None else ""])
    for row in who.get("by_locality", []):
        rows.append(["Responses by locality", row["label"], row["count"],
                     row.get("target") if row.get("target") is not None else ""])
    for row in who.get("by_channel", []):
        rows.append(["Responses by how they were sent", row["label"], row["count"], ""])
    equality = who.get("equality") or {}
    for table in equality.get("tables", []):
        title = f"Equality monitoring: {table['title']}"
        for row in table.get("rows", []):
            rows.append([title, row["label"], cell_value(row), ""])
        rows.append([title, "Total", table.get("total", 0), ""])
    return headers, [[sheet_value(value) for value in row] for row in rows]


def published_row(row):
    """A published comment (engage.exports.responses) as a row of PUBLISHED_HEADERS."""
    return [sheet_value(value) for value in (row["consultation"], row["question"], row["section"],
                                             "; ".join(row["themes"]), row["text"], row["attribution"])]


def write_csv(target, headers, rows):
    """Write a CSV (UTF-8 with a byte-order mark, so spreadsheet programs read it as UTF-8) to a text file."""
    target.write("\ufeff")
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow([sheet_value(header) for header in headers])
    for row in rows:
        writer.writerow(row)


def themes_csv(content):
    """The themes with their counts as CSV bytes."""
    buffer = io.StringIO()
    write_csv(buffer, *theme_table(content))
    return buffer.getvalue().encode("utf-8")


def published_responses_csv(rows, target):
    """Write the published comments (dicts from engage.exports.responses) as CSV to an open text file."""
    write_csv(target, PUBLISHED_HEADERS, (published_row(row) for row in rows))


def published_responses_writer(target):
    """Start a CSV of published comments in an open text file; returns a function that writes one comment."""
    write_csv(target, PUBLISHED_HEADERS, ())
    writer = csv.writer(target, lineterminator="\r\n")
    return lambda row: writer.writerow(published_row(row))
