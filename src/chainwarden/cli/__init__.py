"""The command line (cli/main.py): the only layer that prints to stdout or exits."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNCHECKED, EXIT_INTERNAL = 0, 1, 2, 3, 4
REPORT_FORMATS = ("json", "sarif", "markdown", "cyclonedx", "spdx")


def as_of_date(text: str) -> datetime:
    """An --as-of value (argparse type): an ISO date or time, UTC when it names no zone."""
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date such as 2026-11-21 or 2026-11-21T12:00:00, got {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
