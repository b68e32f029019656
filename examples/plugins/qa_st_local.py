"""An embedding backend for ``similar`` rules: a sentence-transformers model stored on this machine.

The example of docs/plugins.md ("An embedding backend"). Register it in your plugin's pyproject.toml::

    [project.entry-points.qa]
    st_local = "qa_st_local"

or try it with ``qa --plugin qa_st_local score …``. A rule then says::

    backend: st-local
    backend_options: {path: /models/bge-small-zh-v1.5}

The path is a folder holding a model saved with ``SentenceTransformer.save()`` (or a copy of a hub
snapshot). Nothing is downloaded: a missing folder is a rubric error, and the model is opened with
``local_files_only=True``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from qa import EmbeddingBackend, Encoder, RubricError, hookimpl

_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}


def _model(path: Path):
    with _LOCK:
        key = str(path.resolve())
        if key not in _MODELS:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise RubricError("backend 'st-local' needs the package sentence-transformers",
                                  hint="pip install sentence-transformers") from None
            _MODELS[key] = SentenceTransformer(key, device="cpu", local_files_only=True)
        return _MODELS[key]


class SentenceTransformersLocal(EmbeddingBackend):
    name = "st-local"
    description = "a sentence-transformers model from a local folder (backend_options.path or $QA_ST_MODEL)"
    default_threshold = 0.7

    def encoder(self, sentences, *, language, options):
        raw = options.get("path") or os.environ.get("QA_ST_MODEL")
        if not raw:
            raise RubricError("backend 'st-local' needs a model folder",
                              hint="set backend_options: {path: /models/NAME} or QA_ST_MODEL")
        path = Path(os.path.expanduser(str(raw)))
        if not path.is_dir():
            raise RubricError(f"backend 'st-local': model folder {str(path)!r} does not exist",
                              hint="save a model there first; qa never downloads one")
        model = _model(path)

        def encode(texts):
            return model.encode(list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

        return Encoder(key=f"st-local:{path.resolve()}", encode=encode, batch_size=64)


@hookimpl
def qa_embedders():
    return [SentenceTransformersLocal()]
