"""No whole phone number in any log line of the test run (issue 18).

Every log record this process creates is read as it is made (a log-record factory: it sees each
record whichever handlers the app installs, and ``configure_logging`` replaces the root's
handlers at every start-up), its message with its arguments and any traceback searched for a
mainland mobile number (11 digits, ``1[3-9]``, standing alone: not inside a longer run of
digits or letters, so an 18-character ID number, a millisecond timestamp or a hex id is not
one). At the end of the session each hit is listed with the test that logged it, and the run
fails. The records are the ones the run's levels let through (WARNING in tests, apart from a
test's own ``caplog`` level); ``tests/api/identity/test_phone_encryption.py`` runs the phone
paths at DEBUG too.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

import pytest

PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


class Leaks:
    """What was found: (the test running, the logger, the line)."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str]] = []
        self.test = "(outside any test)"


LEAKS = Leaks()


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # a malformed call still logs something: search its pieces
        return str(record.msg)


def phones_in(record: logging.LogRecord) -> list[str]:
    """The whole phone numbers in a record's message, arguments and traceback."""
    parts = [_message(record)]
    if record.args:
        parts.append(repr(record.args))
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    return PHONE.findall("\n".join(parts))


def _watching(previous: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        for phone in sorted(set(phones_in(record))):
            LEAKS.found.append((LEAKS.test, record.name, f"{phone}: {_message(record)[:300]}"))
        return record

    return make


def pytest_configure(config: pytest.Config) -> None:
    logging.setLogRecordFactory(_watching(logging.getLogRecordFactory()))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Any:
    LEAKS.test = item.nodeid
    yield
    LEAKS.test = "(outside any test)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if LEAKS.found and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LEAKS.found:
        return
    terminalreporter.section("whole phone numbers in log lines (issue 18)", red=True)
    for test, logger, line in LEAKS.found:
        terminalreporter.write_line(f"{test} [{logger}] {line}")
