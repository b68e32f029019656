"""The reader contract: a file in, conversations and rejects out, streaming."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from qa.model import Conversation, Reject


@dataclass
class ReadOptions:
    """Options every reader receives; readers ignore what they do not use."""

    mapping: str | None = None            # mapping file for delimited text
    encoding: str | None = None           # force an encoding instead of detecting it
    line_pattern: str | None = None       # plain-text chat logs: the line regex
    channel: str | None = None            # override the channel of every conversation
    language: str | None = None           # override the language of every conversation
    max_record_bytes: int = 16 * 1024 * 1024
    roles: dict[str, str] | None = None   # speaker name → role (``--role NAME=ROLE``; ``*`` = any other)
    timezone: str | None = None           # UTC offset for times written without one, e.g. "+08:00"
    progress: Callable[[int], None] | None = None  # readers report bytes consumed (progress bars)
    extra: dict[str, Any] = field(default_factory=dict)


class Reader:
    """Base class for input readers registered through the ``qa_readers`` hook.

    A reader yields, in input order, a :class:`~qa.model.Conversation` for each record it could
    read and a :class:`~qa.model.Reject` (with file, line, field and reason) for each it could
    not. It must never raise on bad *records*; it raises :class:`~qa.errors.InputError` only when
    the whole file is unusable (missing, wrong format). It must stream: memory may not grow with
    the size of the file.
    """

    name: str = ""
    extensions: tuple[str, ...] = ()
    description: str = ""

    def sniff(self, path: str, head: bytes) -> bool:
        """True when ``head`` (the first bytes of the file) looks like this format."""
        return False

    def read(self, path: str, options: ReadOptions) -> Iterator[Conversation | Reject]:
        raise NotImplementedError

    def files_in(self, directory: str) -> list[str] | None:
        """The input files of a dataset directory this reader knows the layout of (None: not one)."""
        return None
