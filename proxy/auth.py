"""Who is asking: client keys mapped to tenants, and admin keys for the ``/v1/cache`` routes.

Keys come from ``--api-keys`` (``tenant:key`` pairs, comma-separated; a bare key belongs to
tenant ``default``), from a keys file (``--keys-file``: one ``tenant key`` pair a line, ``#``
comments), and ``--admin-keys``. A key may be written as its SHA-256 (``sha256:<hex>``, what
``memoaized hash-key`` prints) so that files and environments need not hold it in the clear.
Only hashes are kept in memory. A presented key is hashed and compared with every stored hash in
constant time, and no key is ever echoed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

__all__ = [
    "DEFAULT_TENANT",
    "KeyRing",
    "Principal",
    "UrlSigner",
    "hash_key",
    "load_url_secret",
    "valid_tenant",
]

DEFAULT_TENANT = "default"
_HASHED = re.compile(r"sha256:([0-9a-fA-F]{64})")
_MIN_SECRET_BYTES = 16
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Principal:
    """The holder of a key: a tenant's client, or an administrator."""

    tenant: str
    admin: bool = False


def hash_key(key: str) -> str:
    """The form a key may be stored in: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class KeyRing:
    """Every configured key, by hash."""

    def __init__(self, entries: list[tuple[bytes, Principal]]) -> None:
        self._entries = entries

    @classmethod
    def from_settings(cls, api_keys: str, keys_file: str, admin_keys: str) -> KeyRing:
        """Read the keys; a malformed entry is a ``ValueError`` naming where it is, never the
        key itself."""
        entries = []
        for number, item in enumerate(_items(api_keys), start=1):
            tenant, key = (
                ("", item) if item.startswith("sha256:") or ":" not in item else item.split(":", 1)
            )
            entries.append((_digest(key), _principal(tenant, "api_keys", number)))
        if keys_file:
            path = Path(keys_file)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise ValueError(f"cannot read the keys file {path}: {error.strerror}") from None
            for number, line in enumerate(lines, start=1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                parts = line.split()
                if len(parts) != 2:
                    raise ValueError(
                        f"{path}:{number}: expected 'tenant key', found {len(parts)} fields"
                    )
                tenant, key = parts
                entries.append((_digest(key), _principal(tenant, str(path), number)))
        entries += [(_digest(key), Principal("admin", admin=True)) for key in _items(admin_keys)]
        digests = [digest for digest, _ in entries]
        if len(set(digests)) != len(digests):
            raise ValueError(
                "the same key is configured twice (for two tenants, or for a client and an admin)"
            )
        return cls(entries)

    @property
    def clients(self) -> bool:
        """Whether any client key is configured (else the proxy is open, on loopback only)."""
        return any(not principal.admin for _, principal in self._entries)

    def holder(self, key: str) -> Principal | None:
        """The holder of ``key``, or None. Every stored hash is compared, in constant time."""
        presented = hashlib.sha256(key.encode()).digest()
        found = None
        for digest, principal in self._entries:
            if hmac.compare_digest(presented, digest):
                found = principal
        return found


_ADMIN_AUDIENCE = "*"


class UrlSigner:
    """Signs image URLs for one reader: ``?tenant=T&expires=E&signature=S``, where ``S`` is an
    HMAC-SHA256 of the image, the tenant and the expiry. A URL is a capability: whoever holds
    it may fetch that image as that tenant until it expires, and nobody can make one for
    another tenant or image without the secret."""

    def __init__(self, secret: bytes, ttl: float) -> None:
        self._secret = secret
        self.ttl = ttl

    def sign(self, blob_id: str, tenant: str | None, now: float | None = None) -> str:
        """The query string for ``blob_id`` read as ``tenant`` (None: an administrator)."""
        audience = _ADMIN_AUDIENCE if tenant is None else tenant
        expires = int((time.time() if now is None else now) + self.ttl)
        signature = self._signature(blob_id, audience, expires)
        return urlencode({"tenant": audience, "expires": expires, "signature": signature})

    def verify(
        self, blob_id: str, tenant: str, expires: str, signature: str, now: float | None = None
    ) -> str | None:
        """The tenant the URL was signed for (None: an administrator). Raises ``ValueError``
        when the signature is not genuine, ``TimeoutError`` when it expired."""
        try:
            deadline = int(expires)
        except ValueError:
            raise ValueError("malformed expiry") from None
        expected = self._signature(blob_id, tenant, deadline)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise ValueError("the signature does not match")
        if deadline < (time.time() if now is None else now):
            raise TimeoutError("the URL expired")
        return None if tenant == _ADMIN_AUDIENCE else tenant

    def _signature(self, blob_id: str, audience: str, expires: int) -> str:
        message = f"{blob_id}\n{audience}\n{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def load_url_secret(configured: str, data_dir: Path) -> bytes:
    """The secret that signs image URLs: the configured one, else the one kept in
    ``data_dir/url-secret`` (created, readable by its owner only, on first use)."""
    if configured:
        if len(configured.encode()) < _MIN_SECRET_BYTES:
            raise ValueError(
                f"url_secret must be at least {_MIN_SECRET_BYTES} bytes: anyone who guesses it "
                "can sign image URLs for any tenant"
            )
        return configured.encode()
    path = data_dir / "url-secret"
    stored = _stored_secret(path)
    if stored is not None:
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    staging = path.with_name(f".url-secret.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secret.hex())
        file.flush()
        os.fsync(file.fileno())
    try:
        if path.exists():  # unreadable or too short (a crash, a stray `touch`): replaced
            os.replace(staging, path)
        else:
            os.link(staging, path)  # first writer wins when two processes start together
    except FileExistsError:
        pass
    finally:
        staging.unlink(missing_ok=True)
    stored = _stored_secret(path)
    if stored is None:
        raise ValueError(f"cannot keep a URL secret in {path}")
    return stored


def _stored_secret(path: Path) -> bytes | None:
    """The secret kept in ``path``; None when there is none, or it is not a usable one."""
    try:
        secret = bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return secret if len(secret) >= _MIN_SECRET_BYTES else None


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _digest(key: str) -> bytes:
    """The SHA-256 a key is compared by. A ``sha256:`` value must be a whole hash: a mistyped
    one taken for a plain key would let whoever reads the configuration log in with it."""
    if key.startswith("sha256:"):
        hashed = _HASHED.fullmatch(key)
        if hashed is None:
            raise ValueError("a key given as sha256: must be followed by 64 hex digits")
        return bytes.fromhex(hashed.group(1))
    return hashlib.sha256(key.encode()).digest()


def valid_tenant(tenant: str) -> bool:
    """Whether ``tenant`` is a valid tenant name."""
    return _TENANT.fullmatch(tenant) is not None


def _principal(tenant: str, source: str, number: int) -> Principal:
    tenant = tenant or DEFAULT_TENANT
    if not valid_tenant(tenant):
        raise ValueError(
            f"{source} entry {number}: tenant names are 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return Principal(tenant)
