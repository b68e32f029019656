"""A QA lead's reviews as labels: ``qa review export`` → ``qa eval … --labels``."""

import json
from pathlib import Path

from qa.eval.review_labels import labels_from_reviews, parse_finding_key

DATA = Path(__file__).resolve().parents[1] / "data" / "eval"
CHATS = DATA / "devset" / "chats.jsonl"
RUBRIC = DATA / "rubric.yaml"


def test_finding_keys_give_rule_and_turn():
    assert parse_finding_key("ban.refusal@4:2-5") == ("ban.refusal", 4)
    assert parse_finding_key("courtesy.greeting@None:None-None") == ("courtesy.greeting", None)


def test_latest_review_wins_and_one_label_per_rule_and_turn():
    reviews = [
        {"id": 1, "conversation_id": "c1", "finding_key": "ban.refusal@2:0-3", "verdict": "right", "comment": None},
        {"id": 2, "conversation_id": "c1", "finding_key": "ban.refusal@2:0-3", "verdict": "wrong", "comment": "原因已说明"},
        {"id": 3, "conversation_id": "c1", "finding_key": "ban.refusal@4:0-3", "verdict": "wrong", "comment": None},
        {"id": 4, "conversation_id": "c1", "finding_key": "ban.refusal@4:5-8", "verdict": "right", "comment": None},
        {"id": 5, "conversation_id": "c2", "finding_key": None, "verdict": "score", "score": 70.0, "comment": "挂断"},
        {"id": 6, "conversation_id": "c3", "finding_key": None, "verdict": "score", "score": 95.0, "comment": None},
    ]
    recs = labels_from_reviews(reviews, lambda cid: None if cid == "c3" else 80.0)
    assert recs == [
        {"id": "c1", "rules": [{"rule": "ban.refusal", "turn": 2, "violated": False, "note": "原因已说明"},
                               {"rule": "ban.refusal", "turn": 4, "violated": True, "note": ""}]},
        {"id": "c2", "verdict": "fail", "note": "挂断"},
    ]   # c3: a manual score without a known pass mark says nothing


def test_review_export_then_eval(tmp_path, run_qa):
    db = tmp_path / "qa.db"
    code, _, _ = run_qa("score", CHATS, "-r", RUBRIC, "-f", "jsonl", "-o", tmp_path / "r.jsonl", "--db", db)
    assert code == 0
    # the lead confirms the refusals of ev-zh-01, rejects the filler on the English "ok", sets a score
    assert run_qa("review", "finding", "ev-zh-01", "ban.refusal", "--right", "--db", db)[0] == 0
    assert run_qa("review", "finding", "ev-en-03", "ban.filler", "--wrong", "-m", "not a filler in English",
                  "--db", db)[0] == 0
    assert run_qa("review", "score", "ev-zh-02", "95", "--db", db)[0] == 0
    out_file = tmp_path / "reviewed.jsonl"
    code, _, err = run_qa("review", "export", "--db", db, "-o", out_file, "--pass-mark", "90")
    assert code == 0 and "exported 3 reviewed conversation(s)" in err
    recs = [json.loads(x) for x in out_file.read_text(encoding="utf-8").splitlines()]
    assert recs[0] == {"id": "ev-en-03", "rules": [{"rule": "ban.filler", "turn": 5, "violated": False,
                                                    "note": "not a filler in English"}]}
    assert recs[1]["rules"] == [{"rule": "ban.refusal", "turn": 2, "violated": True, "note": ""},
                                {"rule": "ban.refusal", "turn": 4, "violated": True, "note": ""}]
    assert recs[2] == {"id": "ev-zh-02", "verdict": "pass"}
    code, out, _ = run_qa("eval", RUBRIC, CHATS, "--labels", out_file, "-f", "json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)["metrics"]}
    assert (rows["reviewed:ban.refusal"]["tp"], rows["reviewed:ban.refusal"]["fp"]) == (2, 0)
    assert (rows["reviewed:ban.filler"]["tp"], rows["reviewed:ban.filler"]["fp"]) == (0, 1)
    assert rows["verdict.pass"]["n"] == 1
    # without a pass mark the rubric of the result is looked up; a rubric file outside the search path is not
    code, _, err = run_qa("review", "export", "--db", db, "-o", out_file)
    assert "1 manual score(s) without a verdict" in err
    code, out, _ = run_qa("eval", RUBRIC, CHATS, "--labels", out_file)
    assert "findings no per-rule label speaks about (not counted)" in out
