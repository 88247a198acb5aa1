from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User


@pytest.fixture
def staff_client(platform_client: Client) -> Client:
    staff = User.objects.create_superuser("billing-staff@example.com", "staff-pass-12345")
    platform_client.force_login(staff)
    return platform_client
