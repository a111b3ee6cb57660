"""Sending one-time codes: a small interface, the development sender (codes to the log) and
an HTTP sender for an SMS gateway; ``FANJING_SMS_SENDER`` chooses (``log`` or ``http``)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from fanjing.common.identity import mask_phone
from fanjing.errors import Code, FanjingError
from fanjing.settings import Settings

log = logging.getLogger("fanjing.healthkit.codes")
GATEWAY_TIMEOUT_SECONDS = 5


class CodeSender(Protocol):
    def send(self, phone: str, code: str) -> None: ...


class LogSender:
    """For development and tests: the code goes to the log, the number masked."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (masked number, code), for tests

    def send(self, phone: str, code: str) -> None:
        self.sent.append((mask_phone(phone), code))
        log.warning("one-time code for %s: %s", mask_phone(phone), code)


class HttpSmsSender:
    """Posts ``{"phone", "template", "params": {"code"}}`` as JSON to an SMS gateway, with the
    key as a bearer token. A gateway that answers with an error gives ``sms_failed`` (502),
    one that cannot be reached in time ``sms_unavailable`` (503); neither the code nor the
    number in clear is ever logged."""

    def __init__(self, url: str, key: str, template: str) -> None:
        self.url, self.key, self.template = url, key, template

    def send(self, phone: str, code: str) -> None:
        body = json.dumps({"phone": phone, "template": self.template, "params": {"code": code}})
        request = urllib.request.Request(
            self.url,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=GATEWAY_TIMEOUT_SECONDS) as answer:
                status = answer.status
        except urllib.error.HTTPError as refused:
            status = refused.code
            refused.close()
        except (urllib.error.URLError, TimeoutError, OSError) as unreachable:
            log.error("SMS gateway unreachable sending to %s: %s", mask_phone(phone), unreachable)
            raise FanjingError(
                Code.SMS_UNAVAILABLE, "短信服务暂时无法连接，请稍后再获取验证码"
            ) from None
        if not 200 <= status < 300:
            log.error("SMS gateway answered %d sending to %s", status, mask_phone(phone))
            raise FanjingError(
                Code.SMS_FAILED, f"短信服务未能发送验证码（网关答复 {status}），请稍后再试"
            )
        log.info("one-time code sent by SMS to %s", mask_phone(phone))


def sender_from_settings(settings: Settings) -> CodeSender:
    """The sender ``settings`` choose; a clear error for an unknown one or a gateway unset."""
    if settings.sms_sender == "log":
        return LogSender()
    if settings.sms_sender != "http":
        raise FanjingError(
            Code.BAD_SETTING,
            f"未知短信发送方式“{settings.sms_sender}”（应为 log 或 http）",
        )
    missing = [
        f"FANJING_SMS_{name.upper()}"
        for name, value in (
            ("url", settings.sms_url),
            ("key", settings.sms_key),
            ("template", settings.sms_template),
        )
        if not value
    ]
    if missing:
        raise FanjingError(Code.BAD_SETTING, "短信网关未配置：缺少 " + "、".join(missing))
    return HttpSmsSender(settings.sms_url, settings.sms_key, settings.sms_template)
