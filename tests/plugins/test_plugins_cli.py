"""`qa plugins list|new`, plugins from config, and the exit codes a plugin can cause."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from qa.cli import cli

ACME = '''
    from qa import hookimpl
    from qa import Checker

    class Boom(Checker):
        """Raises on conversations containing 'boom' (a checker bug)."""
        name = "acme_boom"
        def check(self, conv):
            if any("boom" in t for t in conv.texts):
                raise RuntimeError("cannot parse this turn")
            return self.outcome()

    @hookimpl
    def qa_checkers():
        return [Boom]
'''
RUBRIC = """\
id: acme
version: "1"
rules:
  - {id: acme.boom, checker: acme_boom}
  - {id: ban.refusal, checker: phrase, phrases: [我不能], severity: major, points: 5, scope: {role: agent}}
"""


def run_qa(*args, cwd, pythonpath):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(pythonpath), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_list_json_shows_plugin_from_option_and_hides_builtin_without_all(plugin_modules):
    plugin_modules(acme_plug=ACME)
    res = CliRunner().invoke(cli, ["--plugin", "acme_plug", "plugins", "list", "--format", "json"])
    assert res.exit_code == 0, res.output
    [row] = json.loads(res.output)
    assert (row["name"], row["source"], row["checkers"], row["distribution"]) == ("acme_plug", "--plugin",
                                                                                  ["acme_boom"], None)
    res = CliRunner().invoke(cli, ["--plugin", "acme_plug", "plugins", "list", "--all"])
    assert res.output.splitlines()[:2] == ["builtin  (qa 0.1.0; builtin: qa.plugins.builtin)",
                                           "  checkers:  " + ", ".join(_builtin_checkers())]
    assert "acme_plug  (no distribution; --plugin: acme_plug)\n  checkers:  acme_boom\n" in res.output


def _builtin_checkers():
    from qa import Registry

    return list(Registry.build().checkers)


def test_plugins_from_config_file_are_loaded(plugin_modules, tmp_path, monkeypatch):
    plugin_modules(acme_plug=ACME)
    (tmp_path / "qa.toml").write_text('plugins = ["acme_plug"]\n')
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["plugins", "list", "-f", "json"])
    assert [r["name"] for r in json.loads(res.output)] == ["acme_plug"]


def test_checker_raising_on_one_conversation_does_not_stop_the_run_and_exits_1(plugin_modules, tmp_path):
    site = plugin_modules(acme_plug=ACME)
    (tmp_path / "acme.yaml").write_text(RUBRIC, encoding="utf-8")
    convs = [("c1", "您好，请问有什么可以帮您"), ("c2", "boom 我不能处理"), ("c3", "这个我不能办")]
    (tmp_path / "in.jsonl").write_text("".join(
        json.dumps({"id": cid, "turns": [{"role": "agent", "text": text}]}, ensure_ascii=False) + "\n"
        for cid, text in convs), encoding="utf-8")
    res = run_qa("--plugin", "acme_plug", "score", "in.jsonl", "-r", "acme.yaml", "-f", "jsonl", "-o", "out.jsonl",
                 cwd=tmp_path, pythonpath=site)
    assert res.returncode == 1, res.stderr
    assert "scored 3" in res.stderr and "1 with checker errors" in res.stderr
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["conversation_id"] for r in results] == ["c1", "c2", "c3"]
    [err] = results[1]["errors"]
    assert (err["rule"], err["checker"], err["error"]) == ("acme.boom", "acme_boom",
                                                           "RuntimeError: cannot parse this turn")
    assert "acme.boom" in results[1]["not_applicable"]
    assert [f["rule"] for f in results[1]["findings"]] == ["ban.refusal"]  # the other rules still ran
    assert "errors" not in results[0] and "errors" not in results[2]


def test_broken_installed_plugin_exits_2_with_the_fix_and_disabling_it_works(fake_dist, tmp_path, monkeypatch):
    site = fake_dist("acme-qa", "1.2.0", {"acme": "acme_broken"}, acme_broken="raise ImportError('libacme.so')\n")
    (tmp_path / "in.jsonl").write_text('{"id": "c", "turns": [{"role": "agent", "text": "hi"}]}\n')
    (tmp_path / "r.yaml").write_text("id: r\nversion: 1\nrules: []\n")
    monkeypatch.setenv("QA_PLUGINS", "")  # every installed entry point, as for a user
    res = run_qa("score", "in.jsonl", "-r", "r.yaml", cwd=tmp_path, pythonpath=site)
    assert res.returncode == 2
    assert res.stderr.strip() == ("Error: plugin 'acme' (distribution acme-qa 1.2.0) failed to import "
                                  "'acme_broken': ImportError: libacme.so — fix or uninstall it, or run with "
                                  "--plugins-disable acme")
    res = run_qa("--plugins-disable", "acme", "score", "in.jsonl", "-r", "r.yaml", "-q", cwd=tmp_path, pythonpath=site)
    assert res.returncode == 0, res.stderr
    res = run_qa("plugins", "list", "--all", cwd=tmp_path, pythonpath=site)
    assert res.returncode == 2
    assert res.stdout.splitlines()[0].startswith("builtin  (qa ")
    assert ("acme  (acme-qa 1.2.0; entry point: acme_broken)\n  BROKEN: plugin 'acme' (distribution acme-qa 1.2.0) "
            "failed to import 'acme_broken': ImportError: libacme.so — fix or uninstall it, or run with "
            "--plugins-disable acme\n") in res.stdout


def test_new_refuses_to_overwrite_and_rejects_unusable_names(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["plugins", "new", "demo_pack", "--dir", str(tmp_path)])
    assert res.exit_code == 0 and (tmp_path / "qa-demo-pack" / "src" / "demo_pack" / "plugin.py").is_file()
    assert f"next: cd {tmp_path / 'qa-demo-pack'} && pip install -e . && pytest" in res.output
    res = runner.invoke(cli, ["plugins", "new", "demo_pack", "--dir", str(tmp_path)])
    assert res.exit_code != 0 and "folder already exists and is not empty" in str(res.exception)
    res = runner.invoke(cli, ["plugins", "new", "json", "--dir", str(tmp_path)])
    assert "clashes with an existing module" in str(res.exception)
