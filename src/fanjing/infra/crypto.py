"""Personal data at rest: field encryption (with key rotation) and keyed hashes for lookups.

Keys come from the environment (``FANJING_DATA_KEYS``: Fernet keys, newest first,
comma-separated; ``FANJING_LOOKUP_KEY``) or, by default, from key files under
``var/keys/`` created on first use with mode 0600. Encrypted values are Fernet
tokens (AES-128-CBC and HMAC-SHA256): the newest key encrypts, every listed key
decrypts, so rotating is adding a key in front and re-encrypting at leisure.
Lookups use HMAC-SHA256 with a separate key, so a stolen database alone can
neither read nor confirm an ID or phone number.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from fanjing.errors import FanjingError
from fanjing.settings import PREFIX, Settings

DATA_KEYS_FILE = "data.keys"
LOOKUP_KEY_FILE = "lookup.key"


class FieldCipher:
    """Encrypts and decrypts personal data fields, and hashes them for lookups."""

    def __init__(self, data_keys: Sequence[bytes], lookup_key: bytes) -> None:
        if not data_keys:
            raise FanjingError("no_keys", "没有数据加密密钥")
        self._fernet = MultiFernet([Fernet(key) for key in data_keys])  # newest first
        self._lookup_key = lookup_key

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise FanjingError("undecryptable", "无法解密：密钥不对或数据已损坏") from None

    def reencrypt(self, token: str) -> str:
        """The same value under the newest key (after a rotation)."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of the normalised value, to find a row without decrypting every row."""
        return hmac.digest(self._lookup_key, value.encode("utf-8"), "sha256").hex()


def load_field_cipher(settings: Settings, environ: Mapping[str, str] | None = None) -> FieldCipher:
    """Keys from the environment, else from ``var/keys/`` (created on first use, mode 0600)."""
    env = os.environ if environ is None else environ
    folder = settings.var_dir / "keys"
    data_keys = env.get(f"{PREFIX}DATA_KEYS")
    keys = (
        tuple(k.strip().encode("ascii") for k in data_keys.split(",") if k.strip())
        if data_keys
        else _key_lines(folder / DATA_KEYS_FILE, Fernet.generate_key)
    )
    lookup = env.get(f"{PREFIX}LOOKUP_KEY")
    lookup_key = (
        base64.urlsafe_b64decode(lookup)
        if lookup
        else base64.urlsafe_b64decode(
            _key_lines(
                folder / LOOKUP_KEY_FILE, lambda: base64.urlsafe_b64encode(secrets.token_bytes(32))
            )[0]
        )
    )
    return FieldCipher(keys, lookup_key)


def rotate_data_key(settings: Settings) -> None:
    """Put a new data key in front of the key file (the old ones still decrypt)."""
    path = settings.var_dir / "keys" / DATA_KEYS_FILE
    existing = _key_lines(path, Fernet.generate_key)
    _write_private(path, [Fernet.generate_key(), *existing])


def _key_lines(path: Path, new_key: Callable[[], bytes]) -> tuple[bytes, ...]:
    if not path.exists():
        _write_private(path, [new_key()])
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise FanjingError("key_file_open", f"密钥文件 {path} 的权限 {oct(mode)} 过宽：应为 0600")
    return tuple(
        line.strip().encode("ascii") for line in path.read_text().splitlines() if line.strip()
    )


def _write_private(path: Path, keys: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(key.decode("ascii") for key in keys) + "\n")
    os.replace(temporary, path)  # never a half-written key file
