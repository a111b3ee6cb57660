"""Settings: every FANJING_* variable in one class, read once, bad values named."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from datetime import date, time
from ipaddress import ip_network
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from fanjing.errors import InputErrors
from fanjing.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_need_no_infrastructure():
    settings = Settings.from_environment({})
    assert settings.var_dir == Path("var")
    assert settings.database_url == "sqlite:///var/fanjing.db"
    assert settings.data_keys is None and settings.lookup_key is None
    assert settings.today is None and settings.debug is False
    assert settings.log_level == "INFO"
    assert settings.metrics_allow == (ip_network("127.0.0.1"),)
    assert settings.metrics_token is None
    assert settings.trusted_proxies == "127.0.0.1"
    assert settings.daily_jobs_at == time(3, 0)


def test_every_variable_is_read():
    key = Fernet.generate_key().decode()
    lookup = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings = Settings.from_environment(
        {
            "FANJING_VAR_DIR": "/srv/fanjing",
            "FANJING_DATA_KEYS": f"{key}, {key}",
            "FANJING_LOOKUP_KEY": lookup,
            "FANJING_TODAY": "2021-08-07",
            "FANJING_DEBUG": "1",
            "FANJING_LOG_LEVEL": "warning",
            "FANJING_METRICS_ALLOW": "10.0.0.0/8, 127.0.0.1",
            "FANJING_METRICS_TOKEN": "scrape-me",
            "FANJING_TRUSTED_PROXIES": "10.1.2.3",
            "FANJING_DAILY_JOBS_AT": "04:30",
            "FANJING_ITINERARY_SHARDS": "postgresql://s1/fanjing, postgresql://s2/fanjing",
        }
    )
    assert settings.database_url == "sqlite:////srv/fanjing/fanjing.db"  # follows the var dir
    assert settings.data_key_list() == (key.encode(), key.encode())
    assert settings.lookup_key is not None and settings.lookup_key.get_secret_value() == lookup
    assert settings.today == date(2021, 8, 7) and settings.debug is True
    assert settings.log_level == "WARNING"
    assert settings.metrics_allow == (ip_network("10.0.0.0/8"), ip_network("127.0.0.1"))
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == "scrape-me"
    assert settings.trusted_proxies == "10.1.2.3"
    assert settings.daily_jobs_at == time(4, 30)
    assert settings.itinerary_shards == ("postgresql://s1/fanjing", "postgresql://s2/fanjing")
    assert "scrape-me" not in repr(settings) and lookup not in repr(settings)


def test_an_explicit_database_url_wins():
    settings = Settings.from_environment(
        {"FANJING_VAR_DIR": "x", "FANJING_DATABASE_URL": "postgresql://db/fanjing"}
    )
    assert settings.database_url == "postgresql://db/fanjing"


def test_constructing_settings_reads_no_environment(monkeypatch):
    monkeypatch.setenv("FANJING_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("FANJING_VAR_DIR", "/elsewhere")
    assert Settings().log_level == "INFO"
    assert Settings(var_dir=Path("v")).database_url == "sqlite:///v/fanjing.db"
    assert Settings.from_environment().var_dir == Path("/elsewhere")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FANJING_LOG_LEVEL", "loud"),
        ("FANJING_TODAY", "2021-8-7"),
        ("FANJING_DEBUG", "perhaps"),
        ("FANJING_DATA_KEYS", "not-a-fernet-key"),
        ("FANJING_LOOKUP_KEY", "c2hvcnQ="),
        ("FANJING_METRICS_ALLOW", "127.0.0.1,localhost"),
        ("FANJING_TRUSTED_PROXIES", "proxy.internal"),
        ("FANJING_DAILY_JOBS_AT", "25:00"),
        ("FANJING_ITINERARY_SHARDS", "postgresql://s1/fanjing,sqlite:///shard.db"),
    ],
)
def test_a_bad_value_is_named_and_not_repeated(variable, value):
    with pytest.raises(InputErrors) as raised:
        Settings.from_environment({variable: value})
    assert [e.where.field for e in raised.value.errors] == [variable]
    assert variable in str(raised.value)
    if variable in ("FANJING_DATA_KEYS", "FANJING_LOOKUP_KEY"):
        assert value not in str(raised.value)  # a key is never echoed


def test_every_bad_variable_is_reported_once():
    with pytest.raises(InputErrors) as raised:
        Settings.from_environment({"FANJING_METRICS_ALLOW": "x", "FANJING_LOG_LEVEL": "x"})
    assert sorted(e.where.field for e in raised.value.errors) == [
        "FANJING_LOG_LEVEL",
        "FANJING_METRICS_ALLOW",
    ]


def test_settings_survive_the_trip_to_a_worker_process():
    key = Fernet.generate_key().decode()
    settings = Settings.from_environment(
        {
            "FANJING_DATA_KEYS": key,
            "FANJING_TODAY": "2021-08-07",
            "FANJING_DEBUG": "true",
            "FANJING_METRICS_ALLOW": "10.0.0.0/8,::1",
            "FANJING_DAILY_JOBS_AT": "02:15",
        }
    )
    assert Settings.from_environment(settings.as_environment()) == settings


def test_a_bad_variable_stops_the_command_with_exit_2_and_no_traceback(tmp_path):
    env = {**os.environ, "FANJING_VAR_DIR": str(tmp_path), "FANJING_LOG_LEVEL": "chatty"}
    done = subprocess.run(
        [sys.executable, "-m", "fanjing", "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("错误：FANJING_LOG_LEVEL 的值无效")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "fanjing.db").exists()  # nothing done


def test_readme_documents_every_variable_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(FANJING_[A-Z_]+)` \| ([^|]+) \|", readme, re.MULTILINE))
    assert set(rows) == {f"{PREFIX}{name.upper()}" for name in Settings.model_fields}
    assert all(default.strip() for default in rows.values())


def test_only_the_settings_read_the_environment():
    """Every FANJING_ variable goes through Settings; what else reads the environment is
    named here with its reason."""
    allowed = {
        "settings.py",  # the one reader
        "web/operations.py",  # PROMETHEUS_MULTIPROC_DIR: prometheus-client's own variable
    }
    reading = re.compile(r"os\.environ\.get|os\.getenv|os\.environ\[[^\]]+\](?!\s*=)")
    found = {
        str(path.relative_to(ROOT / "src" / "fanjing"))
        for path in (ROOT / "src" / "fanjing").rglob("*.py")
        if reading.search(path.read_text(encoding="utf-8"))
    }
    assert found <= allowed, found - allowed
