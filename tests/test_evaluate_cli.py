"""flask evaluate-tagging: measure the suggester on a labelled CSV or XLSX file, without the database."""
import csv
import json

import pytest

from tests.analysis.fixtures import synthetic_dataset

KEYS = {"micro_f1", "macro_f1", "samples_f1", "micro_f1_ci", "n_train", "n_test", "n_themes", "train_seconds",
        "suggest_items_per_second", "baseline"}


def _rows():
    texts, labels = synthetic_dataset(items_per_theme=20, multi_label_items=20, seed=3)
    rows = [{"Comment": text, "Themes": " ; ".join(themes), "Score": "-2" if "no " in text else "1"}
            for text, themes in zip(texts, labels)]
    rows += [{"Comment": "The football was on all afternoon", "Themes": "", "Score": "0"}] * 4
    rows += [{"Comment": "   ", "Themes": "transport", "Score": "0"}]  # no text: left out
    return rows


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "coded.csv"
    # Excel's "CSV UTF-8" starts with a byte-order mark.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["Comment", "Themes", "Score"])
        writer.writeheader()
        writer.writerows(_rows())
    return path


def run(app, *arguments):
    return app.test_cli_runner().invoke(args=["evaluate-tagging", *map(str, arguments)])


def test_json_has_every_figure_and_the_baseline(app, labelled_csv):
    result = run(app, labelled_csv, "--text-column", "Comment", "--themes-column", "Themes", "--json",
                 "--resamples", "100", "--seed", "2")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert KEYS <= set(figures)
    assert {"micro_f1", "macro_f1", "samples_f1", "micro_f1_ci", "method"} <= set(figures["baseline"])
    assert figures["n_train"] + figures["n_test"] == 104  # 100 coded + 4 with no theme; the blank row is left out
    assert figures["n_train"] == round(0.8 * 104)
    assert figures["n_themes"] == 4 and figures["items_without_theme"] == 4
    low, high = figures["micro_f1_ci"]
    assert 0 <= low <= figures["micro_f1"] <= high <= 1
    assert figures["micro_f1"] > 0.7


def test_train_size_stance_column_and_readable_table(app, labelled_csv):
    result = run(app, labelled_csv, "--text-column", "comment", "--themes-column", "THEMES", "--train-size", "50",
                 "--stance-column", "Score", "--resamples", "50")
    assert result.exit_code == 0, result.output
    assert "trained on 50, tested on 54" in result.output
    assert "Engage suggester" in result.output and "NaiveBayes baseline" in result.output
    assert "micro-F1" in result.output and "kappa" in result.output


def test_an_excel_workbook_and_another_separator(app, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Text", "Codes"])
    for row in _rows():
        sheet.append([row["Comment"], row["Themes"].replace(" ; ", "|")])
    path = tmp_path / "coded.xlsx"
    workbook.save(path)
    result = run(app, path, "--text-column", "Text", "--themes-column", "Codes", "--separator", "|", "--json",
                 "--resamples", "50")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n_themes"] == 4


def test_train_fraction_and_train_size_are_exclusive(app, labelled_csv):
    result = run(app, labelled_csv, "--text-column", "Comment", "--themes-column", "Themes",
                 "--train-fraction", "0.5", "--train-size", "20", "--json")
    assert result.exit_code != 0
    assert "not both" in result.output


@pytest.mark.parametrize("arguments", [("--train-size", "500"), ("--train-fraction", "1.5")])
def test_impossible_split_is_a_clear_error(app, labelled_csv, arguments):
    result = run(app, labelled_csv, "--text-column", "Comment", "--themes-column", "Themes", *arguments)
    assert result.exit_code == 1
    assert "Error:" in result.output and "training" in result.output


def test_missing_column_is_a_clear_error(app, labelled_csv):
    result = run(app, labelled_csv, "--text-column", "Feedback", "--themes-column", "Themes", "--json")
    assert result.exit_code == 1
    assert "no column named 'Feedback'" in result.output
    assert "'Comment', 'Themes', 'Score'" in result.output


def test_a_file_that_is_not_a_table_is_a_clear_error(app, tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4 not a table")
    result = run(app, path, "--text-column", "Comment", "--themes-column", "Themes")
    assert result.exit_code == 1
    assert "CSV" in result.output


def test_a_context_column_is_learnt_and_a_missing_one_is_a_clear_error(app, tmp_path):
    # The same short answers to two questions mean two themes: only the question tells them apart.
    path = tmp_path / "questions.csv"
    texts, labels = synthetic_dataset(items_per_theme=20, multi_label_items=0, seed=5)
    rows = [{"Comment": text, "Themes": ";".join(themes), "Question": ""} for text, themes in zip(texts, labels)]
    for question, theme in (("Could anything be better?", "nothing to improve"), ("Did anything go wrong?", "fine")):
        rows += [{"Comment": answer, "Themes": theme, "Question": question}
                 for answer in ["No", "Nothing", "No, nothing", "None", "Nothing really", "No thanks"] * 5]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["Comment", "Themes", "Question"])
        writer.writeheader()
        writer.writerows(rows)
    common = [path, "--text-column", "Comment", "--themes-column", "Themes", "--json", "--resamples", "50"]
    with_question = json.loads(run(app, *common, "--context-column", "question").output)
    without = json.loads(run(app, *common).output)
    assert with_question["method"]["contexts_learnt"] == 2 and without["method"]["contexts_learnt"] == 0
    assert with_question["micro_f1"] > without["micro_f1"] + 0.05
    result = run(app, *common, "--context-column", "Asked")
    assert result.exit_code != 0
    assert "no column named 'Asked' (--context-column)" in result.output
