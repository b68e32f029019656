"""The plugin manager: builtins, ``qa`` entry points and ad-hoc ``--plugin`` modules.

Everything qa can do is looked up here: checkers, readers, reporters, rubric directories and
extra commands. Build it with :func:`get_registry` (cached per set of options); tests call
:func:`reset` to start clean.

Environment:
  ``QA_PLUGINS=a,b``      load only these entry points (the builtins always load);
  ``QA_TRACE_HOOKS=1``    print every hook call to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from qa.errors import PluginError
from qa.plugins import hookspecs

ENTRY_POINT_GROUP = "qa"
BUILTIN_NAME = "builtin"


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


@dataclass
class Registry:
    """Everything the plugins registered, by name."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo]
    checkers: dict[str, type]
    readers: dict[str, Any]
    reporters: dict[str, Any]
    rubric_paths: list[Path]
    commands: list[Any]
    embedders: dict[str, Any] = field(default_factory=dict)

    def checker(self, name: str):
        return self.checkers[name]


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("qa")
    pm.add_hookspecs(hookspecs)
    if os.environ.get("QA_TRACE_HOOKS"):
        pm.trace.root.setwriter(lambda s: print(s, end="", file=sys.stderr))
        pm.enable_tracing()
    return pm


def _entry_points():
    return list(metadata.entry_points(group=ENTRY_POINT_GROUP))


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


def _collect(pm, infos: dict[str, PluginInfo]) -> Registry:
    checkers: dict[str, type] = {}
    readers: dict[str, Any] = {}
    reporters: dict[str, Any] = {}
    embedders: dict[str, Any] = {}
    rubric_paths: list[Path] = []
    commands: list[Any] = []
    owner: dict[tuple[str, str], str] = {}

    def claim(kind: str, name: str, plugin: str) -> None:
        prev = owner.get((kind, name))
        if prev is not None and prev != plugin:
            raise _fail(f"{kind} {name!r} is registered by both plugin {prev!r} and plugin {plugin!r}", plugin,
                        f"disable one with --plugins-disable {plugin}")
        owner[(kind, name)] = plugin

    def collect_one(plugin, plugin_name: str, info: PluginInfo) -> None:
        for hook_name, target, attr in (
            ("qa_checkers", checkers, "checkers"),
            ("qa_readers", readers, "readers"),
            ("qa_reporters", reporters, "reporters"),
            ("qa_embedders", embedders, "embedders"),
        ):
            for item in _call_hook(plugin, plugin_name, hook_name):
                name = getattr(item, "name", None)
                if not name:
                    raise _fail(f"plugin {plugin_name!r} registered a {attr[:-1]} without a name: {item!r}",
                                plugin_name)
                claim(attr[:-1], name, plugin_name)
                target[name] = item
                getattr(info, attr).append(name)
        for p in _call_hook(plugin, plugin_name, "qa_rubric_paths"):
            rubric_paths.append(Path(p))
            info.rubric_paths.append(str(p))
        for cmd in _call_hook(plugin, plugin_name, "qa_commands"):
            claim("command", cmd.name, plugin_name)
            commands.append(cmd)
            info.commands.append(cmd.name)

    for plugin_name, info in infos.items():
        plugin = pm.get_plugin(plugin_name)
        if plugin is None:
            continue
        info.hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        try:
            collect_one(plugin, plugin_name, info)
        except PluginError as exc:
            if getattr(exc, "info", None) is None:
                exc.info = PluginInfo(info.name, info.module, info.distribution, info.version, source=info.source)
            raise
    return Registry(pm, infos, checkers, readers, reporters, rubric_paths, commands, embedders)


def _call_hook(plugin, plugin_name: str, hook_name: str) -> list:
    """Call one plugin's registration hook; its failure is a PluginError naming the plugin."""
    impl = getattr(plugin, hook_name, None)
    if impl is None:
        return []
    try:
        return list(impl() or [])
    except Exception as exc:
        raise _fail(f"plugin {plugin_name!r} failed in {hook_name}(): {type(exc).__name__}: {exc}", plugin_name,
                    f"fix or uninstall it, or run with --plugins-disable {plugin_name}") from exc


_CACHE: dict[tuple, Registry] = {}


def get_registry(extra_modules: tuple[str, ...] = (), disabled: tuple[str, ...] = ()) -> Registry:
    """The plugin registry for these options, built once per process."""
    key = (tuple(extra_modules), tuple(sorted(disabled)))
    reg = _CACHE.get(key)
    if reg is not None:
        return reg
    pm = _new_manager()
    infos: dict[str, PluginInfo] = {}
    only = {s.strip() for s in os.environ.get("QA_PLUGINS", "").split(",") if s.strip()}
    for ep in sorted(_entry_points(), key=lambda ep: ep.name != BUILTIN_NAME):  # builtins first
        if ep.name in disabled:
            continue
        if only and ep.name not in only and ep.name != BUILTIN_NAME:
            continue
        if ep.name in infos:
            continue
        _register_entry_point(pm, ep, infos)
    if BUILTIN_NAME not in infos and BUILTIN_NAME not in disabled:
        # Running from a source tree without an installed distribution.
        from qa.plugins import builtin as builtin_plugin

        pm.register(builtin_plugin, name=BUILTIN_NAME)
        infos[BUILTIN_NAME] = PluginInfo(BUILTIN_NAME, builtin_plugin.__name__, "qa", _qa_version(),
                                         source="builtin")
    for modname in extra_modules:
        if modname not in disabled:
            _register_module(pm, modname, infos)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) if exc.plugin is not None else "?"
        raise _fail(f"plugin {name!r} implements a hook qa does not define: {exc}", name,
                    "see docs/hooks.md for the hook names; a typo in a hook name is the usual cause") from None
    reg = _collect(pm, infos)
    _CACHE[key] = reg
    return reg


def set_default_options(extra_modules: tuple[str, ...] = (), disabled: tuple[str, ...] = ()) -> None:
    """Make these the options :func:`registry` uses (set once by the CLI from flags and config)."""
    global _DEFAULT_OPTIONS
    _DEFAULT_OPTIONS = (tuple(extra_modules), tuple(disabled))


_DEFAULT_OPTIONS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def default_options() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``(extra_modules, disabled)`` options :func:`registry` uses."""
    return _DEFAULT_OPTIONS


def registry() -> Registry:
    """The registry for the process-wide default options."""
    return get_registry(*_DEFAULT_OPTIONS)


def reset() -> None:
    """Forget every built registry (for tests)."""
    _CACHE.clear()
    set_default_options()


def _qa_version() -> str:
    from qa import __version__

    return __version__


def plugin_listing(reg: Registry | None = None, include_builtin: bool = False) -> list[dict[str, Any]]:
    """One dict per loaded plugin for ``qa plugins list``: name, distribution, version, source, hooks
    and what it registered (rubrics as names, i.e. the YAML files in its rubric directories)."""
    reg = reg if reg is not None else registry()
    rows = []
    for info in reg.plugins.values():
        if info.is_builtin and not include_builtin:
            continue
        row = info.to_dict()
        row["rubrics"] = sorted({f.stem for d in info.rubric_paths if Path(d).is_dir()
                                 for f in Path(d).iterdir() if f.suffix in (".yaml", ".yml")})
        rows.append(row)
    return rows


def diagnose(extra_modules: tuple[str, ...] = (), disabled: tuple[str, ...] = (),
             include_builtin: bool = False) -> list[dict[str, Any]]:
    """Like :func:`plugin_listing` for these options, but a plugin that fails to load is listed with its
    ``error`` (and left out) instead of stopping the listing; the others are listed as usual."""
    skip = list(disabled)
    broken: list[dict[str, Any]] = []
    while True:
        try:
            reg = get_registry(tuple(extra_modules), tuple(skip))
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
