"""What ``--db`` names: a SQLite file path, or a PostgreSQL URL (``postgresql://user@host:5432/db``).

A URL may leave out any part that libpq takes from the usual ``PG*`` environment variables
(``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE``, ``PGSSLMODE``, …) or from
``~/.pgpass``: ``postgresql://`` alone uses them all. Anything else is a SQLite path.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

URL_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str) -> bool:
    return str(db).lower().startswith(URL_SCHEMES)


def display(db: str) -> str:
    """``db`` safe to print: a password in the URL (``user:secret@`` or ``?password=``) becomes ``***``."""
    db = str(db)
    if not is_postgres(db):
        return db
    try:
        parts = urlsplit(db)
    except ValueError:
        return re.sub(r"//([^:/@]*):[^@]*@", r"//\1:***@", db)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, hosts = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = userinfo.split(":", 1)[0] + ":***@" + hosts
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(k == "password" for k, _ in pairs):
        query = urlencode([(k, "***" if k == "password" else v) for k, v in pairs], safe="/:*")
    if (netloc, query) == (parts.netloc, parts.query):
        return db
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
