"""Report charts drawn with matplotlib and embedded as inline SVG (no JavaScript, no network).

Text stays text in the SVG (``svg.fonttype = none``), so Chinese labels render with the viewer's
fonts; matplotlib escapes it as XML. Math-text parsing is off: a ``$`` in an agent name is just a ``$``.
Each chart gets its own id salt so several SVGs can live in one HTML page.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return plt


def _svg(fig, salt: str) -> str:
    import matplotlib

    plt = _plt()
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # glyphs the layout font lacks (CJK) are drawn by the browser
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _figure(width=6.4, height=3.2):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(width, height))
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _label(text: str, n: int = 28) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _text_props():
    import matplotlib

    matplotlib.rcParams["text.parse_math"] = False


def score_distribution(results: list[dict]) -> str:
    _text_props()
    fig, ax = _figure()
    scores = [float(r.get("score") or 0) for r in results]
    passed = [s for s, r in zip(scores, results, strict=True) if r.get("passed")]
    failed = [s for s, r in zip(scores, results, strict=True) if not r.get("passed")]
    bins = list(range(0, 101, 5))
    ax.hist([failed, passed], bins=bins, stacked=True, color=["#e15759", "#59a14f"], label=["failed", "passed"])
    ax.set_xlabel("score")
    ax.set_ylabel("conversations")
    ax.set_xlim(0, 100)
    ax.legend(frameon=False)
    return _svg(fig, "dist")


def scores_over_time(points: Iterable[tuple[str, str, float]]) -> str:
    """``points``: (team, period label, mean score); one line per team."""
    _text_props()
    fig, ax = _figure()
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for team, period, mean in points:
        series[team][period] = mean
    periods = sorted({p for s in series.values() for p in s})
    x = {p: k for k, p in enumerate(periods)}
    for k, (team, vals) in enumerate(sorted(series.items())):
        ps = sorted(vals)
        ax.plot([x[p] for p in ps], [vals[p] for p in ps], marker="o", color=PALETTE[k % len(PALETTE)],
                label=_label(team))
    ax.set_xticks(range(len(periods)), [_label(p, 12) for p in periods], rotation=45 if len(periods) > 6 else 0)
    ax.set_ylim(0, 105)
    ax.set_ylabel("mean score")
    if series:
        ax.legend(frameon=False, fontsize=8)
    return _svg(fig, "time")


def findings_by_rule(results: list[dict], top: int = 15) -> str:
    _text_props()
    counts = Counter(f["rule"] for r in results for f in r.get("findings") or ())
    items = counts.most_common(top)[::-1]
    fig, ax = _figure(height=max(2.0, 0.3 * len(items) + 0.8))
    ax.barh([_label(k, 36) for k, _ in items], [v for _, v in items], color="#4e79a7")
    ax.set_xlabel("findings")
    if not items:
        ax.text(0.5, 0.5, "no findings", ha="center", va="center", transform=ax.transAxes)
    return _svg(fig, "rules")


def complaints_by_agent(rows: list[tuple[str, dict[str, int]]], top: int = 15) -> str:
    """``rows``: (agent label, {complaint type: conversations}); stacked bars."""
    _text_props()
    rows = sorted((r for r in rows if r[1]), key=lambda r: -sum(r[1].values()))[:top][::-1]
    types = sorted({t for _, d in rows for t in d})
    fig, ax = _figure(height=max(2.0, 0.3 * len(rows) + 0.8))
    left = [0] * len(rows)
    for k, t in enumerate(types):
        vals = [d.get(t, 0) for _, d in rows]
        ax.barh([_label(a) for a, _ in rows], vals, left=left, color=PALETTE[k % len(PALETTE)], label=_label(t))
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_xlabel("conversations with a complaint")
    if types:
        ax.legend(frameon=False, fontsize=8)
    else:
        ax.text(0.5, 0.5, "no complaint labels", ha="center", va="center", transform=ax.transAxes)
    return _svg(fig, "complaints")
