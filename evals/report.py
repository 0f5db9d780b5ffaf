"""report.html: one self-contained page (inline CSS, plots as base64 PNG, no network) for a run.

Every piece of text that comes from documents, questions or answers goes through ``html.escape`` before our
own tags (``<mark>`` for evidence) are put around it, so a passage holding ``<script>`` stays inert text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from evals import metrics as m
from evals import plots
from evals.tables import HEADLINE_ROWS, format_value, headline_columns

Result = Mapping[str, Any]
BAR_METRICS = tuple(m.DEFINITIONS)
LATENCY_DEFINITIONS = {
    "retrieve": "embedding the question and retrieving passages",
    "answer": "writing the answer and verifying its citations",
    "total": "the whole ask() call",
}
_QUOTE_CLASSES = {"'": "['‘’]", '"': '["“”]', "‘": "['‘’]", "’": "['‘’]", "“": '["“”]', "”": '["“”]'}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;
line-height:1.4;padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem}
th{background:#f4f4f4;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.def{color:#555;font-size:.82rem;max-width:34rem}.meta{color:#555;font-size:.9rem}
img{max-width:100%;display:block;margin:.8rem 0}
details{border:1px solid #ddd;border-radius:6px;margin:.35rem 0;padding:.3rem .6rem}
details.fail{border-left:5px solid #e76f51}details.pass{border-left:5px solid #2a9d8f}
summary{cursor:pointer}.badge{display:inline-block;font-size:.72rem;padding:0 .35rem;margin:0 .1rem;
border-radius:3px;color:#fff}.ok{background:#2a9d8f}.ko{background:#e76f51}.kind{background:#6c757d}
mark{background:#ffe066;padding:0 1px}mark.fact{background:#b7e4c7}
.passage{border-left:3px solid #ddd;margin:.4rem 0;padding:.2rem .6rem;font-size:.86rem;white-space:pre-wrap}
.passage.hit{border-left-color:#2a9d8f}.answer{background:#f8f9fa;padding:.5rem;border-radius:4px}
.label{font-weight:600;margin-top:.5rem}ul.changes li{margin:.15rem 0}
"""


def render(metrics: Mapping[str, Any], results: Sequence[Result]) -> str:
    """The whole report for a run's metrics.json content and its results."""
    run = metrics.get("run", {})
    sections = [
        f"<h1>PolicyDesk evaluation</h1><p class='meta'>{_run_line(run)}</p>",
        _skipped(run.get("skipped_lines", [])),
        "<h2>Headline</h2>" + headline_table(metrics),
        _comparison(metrics.get("comparison")),
        "<h2>By question kind</h2>" + kind_table(metrics["by_kind"]),
        "<h2>Plots</h2>" + _plots(metrics, results),
        "<h2>Questions (failures first)</h2>" + drill_down(results),
    ]
    body = "\n".join(s for s in sections if s)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>PolicyDesk evaluation</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def _run_line(run: Mapping[str, Any]) -> str:
    parts = [f"{label}: {html.escape(str(run[key]))}" for key, label in _RUN_FIELDS if run.get(key)]
    return " · ".join(parts)


_RUN_FIELDS = (
    ("questions_file", "questions"),
    ("corpus", "corpus"),
    ("index", "index"),
    ("started_at", "started"),
    ("mode", "retrieval"),
    ("top_k", "k"),
)


def _skipped(lines: Sequence[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"<p><b>{len(lines)} question line(s) skipped:</b></p><ul>{items}</ul>"


def definition(name: str) -> str:
    """The one-sentence definition of a headline row."""
    if name in m.DEFINITIONS:
        return m.DEFINITIONS[name]
    if name == "questions_per_second":
        return "Questions answered per second of wall-clock time (model loading excluded)."
    stage, percent, _ = name.split("_")
    return f"{percent[1:]}th percentile of the time spent {LATENCY_DEFINITIONS[stage]}, in milliseconds."


def headline_table(metrics: Mapping[str, Any]) -> str:
    """Metric, definition, and one column per system (shipped first, then the baselines)."""
    columns = headline_columns(metrics)
    head = "<tr><th>metric</th><th>definition</th>" + "".join(f"<th>{html.escape(c)}</th>" for c, _ in columns)
    rows = [
        f"<tr><td>{name}</td><td class='def'>{html.escape(definition(name))}</td>"
        + "".join(f"<td class='num'>{format_value(name, s.get(name))}</td>" for _, s in columns)
        + "</tr>"
        for name in HEADLINE_ROWS
        if any(s.get(name) is not None for _, s in columns)
    ]
    return f"<table>{head}</tr>{''.join(rows)}</table>"


def kind_table(by_kind: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per question kind, one column per metric (plus the count and the p50 total latency)."""
    names = ["questions", *BAR_METRICS, "total_p50_ms"]
    # Spaces instead of underscores let the long headers wrap, so the table fits the page.
    head = "<tr><th>kind</th>" + "".join(f"<th>{n.replace('_', ' ')}</th>" for n in names) + "</tr>"
    rows = [
        f"<tr><td>{html.escape(kind)}</td>"
        + "".join(f"<td class='num'>{_cell(n, summary.get(n))}</td>" for n in names)
        + "</tr>"
        for kind, summary in by_kind.items()
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _cell(name: str, value: Any) -> str:
    return str(value) if name == "questions" else format_value(name, value)


def _img(data: str, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def _plots(metrics: Mapping[str, Any], results: Sequence[Result]) -> str:
    images = [_img(plots.grouped_bars(metrics["by_kind"], BAR_METRICS, "Metrics per question kind"), "per kind")]
    if metrics.get("baselines"):
        systems = dict(headline_columns(metrics))
        images.append(_img(plots.grouped_bars(systems, BAR_METRICS, "Shipped stack against the baselines"), "vs"))
    images.append(_img(plots.latency_histogram(results), "latency histogram"))
    return "".join(images)


def _comparison(comparison: Mapping[str, Any] | None) -> str:
    if not comparison:
        return ""
    deltas = comparison["overall"]
    rows = "".join(
        f"<tr><td>{name}</td><td class='num'>{format_value(name, d['before'])}</td>"
        f"<td class='num'>{format_value(name, d['after'])}</td><td class='num'>{d['delta']:+.3f}</td></tr>"
        for name, d in deltas.items()
    )
    previous = html.escape(str(comparison.get("previous_run") or "the previous run"))
    return (
        f"<h2>Compared with {previous}</h2>"
        + _img(plots.delta_bars(deltas, HEADLINE_ROWS), "delta per metric")
        + f"<table><tr><th>metric</th><th>before</th><th>after</th><th>change</th></tr>{rows}</table>"
        + _changes("Regressions", comparison["regressions"])
        + _changes("Improvements", comparison["improvements"])
    )


def _changes(title: str, changes: Sequence[Mapping[str, Any]]) -> str:
    items = "".join(
        f"<li><a href='#q-{html.escape(str(c['id']))}'>{html.escape(str(c['id']))}</a> "
        f"{html.escape(str(c['question']))} — "
        + ", ".join(f"{name}: {before:g} → {after:g}" for name, (before, after) in c["metrics"].items())
        + "</li>"
        for c in changes
    )
    return f"<h3>{title} ({len(changes)} questions)</h3><ul class='changes'>{items or '<li>none</li>'}</ul>"


# --- per-question drill-down ----------------------------------------------------------------------------------


def drill_down(results: Sequence[Result]) -> str:
    """A collapsible block per question, the most failed checks first (then by id)."""
    ordered = sorted(results, key=lambda r: (-len(m.failed_checks(r["scores"])), str(r["id"])))
    return "\n".join(question_block(r) for r in ordered)


def question_block(result: Result) -> str:
    """Question, reference, answer with citations, retrieved passages with the evidence highlighted, checks."""
    reference = result.get("reference", {})
    failed = m.failed_checks(result["scores"])
    badges = "".join(
        f"<span class='badge {'ok' if ok else 'ko'}'>{html.escape(name)}</span>"
        for name, ok in m.checks(result["scores"]).items()
    )
    rid = html.escape(str(result["id"]))
    return (
        f"<details id='q-{rid}' class='{'fail' if failed else 'pass'}'><summary><b>{rid}</b> "
        f"<span class='badge kind'>{html.escape(str(result['kind']))}</span> {badges} "
        f"{html.escape(str(result['question']))}</summary>"
        + _reference(reference)
        + _answer(result, reference)
        + _passages(result["retrieved"], reference)
        + "</details>"
    )


def _reference(reference: Mapping[str, Any]) -> str:
    parts = []
    for key, label in _REFERENCE_LABELS.items():
        value = reference.get(key)
        if value:
            text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"<div><span class='label'>{label}:</span> {html.escape(text)}</div>")
    return "".join(parts) or "<div class='meta'>No reference: the right reply is to abstain.</div>"


_REFERENCE_LABELS = {
    "answer": "Expected answer",
    "must_contain": "Must contain",
    "answers": "Accepted answers",
    "evidence": "Evidence",
    "doc_id": "Expected document",
}


def _answer(result: Result, reference: Mapping[str, Any]) -> str:
    facts = [*(reference.get("must_contain") or []), *(reference.get("answers") or [])]
    state = "abstained" if result["abstained"] else "answered"
    text = highlight(str(result["answer"]), facts, css_class="fact")
    citations = "".join(_citation(c, reference) for c in result.get("citations", []))
    return (
        f"<div class='label'>Answer ({state}, confidence {result.get('confidence', 0):.2f}):</div>"
        f"<div class='answer'>{text}</div>" + (f"<ul>{citations}</ul>" if citations else "")
    )


def _citation(citation: Mapping[str, Any], reference: Mapping[str, Any]) -> str:
    ok = m.citation_is_precise(citation, reference)
    page = f", p. {citation['page']}" if citation.get("page") else ""
    return (
        f"<li><span class='badge {'ok' if ok else 'ko'}'>{'precise' if ok else 'imprecise'}</span> "
        f"[{citation['n']}] {html.escape(str(citation['title']))}{page}: “{html.escape(str(citation['quote']))}”</li>"
    )


def _passages(passages: Sequence[Mapping[str, Any]], reference: Mapping[str, Any]) -> str:
    needles = [reference["evidence"]] if reference.get("evidence") else list(reference.get("answers") or [])
    blocks = []
    for passage in passages:
        hit = m.passage_holds_evidence(str(passage["text"]), reference) if needles else False
        page = f", p. {passage['page']}" if passage.get("page") else ""
        blocks.append(
            f"<div class='passage{' hit' if hit else ''}'><b>#{passage['rank']}</b> "
            f"{html.escape(str(passage['title']))}{page} (score {passage['score']:.3f})"
            f"{' — holds the evidence' if hit else ''}\n{highlight(str(passage['text']), needles)}</div>"
        )
    return "<div class='label'>Retrieved passages:</div>" + "".join(blocks)


def highlight(text: str, needles: Iterable[str], *, css_class: str = "") -> str:
    """``text`` HTML-escaped, with each (whitespace- and case-insensitive) occurrence of a needle in ``<mark>``."""
    spans = _merge(span for needle in needles for span in _find(text, needle))
    attribute = f" class='{css_class}'" if css_class else ""
    pieces, position = [], 0
    for start, end in spans:
        pieces += [html.escape(text[position:start]), f"<mark{attribute}>{html.escape(text[start:end])}</mark>"]
        position = end
    return "".join(pieces) + html.escape(text[position:])


def _find(text: str, needle: str) -> list[tuple[int, int]]:
    chars = [c for c in needle if not c.isspace()]
    if not chars:
        return []
    pattern = r"\s*".join(_QUOTE_CLASSES.get(c, re.escape(c)) for c in chars)
    return [match.span() for match in re.finditer(pattern, text, flags=re.IGNORECASE)]


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
