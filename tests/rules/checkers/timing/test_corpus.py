"""The generated timed zh chat corpus: reproducible, valid, and exercising every chat timing rule."""

import collections
import importlib.util
import sys
from pathlib import Path

from qa import ReadStats, load_rubric, read_records, score_conversations
from qa.model import Reject

FOLDER = Path(__file__).resolve().parents[4] / "corpora" / "zh-chat-timed"


def _generator():
    spec = importlib.util.spec_from_file_location("zh_chat_timed_generate", FOLDER / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_sample_is_exactly_what_the_generator_makes():
    gen = _generator()
    assert (FOLDER / "sample.jsonl").read_text(encoding="utf-8") == gen.dumps(gen.generate())
    assert gen.dumps(gen.generate(seed=7, n=5)) != gen.dumps(gen.generate(n=5))


def test_sample_reads_cleanly_and_the_rubric_finds_what_source_md_says():
    stats = ReadStats()
    convs = [r for r in read_records([str(FOLDER / "sample.jsonl")], stats=stats) if not isinstance(r, Reject)]
    assert (stats.read, stats.accepted, stats.rejected) == (200, 200, 0)
    assert len({c.agent_id for c in convs}) == 9 and len({c.team for c in convs}) == 4
    days = {c.started_at.date() for c in convs}
    assert (max(days) - min(days)).days >= 14
    assert any(t.ts is None for c in convs for t in c.turns)
    assert any(t.role == "bot" for c in convs for t in c.turns)
    hit = collections.Counter()
    for res in score_conversations(convs, load_rubric("cs-timing-zh")):
        assert not res.get("errors")
        for rule in {f["rule"] for f in res["findings"]}:
            hit[rule] += 1
    assert dict(hit) == {"timing.reply_wait": 77, "timing.long_message": 24, "timing.follow_up": 18,
                         "timing.first_response": 17, "timing.callback": 6, "timing.typing_rate": 2}
