"""Writing a benchmark's section of bench/RESULTS.md, stamped with the machine and date."""

import os
import platform
import re
from datetime import UTC, datetime
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from conductor.core import engine

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# Benchmark results\n\nWritten by `make bench`; each section by its own script.\n"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def core_build() -> str:
    """Which build of the core this process runs: `make bench` measures both."""
    assert engine.__file__ is not None
    if any(engine.__file__.endswith(suffix) for suffix in EXTENSION_SUFFIXES):
        return "compiled core (mypyc)"
    return "pure-Python core"


def record(name: str, body: str) -> None:
    """Replace (or add) the section `name`, keeping the other benchmarks' sections."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}"
    section = (
        f"<!-- {name} -->\n## {name}\n\n_Measured {stamp}._\n\n{body.strip()}\n<!-- /{name} -->"
    )
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else f"{text}\n{section}\n"
    RESULTS.write_text(text)
