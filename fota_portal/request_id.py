"""The request id that ties an HTTP request, its log lines, its events and its vendor calls together."""

from __future__ import annotations

import contextvars
import re
import uuid

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# Izuma's convention, which the API borrows: at most 32 characters.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(incoming: str | None) -> str:
    """Keep a well-formed incoming id; otherwise make a new one."""
    if incoming and _WELL_FORMED.match(incoming):
        return incoming
    return request_id_new()


def request_id_get() -> str:
    return _current.get()


def request_id_set(value: str) -> contextvars.Token:
    return _current.set(value)


def request_id_reset(token: contextvars.Token) -> None:
    _current.reset(token)
