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
    cipher = load_field_cipher(settings(tmp_path))
    token = cipher.encrypt(ID)
    assert ID not in token and cipher.decrypt(token) == ID
    for name in ("data.keys", "lookup.key"):
        assert stat.S_IMODE((tmp_path / "var" / "keys" / name).stat().st_mode) == 0o600
    again = load_field_cipher(settings(tmp_path))
    assert again.decrypt(token) == ID and again.lookup_hash(ID) == cipher.lookup_hash(ID)


def test_a_key_file_others_can_read_is_refused(tmp_path):
    load_field_cipher(settings(tmp_path))
    (tmp_path / "var" / "keys" / "data.keys").chmod(0o644)
    with pytest.raises(FanjingError) as raised:
        load_field_cipher(settings(tmp_path))
    assert raised.value.code == "key_file_open"


def test_rotation_keeps_old_values_readable_and_reencrypts_them(tmp_path):
    before = load_field_cipher(settings(tmp_path))
    old_token = before.encrypt(ID)
    rotate_data_key(settings(tmp_path))
    after = load_field_cipher(settings(tmp_path))
    assert after.decrypt(old_token) == ID
    new_token = after.reencrypt(old_token)
    assert after.decrypt(new_token) == ID
    with pytest.raises(FanjingError):
        before.decrypt(new_token)  # only the new key opens it
    assert after.lookup_hash(ID) == before.lookup_hash(ID)  # lookups survive rotations


def test_keys_from_the_environment(tmp_path):
    key = Fernet.generate_key().decode()
    lookup = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = {
        "FANJING_DATA_KEYS": key,
        "FANJING_LOOKUP_KEY": lookup,
        "FANJING_VAR_DIR": str(tmp_path / "var"),
    }
    cipher = load_field_cipher(Settings.from_environment(env))
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


def _people(engine, gazetteer, cipher):
    from tests.healthkit.test_bindings import bind, make_account

    account = make_account(engine, gazetteer, cipher)
    bind(engine, cipher, account, phone="13912345678")
    return account


def _fanjing_keys(tmp_path, *args):
    import os
    import subprocess
    import sys

    env = {**os.environ, "FANJING_VAR_DIR": str(tmp_path / "var")}
    env.pop("FANJING_DATABASE_URL", None)
    env.pop("FANJING_DATA_KEYS", None)
    return subprocess.run(
        [sys.executable, "-m", "fanjing", "keys", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def _one_name(engine):
    from sqlalchemy import select

    from fanjing.healthkit.store import AccountRow

    with engine.connect() as connection:
        return connection.scalar(select(AccountRow.name_encrypted))


def test_rotating_then_reencrypting_moves_every_field_and_retires_the_old_key(tmp_path, gazetteer):
    from sqlalchemy import select

    from fanjing.healthkit.store import AccountRow, PhoneBindingRow
    from fanjing.infra.db import open_database, session_scope

    settings = Settings(
        var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path}/var/fanjing.db"
    )
    engine = open_database(settings.database_url)
    old = load_field_cipher(settings)
    _people(engine, gazetteer, old)
    rotated = _fanjing_keys(tmp_path, "rotate")
    assert rotated.returncode == 0 and "fanjing keys reencrypt" in rotated.stdout
    assert old.can_decrypt(_one_name(engine))  # nothing re-encrypted yet: servers still read all
    done = _fanjing_keys(tmp_path, "reencrypt", "--retire-old")
    assert done.returncode == 0, done.stderr
    assert "healthkit_account：1 行" in done.stdout and "phone_binding：1 行" in done.stdout
    new = load_field_cipher(settings)
    keys = (tmp_path / "var" / "keys" / "data.keys").read_text().split()
    assert len(keys) == 1
    with session_scope(engine) as session:
        account = session.scalars(select(AccountRow)).one()
        phone = session.scalars(select(PhoneBindingRow)).one()
        assert new.decrypt(account.name_encrypted) == "张三"
        assert new.decrypt(phone.phone_encrypted) == "13912345678"
        assert not old.can_decrypt(account.document_encrypted)  # the old key is of no use now
    engine.dispose()


def test_values_still_needing_an_old_key_are_found_before_it_is_retired(tmp_path, gazetteer):
    from sqlalchemy import update

    from fanjing.healthkit.store import AccountRow
    from fanjing.infra.crypto import reencrypt_columns, undecryptable_under_newest
    from fanjing.infra.db import open_database
    from fanjing.tables import metadata

    settings = Settings(
        var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path}/var/fanjing.db"
    )
    engine = open_database(settings.database_url)
    old = load_field_cipher(settings)
    _people(engine, gazetteer, old)
    rotate_data_key(settings)
    new = load_field_cipher(settings)
    assert undecryptable_under_newest(engine, metadata, new) == {
        "app_user": 1,  # the user's name
        "healthkit_account": 2,
        "phone_binding": 1,
    }
    counts = reencrypt_columns(engine, metadata, new, batch_rows=1)
    assert {table: rows for table, rows in counts.items() if rows} == {
        "app_user": 1,
        "healthkit_account": 1,
        "phone_binding": 1,
    }
    # every table with *_encrypted columns is found, with or without rows here
    assert {"arrival_report", "vaccination_dose"} <= set(counts)
    assert undecryptable_under_newest(engine, metadata, new) == {}
    # a server started before the rotation still writes with the old key
    with engine.begin() as connection:
        connection.execute(update(AccountRow).values(name_encrypted=old.encrypt("张三")))
    assert undecryptable_under_newest(engine, metadata, new) == {"healthkit_account": 1}
    engine.dispose()
