"""History store: runs, conversation results, findings and reviews in SQLite or PostgreSQL (docs/history.md).

- ``--db`` names a SQLite file (the embedded default, nothing to install) or a PostgreSQL URL
  (``postgresql://user@host/db``; the optional extra ``qa[postgres]``) — :mod:`qa.store.target`.
- One schema with versioned migrations for both engines (:mod:`qa.store.schema`); tables and views
  are documented for BI tools in docs/history.md.
- Re-recording the same input (fingerprint) under the same rubric hash replaces that run's rows in
  one transaction instead of adding new ones, so a rerun is idempotent.
- Several processes may write at once and lose nothing: :mod:`qa.store.sqlite` serialises writers
  on the file's write lock, :mod:`qa.store.postgres` runs them in parallel and queues only writers
  of the same run.

Modules: ``store`` (the :class:`Store` API), ``rows`` (a result as table rows), ``schema``
(migrations, views), ``sqlite`` and ``postgres`` (the engines), ``target`` (what ``--db`` names),
``copy`` (copy a history to another database).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from qa.store.schema import MIGRATIONS, SCHEMA_VERSION
from qa.store.store import RunInfo, Store, StoreError, finding_key, open_store, record_run
from qa.store.target import display, is_postgres

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "RunInfo", "Store", "StoreError", "display", "finding_key",
           "fingerprint_files", "is_postgres", "open_store", "record_run"]


def fingerprint_files(paths: Iterable[str]) -> str:
    """sha256 over the bytes of input files (sorted by path), for ``record_run(input_fingerprint=…)``."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(os.path.basename(p).encode() + b"\0")
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
