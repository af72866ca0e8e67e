"""The analysis pipeline: plain functions on strings and plain data.

No Flask, no database session, no current_app: every function here can be run,
tested and benchmarked on a list of strings (house style rule 7).
"""
from engage.analysis.agreement import AgreementReport, Kappa, cohen_kappa, sample_for_second_coder, theme_agreement
from engage.analysis.codebook import CodebookMatcher, suggest_from_codebook
from engage.analysis.duplicates import DuplicateGroup, find_duplicates
from engage.analysis.emerging import CandidateTheme, emerging_themes
from engage.analysis.stance import (
    StanceModel,
    StanceResult,
    classify_stances,
    evaluate_stances,
    stance_by_rule,
    tone,
    train_stance,
)
from engage.analysis.suggester import Suggester, evaluate, train
from engage.analysis.types import Suggestion, Theme

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
