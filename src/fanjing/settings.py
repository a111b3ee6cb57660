"""One Settings object, built at each entry point (CLI, server worker, tests) and passed down.

Every ``FANJING_*`` variable is a field here (README's table lists them with their
defaults). Nothing reads the environment at import time: ``Settings.from_environment()``
does, when a command or a server worker starts; a bad value is a ``FanjingError`` naming
the variable. Constructing ``Settings(...)`` directly reads no environment at all (tests and
the demo say exactly what they want).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, time
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from fanjing.errors import Code, FanjingError, InputErrors, Where
from fanjing.infra.clock import Clock

PREFIX = "FANJING_"
Network = IPv4Network | IPv6Network
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

# the variables ``from_environment`` reads; empty for a directly constructed Settings
_ENVIRONMENT: ContextVar[Mapping[str, str] | None] = ContextVar("fanjing_environment", default=None)


class _GivenEnvironment(EnvSettingsSource):
    """pydantic-settings' environment source, over the mapping ``from_environment`` was given
    (os.environ by default) rather than always os.environ."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            _ENVIRONMENT.get() or {},
            self.case_sensitive,
            self.env_ignore_empty,
            self.env_parse_none_str,
        )


class Settings(BaseSettings):
    """fanjing's configuration: one flat class, one field per ``FANJING_<FIELD>`` variable."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, extra="forbid", env_ignore_empty=True
    )

    var_dir: Path = Field(Path("var"), description="files fanjing writes (SQLite, keys, metrics)")
    database_url: str = Field("", description="SQLAlchemy URL; default an SQLite file in var/")
    data_keys: SecretStr | None = Field(None, description="Fernet keys, newest first, a,b,…")
    lookup_key: SecretStr | None = Field(None, description="HMAC key for lookups, base64")
    today: date | None = Field(None, description="fixes the clock's day (demo, rehearsal)")
    debug: bool = Field(False, description="the CLI shows tracebacks of internal errors")
    log_level: LogLevel = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    metrics_allow: Annotated[tuple[Network, ...], NoDecode] = Field(
        (ip_network("127.0.0.1"),), description="addresses that may read /metrics"
    )
    metrics_token: SecretStr | None = Field(None, description="bearer token for /metrics")
    trusted_proxies: str = Field(
        "127.0.0.1", description="proxies whose X-Forwarded-For is believed (uvicorn's list)"
    )
    daily_jobs_at: time = Field(time(3, 0), description="when the daily jobs run, CST (HH:MM)")
    sync_every_seconds: int = Field(30 * 60, ge=1, description="the vaccination sync's period")
    public_url: str = Field("", description="the address people open; https: Secure cookies")
    sms_sender: str = Field("log", description="log (development: codes in the log) or http")
    sms_url: str = Field("", description="the SMS gateway's URL (sms_sender http)")
    sms_key: str = Field("", description="the SMS gateway's key (sms_sender http)")
    sms_template: str = Field("", description="the SMS gateway's template id (sms_sender http)")
    dask_scheduler: str = Field(
        "", description="dask.distributed scheduler for re-evaluation (tcp://host:8786)"
    )
    site_disinfection_hours: int = Field(
        24, ge=1, le=24 * 14, description="hours a room freed at checkout stays closed"
    )
    itinerary_shards: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="PostgreSQL URLs of the itinerary's shards, in order, a,b,…"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _GivenEnvironment(settings_cls))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment (or ``environ``) gives; ``InputErrors`` naming each
        bad variable."""
        with _reading(os.environ if environ is None else environ):
            try:
                return cls()
            except ValidationError as invalid:
                raise InputErrors(_named(error) for error in _first_per_field(invalid)) from None

    @model_validator(mode="before")
    @classmethod
    def _sqlite_in_var_dir(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("database_url"):
            var_dir = Path(data.get("var_dir") or "var")
            data = {**data, "database_url": f"sqlite:///{var_dir / 'fanjing.db'}"}
        return data

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("metrics_allow", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(_network(part.strip()) for part in value.split(",") if part.strip())
        return value

    @field_validator("itinerary_shards", mode="before")
    @classmethod
    def _postgresql_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        for url in value:
            if not str(url).startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
                raise ValueError("分片须是 PostgreSQL 的 URL（postgresql://…），以逗号分隔")
        return value

    @field_validator("data_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            for key in value.get_secret_value().split(","):
                if key.strip():
                    Fernet(key.strip().encode("ascii"))  # ValueError: not a Fernet key
        return value

    @field_validator("lookup_key")
    @classmethod
    def _base64_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                decoded = base64.urlsafe_b64decode(value.get_secret_value())
            except (binascii.Error, ValueError):
                raise ValueError("not URL-safe base64") from None
            if len(decoded) < 16:
                raise ValueError("shorter than 16 bytes")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip() and part.strip() != "*":
                ip_network(part.strip())  # ValueError: not an address or network
        return value

    @property
    def clock(self) -> Clock:
        """The clock these settings describe (``FANJING_TODAY`` fixes its day)."""
        return Clock(self.today)

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.lower().startswith("https://")

    def data_key_list(self) -> tuple[bytes, ...]:
        """``FANJING_DATA_KEYS`` as Fernet keys, newest first; empty when not set."""
        if self.data_keys is None:
            return ()
        keys = self.data_keys.get_secret_value().split(",")
        return tuple(k.strip().encode("ascii") for k in keys if k.strip())

    def as_environment(self) -> dict[str, str]:
        """These settings as ``FANJING_*`` variables, for the processes a command starts
        (server workers); unset ones are left out."""
        return {
            f"{PREFIX}{name.upper()}": _as_text(value)
            for name in type(self).model_fields
            if (value := getattr(self, name)) is not None
        }


def _network(text: str) -> Network:
    try:
        return ip_network(text)
    except ValueError:
        raise ValueError(f"“{text}” 不是 IP 地址或网段") from None


def _as_text(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRONMENT.set(environ)
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


def _first_per_field(invalid: ValidationError) -> list[Any]:
    """One error per variable: a union type (IPv4 or IPv6) reports each alternative."""
    first: dict[str, Any] = {}
    for error in invalid.errors():
        first.setdefault(str(error["loc"][0]) if error["loc"] else "", error)
    return list(first.values())


def _named(error: Any) -> FanjingError:
    """A validation error as a problem with the variable's name (its value is not repeated:
    it may be a key)."""
    field = str(error["loc"][0]) if error["loc"] else ""
    variable = f"{PREFIX}{field.upper()}"
    return FanjingError(
        Code.BAD_SETTING, f"{variable} 的值无效：{error['msg']}", Where(field=variable)
    )
