import json

import pytest


@pytest.fixture
def write_jsonl(tmp_path):
    def write(name, rows):
        p = tmp_path / name
        p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return p

    return write
