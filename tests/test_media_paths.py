"""Local media serving refuses every path that leaves the current store's prefix.

A real file sits in beta's prefix, a real secret in the private root and one at the top of
MEDIA_ROOT; a corpus of traversal, encoding and symlink tricks is sent to alpha's host and none
of them may answer with those bytes, while alpha's own file is served.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.core.files import MediaPathRefused, media_file_path
from tests.fixtures import store_client

pytestmark = pytest.mark.django_db

ALPHA_BYTES = b"ALPHA-PUBLIC-IMAGE"
BETA_BYTES = b"BETA-PUBLIC-IMAGE"
PRIVATE_BYTES = b"ALPHA-PRIVATE-IMPORT-SECRET"
ROOT_BYTES = b"MEDIA-ROOT-TOP-LEVEL-SECRET"
FORBIDDEN = (BETA_BYTES, PRIVATE_BYTES, ROOT_BYTES)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


@dataclass(frozen=True)
class Layout:
    media: Path
    private: Path


@pytest.fixture
def layout(settings, tmp_path) -> Layout:
    """MEDIA_ROOT and PRIVATE_MEDIA_ROOT side by side, as in every settings module."""
    media, private = tmp_path / "media", tmp_path / "private"
    (media / "store_alpha" / "images").mkdir(parents=True)
    (media / "store_beta" / "images").mkdir(parents=True)
    (private / "store_alpha" / "imports").mkdir(parents=True)
    (media / "store_alpha" / "images" / "alpha.txt").write_bytes(ALPHA_BYTES)
    (media / "store_beta" / "images" / "beta.txt").write_bytes(BETA_BYTES)
    (private / "store_alpha" / "imports" / "secret.csv").write_bytes(PRIVATE_BYTES)
    (media / "root-secret.txt").write_bytes(ROOT_BYTES)
    # Symlinks planted in alpha's prefix (a restored backup, a careless deploy script).
    images = media / "store_alpha" / "images"
    os.symlink(media / "store_beta" / "images" / "beta.txt", images / "link-to-beta.txt")
    os.symlink(private / "store_alpha" / "imports" / "secret.csv", images / "link-to-private.csv")
    os.symlink(private, media / "store_alpha" / "linkdir")
    os.symlink("../../root-secret.txt", images / "relative-link.txt")
    settings.MEDIA_ROOT = str(media)
    settings.PRIVATE_MEDIA_ROOT = str(private)
    return Layout(media=media, private=private)


BETA = "store_beta/images/beta.txt"
PRIVATE = "private/store_alpha/imports/secret.csv"  # relative to MEDIA_ROOT's parent

# Everything after `/media/`, sent to alpha's host. `{abs}` is the tmp directory as an absolute
# path, so `store_alpha/{abs}/...` arrives as `/media/store_alpha//tmp/...`.
CORPUS: list[str] = [
    # another store's prefix, plain and encoded
    f"{BETA}",
    "STORE_BETA/images/beta.txt",
    "store_beta%2fimages%2fbeta.txt",
    f"store_alpha%2f..%2f{BETA}",
    f"store_alpha/../{BETA}",
    f"store_alpha/..%2f{BETA}",
    f"store_alpha/%2e%2e/{BETA}",
    "store_alpha/%2e%2e%2fstore_beta%2fimages%2fbeta.txt",
    f"store_alpha/.%2e/{BETA}",
    f"store_alpha/%2e./{BETA}",
    f"store_alpha/images/../../{BETA}",
    f"store_alpha/images/%2e%2e/%2e%2e/{BETA}",
    f"store_alpha/./../{BETA}",
    f"store_alpha/images/alpha.txt/../../../{BETA}",
    # double and triple encoding
    f"store_alpha/%252e%252e%252f{BETA}",
    f"store_alpha/..%252f{BETA}",
    f"store_alpha/%25252e%25252e%25252f{BETA}",
    # backslash dot-segments
    "store_alpha/..\\store_beta\\images\\beta.txt",
    "store_alpha/..%5cstore_beta%5cimages%5cbeta.txt",
    f"store_alpha/%2e%2e%5c{BETA}",
    "store_alpha/..%255cstore_beta%255cimages%255cbeta.txt",
    f"store_alpha/images\\..\\..\\{BETA}",
    # filter-bypass shapes
    f"store_alpha/....//{BETA}",
    f"store_alpha/..././{BETA}",
    f"store_alpha//../{BETA}",
    f"store_alpha/..;/{BETA}",
    f"store_alpha/%20../{BETA}",
    # overlong UTF-8 for '.' and '/'
    f"store_alpha/%c0%ae%c0%ae/{BETA}",
    "store_alpha/%c0%ae%c0%ae%c0%afstore_beta%c0%afimages%c0%afbeta.txt",
    f"store_alpha/%e0%80%ae%e0%80%ae/{BETA}",
    f"store_alpha/%c0%2e%c0%2e/{BETA}",
    f"store_alpha/..%c1%9c{BETA}",
    # unicode dot and slash lookalikes, raw and percent-encoded
    f"store_alpha/\uff0e\uff0e/{BETA}",
    f"store_alpha/%ef%bc%8e%ef%bc%8e/{BETA}",
    f"store_alpha/\u2025/{BETA}",
    f"store_alpha/\u2024\u2024/{BETA}",
    f"store_alpha/\ufe52\ufe52/{BETA}",
    "store_alpha/..\uff0fstore_beta\uff0fimages\uff0fbeta.txt",
    "store_alpha/..\uff3cstore_beta\uff3cimages\uff3cbeta.txt",
    "store_alpha/..\u2215store_beta\u2215images\u2215beta.txt",
    f"store_alpha/\u3002\u3002/{BETA}",
    f"store_alpha/%u002e%u002e/{BETA}",
    # NUL and other control characters
    f"store_alpha/..%00/{BETA}",
    f"store_alpha/../{BETA}%00",
    "store_alpha/images/alpha.txt%00.png",
    f"store_alpha/..%09/{BETA}",
    f"store_alpha/..%0d%0a/{BETA}",
    f"store_alpha/%e2%80%ae../{BETA}",
    f"store_alpha/%e2%80%8b../{BETA}",
    # absolute paths
    "store_alpha/{abs}/media/" + BETA,
    "store_alpha/%2f{abs}/media/" + BETA,
    "store_alpha//etc/passwd",
    "store_alpha/%2fetc%2fpasswd",
    # symlinks that point outside the prefix
    "store_alpha/images/link-to-beta.txt",
    "store_alpha/images/link-to-private.csv",
    "store_alpha/linkdir/store_alpha/imports/secret.csv",
    "store_alpha/images/relative-link.txt",
    # the top of MEDIA_ROOT and the private root
    "store_alpha/../root-secret.txt",
    "store_alpha/%2e%2e%2froot-secret.txt",
    "root-secret.txt",
    f"store_alpha/../../{PRIVATE}",
    f"store_alpha/%2e%2e/%2e%2e/{PRIVATE}",
    "store_alpha/%2e%2e%2f%2e%2e%2fprivate%2fstore_alpha%2fimports%2fsecret.csv",
    f"store_alpha/%252e%252e%252f%252e%252e%252f{PRIVATE}",
    f"../{PRIVATE}",
    f"%2e%2e/{PRIVATE}",
    "store_alpha/{abs}/private/store_alpha/imports/secret.csv",
    "private/store_alpha/imports/secret.csv",
    "store_alpha/imports/secret.csv",
]


def test_the_corpus_is_large_and_its_targets_are_real(layout):
    # given the files the corpus aims at exist and beta's is served on beta's own host
    assert len(CORPUS) >= 40
    assert (layout.media / BETA).read_bytes() == BETA_BYTES
    assert (layout.private / "store_alpha/imports/secret.csv").read_bytes() == PRIVATE_BYTES


def test_a_store_is_served_its_own_media(alpha, beta, layout):
    response = store_client(alpha).get("/media/store_alpha/images/alpha.txt")
    assert response.status_code == 200
    assert body(response) == ALPHA_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # the very file the corpus aims at is real: beta's host serves it
    on_beta = store_client(beta).get(f"/media/{BETA}")
    assert on_beta.status_code == 200
    assert body(on_beta) == BETA_BYTES


@pytest.mark.parametrize("tail", CORPUS)
def test_no_path_leaves_the_current_stores_prefix(alpha, layout, tail):
    # given alpha's host and a path that aims at beta's file, the private root or MEDIA_ROOT
    client: Client = store_client(alpha)
    url = "/media/" + tail.replace("{abs}", str(layout.media.parent))

    # when it is requested
    response = client.get(url)

    # then it is refused, and none of the protected bytes leave
    assert response.status_code in (400, 404), (url, response.status_code)
    assert not any(secret in body(response) for secret in FORBIDDEN), url


@pytest.mark.parametrize(
    "path",
    ["../store_beta/images/beta.txt", "a/%2e%2e/%2e%2e/x", "\uff0e\uff0e/x", "x\x00", "..\\x", "/etc/passwd"],
)
def test_media_file_path_refuses_a_climbing_path_before_touching_the_disk(alpha, layout, path):
    from django_tenants.utils import schema_context

    with schema_context(alpha.tenant.schema_name), pytest.raises(MediaPathRefused):
        media_file_path(schema="store_alpha", path=path)


def test_media_file_path_keeps_a_name_with_a_harmless_percent(alpha, layout):
    """A file whose name holds `%` (served as `%25`) still works: only decodings that climb out
    are refused."""
    from django_tenants.utils import schema_context

    (layout.media / "store_alpha" / "images" / "50%20off.txt").write_bytes(b"sale")
    with schema_context(alpha.tenant.schema_name):
        found = media_file_path(schema="store_alpha", path="images/50%20off.txt")
    assert found.read_bytes() == b"sale"
    response = store_client(alpha).get("/media/store_alpha/images/50%2520off.txt")
    assert response.status_code == 200
