"""The analysis pipeline: plain functions on strings and plain data.

No Flask, no database session, no current_app: every function here can be run,
tested and benchmarked on a list of strings (house style rule 7).
"""
from importlib import import_module

# Where each name lives. Loaded on first use (PEP 562): NLTK, scikit-learn and datasketch
# take seconds and some hundred megabytes to import, which a web worker that only serves
# pages should not pay at start-up.
_HOMES = {
    "AgreementReport": "agreement", "Kappa": "agreement", "cohen_kappa": "agreement",
    "sample_for_second_coder": "agreement", "theme_agreement": "agreement",
    "CodebookMatcher": "codebook", "suggest_from_codebook": "codebook",
    "DuplicateGroup": "duplicates", "find_duplicates": "duplicates",
    "CandidateTheme": "emerging", "emerging_themes": "emerging",
    "StanceModel": "stance", "StanceResult": "stance", "classify_stances": "stance",
    "evaluate_stances": "stance", "stance_by_rule": "stance", "tone": "stance", "train_stance": "stance",
    "Suggester": "suggester", "evaluate": "suggester", "train": "suggester",
    "Suggestion": "types", "Theme": "types",
}


def __getattr__(name):
    """Import the module that defines `name` when it is first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AgreementReport",
    "CandidateTheme",
    "CodebookMatcher",
    "DuplicateGroup",
    "Kappa",
    "StanceModel",
    "StanceResult",
    "Suggester",
    "Suggestion",
    "Theme",
    "classify_stances",
    "cohen_kappa",
    "emerging_themes",
    "evaluate",
    "evaluate_stances",
    "find_duplicates",
    "sample_for_second_coder",
    "stance_by_rule",
    "suggest_from_codebook",
    "theme_agreement",
    "tone",
    "train",
    "train_stance",
]
