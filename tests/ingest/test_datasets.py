"""Harper Valley Bank, SereTOD and ABCD readers on the real data (and the bundled HVB corpus)."""

import json
from pathlib import Path

import pytest

from qa import Registry

ROOT = Path(__file__).resolve().parents[2]


def test_hvb_keeps_times_agent_ids_words_and_ratings(shared_data, read_all):
    files = sorted((shared_data / "harper-valley-bank" / "transcript").glob("*.json"))
    convs, rejects, _ = read_all(*files)
    assert rejects == []
    by_id = {c.id: c for c in convs}
    assert set(by_id) == {"0002f70f7386445b", "004860b1ab2e4c88", "00d676d7058c49bb"}
    c = by_id["0002f70f7386445b"]
    assert c.channel == "call" and c.language == "en" and c.agent_id == "46"
    assert c.metadata["caller_partner_rating"] == 10 and c.metadata["agent_partner_rating"] == 10
    assert c.metadata["task_types"] == ["replace card"]
    first = c.turns[0]
    assert (first.role, first.start, first.end, first.speaker) == ("agent", 1.669, 4.339, "46")
    assert first.text == "hello this is harper valley national bank"
    assert [(w.w, w.start, w.end) for w in first.words[:2]] == [("hello", 1.669, 2.119), ("mr", 2.359, 2.629)]
    assert first.meta["asr"] == "hello mr harper valley national bank"
    assert c.started_at.isoformat() == "2020-06-02T00:13:03.191000+00:00"
    # agent 17 answers two of the calls; the caller speaks as customer with the caller's id
    assert by_id["004860b1ab2e4c88"].agent_id == by_id["00d676d7058c49bb"].agent_id == "17"
    callers = {t.speaker for t in by_id["004860b1ab2e4c88"].turns if t.role == "customer"}
    assert len(callers) == 1 and "17" not in callers
    for conv in convs:  # the two recording channels are merged on one timeline
        starts = [t.start for t in conv.turns]
        assert starts == sorted(starts)
    # natural overlap in 0002f…: the agent starts before the caller has finished (segments 10/11)
    seg10 = next(t for t in c.turns if t.meta["index"] == 10)
    seg11 = next(t for t in c.turns if t.meta["index"] == 11)
    assert seg11.start < seg10.end


def test_bundled_hvb_corpus_matches_a_fresh_conversion(shared_data, read_all):
    files = sorted((shared_data / "harper-valley-bank" / "transcript").glob("*.json"))
    convs, _, _ = read_all(*files)
    fresh = [c.to_dict() for c in convs]
    bundled = [json.loads(ln) for ln in (ROOT / "corpora" / "harper-valley-bank" / "calls.jsonl").read_text(
        encoding="utf-8").splitlines()]
    assert bundled == fresh


def test_bundled_hvb_corpus_reads_without_shared_data(read_all):
    convs, rejects, _ = read_all(ROOT / "corpora" / "harper-valley-bank" / "calls.jsonl")
    assert rejects == [] and len(convs) == 3
    assert {c.agent_id for c in convs} == {"46", "17"}
    assert all(t.start is not None and t.end is not None for c in convs for t in c.turns)


def test_hvb_without_metadata_still_reads(tmp_path, shared_data, read_all):
    src = shared_data / "harper-valley-bank" / "transcript" / "0002f70f7386445b.json"
    (tmp_path / "transcript").mkdir()
    dst = tmp_path / "transcript" / src.name
    dst.write_bytes(src.read_bytes())
    (c,), rejects, _ = read_all(dst, fmt="hvb")
    assert rejects == [] and c.agent_id is None and c.turns[0].start == 1.669


def test_seretod_roles_and_intents(shared_data, read_all):
    convs, rejects, _ = read_all(shared_data / "seretod-mobilecs-example" / "example.json")
    assert rejects == [] and len(convs) == 10
    c = convs[0]
    assert c.id == "94bba9d63c097df1800482d827287e47" and c.language == "zh" and c.channel == "call"
    assert (c.turns[0].role, c.turns[0].text, c.turns[0].meta["intent"]) == ("agent", "你好，很高兴为您服务", "问候")
    assert c.turns[1].role == "customer" and c.turns[1].meta["intent"].startswith("问候,求助-查询")
    assert convs[1].source.line > convs[0].source.line


def test_abcd_roles_actions_and_flows(shared_data, read_all):
    convs, rejects, _ = read_all(shared_data / "abcd-sample" / "abcd_sample.json")
    assert rejects == [] and [c.id for c in convs][0] == "3592"
    c = convs[0]
    assert c.metadata["flow"] == "product_defect" and c.metadata["subflow"] == "return_size"
    assert [t.role for t in c.turns[:3]] == ["agent", "agent", "customer"]
    assert c.turns[6].role == "system" and c.turns[6].text.startswith("Account has been pulled up")
    assert sum(len(x.turns) for x in convs) == 72


def test_truncated_array_keeps_the_complete_elements(tmp_path, shared_data, read_all):
    raw = (shared_data / "abcd-sample" / "abcd_sample.json").read_text(encoding="utf-8")
    cut = tmp_path / "abcd_cut.json"
    cut.write_text(raw[: int(len(raw) * 0.8)], encoding="utf-8")
    convs, rejects, _ = read_all(cut, fmt="abcd")
    assert len(convs) >= 1 and len(rejects) == 1
    assert "truncated JSON" in rejects[0].reason and rejects[0].field == f"[{len(convs)}]"


def test_hvb_dataset_directory_expands_to_its_calls(shared_data, read_all):
    root = shared_data / "harper-valley-bank"
    convs, rejects, stats = read_all(root)
    assert rejects == [] and stats.files == 3
    assert [c.id for c in convs] == ["0002f70f7386445b", "004860b1ab2e4c88", "00d676d7058c49bb"]
    convs2, _, _ = read_all(root / "transcript", fmt="hvb")
    assert [c.to_dict() for c in convs2] == [c.to_dict() for c in convs]


def test_other_directories_are_an_error(tmp_path, read_all):
    from qa.errors import InputError

    (tmp_path / "a.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="is a directory; pass the files inside it"):
        read_all(tmp_path)


def test_ecd_groups_become_chats_ending_in_the_true_reply(shared_data, read_all):
    convs, rejects, stats = read_all(shared_data / "ecd-taobao-sample" / "test", fmt="ecd")
    assert rejects == [] and stats.read == len(convs) == 100
    first = convs[0]
    assert first.id == "L1" and first.language == "zh" and first.channel == "chat"
    # the true reply is the agent's; the turns before it alternate; word segmentation is undone
    assert [(t.role, t.text) for t in first.turns] == [
        ("customer", "我去不早说发韵达能到我家那儿我就能拿到"), ("agent", "韵达不发的哦"),
        ("customer", "那要怎样这也不行那也不行"), ("agent", "发邮政的哦")]
    assert all(c.turns[-1].role == "agent" for c in convs)
    roles = [t.role for c in convs for t in c.turns]
    assert roles.count("agent") + roles.count("customer") == len(roles)


def test_ecd_group_without_a_true_reply_is_a_reject(tmp_path, read_all):
    path = tmp_path / "ecd.tsv"
    path.write_text("0\t你 好\t在 的\t有 货 吗\n0\t你 好\t在 的\t没 有\n1\t新 的\t上 下 文\tiPhone 6 有 货\n",
                    encoding="utf-8")
    convs, rejects, _ = read_all(path, fmt="ecd")
    assert [c.id for c in convs] == ["L3"] and convs[0].turns[-1].text == "iPhone 6有货"
    assert len(rejects) == 1 and rejects[0].source.line == 1 and "exactly one candidate labelled 1" in rejects[0].reason


def test_jddc_dev_sessions_take_the_first_agents_replies(shared_data, read_all):
    convs, rejects, stats = read_all(shared_data / "jddc-chat-sample" / "dev_question.txt", fmt="jddc-dev")
    assert rejects == [] and len(convs) == 52
    c = convs[0]
    assert c.id == "a_54" and c.language == "zh"
    assert [(t.role, t.text) for t in c.turns[:3]] == [
        ("customer", "我收到商品不知道怎么使用"), ("agent", "您好，京东客服4**号很高兴为您服务！"),
        ("customer", "我买的数据线充不进去电")]
    # messages sent at once (!@@@!) are one turn; the questions after the context get the first reference reply
    assert c.turns[5].text == "这边给您申请换货 您看好吗"
    assert (c.turns[6].role, c.turns[6].text) == ("customer", "好的 我现在在学校里，地址有变")
    assert (c.turns[7].role, c.turns[7].text) == ("agent", "可以改 提供一下地址")
    assert all(t.text and "NULL" not in t.text and "<sep>" not in t.text for c in convs for t in c.turns)


def test_jddc_dev_without_its_answer_file_is_one_reject_naming_it(tmp_path, shared_data, read_all):
    src = tmp_path / "dev_question.txt"
    src.write_bytes((shared_data / "jddc-chat-sample" / "dev_question.txt").read_bytes())
    convs, rejects, _ = read_all(src, fmt="jddc-dev")
    assert convs == [] and len(rejects) == 1
    assert "dev_answer.txt is missing" in rejects[0].reason


HVB = ROOT / "corpora" / "harper-valley-bank"
HVB_DEVSET_CALLS, HVB_DEVSET_AGENTS, HVB_DEVSET_TURNS = 80, 37, 1478


def _lines(path):
    return path.read_text(encoding="utf-8").split()


def test_hvb_devset_sample_is_the_seeded_draw_from_the_pool():
    """devset/sids.txt is random.Random(14).sample(pool - calls.jsonl, 80), as SOURCE.md says."""
    import random

    pool = _lines(HVB / "devset" / "pool.txt")
    bundled = {json.loads(ln)["id"] for ln in (HVB / "calls.jsonl").read_text(encoding="utf-8").splitlines()}
    assert pool == sorted(pool) and len(pool) == 100 and bundled <= set(pool)
    drawn = sorted(random.Random(14).sample([s for s in pool if s not in bundled], 80))
    assert _lines(HVB / "devset" / "sids.txt") == drawn


def test_bundled_hvb_devset_reads_every_call_with_agents_and_times(read_all):
    convs, rejects, stats = read_all(HVB / "devset" / "calls.jsonl")
    assert rejects == [] and stats.read == len(convs) == HVB_DEVSET_CALLS
    assert [c.id for c in convs] == _lines(HVB / "devset" / "sids.txt")
    for c in convs:
        assert (c.channel, c.language, c.metadata["source"]) == ("call", "en", "harper-valley-bank")
        assert c.agent_id is not None and c.agent_id == c.metadata["agent_speaker_id"]
        assert {t.speaker for t in c.turns if t.role == "agent"} == {c.agent_id}
        assert all(t.start is not None and t.end is not None and t.end >= t.start for t in c.turns)
        starts = [t.start for t in c.turns]
        assert starts == sorted(starts)
    by_id = {c.id: c for c in convs}
    first_agent = next(t for t in by_id["0091a706bc604188"].turns if t.role == "agent" and t.text != "[noise]")
    assert by_id["0091a706bc604188"].agent_id == "3"
    assert (first_agent.start, first_agent.end) == (2.44, 7.15)
    assert first_agent.text == "hello this is harper valley national bank my name is jennifer how can i help you today"
    assert len({c.agent_id for c in convs}) == HVB_DEVSET_AGENTS
    assert sum(len(c.turns) for c in convs) == HVB_DEVSET_TURNS


def test_devset_sources_in_the_repository_read_without_rejects(read_all):
    """Entries of corpora/devset/sources.yaml with `local` name bundled files that qa reads cleanly."""
    from qa.eval.devset import load_devset

    sources = load_devset(ROOT / "corpora" / "devset", readers=Registry.build().readers).sources
    local = {name: s for name, s in sources.items() if s.local}
    assert local["hvb"].file.resolve() == (HVB / "devset" / "calls.jsonl").resolve()
    for name, s in local.items():
        convs, rejects, _ = read_all(s.file, fmt=s.format)
        assert rejects == [] and convs, name
    assert {c.language for c in read_all(local["hvb"].file, fmt=local["hvb"].format)[0]} == {"en"}
