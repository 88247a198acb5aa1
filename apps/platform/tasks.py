from __future__ import annotations

from celery import shared_task

from apps.platform.services import handoff_tokens_purge as _handoff_tokens_purge


@shared_task
def handoff_tokens_purge() -> int:
    return _handoff_tokens_purge()
