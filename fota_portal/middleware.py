"""Middleware and log filter that give every request an ``X-Request-ID``."""

from __future__ import annotations

import logging

from fota_portal.request_id import request_id_accept, request_id_get, request_id_reset, request_id_set


class RequestIDMiddleware:
    """Accepts a well-formed incoming ``X-Request-ID`` or makes one, and returns it on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_accept(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = request_id_set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIDLogFilter(logging.Filter):
    """Adds the current request id to every log record as ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_get()
        return True
