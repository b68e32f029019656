"""Mapping files and the readers that use them, fuzzed with hypothesis: load_mapping raises nothing but
ConfigError, and the delimited, chat-log, subtitle and ASR readers raise nothing but qa's own errors and
account for every record (accepted + rejected = read)."""

import json
import os

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa import ReadOptions, ReadStats, read_records
from qa.errors import ConfigError, QAError
from qa.ingest.mapping import load_mapping

BUDGET = settings(max_examples=int(os.environ.get("QA_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=list(HealthCheck))

leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=True), st.text(max_size=12))
value = st.recursive(leaf, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                  st.dictionaries(st.text(max_size=6), kids, max_size=3)),
                     max_leaves=8)
COLUMN = st.one_of(st.sampled_from(["cid", "who", "msg", "time", "agent", "x"]), st.integers(-1, 7), value)
REGEX = st.one_of(
    st.sampled_from([r"(?P<speaker>\S+): (?P<text>.*)", r"(?P<time>\S+) (?P<speaker>\w+)?: (?P<text>.*)?",
                     r"(?P<date>[^ ]+) (?P<time>[^ ]+) (?P<speaker>[^:]+): (?P<text>.*)",
                     r"(?P<ts>\S+) (?P<speaker>\w+): (?P<text>.*)", r"=+ ?(?P<id>\w*)", "a{4294967296}", "(" * 300,
                     "[", r"(?P<speaker>x)"]),
    st.text(alphabet="()?P<>speakrtxid.*+[]{}\\:0123456789 ", max_size=40))
TOP = {
    "format": st.sampled_from(["csv", "tsv", "chatlog", "vtt", "CSV"]), "encoding": st.sampled_from(
        ["utf-8", "gbk", "no-such-codec", "utf-16"]), "delimiter": st.sampled_from([",", "\t", ";", "", ",,"]),
    "quotechar": st.sampled_from(['"', "'", None, "", "ab"]), "header": st.one_of(st.booleans(), leaf),
    "columns": st.one_of(st.lists(st.sampled_from(["cid", "who", "msg", "time", "agent", 3, "x"]), max_size=6),
                         value),
    "conversation": st.one_of(st.dictionaries(st.sampled_from(["id", "group", "channel", "language", "agent_id",
                                                               "team", "started_at", "metadata", "bogus"]),
                                              st.one_of(COLUMN, st.sampled_from(["file", "consecutive", "call"])),
                                              max_size=4), value),
    "turn": st.one_of(st.dictionaries(st.sampled_from(["role", "roles", "text", "ts", "ts_format", "start", "end",
                                                       "speaker", "meta", "bogus"]),
                                      st.one_of(COLUMN, st.sampled_from(["%Y-%m-%d %H:%M:%S", "%", "%Q"]),
                                                st.dictionaries(st.sampled_from(["1", "0", "A", "C"]),
                                                                st.sampled_from(["agent", "customer", "boss"]),
                                                                max_size=3)), max_size=6), value),
    "null_values": st.one_of(st.lists(leaf, max_size=3), value), "merge_consecutive": st.one_of(st.booleans(), leaf),
    "merge_separator": leaf,
    "roles": st.one_of(st.dictionaries(st.sampled_from(["客服", "客户", "A", "*", "Speaker 1"]),
                                       st.sampled_from(["agent", "customer", "boss", ""]), max_size=3), value),
    "line_pattern": REGEX, "separator": REGEX,
    "timezone": st.sampled_from(["+08:00", "-0500", "UTC", "+99:00", "nowhere", ""]),
    "channel": st.sampled_from(["chat", "call", "fax"]), "language": st.one_of(st.sampled_from(["zh", "en"]), leaf),
    "bogus": leaf,
}
mapping = st.fixed_dictionaries({}, optional={k: st.one_of(v, leaf) for k, v in TOP.items()})
BASE = {"format": "csv", "header": True, "conversation": {"id": "cid", "agent_id": "agent"},
        "turn": {"role": "who", "roles": {"A": "agent", "C": "customer"}, "text": "msg", "ts": "time"},
        "roles": {"*": "agent"}, "timezone": "+08:00"}
# A working mapping with a few keys replaced: most load, so the readers run with odd but accepted settings.
near_valid = st.lists(st.sampled_from(sorted(TOP)), max_size=3, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: TOP[k] for k in keys})).map(lambda changes: {**BASE, **changes})
near_valid_turn = st.dictionaries(st.sampled_from(["ts_format", "start", "end", "speaker", "meta", "role", "text"]),
                                  st.one_of(COLUMN, st.sampled_from(["%Y-%m-%d %H:%M:%S", "%", "%Q"])),
                                  max_size=3).map(lambda t: {**BASE, "turn": {**BASE["turn"], **t}})
any_mapping = st.one_of(mapping, near_valid, near_valid_turn)
reader_mapping = st.one_of(st.none(), st.just(BASE), near_valid, near_valid_turn, mapping)

GOOD_MAPPING = """\
format: csv
header: true
conversation: {id: cid, agent_id: agent}
turn:
  role: who
  roles: {A: agent, C: customer}
  text: msg
  ts: time
timezone: "+08:00"
"""


def _write(tmp, name, data) -> str:
    path = tmp / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return str(path)


def _mapping_text(m) -> str:
    return yaml.safe_dump(m, allow_unicode=True) if isinstance(m, dict) else m


def _read(path, fmt, options):
    """Read through the public entry point; a whole-file or mapping problem must be a QAError."""
    stats = ReadStats()
    try:
        recs = list(read_records([path], fmt, options, stats))
    except QAError as exc:
        assert str(exc)
        return None, stats
    assert stats.read == stats.accepted + stats.rejected == len(recs)
    for r in recs:
        if hasattr(r, "reason"):
            assert r.reason and r.source.path
    return recs, stats


@BUDGET
@given(st.one_of(mapping, st.tuples(st.integers(0, len(GOOD_MAPPING) - 1),
                                    st.text(alphabet=" :{}[],-'\"\n#&*!|>ab1", max_size=6), st.integers(0, 5))))
@example({"line_pattern": "a{4294967296}"})  # found: OverflowError from re.compile
@example({"turn": {"role": "who", "text": "msg", "ts_format": 5}})  # found: TypeError in strptime when reading
def test_load_mapping_raises_only_config_errors(tmp_path_factory, m):
    if isinstance(m, tuple):
        pos, insert, cut = m
        m = GOOD_MAPPING[:pos] + insert + GOOD_MAPPING[pos + cut:]
    path = _write(tmp_path_factory.mktemp("map"), "m.yaml", _mapping_text(m))
    try:
        spec = load_mapping(path)
    except ConfigError as exc:
        assert exc.path and str(exc)
        return
    assert spec.path.endswith("m.yaml")


cell = st.one_of(st.sampled_from(["c1", "c2", "A", "C", "", "NULL", "2026-11-02 10:00:00", "1762048800", "您好",
                                  "a,b", '"q"', "x\ty"]), st.text(max_size=8))
good_row = st.tuples(st.sampled_from(["c1", "c2"]), st.sampled_from(["A", "C", "c"]), st.sampled_from(["您好", "请稍等", "x"]),
                    st.sampled_from(["2026-11-02 10:00:00", "1762048800", "", "2026-11-02T10:00:00Z"]),
                    st.sampled_from(["a1", ""])).map(list)
rows = st.lists(st.one_of(good_row, good_row, st.lists(cell, min_size=0, max_size=6)), min_size=0, max_size=10)


def _csv(header: bool, body: list[list[str]], delimiter: str) -> bytes:
    lines = ([delimiter.join(["cid", "who", "msg", "time", "agent"])] if header else [])
    lines += [delimiter.join(r) for r in body]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@BUDGET
@given(st.one_of(st.just(BASE), any_mapping), st.booleans(), rows, st.sampled_from([",", "\t"]),
       st.binary(max_size=12))
@example({**BASE, "turn": {**BASE["turn"], "ts_format": 5}}, True, [["c1", "A", "您好", "2026-11-02", "a1"]], ",",
         b"")
def test_delimited_reader_with_random_mappings_accounts_for_every_row(tmp_path_factory, m, header, body, delim,
                                                                      junk):
    tmp = tmp_path_factory.mktemp("csv")
    mpath = _write(tmp, "m.yaml", _mapping_text(m))
    data = _csv(header, body, delim) + (b"\n" + junk if junk else b"")
    path = _write(tmp, "in.csv" if delim == "," else "in.tsv", data)
    _read(path, "csv" if delim == "," else "tsv", ReadOptions(mapping=mpath))


CHAT_LINE = st.one_of(
    st.sampled_from(["2026-11-02 10:00:00 客服小王: 您好", "[2026-11-02 10:00:05] 客户：快递没到", "[10:00:09] 客户: 嗯",
                     "客服: 好的", "=== 会话 c-9 ===", "-----", "2026-13-45", "—— 2026-02-30 ——", "续行文字",
                     "99 A: x", "2026-11-02 99:99 A: x", "9999999999999 A: x", "x inf A: y", "inf:inf A: z",
                     "A: x", "Speaker 1: hello", ""]),
    st.text(max_size=30))


@BUDGET
@given(reader_mapping, st.lists(CHAT_LINE, max_size=12), st.one_of(st.none(), REGEX),
       st.sampled_from([None, {"*": "agent"}]))
@example(None, ["A: x"], ".", None)  # found: KeyError 'speaker' for a --line-pattern without the named groups
@example(None, ["A: x"], "a{4294967296}", None)  # found: OverflowError compiling the pattern
@example(None, ["x inf A: y", "2026-11-02 1 A: z", "2026-11-02 99:99 A: w"],
         r"(?P<date>\S+) (?P<time>\S+) (?P<speaker>\w+): (?P<text>.*)", {"*": "agent"})  # found: ValueError, IndexError
@example({**BASE, "line_pattern": r"(?P<time>\S+) (?P<speaker>\w+)?: (?P<text>.*)?"}, ["10:00 : ", "11:00 A:"], None,
         None)  # optional groups that did not take part
def test_chatlog_reader_with_random_mappings_and_patterns(tmp_path_factory, m, lines, pattern, roles):
    tmp = tmp_path_factory.mktemp("chat")
    mpath = _write(tmp, "m.yaml", _mapping_text(m)) if m is not None else None
    path = _write(tmp, "log-20261102.txt", "\n".join(lines).encode("utf-8", "surrogatepass"))
    _read(path, "chatlog", ReadOptions(mapping=mpath, line_pattern=pattern, roles=roles))


TIMING = st.one_of(st.sampled_from(["00:00:01.000 --> 00:00:02.500", "00:01,5 --> 00:02,0", "99:59:59.999 --> 1:00.0",
                                    "00:00:03.000 --> 00:00:01.000"]), st.text(max_size=20))
CUE_TEXT = st.one_of(st.sampled_from(["<v Agent>您好</v>", "<v.loud 客户>喂？", "Agent: hello", "[客服] 好的",
                                      "- Customer: hi", "no speaker", "<v >x", "<c.yellow>text</c>", ""]),
                     st.text(max_size=20))


@BUDGET
@given(reader_mapping, st.booleans(), st.lists(st.tuples(st.sampled_from(["", "1", "x"]), TIMING,
                                                                        st.lists(CUE_TEXT, max_size=3)), max_size=6))
def test_subtitle_readers_with_random_mappings_and_cues(tmp_path_factory, m, vtt, cues):
    tmp = tmp_path_factory.mktemp("sub")
    mpath = _write(tmp, "m.yaml", _mapping_text(m)) if m is not None else None
    blocks = ["\n".join([n, t, *texts]) for n, t, texts in cues]
    text = ("WEBVTT\n\n" if vtt else "") + "\n\n".join(blocks)
    path = _write(tmp, "call.vtt" if vtt else "call.srt", text.encode("utf-8", "surrogatepass"))
    recs, stats = _read(path, "vtt" if vtt else "srt", ReadOptions(mapping=mpath))
    if recs is not None:
        assert stats.read == 1  # one call per file, scored or rejected


SPEAKER = st.one_of(st.sampled_from(["SPEAKER_00", "SPEAKER_01", "spk_0", "ch_0", "AGENT", "CUSTOMER"]),
                    st.sampled_from(["SPEAKER_00", "SPEAKER_01", "AGENT", "CUSTOMER"]), leaf)
NUM = st.one_of(st.floats(0, 600), st.floats(0, 600), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 10**12),
                st.sampled_from(["1.5", "abc", "", "1e400"]), leaf)
good_segment = st.fixed_dictionaries({"text": st.sampled_from(["您好", "hello there"]), "start": st.floats(0, 10),
                                     "end": st.floats(10, 20), "speaker": st.sampled_from(["SPEAKER_00", "SPEAKER_01"])})
good_item = st.fixed_dictionaries({"type": st.just("pronunciation"), "start_time": st.sampled_from(["1.0", "2.5"]),
                                  "end_time": st.sampled_from(["2.5", "3.0"]),
                                  "speaker_label": st.sampled_from(["spk_0", "spk_1"]),
                                  "alternatives": st.just([{"content": "您好"}])})
whisper = st.fixed_dictionaries({}, optional={
    "language": leaf,
    "segments": st.one_of(st.lists(good_segment, min_size=1, max_size=3), st.lists(st.one_of(good_segment, st.fixed_dictionaries(
        {"text": st.one_of(st.sampled_from(["您好", "hello there", " "]), st.text(max_size=10), leaf)},
        optional={"start": NUM, "end": NUM, "speaker": SPEAKER,
                  "words": st.one_of(st.lists(st.fixed_dictionaries({}, optional={"word": leaf, "start": NUM,
                                                                                  "end": NUM}), max_size=3), value)}),
        value), max_size=4), value)})
item = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["pronunciation", "punctuation", "other"]), "start_time": NUM, "end_time": NUM,
    "speaker_label": SPEAKER,
    "alternatives": st.one_of(st.lists(st.fixed_dictionaries(
        {}, optional={"content": st.one_of(st.sampled_from(["您好", "ok", "."]), leaf)}), min_size=1, max_size=2),
        value)})
transcribe = st.one_of(
    st.fixed_dictionaries({}, optional={
        "jobName": leaf, "results": st.one_of(st.fixed_dictionaries({}, optional={
            "language_code": st.one_of(st.sampled_from(["zh-CN", "en-US"]), leaf), "items": st.one_of(
                st.lists(good_item, min_size=1, max_size=3), st.lists(st.one_of(good_item, item), max_size=5), value),
            "speaker_labels": st.one_of(st.fixed_dictionaries({"segments": st.lists(st.fixed_dictionaries(
                {"items": st.lists(item, max_size=3)}), max_size=2)}), value),
            "channel_labels": st.one_of(st.fixed_dictionaries({"channels": st.lists(st.fixed_dictionaries(
                {}, optional={"channel_label": SPEAKER, "items": st.lists(item, max_size=3)}), max_size=2)}),
                value)}), value)}),
    st.fixed_dictionaries({"Transcript": st.lists(st.one_of(st.fixed_dictionaries({}, optional={
        "ParticipantRole": SPEAKER, "Content": st.one_of(st.sampled_from(["您好", "thanks"]), leaf), "BeginOffsetMillis": NUM, "EndOffsetMillis": NUM,
        "Sentiment": leaf}), value), max_size=4)}, optional={"LanguageCode": leaf, "JobName": leaf}))


@BUDGET
@given(reader_mapping, st.one_of(st.tuples(st.just("whisper"), whisper),
                                                st.tuples(st.just("transcribe"), transcribe)),
       st.sampled_from([None, {"*": "agent"}, {"SPEAKER_00": "agent", "SPEAKER_01": "customer", "spk_0": "agent",
                                               "spk_1": "customer"}]))
def test_asr_readers_with_random_documents(tmp_path_factory, m, kind_doc, roles):
    kind, doc = kind_doc
    tmp = tmp_path_factory.mktemp("asr")
    mpath = _write(tmp, "m.yaml", _mapping_text(m)) if m is not None else None
    path = _write(tmp, "call.json", json.dumps(doc, allow_nan=True))
    recs, stats = _read(path, kind, ReadOptions(mapping=mpath, roles=roles))
    if recs is not None:
        assert stats.read == 1


def test_a_rewritten_mapping_is_reloaded_even_with_the_same_modification_time(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("channel: chat\n")
    st_before = os.stat(path)
    assert load_mapping(str(path)).channel == "chat"
    path.write_text("channel: call\nlanguage: en\n")
    os.utime(path, ns=(st_before.st_atime_ns, st_before.st_mtime_ns))  # a coarse-clock file system
    spec = load_mapping(str(path))
    assert (spec.channel, spec.language) == ("call", "en")
