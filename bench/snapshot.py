"""Measure a copy of service/ and criteria/ taken when a run starts, not files edited under it.

A run takes minutes and the working tree is shared. Importing this module (bench/common.py
does, before anything imports the service) calls :func:`take`, which copies service/ and
criteria/ to a temporary directory and puts the copy ahead of the repository on sys.path
and in PYTHONPATH, so this process, the uvicorn servers and the memory probes it starts all
run the same code. A child process finds the copy through ``TRIALMATCH_BENCH_CODE`` and uses
it; the copy is removed when the process that made it exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIABLE = "TRIALMATCH_BENCH_CODE"


def take() -> Path:
    """Return the copy this run measures, making it (and putting it first on sys.path) if needed."""
    existing = os.environ.get(VARIABLE)
    if existing:
        code = Path(existing)
    else:
        code = Path(tempfile.mkdtemp(prefix="trialmatch-bench-code-"))
        for name in ("service", "criteria"):
            shutil.copytree(REPO / name, code / name, ignore=shutil.ignore_patterns("__pycache__"))
        atexit.register(shutil.rmtree, code, True)
        os.environ[VARIABLE] = str(code)
        os.environ["PYTHONPATH"] = os.pathsep.join([str(code), str(REPO)])
    if "service" in sys.modules and not sys.modules["service"].__file__.startswith(str(code)):  # type: ignore[union-attr]
        raise RuntimeError("take() must run before the service is imported")
    sys.path.insert(0, str(code))
    return code


CODE = take()
