"""report.html renders document text inert, highlights evidence, and lists regressions of a comparison."""

from __future__ import annotations

import copy

from evals import report
from evals.compare import compare_runs
from evals.runner import score_result, summarise, summarise_by_kind
from tests.evals.conftest import make_result, passage

HOSTILE = 'Evidence span here. <script>alert("x")</script> <img src=x onerror="alert(1)"> & more'
QUESTION = {"id": "q<1>", "question": "What <b>is</b> here?", "evidence": "Evidence span here.", "kind": "fact"}


def scored(question: dict, **answer: object) -> dict:
    result = make_result(question, **answer)
    result["scores"] = score_result(question, result)
    return result


def run_metrics(results: list[dict]) -> dict:
    return {"overall": summarise(results), "by_kind": summarise_by_kind(results), "run": {"out_dir": "runs/x"}}


def test_passage_text_is_escaped_before_highlighting() -> None:
    citation = {"n": 1, "quote": "Evidence span here.", "text": HOSTILE, "title": "<i>t</i>", "page": 2}
    result = scored(
        QUESTION,
        answer="Evidence span here. [1] <script>bad()</script>",
        citations=[citation],
        retrieved=[passage(HOSTILE, title="<svg onload=alert(2)>")],
    )
    page = report.render(run_metrics([result]), [result])
    assert "<script>" not in page and "<img" not in page.replace("<img alt=", "") and "<svg" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<mark>Evidence span here.</mark>" in page
    assert "q&lt;1&gt;" in page and "What &lt;b&gt;is&lt;/b&gt; here?" in page


def test_highlight_spans_whitespace_and_quote_variants() -> None:
    html = report.highlight("It said ‘trust\n first’ <now>.", ["'trust first'"])
    assert html == "It said <mark>‘trust\n first’</mark> &lt;now&gt;."


def test_failures_are_listed_first() -> None:
    passing = scored(QUESTION | {"id": "a"}, answer="Evidence span here. [1]", retrieved=[passage(HOSTILE)])
    failing = scored(QUESTION | {"id": "z"}, answer="Nothing.", abstained=True, retrieved=[passage("miss")])
    page = report.drill_down([passing, failing])
    assert page.index("id='q-z'") < page.index("id='q-a'")
    assert "class='fail'" in page and "class='pass'" in page


def test_compare_lists_a_regression_and_the_report_shows_it() -> None:
    before = [scored(QUESTION, answer="Evidence span here. [1]", retrieved=[passage(HOSTILE)])]
    after = copy.deepcopy(before)
    after[0]["retrieved"] = [passage("miss", 1), passage(HOSTILE, 2)]
    after[0]["scores"] = score_result(QUESTION, after[0])
    comparison = compare_runs(run_metrics(before), before, run_metrics(after), after)
    assert comparison["overall"]["hit@1"] == {"before": 1.0, "after": 0.0, "delta": -1.0}
    assert comparison["regressions"] == [
        {
            "id": "q<1>",
            "kind": "fact",
            "question": QUESTION["question"],
            "metrics": {"hit@1": [1.0, 0.0], "mrr@10": [1.0, 0.5]},
        }
    ]
    assert comparison["improvements"] == []
    page = report.render(run_metrics(after) | {"comparison": comparison}, after)
    assert "Regressions (1 questions)" in page and "hit@1: 1 → 0" in page
