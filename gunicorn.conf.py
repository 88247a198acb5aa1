"""gunicorn's settings, read from the working directory (/app in the image, whose CMD passes the
bind address and worker count).

Prometheus multiprocess mode: every worker writes its metrics into files in
PROMETHEUS_MULTIPROC_DIR and /metrics merges all of them (apps.core.metrics), so a scrape that
lands on any worker sees the whole pod. The directory is set here for gunicorn only (Celery workers
keep their figures in Redis), emptied when the master starts so a previous run's counts are not
added in, and a worker that exits has its live gauges removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

_metrics_dir = Path(
    os.environ.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "prometheus-multiproc")
    )
)


def on_starting(server: Any) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(_metrics_dir))
