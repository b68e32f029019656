import json

import pytest


@pytest.fixture
def run_qa(capsys):
    """Run the qa CLI in-process: returns (exit code, stdout, stderr)."""
    from qa.cli import main

    def run(*args):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def write_jsonl(tmp_path):
    def write(name, rows):
        p = tmp_path / name
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return p

    return write
