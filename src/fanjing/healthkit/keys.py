"""Keys that sign health-kit passes: Ed25519, one file each under ``var/keys/pass/`` (0600).

The newest key signs. Rotation adds a key; the keys it replaced stay published in
the JWKS for ``OVERLAP`` after, so passes signed just before a rotation still
verify; then they are no longer published.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fanjing.errors import Code, FanjingError
from fanjing.healthkit.pass_token import SigningKey
from fanjing.settings import Settings

OVERLAP = timedelta(days=1)
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class StoredKey:
    key: SigningKey
    created_at: datetime


def _folder(settings: Settings) -> Path:
    return settings.var_dir / "keys" / "pass"


def stored_keys(settings: Settings, *, now: datetime) -> list[StoredKey]:
    """Every signing key, newest first; the first is created on first use."""
    folder = _folder(settings)
    if not folder.exists() or not any(folder.glob("*.pem")):
        rotate_signing_key(settings, now=now)
    keys = []
    for path in sorted(folder.glob("*.pem"), reverse=True):
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise FanjingError(
                Code.KEY_FILE_OPEN, f"密钥文件 {path} 的权限 {oct(mode)} 过宽：应为 0600"
            )
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise FanjingError(Code.BAD_KEY_FILE, f"{path} 不是 Ed25519 私钥")
        created = datetime.strptime(path.stem.split("-")[0], _STAMP).replace(tzinfo=UTC)
        keys.append(StoredKey(SigningKey(path.stem, private), created))
    return keys


_LOADED: dict[Path, tuple[int, list[StoredKey]]] = {}  # by folder: its mtime, its keys


def current_keys(settings: Settings, *, now: datetime) -> list[StoredKey]:
    """``stored_keys``, read again only when the folder changed (a key added or removed
    changes its modification time): a server signs a pass per request, and reading and
    parsing every key file each time cost more than signing."""
    folder = _folder(settings)
    with contextlib.suppress(FileNotFoundError):
        changed = folder.stat().st_mtime_ns
        loaded = _LOADED.get(folder)
        if loaded is not None and loaded[0] == changed:
            return loaded[1]
    keys = stored_keys(settings, now=now)
    _LOADED[folder] = (folder.stat().st_mtime_ns, keys)
    return keys


def rotate_signing_key(settings: Settings, *, now: datetime) -> SigningKey:
    """Create a new signing key; it signs from now on."""
    folder = _folder(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    kid = f"{now.astimezone(UTC).strftime(_STAMP)}-{secrets.token_hex(4)}"
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # written aside, then renamed into place: another worker listing the folder meanwhile
    # (two starting at once each make the first key) never reads a half-written file
    written = folder / f".{kid}.pem.part"
    descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    written.rename(folder / f"{kid}.pem")
    return SigningKey(kid, private)


def jwks(keys: list[StoredKey], *, now: datetime) -> dict[str, Any]:
    """The public keys passes may be signed with: the newest, and those it replaced less than
    ``OVERLAP`` ago."""
    published = []
    replaced_at: datetime | None = None  # when the next newer key was made
    for stored in keys:
        if replaced_at is None or now - replaced_at < OVERLAP:
            published.append(stored.key.public_jwk())
        replaced_at = stored.created_at
    return {"keys": published}
