"""The platform backup drill (`make backup-drill`, scripts/backup_drill.py) runs in the suite: the
test database, with its store template and the first store, is loaded into a throwaway cluster,
backed up with pgBackRest, lost, and restored to a point in time; the drill exits non-zero unless
what was written before that point is all back and nothing after it is. About 20 s."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser_support import in_ci
from tests.fixtures import StoreWorld

ROOT = Path(__file__).resolve().parent.parent
DRILL = ROOT / "scripts" / "backup_drill.py"
PG_BIN = Path("/usr/lib/postgresql/15/bin")

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def _source_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def test_a_point_in_time_restore_brings_back_every_row_written_before_it(alpha: StoreWorld):
    missing = [
        name
        for name, found in (("pgbackrest", shutil.which("pgbackrest")), ("PostgreSQL 15", PG_BIN.is_dir()))
        if not found
    ]
    if missing:
        # scripts/ensure-system-deps.sh installs them: missing under CI is a failure, not a skip.
        message = f"the backup drill needs {', '.join(missing)} (scripts/ensure-system-deps.sh)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)

    result = subprocess.run(
        [sys.executable, str(DRILL), "--source", _source_url(), "--stores", "1", "--pg-bin", str(PG_BIN)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    summary = re.search(r"^RESULT drill=pgbackrest (.*)$", output, re.MULTILINE)
    assert summary is not None, output[-6000:]
    figures = dict(pair.split("=", 1) for pair in summary.group(1).split())
    assert figures["ok"] == "1"
    assert figures["stores"] == "1" and int(figures["tables"]) > 100
    assert "1000 of 1000 recovered" in output  # written after the backup: from the WAL archive
    assert re.search(r"rows after T \(B\)\s+0 restored", output)  # written after T: not restored
    assert re.search(r"tables with other counts\s+0\b", output)
    print(summary.group(0))  # the timings, in the suite's log (-rA or -s)
