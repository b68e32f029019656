"""The plugin registry: a value built once from explicit options and handed to whoever needs it.

Like pytest's config carrying its plugin manager, a :class:`Registry` is built by the caller — the
CLI from its flags and config, the library facade (:mod:`qa.api`) for library users, a test for
itself — and passed on: ``load_rubric(…, checkers=registry.checkers, search_paths=…)``,
``compile_rubric(rubric, registry.checkers)``, ``read_records(…, readers=registry.readers)``. Nothing
in qa reads a process-wide registry.

What plugins register is collected through pluggy's hook implementations (so ``specname``
implementations count) the first time each kind is asked for: ``qa --help`` only collects commands.

Environment (read by :meth:`PluginOptions.from_env`, never elsewhere):
  ``QA_PLUGINS=a,b``       load only these entry points (the builtins always load);
  ``QA_TRACE_HOOKS=1``     print every hook call to stderr;
  ``QA_RUBRIC_PATH=d1:d2`` rubric directories searched before the plugins' ones.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from qa.errors import PluginError
from qa.plugins import builtin, hookspecs
from qa.version import __version__

ENTRY_POINT_GROUP = "qa"
BUILTIN_NAME = "builtin"


@dataclass(frozen=True)
class PluginOptions:
    """Which plugins to load and where rubrics live: everything a registry is built from (picklable)."""

    modules: tuple[str, ...] = ()        # --plugin MODULE and ``plugins = [...]`` in the config
    disabled: tuple[str, ...] = ()       # --plugins-disable NAME and ``plugins-disable``
    only: tuple[str, ...] | None = None  # entry points to load (None: all installed); builtins always load
    rubric_path: tuple[str, ...] = ()    # directories searched for rubrics before the plugins' ones
    trace: bool = False                  # print every hook call to stderr

    @classmethod
    def from_env(cls, modules=(), disabled=(), environ=None) -> PluginOptions:
        """These options completed from ``QA_PLUGINS``, ``QA_RUBRIC_PATH`` and ``QA_TRACE_HOOKS``."""
        env = os.environ if environ is None else environ
        only = tuple(s.strip() for s in env.get("QA_PLUGINS", "").split(",") if s.strip()) or None
        rubric_path = tuple(p for p in env.get("QA_RUBRIC_PATH", "").split(os.pathsep) if p)
        return cls(tuple(modules), tuple(disabled), only, rubric_path, bool(env.get("QA_TRACE_HOOKS")))


@dataclass
class PluginInfo:
    """One loaded plugin and what it registered (shown by ``qa plugins list``)."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    checkers: list[str] = field(default_factory=list)
    readers: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    embedders: list[str] = field(default_factory=list)
    rubric_paths: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    source: str = "entry point"  # "entry point" | "builtin" | "--plugin"
    error: str | None = None     # set only in listings: why the plugin could not be loaded

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items()}

    @property
    def is_builtin(self) -> bool:
        return self.name == BUILTIN_NAME

    def bare(self) -> PluginInfo:
        """This plugin without what it registered (how a listing shows it when it is broken)."""
        return PluginInfo(self.name, self.module, self.distribution, self.version, source=self.source)


class Registry:
    """The loaded plugins and, collected on first use, what they registered by name."""

    def __init__(self, pm: pluggy.PluginManager, plugins: dict[str, PluginInfo], options: PluginOptions):
        self.pm = pm
        self.plugins = plugins
        self.options = options

    @classmethod
    def build(cls, options: PluginOptions | None = None) -> Registry:
        """Load the builtins, the ``qa`` entry points and the ``--plugin`` modules these options name."""
        return _build(options if options is not None else PluginOptions.from_env())

    @property
    def hook(self):
        """pluggy's hook caller, for the observer hooks (``qa_run_start`` …)."""
        return self.pm.hook

    @cached_property
    def checkers(self) -> dict[str, type]:
        return self._named("qa_checkers", "checkers")

    @cached_property
    def readers(self) -> dict[str, Any]:
        return self._named("qa_readers", "readers")

    @cached_property
    def reporters(self) -> dict[str, Any]:
        return self._named("qa_reporters", "reporters")

    @cached_property
    def embedders(self) -> dict[str, Any]:
        """Embedding backends for ``similar`` rules (:mod:`qa.rules.text.embeddings`)."""
        return self._named("qa_embedders", "embedders")

    @cached_property
    def commands(self) -> list[Any]:
        return list(self._named("qa_commands", "commands").values())

    @cached_property
    def rubric_paths(self) -> list[Path]:
        """The plugins' rubric directories in registration order (the builtins first)."""
        paths: list[Path] = []
        for info, items in self._implementations("qa_rubric_paths"):
            for p in items:
                paths.append(Path(p))
                info.rubric_paths.append(str(p))
        return paths

    def rubric_search_paths(self) -> list[Path]:
        """Where a bare rubric name is looked for: ``QA_RUBRIC_PATH`` first, then the plugins' directories."""
        return [Path(p) for p in self.options.rubric_path] + self.rubric_paths

    def checker(self, name: str) -> type:
        return self.checkers[name]

    def collect(self) -> Registry:
        """Collect every kind now (a listing needs them all; errors surface here)."""
        for kind in ("checkers", "readers", "reporters", "embedders", "rubric_paths", "commands"):
            getattr(self, kind)
        return self

    def _implementations(self, hook_name: str):
        """``(plugin info, returned items)`` per implementation of a registration hook, in plugin order.

        Each implementation is called on its own, so what it returns is attributed to its plugin and
        its failure names it. Implementations registered under another function name with
        ``@hookimpl(specname=...)`` count like any other.
        """
        by_plugin: dict[str, list] = {}
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            by_plugin.setdefault(impl.plugin_name, []).append(impl)
        for name, info in self.plugins.items():
            for impl in by_plugin.get(name, ()):
                try:
                    items = list(impl.function() or [])
                except Exception as exc:
                    raise _fail(f"plugin {name!r} failed in {hook_name}(): {type(exc).__name__}: {exc}", name,
                                f"fix or uninstall it, or run with --plugins-disable {name}", info.bare()) from exc
                yield info, items

    def _named(self, hook_name: str, attr: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        owner: dict[str, str] = {}
        what = attr[:-1]
        for info, items in self._implementations(hook_name):
            for item in items:
                name = getattr(item, "name", None)
                if not name:
                    raise _fail(f"plugin {info.name!r} registered a {what} without a name: {item!r}", info.name,
                                info=info.bare())
                prev = owner.get(name)
                if prev is not None and prev != info.name:
                    raise _fail(f"{what} {name!r} is registered by both plugin {prev!r} and plugin {info.name!r}",
                                info.name, f"disable one with --plugins-disable {info.name}", info.bare())
                owner[name] = info.name
                found[name] = item
                getattr(info, attr).append(name)
        return found


def _new_manager(trace: bool) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("qa")
    pm.add_hookspecs(hookspecs)
    if trace:
        pm.trace.root.setwriter(lambda s: print(s, end="", file=sys.stderr))
        pm.enable_tracing()
    return pm


def _fail(message: str, plugin: str, hint: str | None = None, info: PluginInfo | None = None) -> PluginError:
    """A PluginError that remembers which plugin caused it (so a listing can show it as broken)."""
    err = PluginError(message, hint=hint)
    err.plugin = plugin
    err.info = info
    return err


def _describe(name: str, dist_name: str | None, version: str | None) -> str:
    if dist_name is None:
        return repr(name)
    return f"{name!r} (distribution {dist_name} {version or '?'})"


def _register(pm, module, name: str, what: str, disable_hint: str) -> None:
    """Register one plugin module, turning pluggy's validation errors into a PluginError naming it."""
    try:
        pm.register(module, name=name)
    except pluggy.PluginValidationError as exc:
        raise _fail(f"plugin {what} has an invalid hook implementation: {exc}", name, disable_hint) from None
    except ValueError as exc:  # the same module or name registered twice
        raise _fail(f"plugin {what} cannot be registered: {exc}", name, disable_hint) from None


def _register_entry_point(pm, ep, infos: dict[str, PluginInfo]) -> None:
    dist = getattr(ep, "dist", None)
    dist_name = dist.metadata["Name"] if dist is not None else None
    version = dist.version if dist is not None else None
    what = _describe(ep.name, dist_name, version)
    hint = f"fix or uninstall it, or run with --plugins-disable {ep.name}"
    try:
        module = ep.load()
    except Exception as exc:  # a broken third-party package must not look like a qa bug
        msg = f"plugin {what} failed to import {ep.value!r}: {type(exc).__name__}: {exc}"
        info = PluginInfo(ep.name, ep.value, dist_name, version, source="entry point", error=msg)
        raise _fail(msg, ep.name, hint, info) from exc
    _register(pm, module, ep.name, what, hint)
    source = "builtin" if ep.name == BUILTIN_NAME else "entry point"
    infos[ep.name] = PluginInfo(ep.name, getattr(module, "__name__", str(module)), dist_name, version,
                                source=source)


def _register_module(pm, modname: str, infos: dict[str, PluginInfo]) -> None:
    hint = "check the module path given to --plugin or in the plugins list of [tool.qa] / qa.toml"
    try:
        module = importlib.import_module(modname)
    except Exception as exc:
        msg = f"--plugin {modname!r} could not be imported: {type(exc).__name__}: {exc}"
        raise _fail(msg, modname, hint, PluginInfo(modname, modname, source="--plugin", error=msg)) from exc
    if pm.is_registered(module):
        return
    _register(pm, module, modname, repr(modname), hint)
    dist_name, version = _distribution_of(modname)
    infos[modname] = PluginInfo(modname, modname, dist_name, version, source="--plugin")


def _distribution_of(modname: str) -> tuple[str | None, str | None]:
    """The installed distribution providing a module's top-level package, if any."""
    top = modname.split(".")[0]
    names = metadata.packages_distributions().get(top) or []
    if not names:
        return None, None
    try:
        return names[0], metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return names[0], None


def _build(options: PluginOptions) -> Registry:
    pm = _new_manager(options.trace)
    infos: dict[str, PluginInfo] = {}
    entry_points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name != BUILTIN_NAME)
    for ep in entry_points:  # builtins first
        if ep.name in options.disabled or ep.name in infos:
            continue
        if options.only is not None and ep.name not in options.only and ep.name != BUILTIN_NAME:
            continue
        _register_entry_point(pm, ep, infos)
    if BUILTIN_NAME not in infos and BUILTIN_NAME not in options.disabled:
        # Running from a source tree without an installed distribution.
        pm.register(builtin, name=BUILTIN_NAME)
        infos[BUILTIN_NAME] = PluginInfo(BUILTIN_NAME, builtin.__name__, "qa", __version__, source="builtin")
    for modname in options.modules:
        if modname not in options.disabled:
            _register_module(pm, modname, infos)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) if exc.plugin is not None else "?"
        raise _fail(f"plugin {name!r} implements a hook qa does not define: {exc}", name,
                    "see docs/hooks.md for the hook names; a typo in a hook name is the usual cause") from None
    for name, info in infos.items():
        plugin = pm.get_plugin(name)
        info.hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
    return Registry(pm, infos, options)


def plugin_listing(reg: Registry, include_builtin: bool = False) -> list[dict[str, Any]]:
    """One dict per loaded plugin for ``qa plugins list``: name, distribution, version, source, hooks
    and what it registered (rubrics as names, i.e. the YAML files in its rubric directories)."""
    reg.collect()
    rows = []
    for info in reg.plugins.values():
        if info.is_builtin and not include_builtin:
            continue
        row = info.to_dict()
        row["rubrics"] = sorted({f.stem for d in info.rubric_paths if Path(d).is_dir()
                                 for f in Path(d).iterdir() if f.suffix in (".yaml", ".yml")})
        rows.append(row)
    return rows


def diagnose(options: PluginOptions, include_builtin: bool = False) -> list[dict[str, Any]]:
    """Like :func:`plugin_listing` for these options, but a plugin that fails to load is listed with its
    ``error`` (and left out) instead of stopping the listing; the others are listed as usual."""
    skip = list(options.disabled)
    broken: list[dict[str, Any]] = []
    while True:
        try:
            reg = Registry.build(PluginOptions(options.modules, tuple(skip), options.only, options.rubric_path,
                                               options.trace)).collect()
            break
        except PluginError as exc:
            name = getattr(exc, "plugin", None)
            if name is None or name in skip or name == BUILTIN_NAME:
                raise
            info = getattr(exc, "info", None) or PluginInfo(name, name)
            info.error = str(exc)
            broken.append({**info.to_dict(), "rubrics": []})
            skip.append(name)
    return plugin_listing(reg, include_builtin) + broken
