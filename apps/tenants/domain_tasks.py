"""The periodic re-check of custom domains (beat: `domains-recheck`, every ten minutes).

`domains_recheck_due` only picks the due domains (see `domain_ids_due_for_check`) and queues one
`domain_check_task` per domain, each with its own short time limit, so one zone that does not
answer holds up nothing but its own check. A check that fails is recorded on its domain
(`last_check_error`) and tried again at the next round; it never stops the other domains.
Domain rows live in the public schema: these tasks run there, sent from beat.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from apps.tenants.domains import DomainError, domain_claims_expire, domain_ids_due_for_check, domain_verify
from apps.tenants.models import Domain

logger = logging.getLogger(__name__)


def _record_failure(domain_id: int, code: str) -> None:
    # update(): the status is untouched, so routing (and its cache) is not concerned.
    Domain.objects.filter(pk=domain_id).update(last_checked_at=timezone.now(), last_check_error=code)


@shared_task(time_limit=30, soft_time_limit=20, acks_late=True)
def domain_check_task(domain_id: int) -> str:
    """Check one domain's TXT record; returns the domain's status afterwards ("gone" when it
    was removed meanwhile, "error" when the check itself failed)."""
    domain = Domain.objects.filter(pk=domain_id).first()
    if domain is None:
        return "gone"
    try:
        return domain_verify(domain=domain).status
    except DomainError as error:  # removed or turned into a platform host meanwhile
        return str(error.code)
    except SoftTimeLimitExceeded:
        _record_failure(domain_id, Domain.CheckError.TIMEOUT)
        logger.warning("domain check timed out", extra={"domain_id": domain_id})
        return "error"
    except Exception:
        _record_failure(domain_id, Domain.CheckError.CHECK_FAILED)
        logger.exception("domain check failed", extra={"domain_id": domain_id})
        return "error"


@shared_task(time_limit=60, soft_time_limit=50)
def domains_recheck_due() -> dict[str, int]:
    """Queue one check per due domain; returns how many were queued and how many could not be."""
    totals = {"queued": 0, "failed": 0, "expired": domain_claims_expire()}
    for domain_id in domain_ids_due_for_check():
        try:
            domain_check_task.delay(domain_id)
        except Exception:
            # A broker hiccup (or, with eager tasks, a failure inside the check) skips one
            # domain until the next round, not the rest of this one.
            _record_failure(domain_id, Domain.CheckError.CHECK_FAILED)
            logger.exception("queueing a domain check failed", extra={"domain_id": domain_id})
            totals["failed"] += 1
        else:
            totals["queued"] += 1
    logger.info("domain re-check queued", extra=totals)
    return totals
