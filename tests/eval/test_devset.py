"""The development set: the frozen split, sources, the reserved-session guard, reading through qa's readers."""

import hashlib
import json
from pathlib import Path

import pytest

from qa import Registry
from qa.errors import ConfigError, InputError
from qa.eval.devset import load_devset, split_for

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "corpora" / "devset"
TEST_DEVSET = ROOT / "tests" / "data" / "eval" / "devset"


def test_the_shipped_manifest_follows_the_frozen_split():
    entries = [json.loads(x) for x in (DEVSET / "manifest.jsonl").read_text().splitlines() if x.strip()]
    assert len(entries) >= 600
    assert all(e["split"] == split_for(e["corpus"], e["id"]) for e in entries)
    test = sum(e["split"] == "test" for e in entries)
    assert test >= len(entries) / 3


def test_split_for_is_a_hash_of_corpus_and_id():
    # sha256("ecd:L11") mod 100 < 36 → test (the first test entry of the manifest)
    assert split_for("ecd", "L11") == "test" and split_for("ecd", "L1") == "train"


def test_shipped_devset_loads_without_the_data():
    ds = load_devset(DEVSET, "/nonexistent", readers=Registry.build().readers)
    assert {e.corpus for e in ds.entries} >= {"jddc", "jddc-dev", "ecd", "seretod"}
    assert ds.needs_shared_data(ds.entries)
    with pytest.raises(ConfigError, match="shared data folder, which is not at /nonexistent"):
        ds.read(ds.entries[:1])


def test_every_shipped_devset_conversation_reads_and_every_label_fits(shared_data, run_qa):
    """Every manifest conversation reads through qa's readers, and every labelled turn of every labels file is
    in range and on the labelled side: a reader change that renumbers turns fails here."""
    code, out, err = run_qa("eval", "check", "--data", shared_data)
    assert code == 0, err
    n = sum(1 for x in (DEVSET / "manifest.jsonl").read_text().splitlines() if x.strip())
    assert f"{n} conversation(s) read" in out
    for name in ("labels.jsonl", "labels-a.jsonl", "labels-b.jsonl"):
        assert f"{DEVSET / name}: {n} record(s) ok" in out


def test_the_reserved_jddc_sessions_are_never_in_the_devset(shared_data, tmp_path):
    reserved = (shared_data / "jddc-chat-sample" / "RESERVED.txt").read_text().split()
    ds = load_devset(DEVSET, shared_data, readers=Registry.build().readers)
    assert not ({e.id for e in ds.entries if e.corpus == "jddc"} & set(reserved))
    # a manifest that lists one is refused
    bad = tmp_path / "devset"
    bad.mkdir()
    (bad / "sources.yaml").write_text((DEVSET / "sources.yaml").read_text(encoding="utf-8").replace(
        "../mappings/jddc.yaml", str(ROOT / "corpora/mappings/jddc.yaml")), encoding="utf-8")
    (bad / "manifest.jsonl").write_text(json.dumps({"corpus": "jddc", "id": reserved[0], "language": "zh",
                                                    "split": "test"}) + "\n")
    with pytest.raises(ConfigError, match=r"manifest.jsonl:1 \[id\]: 1 manifest conversation\(s\) are reserved"):
        load_devset(bad, shared_data, readers=Registry.build().readers)


def test_sources_and_manifest_mistakes_name_the_line(tmp_path):
    d = tmp_path / "devset"
    d.mkdir()
    (d / "sources.yaml").write_text("a:\n  local: x.jsonl\n  fromat: jsonl\n", encoding="utf-8")
    (d / "manifest.jsonl").write_text("")
    with pytest.raises(ConfigError, match=r"sources.yaml:3 \[a.fromat\]: unknown key 'fromat'.*did you mean 'format'"):
        load_devset(d, readers=Registry.build().readers)
    (d / "sources.yaml").write_text("a:\n  local: x.jsonl\n  path: y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="exactly one of path"):
        load_devset(d, readers=Registry.build().readers)
    (d / "sources.yaml").write_text("a:\n  local: x.jsonl\n", encoding="utf-8")
    (d / "manifest.jsonl").write_text('{"corpus": "a", "id": "1", "language": "zh", "split": "train"}\n'
                                      '{"corpus": "b", "id": "1", "language": "zh", "split": "train"}\n')
    with pytest.raises(InputError, match=r"manifest.jsonl:2 \[corpus\]: corpus 'b' is not in sources.yaml"):
        load_devset(d, readers=Registry.build().readers)
    (d / "manifest.jsonl").write_text('{"corpus": "a", "id": "1", "language": "zh", "split": "dev"}\n')
    with pytest.raises(InputError, match=r"manifest.jsonl:1 \[split\]"):
        load_devset(d, readers=Registry.build().readers)


def test_a_conversation_the_source_lacks_is_named(tmp_path):
    d = tmp_path / "devset"
    d.mkdir()
    (d / "sources.yaml").write_text(f"c:\n  local: {TEST_DEVSET / 'chats.jsonl'}\n  format: jsonl\n", encoding="utf-8")
    (d / "manifest.jsonl").write_text('{"corpus": "c", "id": "ev-zh-01", "language": "zh", "split": "train"}\n'
                                      '{"corpus": "c", "id": "gone", "language": "zh", "split": "train"}\n')
    ds = load_devset(d, readers=Registry.build().readers)
    with pytest.raises(InputError, match=r"manifest.jsonl:2 \[id\]: conversation 'gone' of corpus 'c' cannot be read"):
        ds.read(ds.entries)
    assert list(ds.read(ds.entries[:1])) == [("c", "ev-zh-01")]


def test_check_reports_the_test_devset(run_qa):
    code, out, _ = run_qa("eval", "check", "--devset", TEST_DEVSET)
    assert code == 0
    assert "41 conversation(s) read" in out
    assert "labels-b.jsonl: 41 record(s) ok" in out


def test_folds_divide_a_split_by_a_hash_of_corpus_and_id():
    from qa.eval.devset import fold_of, parse_folds

    entries = [json.loads(x) for x in (DEVSET / "manifest.jsonl").read_text().splitlines() if x.strip()]
    train = [(e["corpus"], e["id"]) for e in entries if e["split"] == "train"]
    sizes = [sum(fold_of(c, i, 5) == k for c, i in train) for k in range(1, 6)]
    assert sum(sizes) == len(train) and min(sizes) > len(train) / 5 * 0.75   # salted apart from the split
    # sha256("fold:ecd:L1") mod 5 + 1
    assert fold_of("ecd", "L1", 5) == int(hashlib.sha256(b"fold:ecd:L1").hexdigest(), 16) % 5 + 1
    assert parse_folds("1-4/5").chosen == {1, 2, 3, 4} and str(parse_folds("1, 3-5/5")) == "1,3-5/5"
    for bad, why in (("5", "is not K/N"), ("0/5", "numbered 1 to 5"), ("6/5", "numbered 1 to 5"), ("1/1", "at least 2"),
                     ("a-b/5", "is not K/N"), ("3-1/5", "numbered 1 to 5")):
        with pytest.raises(ConfigError, match=why):
            parse_folds(bad)


def test_eval_on_complementary_folds_adds_up_to_the_split(run_qa):
    def labelled(*args):
        code, out, err = run_qa("eval", TEST_DEVSET.parent / "rubric.yaml", "--devset", TEST_DEVSET, "--split", "train",
                                *args, "-f", "json")
        assert code == 0, err
        rep = json.loads(out)
        return rep["header"]["labelled"], rep["header"]["selection"]

    whole, _ = labelled()
    dev, sel = labelled("--fold", "1-3/4")
    val, _ = labelled("--fold", "4/4")
    assert sel == {"split": "train", "fold": "1-3/4"}
    assert dev + val == whole and 0 < val < whole
    code, _, err = run_qa("eval", TEST_DEVSET.parent / "rubric.yaml", "--devset", TEST_DEVSET, "--fold", "2/4",
                          "--pin-floors", "floors.yaml")
    assert code == 2 and "pins a whole split, not a fold" in err
