"""The time formats every command, view and report uses (a leaf module)."""
from __future__ import annotations

import datetime


def format_duration(seconds: float) -> str:
    """12.3s under a minute, else 4m05s."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s"


def format_time(epoch_seconds: float) -> str:
    """Local time to the second, e.g. 2025-01-31 14:02:11."""
    when = datetime.datetime.fromtimestamp(epoch_seconds)
    return when.strftime("%Y-%m-%d %H:%M:%S")
