"""How well does the theme suggester tag real health-and-care feedback? (A benchmark, not a test.)

Reads the NHS patient-experience comments (../shared/data/patient-feedback-phase1.csv,
or a path given on the command line) and reports:

  (a) theme suggestion: train on 80% with the 44 `subcategory` labels, and
      separately with the 9 `label` categories; measure on the other 20%
      (micro/macro precision, recall, F1; share whose top suggestion is right;
      share with any right suggestion; training and suggesting time); then,
      for data the suggester has never seen, train on two trusts and test on the
      third (9 categories; each trust's comments, questions and wording differ);
  (a3) as `flask --app engage evaluate-tagging` measures it: a random 80/20
      split and a random 500-item training set (seed), micro-F1 with its
      bootstrap 95% interval, macro- and samples-F1, against NLTK NaiveBayes;
  (a4) multi-label: the file has one label per comment, so 40% of the comments are
      joined in pairs with different subcategories (one item, two themes); a random
      80/20 split, scored apart on the one-theme and the two-theme items, to show the
      suggester gives two themes where two are raised and not where one is;
  (b) stance/tone: criticality -5..+5 mapped to concern (<0) / neutral (0) /
      support (>0); Cohen's kappa, accuracy and macro-F1 of the VADER rule and of
      the learnt model;
  (c) campaign detection: time to find near-duplicates in 10,000 texts, with a
      planted campaign of 200 edited copies of one letter;
  (d) emerging themes: time to group 2,000 items;
  (e) speed: training on 10,000 items (wall and CPU seconds), suggesting for
      100,000 items (the file's texts repeated), stance and tone per second.

Usage: .venv/bin/python bench/tagging_quality.py [path.csv] [--seed N] [--quick]
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engage.analysis import (  # noqa: E402 - after the path set-up so the script runs from anywhere
    classify_stances,
    tone,
    emerging_themes,
    evaluate,
    evaluate_stances,
    find_duplicates,
    train,
    train_stance,
)
from engage.analysis.evaluation import cohen_kappa, evaluate_tagging, split_indices  # noqa: E402
from engage.analysis.stance import CONCERN, NEUTRAL, SUPPORT, _polarity  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "patient-feedback-phase1.csv"
CAMPAIGN_LETTER = (
    "I am writing to object to the closure of the Riverside day centre. It is the only place my "
    "father can go during the week and without it I could not keep working. The plan says services "
    "will be closer to home but the nearest alternative is fifteen miles away with no bus."
)


def main() -> None:
    """Run every part of the benchmark and print one compact table per part."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="9 categories only (skips the slow 44-label run)")
    arguments = parser.parse_args()

    rows = load(Path(arguments.path))
    print(f"data: {arguments.path} ({len(rows)} comments with text)\n")
    train_rows, test_rows = split(rows, "subcategory", arguments.seed)
    print(f"split: {len(train_rows)} train / {len(test_rows)} test (stratified on subcategory, seed {arguments.seed})\n")

    columns = ["label"] if arguments.quick else ["label", "subcategory"]
    header = ["test set", "labels", "themes", "model", "micro P", "micro R", "micro F1", "macro P", "macro R",
              "macro F1", "top right", "any right", "none", "baseline", "train s", "suggest s"]
    theme_results = [
        theme_suggestion("random 20%", train_rows, test_rows, column, arguments.seed) for column in columns
    ]
    print_table("(a) theme suggestion", header, theme_results)
    trusts = sorted({row["organization"] for row in rows})
    if len(trusts) > 1:
        unseen = [
            theme_suggestion(
                f"{trust} (unseen)",
                [row for row in rows if row["organization"] != trust],
                [row for row in rows if row["organization"] == trust],
                "label",
                arguments.seed,
            )
            for trust in trusts
        ]
        print_table("(a2) theme suggestion on an organisation never trained on", header, unseen)

    print_table(
        "(a3) as evaluate-tagging measures it (random split by seed; 95% bootstrap interval of micro-F1)",
        ["labels", "training", "n train", "n test", "micro F1", "95% interval", "macro F1", "samples F1",
         "NB micro F1", "NB interval", "train s", "train CPU s", "items/s"],
        [random_split(rows, column, arguments.seed, **split)
         for column in columns for split in ({"train_fraction": 0.8}, {"train_size": 500})],
    )

    if not arguments.quick:
        print_table(
            "(a4) multi-label: 40% of comments joined in pairs of two subcategories (random 80/20 split)",
            ["items", "themes each", "suggested each", "micro P", "micro R", "micro F1", "all right"],
            multi_label(rows, arguments.seed),
        )

    print_table(
        "(b) stance from criticality (<0 concern, 0 neutral, >0 support), held-out 20%",
        ["method", "items", "kappa", "accuracy", "macro F1", "F1 concern", "F1 neutral", "F1 support", "seconds"],
        stance_rows(train_rows, test_rows, arguments.seed),
    )

    print_table(
        "(c) campaign and duplicate detection",
        ["texts", "groups", "in groups", "campaign found", "campaign size", "seconds"],
        [campaign_detection(rows, arguments.seed)],
    )

    print_table(
        "(d) emerging themes",
        ["items", "candidates", "largest", "seconds"],
        [emerging(rows, arguments.seed)],
    )

    print_table(
        "(e) speed (wall seconds on a shared machine; CPU seconds are what this process used)",
        ["step", "items", "wall s", "CPU s", "items/s (wall)"],
        speed(rows, arguments.seed, quick=arguments.quick),
    )


def load(path: Path) -> list[dict]:
    """Rows with non-empty feedback."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if (row.get("feedback") or "").strip()]


def split(rows: list[dict], column: str, seed: int) -> tuple[list[dict], list[dict]]:
    """80/20, stratified on one column so rare labels appear on both sides."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row[column].strip()].append(row)
    generator = random.Random(seed)
    train_rows, test_rows = [], []
    for key in sorted(groups):
        members = groups[key][:]
        generator.shuffle(members)
        held = round(len(members) * 0.2)
        test_rows.extend(members[:held])
        train_rows.extend(members[held:])
    return train_rows, test_rows


def theme_suggestion(name: str, train_rows: list[dict], test_rows: list[dict], column: str, seed: int) -> list:
    """Train on one label column, suggest for the held-out items, score."""
    train_texts = [row["feedback"] for row in train_rows]
    train_labels = [[row[column].strip()] for row in train_rows]
    test_texts = [row["feedback"] for row in test_rows]
    gold = [[row[column].strip()] for row in test_rows]

    started = time.perf_counter()
    suggester = train(train_texts, train_labels, random_state=seed)
    trained = time.perf_counter()
    suggestions = suggester.suggest(test_texts)
    suggested = time.perf_counter()
    result = evaluate(gold, suggestions)
    commonest = Counter(label for labels in train_labels for label in labels).most_common(1)[0][0]
    baseline = evaluate(gold, [[commonest]] * len(gold))["share_top_correct"]
    return [
        name,
        column,
        len(set(label for labels in train_labels for label in labels)),
        suggester.model_family,
        result["micro_precision"],
        result["micro_recall"],
        result["micro_f1"],
        result["macro_precision"],
        result["macro_recall"],
        result["macro_f1"],
        result["share_top_correct"],
        result["share_with_correct"],
        round(1 - result["share_with_suggestion"], 4),
        baseline,
        round(trained - started, 1),
        round(suggested - trained, 1),
    ]


def random_split(rows: list[dict], column: str, seed: int, **split) -> list:
    """One evaluate-tagging run: the app's train() on a random part, scored on the rest, with the NB baseline."""
    result = evaluate_tagging([row["feedback"] for row in rows], [[row[column].strip()] for row in rows],
                              seed=seed, **split)
    baseline = result["baseline"]
    training = f"{split['train_size']} items" if "train_size" in split else f"{split['train_fraction']:.0%}"
    return [column, training, result["n_train"], result["n_test"], result["micro_f1"],
            "{:.3f}-{:.3f}".format(*result["micro_f1_ci"]), result["macro_f1"], result["samples_f1"],
            baseline["micro_f1"], "{:.3f}-{:.3f}".format(*baseline["micro_f1_ci"]), result["train_seconds"],
            result["train_cpu_seconds"], round(result["suggest_items_per_second"])]


def multi_label(rows: list[dict], seed: int, share: float = 0.4) -> list[list]:
    """Items of one or two themes (two comments joined), scored by how many themes each has."""
    generator = random.Random(seed)
    order = list(range(len(rows)))
    generator.shuffle(order)
    texts, labels, position = [], [], 0
    while position < len(order):
        first = rows[order[position]]
        second = rows[order[position + 1]] if position + 1 < len(order) else None
        if second is not None and generator.random() < share and \
                second["subcategory"].strip() != first["subcategory"].strip():
            texts.append(first["feedback"].rstrip() + " " + second["feedback"])
            labels.append([first["subcategory"].strip(), second["subcategory"].strip()])
            position += 2
        else:
            texts.append(first["feedback"])
            labels.append([first["subcategory"].strip()])
            position += 1
    train_index, test_index = split_indices(len(texts), train_fraction=0.8, seed=seed)
    suggester = train([texts[i] for i in train_index], [labels[i] for i in train_index], random_state=seed)
    suggestions = suggester.suggest([texts[i] for i in test_index])
    table = []
    for size in (1, 2, None):
        chosen = [row for row, i in enumerate(test_index) if size is None or len(labels[i]) == size]
        gold = [labels[test_index[row]] for row in chosen]
        predicted = [suggestions[row] for row in chosen]
        result = evaluate(gold, predicted)
        exact = sum({s.theme for s in found} == set(want) for found, want in zip(predicted, gold)) / len(chosen)
        table.append([len(chosen), size or "1 or 2", round(sum(len(found) for found in predicted) / len(chosen), 2),
                      result["micro_precision"], result["micro_recall"], result["micro_f1"], round(exact, 4)])
    return table


def speed(rows: list[dict], seed: int, quick: bool = False) -> list[list]:
    """Train on 10,000 items; suggest for 100,000 (10,000 with --quick); stance and tone for 10,000."""
    generator = random.Random(seed)
    sample = [rows[index] for index in sorted(generator.sample(range(len(rows)), min(10_000, len(rows))))]
    texts = [row["feedback"] for row in sample]
    output = []

    def timed(step, items, function):
        started, cpu = time.perf_counter(), time.process_time()
        value = function()
        wall, used = time.perf_counter() - started, time.process_time() - cpu
        output.append([step, items, round(wall, 2), round(used, 2), round(items / max(wall, 1e-9))])
        return value

    suggester = timed("train (44 subcategories)", len(texts),
                      lambda: train(texts, [[row["subcategory"].strip()] for row in sample], random_state=seed))
    many = (texts * 10)[: 10_000 if quick else 100_000]
    timed("suggest themes", len(many), lambda: suggester.suggest(many))
    stances = [stance for stance in (stance_of(row) for row in sample)]
    known = [(text, stance) for text, stance in zip(texts, stances) if stance]
    model = timed("train stance model", len(known),
                  lambda: train_stance([text for text, _ in known], [stance for _, stance in known]))
    # VADER's scores are cached per text: empty the cache so each step pays for them.
    _polarity.cache_clear()
    timed("stance by rule (+tone)", len(texts), lambda: classify_stances(texts))
    _polarity.cache_clear()
    timed("stance by model (+tone)", len(texts), lambda: classify_stances(texts, model))
    _polarity.cache_clear()
    timed("tone alone", len(texts), lambda: [tone(text) for text in texts])
    return output


def stance_of(row: dict) -> str | None:
    """Criticality -5..+5 as a stance; None for the handful of unreadable or out-of-range scores."""
    try:
        score = int(row["criticality"].strip())
    except (ValueError, AttributeError):
        return None
    if not -5 <= score <= 5:
        return None
    return CONCERN if score < 0 else SUPPORT if score > 0 else NEUTRAL


def stance_rows(train_rows: list[dict], test_rows: list[dict], seed: int) -> list[list]:
    """The VADER rule and the learnt model, scored on the same held-out items."""
    train_pairs = [(row["feedback"], stance_of(row)) for row in train_rows if stance_of(row)]
    test_pairs = [(row["feedback"], stance_of(row)) for row in test_rows if stance_of(row)]
    test_texts = [text for text, _ in test_pairs]
    gold = [stance for _, stance in test_pairs]

    output = []
    started = time.perf_counter()
    by_rule = classify_stances(test_texts)
    output.append(stance_row("VADER rule", gold, by_rule, time.perf_counter() - started))
    # The data has no "mixed" label: count the rule's "mixed" as wrong above, and show it folded into neutral.
    folded = [NEUTRAL if result.stance == "mixed" else result.stance for result in by_rule]
    output.append(stance_row("VADER rule, mixed->neutral", gold, folded, 0.0))

    started = time.perf_counter()
    model = train_stance([text for text, _ in train_pairs], [stance for _, stance in train_pairs], random_state=seed)
    learnt = classify_stances(test_texts, model)
    output.append(stance_row("learnt (TF-IDF+VADER, LR)", gold, learnt, time.perf_counter() - started))
    return output


def stance_row(method: str, gold: list[str], predicted, seconds: float) -> list:
    """One line of the stance table."""
    result = evaluate_stances(gold, predicted)
    per = result["per_stance_f1"]
    stances = [entry.stance if hasattr(entry, "stance") else entry for entry in predicted]
    return [method, result["items"], cohen_kappa(gold, stances), result["accuracy"], result["macro_f1"],
            per.get(CONCERN, 0.0), per.get(NEUTRAL, 0.0), per.get(SUPPORT, 0.0), round(seconds, 2)]


def campaign_detection(rows: list[dict], seed: int, size: int = 10_000, campaign_size: int = 200) -> list:
    """Near-duplicate search over `size` texts: real comments plus one planted campaign."""
    generator = random.Random(seed)
    letters = []
    for _ in range(campaign_size):
        words = CAMPAIGN_LETTER.split()
        for _ in range(generator.randint(0, 2)):
            words[generator.randrange(len(words))] = generator.choice(["really", "local", "my", "our", "vital"])
        letters.append(" ".join(words) + generator.choice(["", " Thank you.", " Yours, a resident."]))
    real = [row["feedback"] for row in rows]
    # Real comments are not repeated to reach the size: that would plant copies of them.
    texts = real[: size - campaign_size] + letters
    generator.shuffle(texts)
    letter_set = set(letters)
    planted = {index for index, text in enumerate(texts) if text in letter_set}

    started = time.perf_counter()
    groups = find_duplicates(texts)
    seconds = time.perf_counter() - started
    best = max(groups, key=lambda group: len(planted & set(group.members)), default=None)
    found = len(planted & set(best.members)) if best else 0
    return [len(texts), len(groups), sum(len(group.members) for group in groups),
            f"{found}/{len(planted)}", len(best.members) if best else 0, round(seconds, 2)]


def emerging(rows: list[dict], seed: int, size: int = 2000) -> list:
    """Group a random sample of items as if none fitted a theme."""
    sample = random.Random(seed).sample([row["feedback"] for row in rows], min(size, len(rows)))
    started = time.perf_counter()
    candidates = emerging_themes(sample, random_state=seed)
    seconds = time.perf_counter() - started
    largest = f"{candidates[0].name} ({len(candidates[0].members)})" if candidates else "-"
    return [len(sample), len(candidates), largest, round(seconds, 2)]


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    """A plain fixed-width table."""
    cells = [header] + [[format_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(title)
    for number, row in enumerate(cells):
        print("  " + "  ".join(value.rjust(width) if number else value.ljust(width) for value, width in zip(row, widths)))
        if number == 0:
            print("  " + "  ".join("-" * width for width in widths))
    print()


def format_cell(value) -> str:
    """Floats to 3 places, everything else as text."""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
