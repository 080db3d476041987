"""Invokes the template's functions in this process, the way Lambda would.

Each function behaves like one warm Lambda instance: it handles one event at a
time. That matters because the handlers keep per-request state on module-level
singletons (Powertools' resolver holds the current event, so two requests
interleaved on one function could read each other's caller). Different
functions run in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from local import apigw, template


class Invoker:
    def __init__(self, functions: Mapping[str, template.Function]):
        self.functions = dict(functions)
        self._locks = {name: threading.Lock() for name in self.functions}

    def load_all(self) -> None:
        """Import every handler now (the cold start happens at start-up, not on the first request)."""
        for function in self.functions.values():
            apigw.load_handler(function)

    def invoke(self, function_id: str, event: Any) -> Any:
        function = self.functions[function_id]
        handler = apigw.load_handler(function)
        with self._locks[function_id]:
            return handler(event, apigw.LambdaContext(function.logical_id, function.timeout))
