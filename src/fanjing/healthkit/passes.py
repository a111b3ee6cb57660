"""Issuing a person's signed pass: read their status row and name, sign with the newest key,
and draw the QR code when asked. The API's pass and the health kit page's both come from here.

The code holds nothing but the token, so an app draws it on the phone from the token; the
server draws it only when asked (the page, or ``?qr=svg``): drawing took four times as long
as reading the status and signing together."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import zxingcpp
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from fanjing.common.identity import mask_name
from fanjing.healthkit.keys import current_keys
from fanjing.healthkit.pass_token import VALIDITY, issue_pass
from fanjing.healthkit.status import caller_pass, caller_pass_awaited
from fanjing.healthkit.status_row import Status
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.settings import Settings


@dataclass(frozen=True)
class IssuedPass:
    token: str
    expires_at: datetime
    colour: str
    popup: bool
    version: int
    qr_svg: str | None  # only when asked for


def signed_pass(
    settings: Settings,
    cipher: FieldCipher,
    state: Status,
    name_encrypted: str,
    now: datetime,
    *,
    with_qr: bool,
) -> IssuedPass:
    """A pass signed now for the status (its version among the claims), with its QR code
    when ``with_qr``."""
    key = current_keys(settings, now=now)[0].key
    token = issue_pass(
        key=key,
        masked_name=mask_name(cipher.decrypt(name_encrypted)),
        colour=state.colour,
        popup=bool(state.popups),
        version=state.version,
        now=now,
    )
    return IssuedPass(
        token=token,
        expires_at=now + VALIDITY,
        colour=state.colour.value,
        popup=bool(state.popups),
        version=state.version,
        qr_svg=qr_svg(token) if with_qr else None,
    )


def pass_for_token(
    engine: Engine,
    settings: Settings,
    cipher: FieldCipher,
    clock: Clock,
    token_hash: str,
    *,
    with_qr: bool,
) -> tuple[str | None, IssuedPass | None]:
    """The role of the token's user (None: no such live token) and, for a citizen with an
    account, their pass as of the clock's day, read in one query."""
    now = clock.now()
    with engine.connect() as connection:
        role, state, name = caller_pass(connection, token_hash, clock.today(), now)
    if state is None or name is None:
        return role, None
    return role, signed_pass(settings, cipher, state, name, now, with_qr=with_qr)


async def pass_for_token_awaited(
    engine: AsyncEngine, settings: Settings, cipher: FieldCipher, clock: Clock, token_hash: str
) -> tuple[str | None, IssuedPass | None] | None:
    """``pass_for_token`` without a QR code, read on an asynchronous engine; None when the
    account's row does not hold for the clock's day (``pass_for_token`` then computes it)."""
    now = clock.now()
    read = await caller_pass_awaited(engine, token_hash, clock.today(), now)
    if read is None:
        return None
    role, state, name = read
    if state is None or name is None:
        return role, None
    return role, signed_pass(settings, cipher, state, name, now, with_qr=False)


def qr_svg(text: str) -> str:
    """``text`` as a QR code (error correction M), an SVG data URI. zxing-cpp (C++) rather
    than segno (pure Python): a pass is signed per request, and segno took 20 ms a code."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return "data:image/svg+xml;base64," + base64.b64encode(symbol.to_svg(scale=4).encode()).decode()
