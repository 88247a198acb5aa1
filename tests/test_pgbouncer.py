"""PgBouncer in session mode in front of PostgreSQL: requests for many stores at once, each
answered with its own store's data, over server connections that pass from store to store.

A real `pgbouncer` (the Debian package) runs in front of the test database with a pool of
POOL_SIZE server connections, fewer than there are stores. `manage.py runserver` connects through
it: a thread per request, whose database connection Django closes when the request ends, so every
request is a new PgBouncer client that is handed whichever server connection is free, one that
last served another store (PgBouncer ran `DISCARD ALL` on it in between). django-tenants issues
`SET search_path` on each new connection before its first query.

The stores are provisioned for this module (committed: the server is another process) and
dropped afterwards. The contrast test shows why transaction pooling is refused (README,
"PgBouncer"): there a `SET` made by one client is what the next client's queries run under.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connections
from django_tenants.utils import schema_context
from psycopg.rows import dict_row

from apps.catalog.tests.factories import make_product
from apps.storefront.page_cache import CACHE_HEADER
from apps.tenants.models import Tenant
from tests.browser_support import in_ci
from tests.fixtures import free_port, throwaway_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
STORES = 5
POOL_SIZE = 3  # server connections; fewer than STORES, so each one serves several stores
REQUESTS = 200
THREADS = 20
HANDLE = "pooled-probe"  # the same handle in every store, each with a title of its own


def _pgbouncer_binary() -> str:
    """Debian's pgbouncer; its absence fails under CI (the setup installs it) and skips elsewhere."""
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None
    )
    if found is None:
        reason = "pgbouncer is missing: run `bash scripts/ensure-system-deps.sh` (apt-get install pgbouncer)"
        if in_ci():
            pytest.fail(f"the PgBouncer tests cannot run under CI: {reason}")
        pytest.skip(reason)
    return found


def _wait_for(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@dataclass(frozen=True)
class Bouncer:
    port: int
    database: str  # the database name clients ask PgBouncer for (that of the test database)
    log: Path

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, dbname=self.database, user="app", autocommit=True
        )

    def admin(self, command: str) -> list[dict[str, Any]]:
        """A `SHOW ...` of PgBouncer's admin console."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, dbname="pgbouncer", user="pgbouncer", autocommit=True
        ) as conn:
            return conn.cursor(row_factory=dict_row).execute(command).fetchall()

    def logged(self, pattern: str) -> int:
        """How many lines of PgBouncer's log match `pattern`."""
        return len(re.findall(pattern, self.log.read_text(), flags=re.MULTILINE))


@contextmanager
def pgbouncer_running(pool_mode: str, pool_size: int) -> Iterator[Bouncer]:
    """PgBouncer on a free loopback port in front of the test database."""
    binary = _pgbouncer_binary()
    db = connections["default"].settings_dict
    assert db["NAME"].startswith("test_"), f"refusing to pool connections to {db['NAME']}"
    server = [
        f"host={db.get('HOST') or '127.0.0.1'}",
        f"port={db.get('PORT') or 5432}",
        f"dbname={db['NAME']}",
        f"user={db['USER']}",
    ]
    if db.get("PASSWORD"):
        server.append(f"password={db['PASSWORD']}")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-test-") as tmp:
        directory = Path(tmp)
        # Readable by the unprivileged user pgbouncer switches to when started as root.
        directory.chmod(0o755)
        config = directory / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"{db['NAME']} = {' '.join(server)}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            # Loopback only, and the server login is fixed above: clients need no password.
            "auth_type = any\n"
            f"pool_mode = {pool_mode}\n"
            f"default_pool_size = {pool_size}\n"
            "min_pool_size = 0\n"
            "reserve_pool_size = 0\n"
            "max_client_conn = 500\n"
            "server_reset_query = DISCARD ALL\n"
            "server_lifetime = 3600\n"
            "server_idle_timeout = 600\n"
            # The machine running the tests may be slow and busy: clients queue for a server connection
            # as long as the whole run may take.
            "query_wait_timeout = 900\n"
            "ignore_startup_parameters = extra_float_digits\n"
            "log_connections = 1\n"
            "log_disconnections = 0\n"
        )
        config.chmod(0o644)
        log_path = directory / "pgbouncer.log"
        command = [binary, str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "nobody"]  # pgbouncer refuses to run as root
        with open(log_path, "w") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        bouncer = Bouncer(port=port, database=db["NAME"], log=log_path)

        def answers() -> bool:
            assert process.poll() is None, f"pgbouncer exited: {log_path.read_text()}"
            try:
                bouncer.admin("SHOW VERSION")
            except psycopg.OperationalError:
                return False
            return True

        try:
            assert _wait_for(answers, 30), f"pgbouncer did not start: {log_path.read_text()}"
            yield bouncer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass(frozen=True)
class PooledStore:
    schema: str
    host: str
    title: str


@pytest.fixture(scope="module")
def stores(django_db_setup, django_db_blocker) -> Iterator[list[PooledStore]]:  # type: ignore[no-untyped-def]
    """STORES provisioned stores (committed), each with an active product under HANDLE whose
    title names the store; schemas and rows removed at the end."""
    with django_db_blocker.unblock(), ExitStack() as stack:
        made = []
        for n in range(STORES):
            schema = stack.enter_context(throwaway_store(f"Pooled store {n}"))
            title = f"Pooled probe {n} {uuid.uuid4().hex[:12]}"
            with schema_context(schema):
                make_product(title, sku_prefix=f"POOLED-{n}", handle=HANDLE)
            slug = Tenant.objects.get(schema_name=schema).slug
            made.append(PooledStore(schema=schema, host=f"{slug}.{settings.PLATFORM_DOMAIN}", title=title))
        yield made


@pytest.fixture(scope="module")
def session_bouncer(stores) -> Iterator[Bouncer]:  # type: ignore[no-untyped-def]
    with pgbouncer_running("session", POOL_SIZE) as bouncer:
        yield bouncer


def _get(port: int, host: str, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.getheader(CACHE_HEADER) or "", response.read().decode()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server_port(session_bouncer, stores) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """`manage.py runserver` with its DATABASE_URL pointing at PgBouncer."""
    db = connections["default"].settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{quote(db['USER'], safe='')}@127.0.0.1:{session_bouncer.port}/{db['NAME']}",
        # As in production (k8s/configmap.yaml): the connection is closed when the request ends,
        # which hands its server connection back to PgBouncer's pool. A connection kept open
        # would hold its server connection for as long as it lives.
        "CONN_MAX_AGE": "0",
    }
    (ROOT / ".local").mkdir(exist_ok=True)
    log_path = ROOT / ".local" / "test-pgbouncer-server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def serves() -> bool:
        assert process.poll() is None, f"runserver exited: {log_path.read_text()}"
        try:
            return _get(port, stores[0].host, f"/products/{HANDLE}/")[0] == 200
        except OSError:
            return False

    try:
        assert _wait_for(serves, 90), f"runserver did not serve the store: {log_path.read_text()}"
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_concurrent_requests_for_many_stores_through_session_pooling_each_get_their_own_store(
    stores, session_bouncer, server_port
):
    # given PgBouncer in session mode with fewer server connections than there are stores
    clients_before = session_bouncer.logged(rf"login attempt: db={session_bouncer.database} ")
    jobs = [(n, stores[n % STORES]) for n in range(REQUESTS)]

    # when THREADS shoppers ask for the same product path of their own store at once; the query
    # string makes each path new, so no page comes from the page cache
    def fetch(job: tuple[int, PooledStore]) -> tuple[PooledStore, int, str, str]:
        n, store = job
        return store, *_get(server_port, store.host, f"/products/{HANDLE}/?request={n}")

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(fetch, jobs))

    # then every response is its own store's page, rendered from the database
    wrong = []
    for store, status, cache_state, body in answers:
        others = [other.title for other in stores if other is not store and other.title in body]
        if status != 200 or store.title not in body or others or cache_state != "miss":
            wrong.append((store.host, status, cache_state, others))
    assert not wrong, f"{len(wrong)} of {REQUESTS} responses were not their own store's page: {wrong[:5]}"

    # and PgBouncer handed its few server connections from store to store: every request was a
    # client of its own, all served by at most POOL_SIZE server connections, opened once
    clients = session_bouncer.logged(rf"login attempt: db={session_bouncer.database} ") - clients_before
    assert clients >= REQUESTS
    opened = session_bouncer.logged(r"new connection to server")
    assert 1 <= opened <= POOL_SIZE < STORES
    pools = [p for p in session_bouncer.admin("SHOW POOLS") if p["database"] == session_bouncer.database]
    assert pools and all(p["pool_mode"] == "session" for p in pools)
    assert sum(p["sv_active"] + p["sv_idle"] + p["sv_used"] + p["sv_tested"] for p in pools) <= POOL_SIZE
    servers = [s for s in session_bouncer.admin("SHOW SERVERS") if s["database"] == session_bouncer.database]
    assert 1 <= len(servers) <= POOL_SIZE


def _title_after_another_client_sets_its_path(bouncer: Bouncer, mine: str, theirs: str) -> str:
    """Client A selects its store, client B selects another, then A reads the probe's title."""
    with bouncer.connect() as a, bouncer.connect() as b:
        a.execute(f'SET search_path = "{mine}", public')
        b.execute(f'SET search_path = "{theirs}", public')
        row = a.execute("SELECT title FROM catalog_product WHERE handle = %s", [HANDLE]).fetchone()
        assert row is not None
        return str(row[0])


def test_session_pooling_keeps_a_clients_search_path_where_transaction_pooling_hands_it_on(
    stores, session_bouncer
):
    mine, theirs = stores[0], stores[1]
    # given the same two clients, each setting its own store's search_path in turn
    # then in session mode each keeps its own server connection, and so its own store
    assert (
        _title_after_another_client_sets_its_path(session_bouncer, mine.schema, theirs.schema) == mine.title
    )
    # while in transaction mode (one server connection here, so the hand-over is certain) the
    # first client's next query runs under the search_path the other client set: a leak
    with pgbouncer_running("transaction", 1) as transaction_bouncer:
        assert (
            _title_after_another_client_sets_its_path(transaction_bouncer, mine.schema, theirs.schema)
            == theirs.title
        )
