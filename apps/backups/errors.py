"""Errors of store export and restore, each with a stable code from `BackupErrorCode`."""

from __future__ import annotations

from django.db import models

from apps.core.errors import ApplicationError


class BackupErrorCode(models.TextChoices):
    STORE_UNKNOWN = "store_unknown"
    STORE_NOT_READY = "store_not_ready"
    ARCHIVE_UNREADABLE = "archive_unreadable"
    FORMAT_UNSUPPORTED = "format_unsupported"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    SIGNATURE_INVALID = "signature_invalid"
    MIGRATIONS_DIFFER = "migrations_differ"
    TABLES_DIFFER = "tables_differ"
    RESTORE_VERIFY_FAILED = "restore_verify_failed"
    WRONG_STORE = "wrong_store"
    EXPORT_RUNNING = "export_running"


class BackupError(ApplicationError):
    code = "error"
    codes = BackupErrorCode
