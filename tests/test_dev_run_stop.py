"""`make run` stops what it started (scripts/dev.py `supervise`).

A harness process stands in for `dev.py run`: it traps the stop signals as `cmd_run` does and
supervises a foreground child (standing in for runserver, whose autoreloader serves from a child
process of its own) and two background children (standing in for the Celery worker and beat),
each of which starts a grandchild; one background child ignores SIGTERM, as a stuck process
would. The test sends the harness a stop signal and checks that every one of those processes is
gone when the harness exits. Real processes and signals; no database.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("web", "worker", "stubborn")

# One supervised process: starts a grandchild, records both pids, sleeps (or exits).
CHILD = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    from pathlib import Path

    out, name, ignore_term, lifetime = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", float(sys.argv[4])
    if ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)"])
    for suffix, pid in (("grandchild", grandchild.pid), ("child", os.getpid())):
        tmp = out / f"{name}.{suffix}.tmp"
        tmp.write_text(str(pid))
        tmp.rename(out / f"{name}.{suffix}")
    time.sleep(lifetime)
    sys.exit(3)
    """
)

# Stands in for `dev.py run`: the same trap and supervisor, with the children above.
HARNESS = textwrap.dedent(
    """
    import importlib.util, os, sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("dev", sys.argv[1])
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    out, child, web_lifetime = sys.argv[2], sys.argv[3], sys.argv[4]

    def command(name, ignore_term="0", lifetime="3600"):
        return [sys.executable, "-c", child, out, name, ignore_term, lifetime]

    dev.stop_signals_trap()
    code = dev.supervise(
        ("web", command("web", lifetime=web_lifetime)),
        [("worker", command("worker"), Path(out) / "worker.log"), ("stubborn", command("stubborn", "1"), None)],
        dict(os.environ),
        grace=2.0,
    )
    sys.exit(code)
    """
)


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "scripts" / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (an orphan's zombie may linger unreaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _start(tmp_path: Path, *, web_lifetime: float = 3600) -> tuple[subprocess.Popen[str], dict[str, int]]:
    harness = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HARNESS,
            str(ROOT / "scripts" / "dev.py"),
            str(tmp_path),
            CHILD,
            str(web_lifetime),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, so nothing here reaches the test runner
    )
    wanted = [f"{name}.{suffix}" for name in NAMES for suffix in ("child", "grandchild")]
    for _ in range(600):  # the children start Python twice each; generous on a loaded machine
        if all((tmp_path / name).exists() for name in wanted) or harness.poll() is not None:
            break
        time.sleep(0.05)
    pids = {name: int((tmp_path / name).read_text()) for name in wanted if (tmp_path / name).exists()}
    if len(pids) < len(wanted):
        harness.kill()
        pytest.fail(f"the harness did not start every child: {harness.communicate()[0]}")
    return harness, pids


@pytest.fixture
def cleanup() -> Iterator[list[int]]:
    """Pids a failing test might leave behind: killed at the end whatever happens."""
    leftovers: list[int] = []
    yield leftovers
    for pid in leftovers:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_stops_every_child_and_grandchild(
    tmp_path: Path, cleanup: list[int], signum: int
) -> None:
    harness, pids = _start(tmp_path)
    cleanup.extend(pids.values())
    assert all(_running(pid) for pid in pids.values())

    harness.send_signal(signum)
    output, _ = harness.communicate(timeout=60)

    assert harness.returncode == 128 + signum, output
    assert {name: pid for name, pid in pids.items() if _running(pid)} == {}
    assert "Stopping Celery" not in output and "Stopping worker, stubborn, web" in output
    # The stubborn child ignored SIGTERM and was killed after the grace period.
    assert "Killed after 2s: stubborn" in output


def test_the_foreground_ending_stops_the_background_and_passes_its_code(
    tmp_path: Path, cleanup: list[int]
) -> None:
    harness, pids = _start(tmp_path, web_lifetime=3)
    cleanup.extend(pids.values())

    output, _ = harness.communicate(timeout=60)

    assert harness.returncode == 3, output  # the web child's own exit code
    assert {name: pid for name, pid in pids.items() if _running(pid)} == {}


def test_group_alive_ignores_zombies_and_sees_grandchildren(tmp_path: Path, cleanup: list[int]) -> None:
    dev = _dev()
    process = dev.spawn([sys.executable, "-c", CHILD, str(tmp_path), "solo", "0", "3600"], dict(os.environ))
    for _ in range(600):
        if (tmp_path / "solo.grandchild").exists():
            break
        time.sleep(0.05)
    grandchild = int((tmp_path / "solo.grandchild").read_text())
    cleanup.extend([process.pid, grandchild])

    os.kill(process.pid, signal.SIGKILL)  # only the leader: its child lives on in the group
    process.wait()
    assert dev.group_alive(process.pid)

    assert dev.stop_processes([("solo", process)], grace=5.0) == []
    assert not _running(grandchild)
    assert not dev.group_alive(process.pid)


def test_make_stop_stops_the_embedded_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make stop` (dev.py stop) stops the embedded server `make run` leaves running."""
    pgserver = pytest.importorskip("pgserver")
    dev = _dev()
    pgdata = tmp_path / "pgdata"
    server = pgserver.get_server(pgdata, cleanup_mode=None)  # as `make run` starts it: kept running
    try:
        assert "(1 row)" in server.psql("SELECT 1;")
        monkeypatch.setattr(dev, "EMBEDDED_PGDATA", pgdata)
        monkeypatch.setattr(dev, "ROOT", tmp_path)

        dev.cmd_stop([])

        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if (pgdata / "postmaster.pid").exists():
            server.cleanup()
