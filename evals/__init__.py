"""PolicyDesk's evaluation: question sets (data) and the runner that scores the Assistant on them.

The API is re-exported lazily (PEP 562): importing a light submodule such as ``evals.output`` for the CLI must
not load the model, llama-index and matplotlib that the runner needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "EvalOptions": "evals.evaluate",
    "EvalRun": "evals.evaluate",
    "evaluate": "evals.evaluate",
    "run_eval": "evals.evaluate",
    "METRICS": "evals.runner",
    "load_questions": "evals.runner",
    "score_result": "evals.runner",
    "summarise": "evals.runner",
    "summarise_by_kind": "evals.runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'evals' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
