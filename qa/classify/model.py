"""The trainable complaint-type model: TF-IDF features + one calibrated linear model per label.

Features are character n-grams by default (no segmentation needed for Chinese), or jieba tokens,
or words (English). Each label gets a class-balanced linear support-vector machine (version 1 models:
a logistic regression) whose scores are calibrated with Platt scaling fitted on cross-validated scores
(``CalibratedClassifierCV(method="sigmoid", ensemble=False)``), so ``predict_proba`` returns
probabilities. A label is predicted where the class-balanced classifier itself decides so (score 0):
its threshold is the calibrated probability at that boundary, stored per label. On an imbalanced label
that is well below 0.5, the probability that would maximise accuracy rather than find the complaints.

Persistence is a plain ``.npz`` (numeric arrays only, read with ``allow_pickle=False``) plus a JSON
header inside it: vocabulary, labels, options and a SHA-256 over everything. Loading checks the
member names, dtypes, shapes and the checksum, so a pickle, an object array or a file edited after
training is refused with a :class:`ModelError` — qa never unpickles a model file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, InputError
from qa.io import atomic_output
from qa.rules.text.normalize import NormalizeOptions, normalize_text
from qa.rules.text.tokens import tokenize

FORMAT = "qa-complaint-model"
FORMAT_VERSION = 2
#: Versions :func:`load_model` reads: 1 (no thresholds: 0.5 for every label, word-bounded n-grams) and 2.
READABLE_VERSIONS = (1, 2)
ARRAYS = ("idf", "coef", "intercept", "calibration", "thresholds")
MEMBERS = {"header.npy", *(f"{name}.npy" for name in ARRAYS)}
MEMBERS_V1 = MEMBERS - {"thresholds.npy"}

MAX_BYTES = 512 * 1024 * 1024
ANALYZERS = ("char", "jieba", "word")


#: Defaults of new models (measured against the baseline: docs/complaints.md, "The model").
DEFAULT_C = 1.0
DEFAULT_ESTIMATOR = "svm"
DEFAULT_MIN_DF = 1
ESTIMATORS = ("logreg", "svm")


class ModelError(InputError):
    """A model file that cannot be used (not a qa model, unsafe, or modified)."""


@dataclass
class ModelOptions:
    analyzer: str = "char"
    ngram_min: int = 1
    ngram_max: int = 3
    min_df: int = 2
    max_features: int = 200_000
    c: float = 4.0
    language: str = "zh"
    normalize: dict = field(default_factory=dict)
    #: Character n-grams stop at word boundaries (scikit-learn's ``char_wb``), as version 1 models had;
    #: new models read across them (``char``), which finds more in both languages.
    word_bounded: bool = True
    #: The linear model per label: ``logreg`` (logistic regression, version 1 models) or ``svm`` (a linear
    #: support-vector machine, new models); either is class-balanced and calibrated the same way.
    estimator: str = "logreg"

    @classmethod
    def default_for(cls, language: str, analyzer: str | None = None) -> ModelOptions:
        analyzer = analyzer or "char"
        if analyzer not in ANALYZERS:
            raise ConfigError(f"unknown analyzer {analyzer!r}; expected one of {list(ANALYZERS)}")
        if analyzer == "char":
            lo, hi = (1, 3) if language.startswith("zh") else (2, 5)
        else:
            lo, hi = 1, 2
        return cls(analyzer=analyzer, ngram_min=lo, ngram_max=hi, language=language, c=DEFAULT_C,
                   word_bounded=False, estimator=DEFAULT_ESTIMATOR, min_df=DEFAULT_MIN_DF)


def _tokens_analyzer(language: str, lo: int, hi: int):
    def analyze(text: str) -> list[str]:
        toks = [t for t, _s, _e in tokenize(text, language) if any(ch.isalnum() for ch in t)]
        sep = "" if language.startswith("zh") else " "
        out = []
        for n in range(lo, hi + 1):
            out.extend(sep.join(toks[i:i + n]) for i in range(len(toks) - n + 1))
        return out

    return analyze


class ComplaintModel:
    """A trained multi-label model. Build with :func:`train`, persist with :meth:`save` / :func:`load_model`."""

    def __init__(self, labels, terms, idf, coef, intercept, calibration, options: ModelOptions, info=None,
                 thresholds=None):
        self.labels: list[str] = list(labels)
        self.terms: list[str] = list(terms)
        self.idf = idf
        self.coef = coef
        self.intercept = intercept
        self.calibration = calibration
        self.thresholds = thresholds
        self.options = options
        self.info: dict[str, Any] = dict(info or {})
        self._vectorizer = None

    # -- features -----------------------------------------------------------------------------

    def _normalize(self, texts):
        opts = NormalizeOptions.for_language(self.options.language, self.options.normalize)
        return [normalize_text(t, opts).text for t in texts]

    def _counts(self, texts):
        if self._vectorizer is None:
            self._vectorizer = _count_vectorizer(self.options, {t: i for i, t in enumerate(self.terms)})
        return self._vectorizer.transform(self._normalize(texts))

    def features(self, texts):
        import numpy as np
        from sklearn.preprocessing import normalize

        x = self._counts(texts).astype(np.float64)
        x.data = 1.0 + np.log(x.data)  # sublinear tf, as TfidfVectorizer(sublinear_tf=True)
        x = x.multiply(self.idf).tocsr()
        return normalize(x)

    # -- prediction ---------------------------------------------------------------------------

    def predict_proba(self, texts):
        """Probabilities, shape ``(len(texts), len(labels))``."""
        import numpy as np

        x = self.features(list(texts))
        scores = np.asarray(x @ self.coef.T) + self.intercept
        a, b = self.calibration[:, 0], self.calibration[:, 1]
        return 1.0 / (1.0 + np.exp(a * scores + b))

    def label_thresholds(self, threshold: float | None = None) -> list[float]:
        """The probability each label needs: ``threshold`` for all, or the model's own (tuned) ones."""
        if threshold is not None:
            return [threshold] * len(self.labels)
        if self.thresholds is None:
            return [0.5] * len(self.labels)
        return [float(x) for x in self.thresholds]

    def predict(self, texts, threshold: float | None = None) -> list[list[tuple[str, float]]]:
        """Per text, the labels whose probability reaches their threshold (``threshold`` for all labels, or
        the model's own), most probable first."""
        probs = self.predict_proba(texts)
        limits = self.label_thresholds(threshold)
        out = []
        for row in probs:
            hits = [(self.labels[j], float(p)) for j, p in enumerate(row) if p >= limits[j]]
            out.append(sorted(hits, key=lambda x: -x[1]))
        return out

    # -- persistence --------------------------------------------------------------------------

    def header(self) -> dict:
        return {"format": FORMAT, "version": FORMAT_VERSION, "labels": self.labels, "terms": self.terms,
                "options": self.options.__dict__, "info": self.info}

    def save(self, path) -> None:
        import numpy as np

        thresholds = self.thresholds if self.thresholds is not None else np.full(len(self.labels), 0.5)
        arrays = {"idf": np.ascontiguousarray(self.idf, dtype=np.float64),
                  "coef": np.ascontiguousarray(self.coef, dtype=np.float64),
                  "intercept": np.ascontiguousarray(self.intercept, dtype=np.float64),
                  "calibration": np.ascontiguousarray(self.calibration, dtype=np.float64),
                  "thresholds": np.ascontiguousarray(thresholds, dtype=np.float64)}
        head = self.header()
        head["sha256"] = _digest(head, arrays)
        blob = json.dumps(head, ensure_ascii=False, sort_keys=True).encode("utf-8")
        arrays["header"] = np.frombuffer(blob, dtype=np.uint8)

        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        with atomic_output(str(path), "wb") as fh:
            fh.write(buf.getvalue())


def _digest(head: dict, arrays: dict) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({k: v for k, v in head.items() if k != "sha256"}, ensure_ascii=False,
                        sort_keys=True).encode("utf-8"))
    for name in ARRAYS:
        if name not in arrays:
            continue  # version 1 files have no thresholds
        a = arrays[name]
        h.update(name.encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()


def _count_vectorizer(options: ModelOptions, vocabulary=None):
    from sklearn.feature_extraction.text import CountVectorizer

    kw: dict[str, Any] = {"vocabulary": vocabulary, "lowercase": False, "dtype": float}
    if options.analyzer == "char":
        kw.update(analyzer="char_wb" if options.word_bounded else "char",
                  ngram_range=(options.ngram_min, options.ngram_max))
    elif options.analyzer == "word":
        kw.update(analyzer="word", ngram_range=(options.ngram_min, options.ngram_max),
                  token_pattern=r"(?u)\b\w[\w']*\b")
    else:
        kw.update(analyzer=_tokens_analyzer(options.language, options.ngram_min, options.ngram_max))
    if vocabulary is None:
        kw.update(min_df=options.min_df, max_features=options.max_features)
    return CountVectorizer(**kw)


def train(texts, labelsets, options: ModelOptions, *, labels=None, info=None, unknown=None) -> ComplaintModel:
    """Fit a model on ``texts`` with ``labelsets`` (an iterable of label tuples; empty = no complaint).

    ``unknown`` (optional, one set of labels per text) names labels a row says nothing about: the row is
    left out of those labels' training (a message after the first one that shows a complaint may or may
    not repeat it; see ``qa classify train --devset``).
    """
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV

    texts = list(texts)
    labelsets = [tuple(x) for x in labelsets]
    unknown = [frozenset(x) for x in unknown] if unknown is not None else [frozenset()] * len(texts)
    if len(texts) != len(labelsets) or len(texts) != len(unknown):
        raise ValueError("texts, labelsets and unknown differ in length")
    all_labels = labels or sorted({lab for ls in labelsets for lab in ls})
    if not all_labels:
        raise InputError("the training data has no labels at all", hint="check --label-field")
    shell = ComplaintModel([], [], None, None, None, None, options)
    cv = _count_vectorizer(options)
    norm = shell._normalize(texts)
    try:
        counts = cv.fit_transform(norm)
    except ValueError as exc:  # empty vocabulary
        raise InputError(f"cannot build features: {exc}", hint="lower --min-df or add data") from None
    terms = [t for t, _ in sorted(cv.vocabulary_.items(), key=lambda kv: kv[1])]
    df = np.bincount(counts.indices, minlength=len(terms))
    n = len(texts)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    model = ComplaintModel(all_labels, terms, idf, None, None, None, options, info)
    x = model.features(texts)
    coef = np.zeros((len(all_labels), len(terms)))
    intercept = np.zeros(len(all_labels))
    calibration = np.zeros((len(all_labels), 2))
    thresholds = np.full(len(all_labels), 0.5)
    skipped = []
    for j, lab in enumerate(all_labels):
        rows = np.array([lab not in u for u in unknown])
        y = np.array([lab in ls for ls, keep in zip(labelsets, rows, strict=False) if keep], dtype=int)
        xl = x[rows]
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        if pos < 2 or neg < 2:
            skipped.append(lab)
            calibration[j] = (0.0, 50.0)  # probability ~0: never predicted
            continue
        folds = max(2, min(5, pos, neg))
        base = _estimator(options)
        clf = CalibratedClassifierCV(base, method="sigmoid", cv=folds, ensemble=False)
        clf.fit(xl, y)
        cc = clf.calibrated_classifiers_[0]
        coef[j] = cc.estimator.coef_[0]
        intercept[j] = cc.estimator.intercept_[0]
        a, b = cc.calibrators[0].a_, cc.calibrators[0].b_
        calibration[j] = (a, b)
        thresholds[j] = _boundary(a, b)
    model.coef, model.intercept, model.calibration, model.thresholds = coef, intercept, calibration, thresholds
    model.info.update({"rows": n, "features": len(terms), "skipped_labels": skipped,
                       "label_counts": {lab: sum(lab in ls for ls in labelsets) for lab in all_labels},
                       "thresholds": {lab: round(float(t), 3) for lab, t in zip(all_labels, thresholds, strict=False)}})
    return model


def _estimator(options: ModelOptions):
    if options.estimator == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=options.c, class_weight="balanced", max_iter=5000)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=options.c, class_weight="balanced", max_iter=2000, solver="liblinear")


def _boundary(a: float, b: float) -> float:
    """The calibrated probability at the class-balanced classifier's own decision boundary (score 0)."""
    import math

    return min(0.95, max(0.05, 1.0 / (1.0 + math.exp(b))))


def is_model_file(path) -> bool:
    """True if ``path`` looks like a model file (a zip archive) rather than a rubric."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def load_model(path) -> ComplaintModel:
    """Load and verify a model file; refuse anything that is not exactly what :meth:`save` writes."""
    import numpy as np

    p = Path(path)
    sp = str(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelError(f"cannot read model: {exc.strerror}", path=sp) from None
    if size > MAX_BYTES:
        raise ModelError(f"model file is {size} bytes, over the {MAX_BYTES} limit", path=sp)
    if magic[:1] == b"\x80" or magic[:2] in (b"(d", b"(l", b"}q", b"]q"):
        raise ModelError("this looks like a Python pickle; qa never unpickles model files", path=sp,
                         hint="retrain with `qa classify train`")
    if magic != b"PK\x03\x04" or not zipfile.is_zipfile(p):
        raise ModelError("not a qa model file (expected the .npz written by `qa classify train`)", path=sp)
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise ModelError(f"corrupt model file: {exc}", path=sp) from None
    if names not in (MEMBERS, MEMBERS_V1):
        extra = sorted(names - MEMBERS)
        raise ModelError(f"unexpected contents {extra or sorted(MEMBERS_V1 - names)}; refused", path=sp,
                         hint="only files written by `qa classify train` are accepted")
    if total > 4 * MAX_BYTES:
        raise ModelError("model file expands to an unreasonable size; refused", path=sp)
    arrays = {}
    try:
        with np.load(p, allow_pickle=False) as npz:
            for name in ("header", *ARRAYS):
                if f"{name}.npy" in names:
                    arrays[name] = npz[name]
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise ModelError("model file contains pickled Python objects; refused (qa never unpickles)",
                             path=sp) from None
        raise ModelError(f"corrupt model file: {exc}", path=sp) from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"corrupt model file: {exc}", path=sp) from None
    head_arr = arrays.pop("header")
    if head_arr.dtype != np.uint8 or head_arr.ndim != 1:
        raise ModelError("model header has the wrong type", path=sp)
    try:
        head = json.loads(head_arr.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError("model header is not valid JSON", path=sp) from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise ModelError("not a qa complaint model", path=sp)
    version = head.get("version")
    if version not in READABLE_VERSIONS:
        raise ModelError(f"model format version {version!r} is not supported (expected one of "
                         f"{list(READABLE_VERSIONS)})", path=sp, hint="retrain with this version of qa")
    if (version == 1) != ("thresholds" not in arrays):
        raise ModelError(f"a version {version} model {'has' if version == 1 else 'lacks'} thresholds; refused",
                         path=sp)
    for name, arr in arrays.items():
        if arr.dtype != np.float64:
            raise ModelError(f"array {name!r} has dtype {arr.dtype}, expected float64", path=sp)
    labels, terms, opts = head.get("labels"), head.get("terms"), head.get("options")
    if (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels) or not labels
            or not isinstance(terms, list) or not all(isinstance(x, str) for x in terms)
            or not isinstance(opts, dict)):
        raise ModelError("model header is malformed", path=sp)
    nl, nf = len(labels), len(terms)
    want = {"idf": (nf,), "coef": (nl, nf), "intercept": (nl,), "calibration": (nl, 2), "thresholds": (nl,)}
    for name, shape in want.items():
        if name in arrays and arrays[name].shape != shape:
            raise ModelError(f"array {name!r} has shape {arrays[name].shape}, expected {shape}", path=sp)
    if head.get("sha256") != _digest(head, arrays):
        raise ModelError("checksum mismatch: the model file was modified after training; refused", path=sp)
    try:
        options = ModelOptions(**opts)
    except TypeError as exc:
        raise ModelError(f"model options are malformed: {exc}", path=sp) from None
    if options.analyzer not in ANALYZERS:
        raise ModelError(f"unknown analyzer {options.analyzer!r}", path=sp)
    if options.estimator not in ESTIMATORS:
        raise ModelError(f"unknown estimator {options.estimator!r}", path=sp)
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise ModelError("model contains non-finite numbers", path=sp)
    if "thresholds" in arrays and not ((arrays["thresholds"] > 0) & (arrays["thresholds"] < 1)).all():
        raise ModelError("model thresholds must lie between 0 and 1", path=sp)
    return ComplaintModel(labels, terms, arrays["idf"], arrays["coef"], arrays["intercept"],
                          arrays["calibration"], options, head.get("info"), arrays.get("thresholds"))
