"""Text normalisation that remembers where each character came from.

Matching runs on normalised text (simplified characters, half-width ASCII, collapsed whitespace,
lower case, no inline pinyin notes); findings are reported in the *input* text. Every step keeps an
index map from normalised positions back to the original, composed across steps.

Options (rubric ``normalize:`` or :class:`NormalizeOptions`): ``t2s`` (traditional → simplified,
default on for zh), ``width`` (full-width ASCII → half-width, default on), ``lowercase`` (default
on), ``whitespace`` (collapse runs, trim; default on), ``strip_pinyin`` (drop ``服務(wù)``-style
notes, default off).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from qa.errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class NormalizeOptions:
    t2s: bool = True
    width: bool = True
    lowercase: bool = True
    whitespace: bool = True
    strip_pinyin: bool = False

    @classmethod
    def for_language(cls, language: str, overrides: dict | None = None) -> NormalizeOptions:
        base = {"t2s": language.startswith("zh")}
        base.update(overrides or {})
        unknown = set(base) - set(cls.__dataclass_fields__)
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(f"unknown normalize option {key!r}", field=f"normalize.{key}",
                              hint=did_you_mean(key, cls.__dataclass_fields__))
        return cls(**base)


@dataclass(slots=True)
class NormalizedText:
    """``text`` after normalisation; ``origin[i]`` is the input index of ``text[i]`` (None = identity)."""

    text: str
    original: str
    origin: list[int] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to the input text."""
        if self.origin is None:
            return start, end
        if start >= len(self.origin):
            return len(self.original), len(self.original)
        o_start = self.origin[start]
        o_end = self.origin[end - 1] + 1 if end > start else o_start
        return o_start, o_end


_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_WS_RE = re.compile(r"\s{2,}|^\s+|\s+$|[\t\r\n\f\v\u00a0\u2000-\u200b\u3000]")
_WS_ANY_RE = re.compile(r"[\s\u200b]")  # a quick test: _WS_RE can only match where one of these is
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin note right after a hanzi: "服務(wù)", "認(r èn)", "進(\njìn)", full-width parentheses too. At least
# one tone mark is required so "密码(abc)" is left alone.
_PINYIN_RE = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（]\s*(?=[^)）]*[{_TONED}])(?:[a-zü{_TONED}]{{1,7}}\s*){{1,4}}[)）]", re.IGNORECASE)


def _opencc_dict(name: str) -> list[tuple[str, list[str]]]:
    import opencc  # opencc-python-reimplemented ships the dictionaries as text files

    path = opencc.__file__.rsplit("/", 1)[0] + "/dictionary/" + name
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2:
                out.append((parts[0], parts[1].split(" ")))
    return out


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[str, str]:
    """Single-character traditional→simplified table from OpenCC's data (length-preserving)."""
    table: dict[str, str] = {}
    for trad, simps in _opencc_dict("TSCharacters.txt"):
        simp = simps[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[trad] = simp
    return table


@functools.lru_cache(maxsize=1)
def _t2s_trans() -> tuple[frozenset, dict]:
    table = _t2s_table()
    return frozenset(table), str.maketrans(table)


@functools.lru_cache(maxsize=1)
def _t2s_phrases() -> tuple[frozenset, re.Pattern | None, dict[str, str]]:
    """OpenCC's phrase exceptions for characters with several simplified forms (乾隆 keeps 乾, 乾淨 → 干净).

    Only same-length phrases are used, so offsets stay one-to-one.
    """
    ambiguous = {trad for trad, simps in _opencc_dict("TSCharacters.txt") if len(trad) == 1 and len(simps) > 1}
    phrases = {trad: simps[0] for trad, simps in _opencc_dict("TSPhrases.txt")
               if len(trad) == len(simps[0]) and not ambiguous.isdisjoint(trad)}
    if not phrases:  # pragma: no cover - depends on the OpenCC data shipped
        return frozenset(), None, {}
    pattern = re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))
    return frozenset(ambiguous), pattern, phrases


def _t2s(text: str) -> str:
    chars, trans = _t2s_trans()
    out = text.translate(trans) if not chars.isdisjoint(text) else text
    ambiguous, pattern, phrases = _t2s_phrases()
    if pattern is not None and not ambiguous.isdisjoint(text):
        for m in pattern.finditer(text):
            out = out[:m.start()] + phrases[m.group(0)] + out[m.end():]
    return out


@functools.lru_cache(maxsize=1)
def _s2t_map() -> dict[str, frozenset[str]]:
    rev: dict[str, set[str]] = {}
    for trad, simps in _opencc_dict("TSCharacters.txt"):
        if len(trad) == 1:
            for simp in simps:
                if len(simp) == 1 and simp != trad:
                    rev.setdefault(simp, set()).add(trad)
    return {k: frozenset(v) for k, v in rev.items()}


def simplified_to_traditional(char: str) -> frozenset[str]:
    """The traditional characters that simplify to ``char`` (empty when it has none)."""
    return _s2t_map().get(char, frozenset())


def traditional_to_simplified(text: str) -> str:
    """OpenCC t2s, character by character plus same-length phrase exceptions (keeps offsets)."""
    return _t2s(text)


def _apply_sub(nt_text: str, origin: list[int] | None, pattern: re.Pattern, repl_fn) -> tuple[str, list[int] | None]:
    """Apply a regex substitution while carrying the origin map."""
    out: list[str] = []
    new_origin: list[int] = []
    pos = 0
    idx = origin if origin is not None else range(len(nt_text))
    changed = False
    for m in pattern.finditer(nt_text):
        s, e = m.span()
        rep = repl_fn(m)
        if rep == m.group(0):
            continue
        changed = True
        out.append(nt_text[pos:s])
        new_origin.extend(idx[pos:s])
        out.append(rep)
        # replacement characters point at the start of what they replace
        new_origin.extend([idx[s]] * len(rep) if s < len(nt_text) else [])
        pos = e
    if not changed:
        return nt_text, origin
    out.append(nt_text[pos:])
    new_origin.extend(idx[pos:])
    return "".join(out), new_origin


def _ws_repl(m: re.Match) -> str:
    if m.start() == 0 or m.end() == len(m.string):
        return ""
    return " "


@functools.lru_cache(maxsize=4)
def _char_table(width: bool, t2s: bool) -> tuple[frozenset, dict, re.Pattern | None]:
    """The per-character steps (full-width → half-width, then single-character t2s) as one table.

    Both steps map one character to one character, so a single ``str.translate`` does both and keeps
    offsets. Returns the characters the table changes (plus the ambiguous t2s characters), the table,
    and a pattern finding the ambiguous characters, whose phrase exceptions need the step-by-step path.
    """
    table: dict[int, int | str] = dict(_FULLWIDTH) if width else {}
    ambiguous: frozenset = frozenset()
    if t2s:
        _, trans = _t2s_trans()
        table = {**trans, **{src: trans.get(dst, dst) for src, dst in table.items()}}  # widened, then simplified
        ambiguous = _t2s_phrases()[0]
    # a small character class: faster than frozenset.isdisjoint, which builds a string per character
    ambiguous_re = re.compile("[" + "".join(map(re.escape, sorted(ambiguous))) + "]") if ambiguous else None
    return frozenset(map(chr, table)) | ambiguous, table, ambiguous_re


def normalize_text(text: str, options: NormalizeOptions) -> NormalizedText:
    """Normalise one turn's text; fast when nothing needs to change."""
    t = text
    origin: list[int] | None = None
    if options.strip_pinyin and ("(" in t or "（" in t):
        t, origin = _apply_sub(t, origin, _PINYIN_RE, lambda m: "")
    if (options.width or options.t2s) and not t.isascii():  # ASCII text has nothing to widen or simplify
        touched, table, ambiguous_re = _char_table(options.width, options.t2s)
        if not touched.isdisjoint(t):
            if ambiguous_re is not None and ambiguous_re.search(t):  # phrase exceptions: one step at a time
                if options.width:
                    t = t.translate(_FULLWIDTH)
                t = _t2s(t)
            else:
                t = t.translate(table)  # length-preserving
    if options.lowercase:
        low = t.lower()
        if len(low) == len(t):
            t = low
        else:  # rare characters whose lower case is longer (e.g. 'İ'): go char by char
            t, origin = _apply_sub(t, origin, re.compile(r"[^\W\d_]", re.UNICODE), lambda m: m.group(0).lower())
    if options.whitespace and _WS_ANY_RE.search(t) and _WS_RE.search(t):
        t, origin = _apply_sub(t, origin, _WS_RE, _ws_repl)
    if origin is not None and len(origin) != len(t):  # pragma: no cover - guarded by construction
        raise AssertionError("normalisation lost track of offsets")
    return NormalizedText(t, text, origin)


def normalize_phrase(phrase: str, options: NormalizeOptions) -> str:
    return normalize_text(phrase, options).text
