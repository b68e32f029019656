"""Plugins: the hook contract (:mod:`qa.plugins.hookspecs`), the registry built from the builtins,
``qa`` entry points and ``--plugin`` modules (:mod:`qa.plugins.registry`), and the builtins themselves
(:mod:`qa.plugins.builtin`)."""
