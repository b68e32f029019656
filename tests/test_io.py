import os
import stat

import pytest

from qa.errors import QAError
from qa.io import atomic_output


def test_output_gets_umask_permissions_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "report.html"
        with atomic_output(str(target)) as fh:
            fh.write("<p>ok</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text() == "<p>ok</p>"


def test_failure_leaves_neither_target_nor_temp_file(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        with atomic_output(str(target)) as fh:
            fh.write("partial")
            raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(QAError, match="output directory does not exist"):
        with atomic_output(str(tmp_path / "nope" / "x.jsonl")):
            pass
