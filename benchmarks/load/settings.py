"""Production settings for the load test (`benchmarks/bench_load.py`), with one change: the
Celery broker's keys carry a prefix of the run's own, so the events the checkouts publish (and
no worker reads here) are deleted at the end instead of waiting in the real queues."""

import os

from config.settings.production import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": os.environ["LOAD_BROKER_PREFIX"]}
