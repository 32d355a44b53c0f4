"""What the Python benches read of a process from /proc: its CPU seconds and its resident set."""

from __future__ import annotations

import os


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (not its children)."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        data = handle.read().decode("utf-8", "replace")
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    """VmRSS in KiB; 0 when the process has none (a zombie)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
