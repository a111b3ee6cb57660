from __future__ import annotations

import base64
import secrets
import stat

import pytest
from cryptography.fernet import Fernet

from fanjing.errors import FanjingError
from fanjing.infra.crypto import FieldCipher, load_field_cipher, rotate_data_key
from fanjing.settings import Settings

ID = "11010519491231002X"


def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url="sqlite://")


def test_key_files_are_created_once_with_mode_0600(tmp_path):
    cipher = load_field_cipher(settings(tmp_path), environ={})
    token = cipher.encrypt(ID)
    assert ID not in token and cipher.decrypt(token) == ID
    for name in ("data.keys", "lookup.key"):
        assert stat.S_IMODE((tmp_path / "var" / "keys" / name).stat().st_mode) == 0o600
    again = load_field_cipher(settings(tmp_path), environ={})
    assert again.decrypt(token) == ID and again.lookup_hash(ID) == cipher.lookup_hash(ID)


def test_a_key_file_others_can_read_is_refused(tmp_path):
    load_field_cipher(settings(tmp_path), environ={})
    (tmp_path / "var" / "keys" / "data.keys").chmod(0o644)
    with pytest.raises(FanjingError) as raised:
        load_field_cipher(settings(tmp_path), environ={})
    assert raised.value.code == "key_file_open"


def test_rotation_keeps_old_values_readable_and_reencrypts_them(tmp_path):
    before = load_field_cipher(settings(tmp_path), environ={})
    old_token = before.encrypt(ID)
    rotate_data_key(settings(tmp_path))
    after = load_field_cipher(settings(tmp_path), environ={})
    assert after.decrypt(old_token) == ID
    new_token = after.reencrypt(old_token)
    assert after.decrypt(new_token) == ID
    with pytest.raises(FanjingError):
        before.decrypt(new_token)  # only the new key opens it
    assert after.lookup_hash(ID) == before.lookup_hash(ID)  # lookups survive rotations


def test_keys_from_the_environment(tmp_path):
    key = Fernet.generate_key().decode()
    lookup = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = {"FANJING_DATA_KEYS": key, "FANJING_LOOKUP_KEY": lookup}
    cipher = load_field_cipher(settings(tmp_path), environ=env)
    assert (
        FieldCipher([key.encode()], base64.urlsafe_b64decode(lookup)).decrypt(cipher.encrypt(ID))
        == ID
    )
    assert not (tmp_path / "var" / "keys").exists()


def test_lookup_hashes_are_keyed():
    one = FieldCipher([Fernet.generate_key()], b"a" * 32)
    other = FieldCipher([Fernet.generate_key()], b"b" * 32)
    assert one.lookup_hash(ID) == one.lookup_hash(ID) != other.lookup_hash(ID)
    assert ID not in one.lookup_hash(ID)
