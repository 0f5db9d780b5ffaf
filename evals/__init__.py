"""PolicyDesk's evaluation: question sets (data) and the runner that scores the Assistant on them."""

from evals.evaluate import EvalOptions, EvalRun, evaluate, run_eval
from evals.runner import METRICS, load_questions, score_result, summarise, summarise_by_kind

__all__ = [
    "METRICS",
    "EvalOptions",
    "EvalRun",
    "evaluate",
    "load_questions",
    "run_eval",
    "score_result",
    "summarise",
    "summarise_by_kind",
]
