"""Labelled text for training and evaluation: CSV/TSV or JSONL rows with a text and a label field.

A label field holds one label, a list (JSON) or labels joined by ``|`` / ``;`` / ``,``; an empty
value or ``none`` means "not a complaint". Rows without text are rejected with a reason, never
dropped silently. ``row_labels`` joins labels kept in a separate file by 1-based data row number,
so labels for research-only text can live apart from it.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import InputError

NONE_LABELS = {"", "none", "-", "null"}
_SPLIT = re.compile(r"[|;,]")


@dataclass
class Example:
    text: str
    labels: tuple[str, ...] | None  # None when the data carries no labels (predict)
    row: int                         # 1-based data row (CSV: excluding the header; JSONL: line)
    line: int
    id: str | None = None


@dataclass
class Rejected:
    line: int
    field: str
    reason: str
    row: int | None = None


def parse_labels(value, *, path: str, line: int, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        v = value.strip()
        if v.startswith("["):
            try:
                items = json.loads(v)
            except json.JSONDecodeError as exc:
                raise InputError(f"label list is not valid JSON: {exc.msg}", path=path, line=line,
                                 field=field) from None
            if not isinstance(items, list):
                raise InputError("label list must be a JSON list", path=path, line=line, field=field)
        else:
            items = _SPLIT.split(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        items = [str(value)]
    else:
        raise InputError(f"labels must be a string or a list, got {type(value).__name__}", path=path,
                         line=line, field=field)
    out = []
    for it in items:
        if not isinstance(it, (str, int)) or isinstance(it, bool):
            raise InputError(f"label {it!r} is not a string", path=path, line=line, field=field)
        s = str(it).strip()
        if s.lower() not in NONE_LABELS:
            out.append(s)
    return tuple(dict.fromkeys(out))


def _rows(path: Path):
    """Yield ``(row_number, line_number, record_dict)``."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read data: {exc.strerror}", path=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"data is not UTF-8 (byte {exc.start})", path=str(path)) from None
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        row = 0
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            row += 1
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON: {exc.msg}", path=str(path), line=i) from None
            if not isinstance(rec, dict):
                raise InputError("each line must be a JSON object", path=str(path), line=i)
            yield row, i, rec
    elif suffix in (".csv", ".tsv", ".txt"):
        reader = csv.DictReader(text.splitlines(keepends=True), delimiter="\t" if suffix == ".tsv" else ",")
        for row, rec in enumerate(reader, 1):
            yield row, reader.line_num, rec
    else:
        raise InputError(f"unsupported data format {suffix or '(no extension)'!r}", path=str(path),
                         hint="use .csv, .tsv or .jsonl")


def read_examples(path, text_field: str, label_field: str | None = None, *, id_field: str | None = None,
                  row_labels=None, split: str | None = None) -> tuple[list[Example], list[Rejected]]:
    """Read labelled (or, without ``label_field``/``row_labels``, unlabelled) examples."""
    path = Path(path)
    joined = _read_row_labels(Path(row_labels), label_field or "labels", split) if row_labels else None
    examples: list[Example] = []
    rejected: list[Rejected] = []
    first = True
    for row, line, rec in _rows(path):
        if first:
            first = False
            if text_field not in rec:
                raise InputError(f"no field {text_field!r}", path=str(path), line=line, field=text_field,
                                 hint=f"fields: {', '.join(map(str, rec))}")
            if label_field and joined is None and label_field not in rec:
                raise InputError(f"no field {label_field!r}", path=str(path), line=line, field=label_field,
                                 hint=f"fields: {', '.join(map(str, rec))}")
        if joined is not None and row not in joined:
            continue
        if joined is None and split is not None:
            if "split" not in rec:
                raise InputError("--split needs a 'split' column", path=str(path), line=line, field="split")
            if rec["split"] != split:
                continue
        text = rec.get(text_field)
        if not isinstance(text, str) or not text.strip():
            rejected.append(Rejected(line, text_field, "empty or missing text", row))
            continue
        if joined is not None:
            labels = joined[row]
        elif label_field:
            labels = parse_labels(rec.get(label_field), path=str(path), line=line, field=label_field)
        else:
            labels = None
        ident = str(rec[id_field]) if id_field and rec.get(id_field) is not None else None
        examples.append(Example(text, labels, row, line, ident))
    if joined is not None:
        missing = sorted(set(joined) - {e.row for e in examples} - {r.row for r in rejected})
        if missing and len(missing) == len(joined):
            raise InputError(f"none of the {len(joined)} labelled rows exist in the data", path=str(path))
        for r in missing:
            rejected.append(Rejected(r, "row", f"labelled row {r} is not in {path.name}", r))
    return examples, rejected


def _read_row_labels(path: Path, label_field: str, split: str | None) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for _row, line, rec in _rows(path):
        if "row" not in rec:
            raise InputError("a row-labels file needs a 'row' column (1-based data row)", path=str(path),
                             line=line, field="row")
        if label_field not in rec:
            raise InputError(f"no field {label_field!r}", path=str(path), line=line, field=label_field)
        if split is not None:
            if "split" not in rec:
                raise InputError("--split needs a 'split' column", path=str(path), line=line, field="split")
            if rec["split"] != split:
                continue
        try:
            r = int(rec["row"])
        except (TypeError, ValueError):
            raise InputError(f"row must be a whole number, got {rec['row']!r}", path=str(path), line=line,
                             field="row") from None
        out[r] = parse_labels(rec[label_field], path=str(path), line=line, field=label_field)
    return out


@dataclass
class MessageRows:
    """Customer messages of labelled conversations as training rows (see :func:`devset_messages`)."""

    examples: list[Example]
    unknown: list[frozenset[str]]     # per row: types the row says nothing about
    conversations: list[str]          # per row: "corpus/id" of its conversation (for grouped folds)


def devset_messages(split: str = "train", *, readers, devset=None, data_dir=None, labels=None, languages=("zh",),
                    role: str = "customer") -> MessageRows:
    """Every customer message of the devset's labelled conversations, labelled with the complaint types it shows.

    A label record names, per type, the **first** customer message that shows it (docs/labelling.md). So:

    - that message is a positive of its type;
    - the customer's messages before it are negatives of that type (it had not been shown yet);
    - the messages after it say nothing about that type (a later message may repeat the complaint or not):
      they are left out of that type's training, not counted as negatives;
    - every message of a conversation labelled without complaints is a negative of every type.

    Research-only text is read from the shared data folder (with ``readers``, ``registry.readers``) and never
    written anywhere by this function.
    """
    from qa.eval.devset import load_devset
    from qa.eval.evaluate import devset_pairs
    from qa.eval.labels import read_labels

    ds = load_devset(devset, data_dir, readers=readers)
    path = labels or (ds.root / "labels.jsonl")
    pairs, _counts = devset_pairs(ds, read_labels(str(path)), split=split, languages=languages or ())
    examples: list[Example] = []
    unknown: list[frozenset[str]] = []
    convs: list[str] = []
    for pair in pairs:
        rec = pair.record
        if not rec.has("complaints"):
            continue
        first = {t: turn for t, turn in rec.complaints.items() if turn is not None}
        for i, turn in enumerate(pair.conversation.turns):
            if turn.role != role or not turn.text.strip():
                continue
            examples.append(Example(turn.text, tuple(t for t, at in first.items() if at == i), len(examples) + 1, i,
                                    f"{rec.corpus}/{rec.id}#{i}"))
            unknown.append(frozenset(t for t, at in first.items() if i > at))
            convs.append(f"{rec.corpus}/{rec.id}")
    return MessageRows(examples, unknown, convs)
