"""A throwaway PostgreSQL server for the history tests and the benchmark, from the machine's own binaries.

``start(base)`` runs ``initdb`` into ``base/data`` and ``pg_ctl start`` listening on 127.0.0.1 (a free
port) and on a socket in ``base``, with trust authentication for the superuser ``qa_test``; it returns
the server's URL. ``stop(base)`` stops it. As root (CI), the cluster belongs to the ``postgres`` user
that Debian's packages create, since PostgreSQL refuses to run as root.

The binaries are looked up on PATH (``pg_ctl``/``initdb``), else in Debian's
``/usr/lib/postgresql/<version>/bin``. ``.ci/run`` uses the command line::

    python tests/postgres_server.py start DIR     # prints the URL; exit 1 and a reason on stderr if it cannot
    python tests/postgres_server.py stop DIR
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SUPERUSER = "qa_test"
# A throwaway cluster for tests need not survive a power cut; the benchmark asks for the defaults.
FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")


class Unavailable(RuntimeError):
    """No PostgreSQL server can be started here (the message says why)."""


def bin_dir() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1].parent
    raise Unavailable("no PostgreSQL server binaries (pg_ctl, initdb); on Debian: apt-get install postgresql")


def _owner() -> dict:
    """subprocess keyword arguments that run a command as the cluster's owner."""
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("running as root and there is no 'postgres' user to own the cluster") from None
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def start(base: str | os.PathLike, durable: bool = False) -> str:
    """Create and start a cluster under ``base`` (an empty folder); return its URL."""
    base = Path(base).resolve()
    pg = bin_dir()
    owner = _owner()
    data, log = base / "data", base / "server.log"
    base.mkdir(parents=True, exist_ok=True)
    if owner:
        os.chown(base, owner["user"], owner["group"])
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    done = _run([str(pg / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync"], env=env, cwd=base, **owner)
    if done.returncode != 0:
        raise Unavailable(f"initdb failed: {(done.stderr or done.stdout).strip()[-600:]}")
    last = ""
    for _ in range(3):   # a free port may be taken between choosing it and binding it
        port = _free_port()
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c max_connections=60"
        if not durable:
            opts += " " + FAST
        done = _run([str(pg / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", opts, "start"],
                    env=env, cwd=base, **owner)
        if done.returncode == 0:
            (base / "url").write_text(url := f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres")
            return url
        last = log.read_text(errors="replace")[-600:] if log.exists() else done.stderr
    raise Unavailable(f"pg_ctl start failed: {last.strip()}")


def stop(base: str | os.PathLike) -> None:
    """Stop the cluster under ``base`` if it runs (fast, then immediate shutdown)."""
    base = Path(base).resolve()
    data = base / "data"
    if not (data / "postmaster.pid").exists():
        return
    pg = bin_dir()
    for mode in ("fast", "immediate"):
        if _run([str(pg / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "-t", "30", "stop"], cwd=base,
                **_owner()).returncode == 0:
            return


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: postgres_server.py start|stop DIR", file=sys.stderr)
        return 2
    action, base = argv
    try:
        if action == "start":
            print(start(base))
        else:
            stop(base)
    except (Unavailable, OSError, subprocess.SubprocessError) as exc:
        print(f"postgres_server: cannot {action} a PostgreSQL server: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
