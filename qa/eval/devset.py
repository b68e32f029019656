"""The development set: a frozen manifest of conversations and where each corpus is read from.

A devset folder (the shipped one is ``corpora/devset/``) holds:

- ``manifest.jsonl`` — one ``{"corpus", "id", "language", "split"}`` per conversation. The split is fixed by
  :func:`split_for` (a hash of corpus and id) before any label exists;
- ``sources.yaml`` — per corpus, the file qa's readers read it from: ``path`` under the shared data folder
  (research-only corpora, never copied into the repository) or ``local`` relative to ``sources.yaml``
  (corpora in the repository), with ``format``, an optional ``mapping`` (relative to ``sources.yaml``) and
  an optional ``reserved`` id list under the shared data folder whose conversations may never be in the set;
- ``labels.jsonl`` — the adjudicated labels (docs/labelling.md), ``labels-a.jsonl`` and ``labels-b.jsonl`` the two
  reading passes;
- ``floors.yaml`` — the figures CI keeps (:mod:`qa.eval.floors`).

Conversations are read with qa's own readers, so a label's turn index is the ``turn`` of a finding.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, InputError, did_you_mean
from qa.eval.files import jsonl_objects, read_yaml
from qa.ingest import ReadOptions, read_records
from qa.model import Conversation
from qa.rules.rubric.yamlsafe import line_of

SPLITS = ("train", "test")
TEST_PERCENT = 36
SOURCE_KEYS = ("path", "local", "format", "mapping", "reserved", "licence")
MANIFEST_KEYS = ("corpus", "id", "language", "split")
DATA_ENV = "QA_SHARED_DATA"


def split_for(corpus: str, cid: str) -> str:
    """The frozen split of a conversation: ``test`` when sha256("corpus:id") mod 100 < 36, else ``train``."""
    h = int(hashlib.sha256(f"{corpus}:{cid}".encode()).hexdigest(), 16)
    return "test" if h % 100 < TEST_PERCENT else "train"


@dataclass(frozen=True)
class Folds:
    """A sub-split of a selection for development rounds: folds ``chosen`` (1-based) of ``n``.

    A conversation is in fold ``sha256("fold:corpus:id") mod n + 1`` — a hash salted apart from the frozen
    split's, so every split divides evenly. Written ``K/N``, ``K,L/N``, ``K-L/N`` (``1-4/5``: all but fold 5).
    """

    chosen: frozenset[int]
    n: int

    def __str__(self) -> str:
        return f"{','.join(_ranges(sorted(self.chosen)))}/{self.n}"

    def __contains__(self, entry: Entry) -> bool:
        return fold_of(entry.corpus, entry.id, self.n) in self.chosen


def fold_of(corpus: str, cid: str, n: int) -> int:
    """The fold (1 … ``n``) a conversation falls in: ``sha256("fold:corpus:id") mod n + 1``."""
    return int(hashlib.sha256(f"fold:{corpus}:{cid}".encode()).hexdigest(), 16) % n + 1


def parse_folds(spec: str) -> Folds:
    """``K/N``, ``K,L/N`` or ``K-L/N`` (folds numbered from 1) → :class:`Folds`; a clear error otherwise."""
    m = re.fullmatch(r"\s*([\d,\s-]+)/\s*(\d+)\s*", spec or "")
    if not m:
        raise ConfigError(f"fold {spec!r} is not K/N", hint="e.g. 2/5 (fold 2 of 5), 1-4/5 or 1,3/5")
    n = int(m.group(2))
    if n < 2:
        raise ConfigError(f"fold {spec!r}: N must be at least 2")
    chosen: set[int] = set()
    for part in m.group(1).split(","):
        bounds = [x.strip() for x in part.split("-")]
        if not all(b.isdigit() for b in bounds) or len(bounds) > 2:
            raise ConfigError(f"fold {spec!r}: {part.strip()!r} is not a fold number or a range K-L")
        lo, hi = int(bounds[0]), int(bounds[-1])
        if not 1 <= lo <= hi <= n:
            raise ConfigError(f"fold {spec!r}: folds are numbered 1 to {n}")
        chosen.update(range(lo, hi + 1))
    return Folds(frozenset(chosen), n)


def _ranges(xs: list[int]) -> list[str]:
    out: list[list[int]] = []
    for x in xs:
        if out and x == out[-1][1] + 1:
            out[-1][1] = x
        else:
            out.append([x, x])
    return [f"{a}" if a == b else f"{a}-{b}" for a, b in out]


def default_devset() -> Path:
    """The repository's ``corpora/devset`` (``qa/corpora`` links to ``corpora/`` in a checkout)."""
    return (Path(__file__).resolve().parent.parent / "corpora" / "devset").resolve()


def default_data_dir(devset_root: Path, explicit: str | os.PathLike | None = None) -> Path:
    """``--data DIR``, else ``$QA_SHARED_DATA``, else ``../shared/data`` beside the repository holding the devset."""
    if explicit:
        return Path(explicit)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    repo = devset_root.resolve().parent.parent
    return repo.parent / "shared" / "data"


@dataclass(frozen=True)
class Entry:
    corpus: str
    id: str
    language: str
    split: str
    line: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.corpus, self.id)


@dataclass(frozen=True)
class Source:
    name: str
    file: Path
    format: str = "auto"
    mapping: Path | None = None
    reserved: Path | None = None
    local: bool = False
    licence: str = ""
    line: int | None = None


@dataclass
class Devset:
    root: Path
    data_dir: Path
    entries: list[Entry]
    sources: dict[str, Source]
    readers: Mapping[str, Any] = field(default_factory=dict, repr=False)  # how the sources are read
    _by_key: dict[tuple[str, str], Entry] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._by_key = {e.key: e for e in self.entries}

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.jsonl"

    def entry(self, corpus: str | None, cid: str) -> Entry | None:
        return self._by_key.get((corpus or "", cid))

    def select(self, split: str = "all", corpora: Iterable[str] = (), languages: Iterable[str] = (),
               folds: Folds | None = None) -> list[Entry]:
        corpora, languages = set(corpora), set(languages)
        for name in corpora:
            if name not in self.sources:
                raise ConfigError(f"no corpus {name!r} in the devset", path=str(self.root / "sources.yaml"),
                                  hint=did_you_mean(name, self.sources) or f"corpora: {', '.join(self.sources)}")
        return [e for e in self.entries if (split == "all" or e.split == split)
                and (not corpora or e.corpus in corpora) and (not languages or e.language in languages)
                and (folds is None or e in folds)]

    def read(self, entries: Iterable[Entry]) -> dict[tuple[str, str], Conversation]:
        """The conversations of ``entries``, read through qa's readers (each source file once)."""
        wanted: dict[str, dict[str, Entry]] = {}
        for e in entries:
            wanted.setdefault(e.corpus, {})[e.id] = e
        out: dict[tuple[str, str], Conversation] = {}
        for corpus, ids in wanted.items():
            src = self.sources[corpus]
            path = self._source_file(src)
            opts = ReadOptions(mapping=str(src.mapping) if src.mapping else None)
            problems: dict[str, str] = {}
            for rec in read_records([str(path)], src.format, opts, readers=self.readers):
                if isinstance(rec, Conversation):
                    if rec.id in ids:
                        out[(corpus, rec.id)] = rec
                elif rec.conversation_id in ids:
                    problems[rec.conversation_id] = f"{rec.source}: {rec.reason}"
            for cid, e in ids.items():
                if (corpus, cid) not in out:
                    why = problems.get(cid) or f"no conversation with this id in {path}"
                    raise InputError(f"conversation {cid!r} of corpus {corpus!r} cannot be read: {why}",
                                     path=str(self.manifest_path), line=e.line, field="id")
        return out

    def _source_file(self, src: Source) -> Path:
        if not src.local and not self.data_dir.is_dir():
            raise ConfigError(f"corpus {src.name!r} is read from the shared data folder, which is not at "
                              f"{self.data_dir}", hint=f"pass --data DIR or set {DATA_ENV}")
        if not src.file.exists():
            raise ConfigError(f"corpus {src.name!r}: {src.file} does not exist", path=str(self.root / "sources.yaml"),
                              line=src.line, field=f"{src.name}.{'local' if src.local else 'path'}")
        return src.file

    def needs_shared_data(self, entries: Iterable[Entry]) -> bool:
        return any(not self.sources[e.corpus].local for e in entries)

    def reserved_conflicts(self) -> list[Entry]:
        """Manifest entries listed in their corpus's ``reserved`` file (checked when that file is present)."""
        out = []
        for name, src in self.sources.items():
            if src.reserved is None or not src.reserved.is_file():
                continue
            reserved = {x.strip() for x in src.reserved.read_text(encoding="utf-8").splitlines() if x.strip()}
            out += [e for e in self.entries if e.corpus == name and e.id in reserved]
        return out


def load_devset(root: str | os.PathLike | None = None, data_dir: str | os.PathLike | None = None, *,
                readers: Mapping[str, Any]) -> Devset:
    """Read a devset folder's ``sources.yaml`` and ``manifest.jsonl``, checking every key and value;
    ``readers`` (``registry.readers``) read its conversations.

    A manifest entry listed in its corpus's reserved file is an error: reserved conversations are kept for
    independent measurement and never belong to the set.
    """
    root = Path(root) if root is not None else default_devset()
    if not root.is_dir():
        raise ConfigError("no devset folder here", path=str(root), hint="pass --devset DIR")
    data = default_data_dir(root, data_dir)
    sources = _load_sources(root / "sources.yaml", data)
    entries = _load_manifest(root / "manifest.jsonl", sources)
    ds = Devset(root, data, entries, sources, readers)
    bad = ds.reserved_conflicts()
    if bad:
        e = bad[0]
        raise ConfigError(f"{len(bad)} manifest conversation(s) are reserved for independent measurement "
                          f"(first: {e.corpus} {e.id})", path=str(ds.manifest_path), line=e.line, field="id",
                          hint="remove them from the manifest")
    return ds


def _load_sources(path: Path, data_dir: Path) -> dict[str, Source]:
    doc = read_yaml(path, "sources file")
    if not isinstance(doc, dict) or not doc:
        raise ConfigError("expected a mapping: corpus name → {path or local, format, …}", path=str(path), line=1)
    out = {}
    for name, spec in doc.items():
        line = line_of(doc, name)

        def err(msg, key=None, hint=None, spec=spec, name=name, line=line):
            return ConfigError(msg, path=str(path), line=line_of(spec, key) if key else line,
                               field=f"{name}.{key}" if key else str(name), hint=hint)

        if not isinstance(spec, dict):
            raise err("expected a mapping with path (or local) and format")
        for k in spec:
            if k not in SOURCE_KEYS:
                raise err(f"unknown key {k!r}", k, did_you_mean(str(k), SOURCE_KEYS) or f"keys: {', '.join(SOURCE_KEYS)}")
        if ("path" in spec) == ("local" in spec):
            raise err("give exactly one of path (under the shared data folder) or local (relative to this file)")
        for k in ("path", "local", "format", "mapping", "reserved", "licence"):
            if k in spec and not isinstance(spec[k], str):
                raise err(f"{k} must be a string", k)
        local = "local" in spec
        file = (path.parent / spec["local"]) if local else (data_dir / spec["path"])
        out[str(name)] = Source(
            name=str(name), file=file, format=spec.get("format", "auto"),
            mapping=(path.parent / spec["mapping"]) if spec.get("mapping") else None,
            reserved=(data_dir / spec["reserved"]) if spec.get("reserved") else None,
            local=local, licence=spec.get("licence", ""), line=line)
    return out


def _load_manifest(path: Path, sources: dict[str, Source]) -> list[Entry]:
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for n, d in jsonl_objects(path, "manifest"):
        for k in d:
            if k not in MANIFEST_KEYS:
                raise InputError(f"unknown key {k!r}", path=str(path), line=n, field=k,
                                 hint=did_you_mean(str(k), MANIFEST_KEYS))
        for k in MANIFEST_KEYS:
            if not isinstance(d.get(k), str) or not d[k]:
                raise InputError(f"missing or empty {k!r}", path=str(path), line=n, field=k)
        if d["corpus"] not in sources:
            raise InputError(f"corpus {d['corpus']!r} is not in sources.yaml", path=str(path), line=n, field="corpus",
                             hint=did_you_mean(d["corpus"], sources))
        if d["split"] not in SPLITS:
            raise InputError(f"split must be train or test, got {d['split']!r}", path=str(path), line=n, field="split")
        e = Entry(d["corpus"], d["id"], d["language"], d["split"], n)
        if e.key in seen:
            raise InputError(f"{e.corpus} {e.id} is listed twice (first on line {seen[e.key]})", path=str(path),
                             line=n, field="id")
        seen[e.key] = n
        entries.append(e)
    return entries
