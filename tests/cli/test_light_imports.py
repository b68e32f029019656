import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["--help"], ["rubric", "--help"], ["explain", "--help"], ["rubric", "test", "--help"]])
def test_help_does_not_import_heavy_modules(args):
    code = (f"import sys\nfrom qa.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('spacy', 'jieba', 'sklearn', 'rich', 're2', 'ahocorasick') if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY []"
