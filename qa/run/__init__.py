"""A scoring run: read → score → write → history → gate, in this process, a process pool or on Dask.

:func:`run` does what ``qa score`` does for a :class:`RunRequest` and returns a :class:`RunReport`.
"""

from qa.run.request import RunReport, RunRequest
from qa.run.runner import Interrupted, run
from qa.run.summary import RejectTally, RunSummary

__all__ = ["Interrupted", "RejectTally", "RunReport", "RunRequest", "RunSummary", "run"]
