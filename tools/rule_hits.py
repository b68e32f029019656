#!/usr/bin/env python3
"""Tune the shipped rubrics on real data: findings per rule, samples to read, greeting agreement.

    python3 tools/rule_hits.py                         # zh rubric on JDDC (sessions not reserved): findings per rule
    python3 tools/rule_hits.py --rule ban.refusal -n 20  # read 20 findings of one rule in context
    python3 tools/rule_hits.py --review 50 --seed 7 > review.tsv   # a random sample to judge by hand
    python3 tools/rule_hits.py --show-review review.tsv   # judged rows in context
    python3 tools/rule_hits.py --seretod               # greeting/closing vs SereTOD gold agent intents
    python3 tools/rule_hits.py --hvb                   # en rubric on the Harper Valley Bank calls + ABCD chats

Data comes from ../shared/data (or $QA_SHARED_DATA); it is research-only and never copied here.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QA_SHARED_DATA", ROOT.parent / "shared" / "data"))
ZH = ROOT / "rubrics" / "zh-customer-service.yaml"
EN = ROOT / "rubrics" / "en-customer-service.yaml"
JDDC_FILE = "jddc-chat-sample/chat_0.1per.txt"
JDDC_MAPPING = ROOT / "corpora" / "mappings" / "jddc.yaml"
SERETOD_FILE = "seretod-mobilecs-example/example.json"
HVB_DIR = "harper-valley-bank"
ABCD_FILE = "abcd-sample/abcd_sample.json"


# -- the real corpora, read by qa's own readers (as `qa ingest` reads them) ---------------------------


def read(path, fmt: str = "auto", **options) -> list:
    """Every conversation of ``path`` through qa's readers (``options``: ReadOptions fields)."""
    from qa import ReadOptions, read_conversations

    return list(read_conversations([str(path)], fmt, ReadOptions(**options)))


def jddc(shared: Path = SHARED, reserved_too: bool = False) -> list:
    """The JDDC sessions, read with corpora/mappings/jddc.yaml; the reserved ones only if asked (to count)."""
    path = shared / JDDC_FILE
    convs = read(path, mapping=str(JDDC_MAPPING))
    if reserved_too:
        return convs
    reserved = set((path.parent / "RESERVED.txt").read_text(encoding="utf-8").split())
    return [c for c in convs if c.id not in reserved]


def seretod(shared: Path = SHARED) -> list:
    """SereTOD calls; each turn's gold intents are in ``turn.meta["intent"]`` (comma-separated)."""
    return read(shared / SERETOD_FILE, "seretod")


def hvb(shared: Path = SHARED) -> list:
    return read(shared / HVB_DIR, "hvb")


def abcd(shared: Path = SHARED) -> list:
    return read(shared / ABCD_FILE, "abcd")


def intents(turn) -> set[str]:
    return {x for x in (turn.meta.get("intent") or "").split(",") if x}


def score_all(rubric_path, convs, select=None):
    """[(conversation, result)] for every conversation."""
    from qa import compile_rubric, load_rubric, score_conversation

    compiled = compile_rubric(load_rubric(str(rubric_path)), select=select)
    return [(c, score_conversation(c, compiled)) for c in convs]


def per_rule(scored):
    """{rule: (findings, conversations with a finding, conversations where not applicable)}."""
    n_find = collections.Counter()
    n_conv = collections.Counter()
    n_na = collections.Counter()
    for _, res in scored:
        seen = set()
        for f in res["findings"]:
            n_find[f["rule"]] += 1
            seen.add(f["rule"])
        n_conv.update(seen)
        n_na.update(res["not_applicable"])
    return n_find, n_conv, n_na


def context(conv, turn: int, before: int = 2, after: int = 0) -> str:
    """The finding's turn (marked >>) with ``before``/``after`` neighbouring turns, one line."""
    lo = max(0, turn - before)
    parts = []
    for i in range(lo, min(len(conv.turns), turn + 1 + after)):
        t = conv.turns[i]
        parts.append(f"{'>>' if i == turn else ''}{'客服' if t.role == 'agent' else '客户'}:{t.text.strip()}")
    return " | ".join(parts)


def all_findings(scored):
    out = []
    for conv, res in scored:
        for f in res["findings"]:
            out.append((conv, f))
    return out


def review_rows(scored, n: int, seed: int):
    """A reproducible random sample of findings as TSV rows (judgement column left to the reader)."""
    items = all_findings(scored)
    rng = random.Random(seed)
    sample = sorted(rng.sample(range(len(items)), min(n, len(items))))
    for k in sample:
        conv, f = items[k]
        after = 0 if f["span"] else 3  # a missing courtesy is judged by what came next
        yield [conv.id, str(f["turn"]), f["rule"], (f["evidence"] or "").replace("\t", " "),
               context(conv, f["turn"], after=after).replace("\t", " "), ""]


def read_review(path):
    """Judged rows of a review TSV (``#`` lines are notes): dicts with conversation, turn, rule, judgement, note."""
    rows = []
    header = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if header is None:
            header = cols
            continue
        row = dict(zip(header, cols, strict=True))
        row["turn"] = int(row["turn"])
        rows.append(row)
    return rows


def review_status(scored, rows):
    """Each judged row with ``fires``: whether the current rubric still reports that finding."""
    found = {(conv.id, f["turn"], f["rule"]) for conv, res in scored for f in res["findings"]}
    return [{**r, "fires": (r["conversation"], r["turn"], r["rule"]) in found} for r in rows]


def _prf(pairs):
    tp = sum(p and g for p, g in pairs)
    fp = sum(p and not g for p, g in pairs)
    fn = sum(g and not p for p, g in pairs)
    return {"n": len(pairs), "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None}


def greeting_agreement(rubric_path, convs):
    """Rubric courtesy phrases vs SereTOD gold agent intents, per agent turn.

    ``courtesy.greeting`` is compared with intent 问候 and ``courtesy.closing`` with 客套/再见 — over every
    agent turn (``all``) and over the turns the rule looks at (``scope``: first / last two agent turns).
    """
    from qa import compile_rubric, load_rubric
    from qa.engine.prepared import PreparedConversation

    rubric = load_rubric(str(rubric_path))
    compiled = compile_rubric(rubric, select=["courtesy.greeting", "courtesy.closing"])
    by_id = {cr.rule.id: cr for cr in compiled.rules}
    stats = {}
    for rule_id, gold in (("courtesy.greeting", {"问候"}), ("courtesy.closing", {"客套", "再见"})):
        cr = by_id[rule_id]
        group = cr.checker.groups[0]
        every, scoped, misses = [], [], []
        for conv in convs:
            p = PreparedConversation(conv, compiled)
            in_scope = set(p.turns_in_scope(cr.rule))
            for i, t in enumerate(conv.turns):
                if t.role != "agent":
                    continue
                pair = (p.turn_has(group, i), bool(gold & intents(t)))
                every.append(pair)
                if i in in_scope:
                    scoped.append(pair)
                    if pair[0] != pair[1]:
                        misses.append(("FP" if pair[0] else "FN", sorted(intents(t)), t.text[:60]))
        stats[rule_id] = {"all": _prf(every), "scope": _prf(scoped), "misses": misses}
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rule", help="show findings of this rule (id or prefix)")
    ap.add_argument("-n", type=int, default=15, help="how many findings to show with --rule")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--review", type=int, metavar="N", help="print N random findings as TSV for judging")
    ap.add_argument("--show-review", metavar="TSV", help="print the judged rows of a review file in context")
    ap.add_argument("--seretod", action="store_true", help="greeting/closing agreement with SereTOD intents")
    ap.add_argument("--hvb", action="store_true", help="score the Harper Valley Bank calls and ABCD chats (en rubric)")
    a = ap.parse_args(argv)

    if a.seretod:
        convs = seretod()
        for rule_id, st in greeting_agreement(ZH, convs).items():
            for part in ("all", "scope"):
                m = st[part]
                print(f"{rule_id} [{part} agent turns, n={m['n']}]: precision {m['precision']:.2f} "
                      f"recall {m['recall']:.2f} (tp {m['tp']} fp {m['fp']} fn {m['fn']})")
            for miss in st["misses"]:
                print("    in scope:", *miss)
        return 0
    if a.hvb:
        convs = hvb() + abcd()
        scored = score_all(EN, convs)
        for conv, res in scored:
            print(f"{conv.id} score {res['score']} n/a {res['not_applicable']}")
            for f in res["findings"]:
                print(f"   {f['rule']} turn {f['turn']}: {f['evidence'] or ''} — {f['message']}")
        return 0

    # the reserved sessions are for independent measurement only: never read their findings while tuning
    convs = jddc()
    scored = score_all(ZH, convs)
    if a.review:
        print("conversation\tturn\trule\tevidence\tcontext\tjudgement")
        for row in review_rows(scored, a.review, a.seed):
            print("\t".join(row))
        return 0
    if a.show_review:
        by_id = {c.id: c for c in convs}
        rows = review_status(scored, read_review(a.show_review))
        for r in rows:
            conv = by_id[r["conversation"]]
            state = "fires" if r["fires"] else "silent"
            print(f"{r['judgement']} {state:6} {r['rule']:28} {r['note']}")
            print("       ", context(conv, r["turn"], after=3)[:400])
        fired = [r for r in rows if r["fires"]]
        tp = sum(r["judgement"] == "TP" for r in fired)
        print(f"judged {len(rows)}: {sum(r['judgement'] == 'TP' for r in rows)} TP; the current rubric fires on "
              f"{len(fired)} of them, {tp} TP → precision {tp / len(fired):.2f}" if fired else "none fire")
        return 0
    if a.rule:
        items = [(c, f) for c, f in all_findings(scored) if f["rule"] == a.rule or f["rule"].startswith(a.rule + ".")]
        random.Random(a.seed).shuffle(items)
        print(f"{len(items)} findings of {a.rule}")
        for conv, f in items[: a.n]:
            ctx = context(conv, f["turn"], after=0 if f["span"] else 3)
            print(f"- {conv.id[:8]} t{f['turn']} [{f['evidence'] or ''}] {ctx[:400]}")
        return 0
    n_find, n_conv, n_na = per_rule(scored)
    from qa import load_rubric

    print(f"{len(convs)} conversations, {sum(len(c.turns) for c in convs)} turns; "
          f"mean score {sum(r['score'] for _, r in scored) / len(scored):.1f}, "
          f"passed {sum(r['passed'] for _, r in scored)}")
    print(f"{'rule':28} {'findings':>8} {'convs':>6} {'n/a':>5}")
    for rule in load_rubric(str(ZH)).active_rules:
        print(f"{rule.id:28} {n_find[rule.id]:8} {n_conv[rule.id]:6} {n_na[rule.id]:5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
