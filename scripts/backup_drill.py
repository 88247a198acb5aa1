"""Platform-wide backup drill with pgBackRest: back up, lose the cluster, restore to a point in
time, and check that nothing written before that point is missing (`make backup-drill`).

It never touches the PostgreSQL server the platform runs on except to read the source database
with `pg_dump`. Everything else happens in a throwaway cluster in a temporary directory, on a
free loopback port, with its own pgBackRest repository beside it:

1. initdb a cluster with `archive_mode=on` and `archive_command` pushing each WAL segment to a
   local pgBackRest repository (`repo1-retention-full=2`, zstd/lz4/gzip, `process-max=2`);
   `stanza-create`, `check`;
2. load the platform database into it (`pg_dump` of `--source`, by default the database
   DATABASE_URL names: the public schema, the store template and every store schema);
3. a full backup (timed), then writes after it: marker rows A in the first store's schema, a WAL
   switch (the time until that segment is archived is the archive-push lag), the point in time T,
   then marker rows B, archived too;
4. disaster: the cluster is stopped hard (`immediate`) and its data directory deleted;
5. `pgbackrest restore --type=time --target=T` (timed), start, recovery replays the archived WAL
   up to T and promotes (timed until it accepts writes);
6. checks: the rows A are there (written after the backup: recovered from the WAL archive), the
   rows B are not (written after T), and every table of every schema has the row count it had at
   T. Any difference exits non-zero.

Run as root, the cluster and pgBackRest run as the `postgres` system user (PostgreSQL refuses
root). Needs pgbackrest and the PostgreSQL server binaries (`--pg-bin`, default PostgreSQL 15).

    .venv/bin/python scripts/backup_drill.py [--source postgres://.../commerce] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

STANZA = "drill"
DB_NAME = "commerce"
MARKERS = 1000  # rows in each marker batch
MARKER_TABLE = "backup_drill_marker"
DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"

# Every base table's row count in one statement (query_to_xml runs the count per table).
COUNTS_SQL = """
SELECT table_schema, table_name,
       (xpath('/row/c/text()', query_to_xml(
           format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
"""


def say(message: str) -> None:
    print(f"-- {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Drill:
    pg_bin: Path
    work: Path
    port: int
    compress: str = "gz"
    run_as: str | None = None  # the system user the cluster runs as (None: this process's)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def pgdata(self) -> Path:
        return self.work / "pgdata"

    @property
    def conf(self) -> Path:
        return self.work / "pgbackrest.conf"

    def cmd(self, args: Sequence[str], *, check: bool = True, capture: bool = False) -> str:
        result = subprocess.run(
            list(args),
            check=False,
            user=self.run_as,
            cwd=self.work,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            text=True,
        )
        if check and result.returncode != 0:
            detail = (result.stderr or "") + (result.stdout or "")
            raise SystemExit(f"{' '.join(args)} failed ({result.returncode}): {detail.strip()}")
        return result.stdout or ""

    def pgbackrest(self, *args: str, capture: bool = False) -> str:
        return self.cmd(["pgbackrest", f"--config={self.conf}", f"--stanza={STANZA}", *args], capture=capture)

    def connect(self, dbname: str = DB_NAME) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
            connect_timeout=10,
        )

    # -- cluster ---------------------------------------------------------------------------------
    def init(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        for name in ("repo", "log", "lock", "spool"):
            (self.work / name).mkdir(exist_ok=True)
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for path in [self.work, *self.work.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.cmd(
            [
                str(self.pg_bin / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            capture=True,
        )
        archive = f"pgbackrest --config={self.conf} --stanza={STANZA} archive-push %p"
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.work}'",
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": f"'{archive}'",
            "archive_timeout": "60",  # the platform's setting: a quiet server still ships WAL each minute
            "max_wal_size": "1GB",
            "logging_collector": "off",
        }
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# backup drill\n" + "".join(f"{key} = {value}\n" for key, value in settings.items())
            )
        self.compress = self._compress_type()
        self.conf.write_text(
            "[global]\n"
            f"repo1-path={self.work / 'repo'}\n"
            "repo1-retention-full=2\n"
            f"compress-type={self.compress}\n"
            "process-max=2\n"
            "start-fast=y\n"
            f"log-path={self.work / 'log'}\n"
            f"lock-path={self.work / 'lock'}\n"
            f"spool-path={self.work / 'spool'}\n"
            "log-level-console=warn\n"
            "log-level-file=info\n"
            f"\n[{STANZA}]\n"
            f"pg1-path={self.pgdata}\n"
            f"pg1-port={self.port}\n"
            f"pg1-socket-path={self.work}\n"
        )
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.conf, entry.pw_uid, entry.pw_gid)

    def _compress_type(self) -> str:
        """zstd, else lz4, else gzip: whichever this pgbackrest build has."""
        for kind in ("zst", "lz4"):
            probe = subprocess.run(
                ["pgbackrest", "--compress-type=" + kind, "--repo1-path=/nonexistent", "version"],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0:
                return kind
        return "gz"

    def start(self) -> None:
        self.cmd(
            [
                str(self.pg_bin / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.work / "postgres.log"),
                "-w",
                "-t",
                "600",
                "start",
            ],
            capture=True,
        )

    def stop(self, mode: str = "fast") -> None:
        self.cmd(
            [str(self.pg_bin / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop"], capture=True
        )

    def running(self) -> bool:
        return (self.pgdata / "postmaster.pid").exists()

    # -- steps -----------------------------------------------------------------------------------
    def load(self, source: str, skip: Sequence[str] = ()) -> None:
        """pg_dump `source` (without the schemas in `skip`) and restore it into the drill cluster."""
        dump = self.work / "source.dump"
        started = time.perf_counter()
        # --exclude-schema, not --schema: a dump limited by --schema leaves the extensions out.
        without = [f"--exclude-schema={name}" for name in skip]
        subprocess.run(
            [
                str(self.pg_bin / "pg_dump"),
                "--format=custom",
                "--compress=0",
                f"--file={dump}",
                *without,
                source,
            ],
            check=True,
        )
        with self.connect("postgres") as conn:
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        restore = [str(self.pg_bin / "pg_restore"), "--no-owner", "--no-acl", "--jobs=2"]
        restore += ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", DB_NAME, str(dump)]
        subprocess.run(restore, check=True)
        dump.unlink()
        with self.connect() as conn:
            conn.execute("ANALYZE")
        self.timings["load_s"] = time.perf_counter() - started

    def archived_through(self, conn: psycopg.Connection[Any], segment: str, timeout: float = 300) -> float:
        """Seconds until `segment` shows as archived (pg_stat_archiver)."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            row = conn.execute("SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver").fetchone()
            if row and row[0] and row[0][:24] >= segment:
                return time.perf_counter() - started
            time.sleep(0.02)
        raise SystemExit(f"WAL segment {segment} was not archived within {timeout:.0f}s (last: {row})")

    def switch_and_wait(self, conn: psycopg.Connection[Any]) -> float:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        assert row is not None
        return self.archived_through(conn, str(row[0]))


def counts(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], int]:
    return {(schema, table): int(n) for schema, table, n in conn.execute(COUNTS_SQL).fetchall()}


def store_schemas(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        "SELECT schema_name FROM public.tenants_tenant t "
        "WHERE t.schema_name <> 'public' "
        "AND EXISTS (SELECT 1 FROM information_schema.schemata s WHERE s.schema_name = t.schema_name) "
        "ORDER BY schema_name"
    ).fetchall()
    return [row[0] for row in rows]


def markers_write(conn: psycopg.Connection[Any], schema: str, batch: str) -> None:
    with conn.transaction():
        conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".{MARKER_TABLE} '
            "(id bigserial PRIMARY KEY, batch text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(
            f'INSERT INTO "{schema}".{MARKER_TABLE} (batch) SELECT %s FROM generate_series(1, %s)',
            [batch, MARKERS],
        )


def stores_beyond(source: str, stores: int) -> list[str]:
    """The store schemas of the source database after the first `stores` (left out of the dump)."""
    with psycopg.connect(source, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT schema_name FROM public.tenants_tenant WHERE schema_name <> 'public' "
            "AND schema_name IN (SELECT schema_name FROM information_schema.schemata) "
            "ORDER BY schema_name OFFSET %s",
            [stores],
        ).fetchall()
    return [row[0] for row in rows]


def size_pretty(num: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if num < 1024:
            return f"{num:.1f} {unit}"
        num /= 1024
    return f"{num:.1f} TiB"


def source_url_default() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("set DATABASE_URL (or pass --source) to the platform database to back up")
    if "@/" in url:  # django-environ's socket form (the embedded server): libpq wants ?host=
        head, rest = url.split("@/", 1)
        socket_dir, dbname = rest.rsplit("/", 1)
        return f"{head}@/{dbname}?host=/{socket_dir}"
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", help="libpq URL of the database to load (default: DATABASE_URL)")
    parser.add_argument("--pg-bin", default=os.environ.get("PG_BIN", DEFAULT_PG_BIN))
    parser.add_argument(
        "--work-dir", help="where the throwaway cluster and repository go (default: a temp dir)"
    )
    parser.add_argument(
        "--stores", type=int, default=0, help="dump only the first N store schemas (default: every store)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory (cluster stopped)")
    args = parser.parse_args(argv)
    # Stopped from outside (SIGTERM, or Ctrl-C even where a shell started it with SIGINT
    # ignored), the drill still stops its cluster and removes its directory (`finally` below).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    if shutil.which("pgbackrest") is None:
        raise SystemExit("pgbackrest is not installed (Debian: apt-get install pgbackrest)")
    pg_bin = Path(args.pg_bin)
    if not (pg_bin / "initdb").exists():
        raise SystemExit(f"no PostgreSQL server binaries in {pg_bin} (--pg-bin)")
    source = args.source or source_url_default()
    version = subprocess.run(
        [str(pg_bin / "initdb"), "--version"], capture_output=True, text=True, check=True
    )
    local_major = int(version.stdout.split()[-1].split(".")[0])
    with psycopg.connect(source, autocommit=True) as conn:
        source_major = conn.info.server_version // 10000
    if source_major != local_major:
        # pg_dump refuses a newer server, and pgBackRest must match the cluster it backs up.
        raise SystemExit(
            f"the source server is PostgreSQL {source_major} and --pg-bin has {local_major}: point "
            f"--source (or DATABASE_URL) at a PostgreSQL {local_major} server, or --pg-bin at {source_major}'s"
        )
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="backup-drill-"))
    run_as = "postgres" if os.geteuid() == 0 else None
    drill = Drill(pg_bin=pg_bin, work=work, port=free_port(), run_as=run_as)
    say(f"work directory {work}, cluster on 127.0.0.1:{drill.port}")
    failures: list[str] = []
    try:
        drill.init()
        drill.start()
        drill.pgbackrest("stanza-create")
        drill.pgbackrest("check")
        say(
            f"stanza {STANZA!r} created (compress-type={drill.compress}); loading {source.rsplit('/', 1)[-1]}"
        )
        drill.load(source, stores_beyond(source, args.stores) if args.stores else ())
        with drill.connect() as conn:
            schemas = store_schemas(conn)
            if not schemas:
                raise SystemExit("the source database has no store schema: migrate it and open a store first")
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            db_bytes = int(row[0]) if row else 0
            tables = len(counts(conn))
        say(f"loaded in {drill.timings['load_s']:.1f}s: {len(schemas)} store schemas, {tables} tables")

        started = time.perf_counter()
        drill.pgbackrest("--type=full", "backup")
        drill.timings["backup_s"] = time.perf_counter() - started
        info = json.loads(drill.pgbackrest("info", "--output=json", capture=True))[0]
        backup = info["backup"][-1]
        say(f"full backup in {drill.timings['backup_s']:.1f}s ({backup['label']})")

        target_schema = schemas[0]
        with drill.connect() as conn:
            markers_write(conn, target_schema, "A")
            drill.timings["archive_lag_s"] = drill.switch_and_wait(conn)
            expected = counts(conn)
            time.sleep(1.1)  # T strictly after A's commit and before B's
            row = conn.execute(
                "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
            )
            target = f"{row.fetchone()[0]}+00"  # type: ignore[index]  # pgBackRest's format, in UTC
            time.sleep(1.1)
            markers_write(conn, target_schema, "B")
            drill.switch_and_wait(conn)
        say(
            f"after the backup: {MARKERS} rows A in {target_schema}, WAL archived "
            f"{drill.timings['archive_lag_s'] * 1000:.0f} ms after the switch; T = {target}; "
            f"then {MARKERS} rows B"
        )

        say("disaster: stop -m immediate and delete the data directory")
        drill.stop("immediate")
        shutil.rmtree(drill.pgdata)

        started = time.perf_counter()
        drill.pgbackrest("--type=time", f"--target={target}", "--target-action=promote", "restore")
        drill.timings["restore_s"] = time.perf_counter() - started
        started = time.perf_counter()
        drill.start()
        with drill.connect() as conn:
            while True:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
                if row and not row[0]:
                    break
                time.sleep(0.05)
            drill.timings["recovery_s"] = time.perf_counter() - started
            batches = dict(
                conn.execute(
                    f'SELECT batch, count(*) FROM "{target_schema}".{MARKER_TABLE} GROUP BY batch'
                ).fetchall()
            )
            got = counts(conn)
        say(
            f"restored in {drill.timings['restore_s']:.1f}s, ready for writes {drill.timings['recovery_s']:.1f}s later"
        )

        if batches.get("A") != MARKERS:
            failures.append(f"rows written after the backup (A) missing: {batches}")
        if "B" in batches:
            failures.append(f"rows written after the target time (B) were restored: {batches}")
        differing = {key: (expected.get(key), got.get(key)) for key in expected.keys() | got.keys()}
        differing = {key: pair for key, pair in differing.items() if pair[0] != pair[1]}
        for (schema, table), (before, after) in sorted(differing.items())[:20]:
            failures.append(f"{schema}.{table}: {before} rows at T, {after} after the restore")
        repo_bytes = sum(p.stat().st_size for p in (work / "repo").rglob("*") if p.is_file())

        rows = [
            ("database size", size_pretty(db_bytes)),
            ("store schemas / tables", f"{len(schemas)} / {len(expected)}"),
            ("repository (backup + WAL)", f"{size_pretty(repo_bytes)} ({drill.compress})"),
            ("full backup", f"{drill.timings['backup_s']:.1f} s (process-max=2)"),
            ("archive-push lag", f"{drill.timings['archive_lag_s'] * 1000:.0f} ms (switch -> archived)"),
            ("restore", f"{drill.timings['restore_s']:.1f} s (pgbackrest restore --type=time)"),
            ("recovery to ready", f"{drill.timings['recovery_s']:.1f} s (start, replay to T, promote)"),
            (
                "RTO here",
                f"{drill.timings['restore_s'] + drill.timings['recovery_s']:.1f} s (restore + recovery)",
            ),
            ("rows after backup (A)", f"{batches.get('A', 0)} of {MARKERS} recovered"),
            ("rows after T (B)", f"{batches.get('B', 0)} restored (expected 0)"),
            ("tables with other counts", str(len(differing))),
        ]
        width = max(len(label) for label, _ in rows)
        print("=" * 72)
        print("BACKUP DRILL (pgBackRest, point in time)")
        print("=" * 72)
        for label, value in rows:
            print(f"  {label.ljust(width)}  {value}")
        print("=" * 72)
        result = {
            "db_mb": db_bytes / 2**20,
            "stores": len(schemas),
            "tables": len(expected),
            "backup_s": drill.timings["backup_s"],
            "archive_lag_ms": drill.timings["archive_lag_s"] * 1000,
            "restore_s": drill.timings["restore_s"],
            "recovery_s": drill.timings["recovery_s"],
            "ok": int(not failures),
        }
        print(
            "RESULT drill=pgbackrest "
            + " ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()),
            flush=True,
        )
    finally:
        if drill.running():
            drill.stop("fast")
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
