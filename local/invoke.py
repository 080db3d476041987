"""Invokes the template's functions in this process, the way Lambda would.

Each function behaves like one warm Lambda instance: it handles one event at a
time. That matters because the handlers keep per-request state on module-level
singletons. Powertools' resolver even keeps the request it is resolving on a
class attribute (`BaseRouter.current_event`), one per process: in Lambda a
process serves one request, here every function shares the process, so two
HTTP API requests resolved at once on two functions could read each other's
event (a staff request resolved with a concurrent `/health` request's event,
which has no claims, answered 401 and signed the portal out). HTTP API
invocations therefore take turns across all functions; queue, schedule and
trigger invocations of different functions still run in parallel. (The storm
tests, which race one function on many threads, give each thread its own
environment instead: local/environments.py.)
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
        self._api = threading.Lock()  # one HTTP API request resolved at a time (see above)

    def load_all(self) -> None:
        """Import every handler now (the cold start happens at start-up, not on the first request)."""
        for function in self.functions.values():
            apigw.load_handler(function)

    def invoke(self, function_id: str, event: Any) -> Any:
        function = self.functions[function_id]
        handler = apigw.load_handler(function)
        if isinstance(event, dict) and "routeKey" in event:  # an HTTP API request
            with self._api, self._locks[function_id]:
                return handler(event, apigw.LambdaContext(function.logical_id, function.timeout))
        with self._locks[function_id]:
            return handler(event, apigw.LambdaContext(function.logical_id, function.timeout))
