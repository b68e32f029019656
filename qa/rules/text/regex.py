"""Regexes from rubrics and config are untrusted: compile them with RE2 (linear time, no backtracking)."""

from __future__ import annotations

import functools

from qa.errors import RubricError

MAX_PATTERN_CHARS = 2000


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str):
    import re2

    options = re2.Options()
    options.max_mem = 8 << 20
    return re2.compile(pattern, options)


def compile_regex(pattern: str, *, path: str | None = None, line: int | None = None, field: str | None = None):
    """Compile an RE2 pattern or raise RubricError explaining what RE2 does not support."""
    if not isinstance(pattern, str):
        raise RubricError("a regex must be a string", path=path, line=line, field=field)
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RubricError(f"regex is longer than {MAX_PATTERN_CHARS} characters", path=path, line=line, field=field)
    try:
        return _compile(pattern)
    except Exception as exc:  # re2 raises its own error type
        raise RubricError(f"invalid regex {pattern!r}: {exc}", path=path, line=line, field=field,
                          hint="patterns use RE2 syntax: no backreferences or lookaround") from None
