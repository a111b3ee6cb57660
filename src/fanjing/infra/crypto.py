"""Personal data at rest: field encryption (with key rotation) and keyed hashes for lookups.

Keys come from the settings (``FANJING_DATA_KEYS``: Fernet keys, newest first,
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Column, Engine, MetaData, Table, bindparam, select, update

from fanjing.errors import Code, FanjingError
from fanjing.settings import Settings

DATA_KEYS_FILE = "data.keys"
LOOKUP_KEY_FILE = "lookup.key"
SESSION_KEY_FILE = "session.key"


class FieldCipher:
    """Encrypts and decrypts personal data fields, and hashes them for lookups."""

    def __init__(self, data_keys: Sequence[bytes], lookup_key: bytes) -> None:
        if not data_keys:
            raise FanjingError(Code.NO_KEYS, "没有数据加密密钥")
        self._data_keys = tuple(data_keys)
        self._fernet = MultiFernet([Fernet(key) for key in data_keys])  # newest first
        self._lookup_key = lookup_key

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise FanjingError(Code.UNDECRYPTABLE, "无法解密：密钥不对或数据已损坏") from None

    def reencrypt(self, token: str) -> str:
        """The same value under the newest key (after a rotation)."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def newest_only(self) -> FieldCipher:
        """This cipher with its newest data key alone."""
        return FieldCipher(self._data_keys[:1], self._lookup_key)

    def can_decrypt(self, token: str) -> bool:
        try:
            self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of the normalised value, to find a row without decrypting every row."""
        return hmac.digest(self._lookup_key, value.encode("utf-8"), "sha256").hex()


def load_field_cipher(settings: Settings) -> FieldCipher:
    """Keys from the settings (``FANJING_DATA_KEYS``, ``FANJING_LOOKUP_KEY``), else from
    ``var/keys/`` (created on first use, mode 0600)."""
    folder = settings.var_dir / "keys"
    keys = settings.data_key_list() or _key_lines(folder / DATA_KEYS_FILE, Fernet.generate_key)
    lookup = (
        settings.lookup_key.get_secret_value().encode("ascii")
        if settings.lookup_key is not None
        else _key_lines(
            folder / LOOKUP_KEY_FILE, lambda: base64.urlsafe_b64encode(secrets.token_bytes(32))
        )[0]
    )
    return FieldCipher(keys, base64.urlsafe_b64decode(lookup))


def session_secret(settings: Settings) -> str:
    """The key signing web session cookies: ``var/keys/session.key``, made on first use (0600)."""
    path = settings.var_dir / "keys" / SESSION_KEY_FILE
    return _key_lines(path, lambda: secrets.token_urlsafe(48).encode("ascii"))[0].decode("ascii")


def rotate_data_key(settings: Settings) -> None:
    """Put a new data key in front of the key file (the old ones still decrypt)."""
    path = settings.var_dir / "keys" / DATA_KEYS_FILE
    existing = _key_lines(path, Fernet.generate_key)
    _write_private(path, [Fernet.generate_key(), *existing])


def retire_old_data_keys(settings: Settings) -> int:
    """Keep only the newest data key in the key file; how many were dropped. Call it only
    once every value is encrypted under the newest key (``reencrypt_columns`` checks)."""
    path = settings.var_dir / "keys" / DATA_KEYS_FILE
    existing = _key_lines(path, Fernet.generate_key)
    _write_private(path, [existing[0]])
    return len(existing) - 1


def encrypted_columns(metadata: MetaData) -> list[tuple[Table, list[Column[Any]]]]:
    """The tables holding Fernet tokens: by convention, columns named ``*_encrypted``."""
    found = []
    for table in metadata.sorted_tables:
        columns = [column for column in table.columns if column.name.endswith("_encrypted")]
        if columns:
            found.append((table, columns))
    return found


def reencrypt_columns(
    engine: Engine,
    metadata: MetaData,
    cipher: FieldCipher,
    *,
    progress: Callable[[str, int], None] = lambda table, rows: None,
    batch_rows: int = 1_000,
) -> dict[str, int]:
    """Every encrypted value again under the newest key, one committed batch at a time (an
    interrupted run is simply run again); rows per table."""
    counts: dict[str, int] = {}
    for table, columns in encrypted_columns(metadata):
        (key,) = table.primary_key.columns
        counts[table.name] = 0
        last = None
        while True:
            with engine.begin() as connection:
                query = select(key, *columns).order_by(key).limit(batch_rows)
                rows = connection.execute(query if last is None else query.where(key > last)).all()
                if not rows:
                    break
                # only where the value is still what was read: a change committed meanwhile
                # (a correction, a new binding) is not overwritten with the old value
                unchanged = [c.is_not_distinct_from(bindparam(f"old_{c.name}")) for c in columns]
                connection.execute(
                    update(table)
                    .where(key == bindparam("row_key"), *unchanged)
                    .values({c.name: bindparam(f"new_{c.name}") for c in columns}),
                    [
                        {
                            "row_key": row[0],
                            **{
                                f"old_{c.name}": value
                                for c, value in zip(columns, row[1:], strict=True)
                            },
                            **{
                                f"new_{c.name}": None if value is None else cipher.reencrypt(value)
                                for c, value in zip(columns, row[1:], strict=True)
                            },
                        }
                        for row in rows
                    ],
                )
            last = rows[-1][0]
            counts[table.name] += len(rows)
            progress(table.name, len(rows))
    return counts


def undecryptable_under_newest(
    engine: Engine, metadata: MetaData, cipher: FieldCipher
) -> dict[str, int]:
    """Per table, how many values the newest key alone cannot decrypt (written meanwhile by
    a process still holding the old keys, say)."""
    newest = cipher.newest_only()
    left: dict[str, int] = {}
    with engine.connect() as connection:
        for table, columns in encrypted_columns(metadata):
            for row in connection.execute(select(*columns)):
                for value in row:
                    if value is not None and not newest.can_decrypt(value):
                        left[table.name] = left.get(table.name, 0) + 1
    return left


def _key_lines(path: Path, new_key: Callable[[], bytes]) -> tuple[bytes, ...]:
    if not path.exists():
        _write_private(path, [new_key()])
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise FanjingError(
            Code.KEY_FILE_OPEN, f"密钥文件 {path} 的权限 {oct(mode)} 过宽：应为 0600"
        )
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
