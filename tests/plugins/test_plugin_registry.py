"""The plugin manager: entry points, --plugin modules, config, and the errors a broken plugin gives."""

import pytest

from qa.errors import PluginError
from qa.plugins.registry import PluginOptions, Registry, diagnose, plugin_listing

GOOD = '''
    from pathlib import Path
    from qa import hookimpl
    from qa import Checker

    class Echo(Checker):
        name = "acme_echo"
        def check(self, conv):
            return self.outcome()

    @hookimpl
    def qa_checkers():
        return [Echo]

    @hookimpl
    def qa_rubric_paths():
        return [Path(__file__).parent / "acme_rubrics"]
'''


def test_entry_point_plugin_is_listed_with_distribution_and_what_it_registered(fake_dist, monkeypatch):
    site = fake_dist("acme-qa", "1.2.0", {"acme": "acme_good"}, acme_good=GOOD)
    (site / "acme_rubrics").mkdir()
    (site / "acme_rubrics" / "acme-strict.yaml").write_text("id: acme-strict\nversion: 1\nrules: []\n")
    monkeypatch.setenv("QA_PLUGINS", "builtin,acme")
    reg = Registry.build()
    assert reg.checkers["acme_echo"].__module__ == "acme_good"
    [row] = plugin_listing(reg)
    assert (row["name"], row["distribution"], row["version"], row["source"]) == ("acme", "acme-qa", "1.2.0",
                                                                                 "entry point")
    assert row["checkers"] == ["acme_echo"] and row["rubrics"] == ["acme-strict"]
    assert row["hooks"] == ["qa_checkers", "qa_rubric_paths"]
    assert [r["name"] for r in plugin_listing(reg, include_builtin=True)][0] == "builtin"


def test_qa_plugins_env_limits_entry_points(fake_dist, monkeypatch):
    fake_dist("acme-qa", "1.2.0", {"acme": "acme_good"}, acme_good=GOOD)
    monkeypatch.setenv("QA_PLUGINS", "builtin")
    assert "acme" not in Registry.build().plugins


def test_plugin_failing_to_import_names_plugin_and_distribution_and_suggests_disabling(fake_dist, monkeypatch):
    fake_dist("acme-qa", "1.2.0", {"acme": "acme_broken"}, acme_broken="import numpyy_not_installed\n")
    monkeypatch.setenv("QA_PLUGINS", "builtin,acme")
    with pytest.raises(PluginError) as exc:
        Registry.build()
    assert str(exc.value) == (
        "plugin 'acme' (distribution acme-qa 1.2.0) failed to import 'acme_broken': ModuleNotFoundError: "
        "No module named 'numpyy_not_installed' — fix or uninstall it, or run with --plugins-disable acme")
    reg = Registry.build(PluginOptions.from_env(disabled=("acme",)))
    assert "acme" not in reg.plugins and "phrase" in reg.checkers


def test_two_plugins_registering_one_checker_name_is_an_error_naming_both(plugin_modules):
    plugin_modules(acme_dup='''
        from qa import hookimpl
        from qa import Checker

        class Phrase(Checker):
            name = "phrase"

        @hookimpl
        def qa_checkers():
            return [Phrase]
    ''')
    with pytest.raises(PluginError, match=r"checker 'phrase' is registered by both plugin 'builtin' and plugin "
                                          r"'acme_dup' — disable one with --plugins-disable acme_dup"):
        Registry.build(PluginOptions.from_env(modules=("acme_dup",))).collect()
    assert "acme_dup" not in Registry.build(PluginOptions.from_env(modules=("acme_dup",), disabled=("acme_dup",))).plugins


def test_misspelt_hook_is_reported_not_ignored(plugin_modules):
    plugin_modules(acme_typo='''
        from qa import hookimpl

        @hookimpl
        def qa_checker():
            return []
    ''')
    with pytest.raises(PluginError, match=r"plugin 'acme_typo' implements a hook qa does not define.*qa_checker"):
        Registry.build(PluginOptions.from_env(modules=("acme_typo",))).collect()


def test_hook_raising_is_reported_with_the_plugin_and_hook(plugin_modules):
    plugin_modules(acme_lazy='''
        from qa import hookimpl

        @hookimpl
        def qa_checkers():
            from acme_missing_module import Checker
            return [Checker]
    ''')
    with pytest.raises(PluginError, match=r"plugin 'acme_lazy' failed in qa_checkers\(\): ModuleNotFoundError"):
        Registry.build(PluginOptions.from_env(modules=("acme_lazy",))).collect()


def test_unimportable_plugin_module_option():
    with pytest.raises(PluginError, match=r"--plugin 'acme_nowhere' could not be imported: ModuleNotFoundError"):
        Registry.build(PluginOptions.from_env(modules=("acme_nowhere",))).collect()


def test_plugin_option_naming_a_registered_module_does_not_list_it_twice(qa_plugin):
    reg = qa_plugin("qa.plugins.builtin")  # already registered as builtin: not listed twice
    assert list(reg.plugins) == ["builtin"]


def test_diagnose_lists_broken_plugins_with_their_error_and_the_working_ones(fake_dist, plugin_modules, monkeypatch):
    fake_dist("acme-qa", "1.2.0", {"acme": "acme_broken", "acme_ok": "acme_good"},
              acme_broken="import numpyy_not_installed\n", acme_good=GOOD)
    plugin_modules(acme_typo="from qa import hookimpl\n\n@hookimpl\ndef qa_checker():\n    return []\n")
    monkeypatch.setenv("QA_PLUGINS", "builtin,acme,acme_ok")
    rows = {r["name"]: r for r in diagnose(PluginOptions.from_env(modules=("acme_typo",)))}
    assert sorted(rows) == ["acme", "acme_ok", "acme_typo"]
    assert rows["acme_ok"]["checkers"] == ["acme_echo"] and rows["acme_ok"]["error"] is None
    assert (rows["acme"]["distribution"], rows["acme"]["version"], rows["acme"]["checkers"]) == ("acme-qa", "1.2.0", [])
    assert rows["acme"]["error"].startswith("plugin 'acme' (distribution acme-qa 1.2.0) failed to import")
    assert "implements a hook qa does not define" in rows["acme_typo"]["error"]


def test_a_specname_implementation_registers_like_any_other(plugin_modules):
    """pluggy accepts ``@hookimpl(specname=...)`` on a function of another name; what it returns counts
    (qa 0.1 looked the hook up by attribute name and silently registered nothing)."""
    plugin_modules(acme_spec='''
        from qa import Checker, hookimpl

        class Echo(Checker):
            name = "acme_spec_echo"
            def check(self, conv):
                return self.outcome()

        @hookimpl(specname="qa_checkers")
        def acme_checkers():
            return [Echo]
    ''')
    reg = Registry.build(PluginOptions.from_env(modules=("acme_spec",)))
    assert reg.checkers["acme_spec_echo"].__module__ == "acme_spec"
    [row] = plugin_listing(reg)
    assert (row["name"], row["checkers"], row["hooks"]) == ("acme_spec", ["acme_spec_echo"], ["qa_checkers"])


def test_registration_hooks_run_when_their_kind_is_first_needed(plugin_modules):
    """Building a registry only loads the plugins; `qa --help` asks for commands, not checkers."""
    plugin_modules(acme_count='''
        from qa import hookimpl

        CALLS = []

        @hookimpl
        def qa_checkers():
            CALLS.append("checkers")
            return []

        @hookimpl
        def qa_commands():
            CALLS.append("commands")
            return []
    ''')
    import acme_count

    reg = Registry.build(PluginOptions.from_env(modules=("acme_count",)))
    assert acme_count.CALLS == []
    assert reg.commands == [] and acme_count.CALLS == ["commands"]
    assert "phrase" in reg.checkers and acme_count.CALLS == ["commands", "checkers"]
    reg.checkers  # noqa: B018 - collected once
    assert acme_count.CALLS == ["commands", "checkers"]
