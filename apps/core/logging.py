"""Log context: every record carries the request id and the schema it ran in."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.core.signals import request_finished

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def _request_finished(**kwargs: object) -> None:
    request_id_var.set("-")


request_finished.connect(_request_finished, dispatch_uid="core.logging.request_finished")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django.db import connection

        record.request_id = request_id_var.get()
        record.schema = getattr(connection, "schema_name", "-")
        return True
