"""The plugin author's contract: every hook qa calls.

Implement a hook by decorating a function of the same name with :data:`qa.hookimpl` in a module
that is registered under the ``qa`` entry-point group (or passed with ``--plugin module.path``)::

    # pyproject.toml
    [project.entry-points.qa]
    my_pack = "my_pack.plugin"

    # my_pack/plugin.py
    from qa import hookimpl

    @hookimpl
    def qa_checkers():
        from my_pack.checkers import MyChecker   # import heavy code lazily
        return [MyChecker]

The builtin checkers, readers and reporters register through these same hooks
(``qa/builtin_plugin.py``); nothing builtin is privileged. An implementation may accept a subset of
a hook's arguments, so new arguments can be added without breaking existing plugins.

Compatibility promise: hook names and arguments documented here are stable within a major version
of qa; a hook to be removed first warns for one minor release. See docs/hooks.md (generated from
this module) for the rendered reference.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("qa")


# -- registration ------------------------------------------------------------------------------


@hookspec
def qa_checkers():
    """Return checker classes to register.

    Called once when the plugin manager is built. Each item is a subclass of
    :class:`qa.checkers.base.Checker` with a unique ``name``; rubric rules select it with
    ``checker: <name>``. Two plugins registering the same name is an error naming both.

    :return: a list of checker classes.
    """


@hookspec
def qa_readers():
    """Return input readers to register.

    Each item is an instance of :class:`qa.readers.base.Reader` with a unique ``name`` (used with
    ``--format NAME``), the file ``extensions`` it claims and a ``sniff`` method for
    ``--format auto``.

    :return: a list of reader instances.
    """


@hookspec
def qa_reporters():
    """Return output reporters to register.

    Each item is an instance of :class:`qa.reporters.base.Reporter` with a unique ``name``
    (used with ``--format NAME``) and the kinds of output it can render (``results``,
    ``scorecard``).

    :return: a list of reporter instances.
    """


@hookspec
def qa_rubric_paths():
    """Return directories that hold rubric YAML files.

    ``--rubric NAME`` resolves a bare name (``zh-customer-service``) by looking for
    ``NAME.yaml``/``NAME.yml`` in these directories; ``extends:`` resolves the same way.

    :return: a list of :class:`pathlib.Path`.
    """


@hookspec
def qa_commands():
    """Return extra click commands to add to the ``qa`` command group.

    :return: a list of :class:`click.Command` objects (their names must not clash with
        builtin commands).
    """


# -- observing a run ---------------------------------------------------------------------------


@hookspec
def qa_run_start(run):
    """Called before the first conversation of a scoring run.

    :param run: a dict with ``rubric`` ({id, version, hash}), ``sources`` (list of paths) and
        ``started_at`` (ISO time).
    """


@hookspec
def qa_conversation_scored(result):
    """Called after each conversation has been scored, in input order.

    :param result: the result dict written by ``qa score --format jsonl`` (see docs/format.md).
        Do not mutate it.
    """


@hookspec
def qa_run_end(summary):
    """Called once after the last conversation of a scoring run.

    :param summary: a dict with counts: ``read``, ``scored``, ``rejected``, ``errors``,
        ``passed``, ``failed``.
    """
