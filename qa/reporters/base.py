"""The reporter contract."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any, ClassVar

from qa.model import ResultDict


class Reporter:
    """Base class for reporters registered through the ``qa_reporters`` hook.

    ``kinds`` says what it renders: ``"results"`` (per-conversation score results, streamed) and/or
    ``"scorecard"`` (rows of agent KPIs). ``binary`` reporters get a binary stream. A reporter must
    consume ``results`` lazily where its format allows (JSONL, CSV) so memory stays flat.
    """

    name: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ("results",)
    binary: ClassVar[bool] = False
    extension: ClassVar[str] = ".txt"
    description: ClassVar[str] = ""

    def write_results(self, results: Iterable[ResultDict], out: IO, options: dict[str, Any]) -> None:
        raise NotImplementedError

    def write_scorecard(self, scorecard: Any, out: IO, options: dict[str, Any]) -> None:
        raise NotImplementedError
