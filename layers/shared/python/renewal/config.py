"""Settings read from the environment (template.yaml sets them in AWS; the local
stack sets the same names)."""

from __future__ import annotations

import os


def table_name() -> str:
    return os.environ.get("TABLE_NAME", "renewal")


def stage() -> str:
    return os.environ.get("STAGE", "local")
