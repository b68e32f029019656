import portion as P
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.rules.checkers.timing.intervals import gaps, intersection, merge, multi_speaker, timeline, total


def test_merge_joins_overlapping_and_touching_and_drops_empty():
    assert merge([(5, 6), (1, 2), (2, 3), (1.5, 2.5), (7, 7), (9, 8)]) == [(1, 3), (5, 6)]
    assert total([(0, 1), (0.5, 2)]) == 2


def test_gaps_inside_a_span():
    assert gaps([(1, 3), (5, 6)], 0, 8) == [(0, 1), (3, 5), (6, 8)]
    assert gaps([(0, 3)], 0, 3) == []


def test_multi_speaker_needs_two_distinct_speakers():
    # one speaker overlapping themselves is not overlap; touching turns are not overlap
    segs = {"a": [(0, 4), (1, 2)], "b": [(3, 6)], "c": [(6, 7), (5.5, 5.8)]}
    assert multi_speaker(segs) == [(3, 4), (5.5, 5.8)]
    assert multi_speaker(segs, at_least=3) == []


def test_intersection_of_unions():
    assert intersection([(0, 2), (3, 5)], [(1, 4)]) == 2


def test_timeline_counts_leading_silence_not_trailing():
    tl = timeline({"a": [(2, 4)], "b": [(3.5, 6), (8, 9)]})
    assert tl.silences == [(0, 2), (6, 8)] and tl.silence_s == 4
    assert tl.overlap_s == 0.5 and tl.speech_s == 5 and tl.span_s == 9


def _measure(iv: P.Interval) -> float:
    return sum(a.upper - a.lower for a in iv if not a.empty)


_seg = st.tuples(st.integers(0, 500), st.integers(1, 60)).map(lambda x: (x[0] / 10, (x[0] + x[1]) / 10))


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from("abcd"), st.lists(_seg, max_size=8), max_size=4))
def test_overlap_and_silence_agree_with_portion(segs):
    tl = timeline(segs)
    per = {k: P.Interval(*[P.closed(s, e) for s, e in v]) for k, v in segs.items()}
    union = P.Interval(*per.values()) if per else P.empty()
    keys = sorted(per)
    pairs = [per[a] & per[b] for i, a in enumerate(keys) for b in keys[i + 1:]]
    overlap = P.Interval(*pairs) if pairs else P.empty()
    end = union.upper if not union.empty else 0
    silence = P.closed(0, end) - union if end > 0 else P.empty()
    assert abs(tl.overlap_s - _measure(overlap)) < 1e-9
    assert abs(tl.silence_s - _measure(silence)) < 1e-9
