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
(``qa/plugins/builtin.py``); nothing builtin is privileged. An implementation may accept a subset of
a hook's arguments, so new arguments can be added without breaking existing plugins.

Registration hooks are called once per registry, the first time it is asked for that kind of thing
(checkers, readers, reporters, rubric directories, commands: ``qa --help`` only asks for commands).
Each plugin's implementations are called on their own — ``@hookimpl(specname="qa_checkers")`` on a
function of another name counts too — so everything a plugin registers is attributed to it in
``qa plugins list``. An exception raised there
stops qa with an error naming the plugin and suggesting ``--plugins-disable NAME``. Observer hooks
(``qa_run_*``, ``qa_conversation_scored``) are called through pluggy for every plugin, in
registration order.

Compatibility promise (semantic versioning of this contract):

* Hook names, argument names and the meaning of return values documented here are stable within a
  major version of qa. New hooks and new arguments may arrive in minor releases; because an
  implementation may accept a subset of the arguments, new arguments never break a plugin.
* A hook to be removed or changed incompatibly is first marked deprecated (pluggy
  ``warn_on_impl``: implementing it warns) for at least one minor release, and listed in the changelog.
* Result dicts passed to observer hooks follow docs/format.md, which is versioned separately
  (``format_version``).
* Undocumented attributes of the objects a hook receives are not part of the contract.

See docs/hooks.md (generated from
this module) for the rendered reference.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("qa")
hookimpl = pluggy.HookimplMarker("qa")
"""Decorator marking a function as an implementation of a qa hook (plugins import it as ``qa.hookimpl``)."""


# -- registration ------------------------------------------------------------------------------


@hookspec
def qa_checkers():
    """Return checker classes to register.

    Called once when the plugin manager is built. Each item is a subclass of
    :class:`qa.Checker` with a unique ``name``; rubric rules select it with
    ``checker: <name>``. Two plugins registering the same name is an error naming both; pick a
    name with your plugin's prefix (``finance_…``) to avoid clashes. Import the checker modules inside
    the implementation, not at the top of the plugin module, so ``qa --help`` stays fast.

    Since 0.1.

    :return: a list of checker classes.
    """


@hookspec
def qa_readers():
    """Return input readers to register.

    Each item is an instance of :class:`qa.Reader` with a unique ``name`` (used with
    ``--format NAME``), the file ``extensions`` it claims and a ``sniff`` method for
    ``--format auto``. A reader yields a conversation or a reject (with a reason) for every
    record, so nothing is lost silently.

    Since 0.1.

    :return: a list of reader instances.
    """


@hookspec
def qa_reporters():
    """Return output reporters to register.

    Each item is an instance of :class:`qa.Reporter` with a unique ``name``
    (used with ``--format NAME``) and the kinds of output it can render (``results``,
    ``scorecard``).

    Since 0.1.

    :return: a list of reporter instances.
    """


@hookspec
def qa_embedders():
    """Return sentence-embedding backends for ``similar`` rules.

    Each item is an instance of :class:`qa.EmbeddingBackend` with a unique ``name``
    (what a rule's ``backend:`` says), a ``description`` and a ``default_threshold`` (the similarity a rule
    needs when it sets no ``threshold``). ``encoder(sentences, language=..., options=...)`` is called once
    per rule when a rubric compiles and returns an :class:`qa.Encoder`: a ``key`` naming
    its vector space and an ``encode(texts)`` returning one L2-normalised row per text. Load models
    there, lazily and once per process, from a local path: never download at run time. Raise
    :class:`qa.errors.RubricError` with a hint when a package or model is missing; qa adds the rule's
    file and line. The builtins are ``ngram`` and ``use-multilingual``; docs/plugins.md has a backend for
    a locally stored sentence-transformers model.

    Since 0.2.

    :return: a list of backend instances.
    """


@hookspec
def qa_rubric_paths():
    """Return directories that hold rubric YAML files.

    ``--rubric NAME`` resolves a bare name (``zh-customer-service``) by looking for
    ``NAME.yaml``/``NAME.yml`` in these directories; ``extends:`` resolves the same way, so a
    plugin's rubric can extend a builtin one (``extends: [zh-customer-service]``). Directories given
    in ``QA_RUBRIC_PATH`` are searched first, then the plugins' directories in registration order
    (the builtins first).
    ``qa plugins list`` shows the rubric files found in these directories.

    Since 0.1.

    :return: a list of :class:`pathlib.Path`.
    """


@hookspec
def qa_commands():
    """Return extra click commands to add to the ``qa`` command group.

    They appear in ``qa --help`` next to the builtin commands. Keep the plugin module light: the
    registry (and so this hook) is built when ``qa --help`` lists commands.

    Since 0.1.

    :return: a list of :class:`click.Command` objects (their names must not clash with
        builtin commands).
    """


# -- observing a run ---------------------------------------------------------------------------


@hookspec
def qa_run_start(run):
    """Called before the first conversation of a scoring run.

    :param run: a dict with ``rubric`` ({id, version, hash}), ``sources`` (list of paths) and
        ``started_at`` (ISO time).

    Called by ``qa score`` (``qa.run.run``), not by the library's
    ``score_conversations``. An exception raised here stops the run.

    Since 0.1.
    """


@hookspec
def qa_conversation_scored(result):
    """Called after each conversation has been scored, in input order.

    :param result: the result dict written by ``qa score --format jsonl`` (see docs/format.md).
        Do not mutate it. A result whose checker raised carries ``errors`` (rule, checker,
        error, traceback); the run goes on and ``qa score`` exits 1.

    An exception raised here stops the run: catch your own errors (e.g. a network sink being down).

    Since 0.1.
    """


@hookspec
def qa_run_end(summary):
    """Called once after the last conversation of a scoring run.

    :param summary: a dict with counts: ``read``, ``scored``, ``rejected``, ``errors``,
        ``passed``, ``failed``, ``fatal``, ``mean_score`` and ``findings_by_severity``.

    Since 0.1.
    """
