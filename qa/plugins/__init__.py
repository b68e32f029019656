"""Plugins: the hook contract (:mod:`qa.plugins.hookspecs`), the registry built from the builtins,
``qa`` entry points and ``--plugin`` modules (:mod:`qa.plugins.registry`), and the builtins themselves
(:mod:`qa.plugins.builtin`)."""

from qa.plugins.registry import (
    BUILTIN_NAME,
    ENTRY_POINT_GROUP,
    PluginInfo,
    Registry,
    default_options,
    diagnose,
    get_registry,
    plugin_listing,
    registry,
    reset,
    set_default_options,
)

__all__ = ["BUILTIN_NAME", "ENTRY_POINT_GROUP", "PluginInfo", "Registry", "default_options", "diagnose",
           "get_registry", "plugin_listing", "registry", "reset", "set_default_options"]
