"""One JSON object per log line (LOG_FORMAT=json), for journald, Docker and log shippers to parse.

Standard library only: the record's time (UTC, ISO 8601), level, logger and message, the exception's
traceback when there is one, and any `extra={...}` fields a caller passed.
"""

from __future__ import annotations

import datetime
import json
import logging

# Attributes every LogRecord has; anything else on a record came from `extra=` and is worth keeping.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in payload:
                payload[key] = value
        # default=str: a request object or a datetime passed in `extra` must not lose the whole line.
        return json.dumps(payload, default=str, ensure_ascii=False)
