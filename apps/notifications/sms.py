"""Text messages: a small adapter interface (`SmsSender.send(to, body) -> provider message id`)
and its client for Twilio's Messages API, spoken in its wire format:

    POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json
    Authorization: Basic base64(AccountSid:AuthToken)
    Content-Type: application/x-www-form-urlencoded     To=…&From=…&Body=…

answered with JSON (`sid`, `status`, or `code`/`message` on an error). The base URL comes from
`settings.NOTIFICATIONS_TWILIO_BASE_URL` (tests point it at a local fake), and the request goes
through `apps.core.http.safe_post`, the project's guarded outbound HTTP.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.http import OutboundHttpError, safe_post
from apps.notifications.errors import NotificationError, NotificationErrorCode
from apps.notifications.models import SMS_SETTINGS_PK, SmsSettings

TWILIO_DEFAULT_BASE_URL = "https://api.twilio.com"
SMS_MAX_CHARS = 640  # four segments


class SmsError(NotificationError):
    """The provider refused or could not be reached; `retryable` says whether trying again
    later may help (a network failure or a 5xx), not for a refused number."""

    def __init__(self, message: str, *, retryable: bool, params: dict[str, object] | None = None) -> None:
        super().__init__(message, code=NotificationErrorCode.SMS_FAILED, params=params)
        self.retryable = retryable


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> str: ...


@dataclass(frozen=True)
class TwilioSender:
    account_sid: str
    auth_token: str
    from_number: str
    base_url: str = TWILIO_DEFAULT_BASE_URL
    timeout: float = 10

    def send(self, to: str, body: str) -> str:
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{quote(self.account_sid, safe='')}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode("ascii")
        try:
            response = safe_post(
                url,
                data={"To": to, "From": self.from_number, "Body": body[:SMS_MAX_CHARS]},
                headers={"Authorization": f"Basic {credentials}", "Accept": "application/json"},
                timeout=self.timeout,
                max_bytes=256 * 1024,
                max_redirects=0,
            )
        except OutboundHttpError as exc:
            raise SmsError(exc.message, retryable=True) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if response.status_code >= 400 or data.get("error_code"):
            message = str(data.get("message") or data.get("error_message") or "")
            code = data.get("code") or data.get("error_code") or ""
            raise SmsError(
                _("The text message provider answered %(status)s: %(message)s (code %(code)s)")
                % {"status": response.status_code, "message": message or "-", "code": code or "-"},
                retryable=response.status_code >= 500 or response.status_code == 429,
                params={"status": response.status_code, "provider_code": code},
            )
        sid = str(data.get("sid") or "")
        if not sid:
            raise SmsError(_("The text message provider answered without a message id."), retryable=True)
        return sid


def sms_settings_get() -> SmsSettings:
    found = SmsSettings.objects.filter(pk=SMS_SETTINGS_PK).first()
    return found or SmsSettings(pk=SMS_SETTINGS_PK)


def sms_enabled() -> bool:
    found = SmsSettings.objects.filter(pk=SMS_SETTINGS_PK, enabled=True).first()
    return found is not None


def sms_sender() -> SmsSender:
    """The store's configured sender; raises `NotificationError` when text messages are off."""
    config = sms_settings_get()
    if not config.enabled:
        raise NotificationError(
            _("Text messages are not set up for this store."), code=NotificationErrorCode.SMS_NOT_CONFIGURED
        )
    return TwilioSender(
        account_sid=config.account_sid,
        auth_token=config.auth_token,
        from_number=config.from_number,
        base_url=getattr(settings, "NOTIFICATIONS_TWILIO_BASE_URL", TWILIO_DEFAULT_BASE_URL),
    )
