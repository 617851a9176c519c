"""A logging filter that masks anything shaped like an ID number or a mobile number before it is written.

It masks the formatted message and also the traceback and stack of the record: an exception's text (a database
error quoting a row, a ValueError naming the bad value) is where raw values most often reach a log.
"""

import logging
import re
import traceback

_ID18 = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9])")
_ID15 = re.compile(r"(?<![0-9])(\d{6})\d{6}(\d{3})(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?![0-9])")


def redact(text: str) -> str:
    text = _ID18.sub(r"\1********\2", text)
    text = _ID15.sub(r"\1******\2", text)
    return _MOBILE.sub(r"\1****\2", text)


class RedactSensitiveFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not hide the record
            message = str(record.msg)
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters use a ready exc_text as it is, so the traceback is masked once, here.
            text = record.exc_text or "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
