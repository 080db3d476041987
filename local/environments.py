"""Lambda environments inside one process, for tests that run a function on
many threads at once, each thread standing for an environment of its own.

In Lambda, concurrent requests to a function run in separate environments
(processes), each with its own copy of the handler module: its own resolver,
batch processor and logger, and Powertools' state for the request being
handled, which Powertools keeps on class attributes of `BaseRouter`
(`current_event`, `lambda_context`: one per process) and in the resolver's
`context` (the route and its arguments). Threads sharing one module would
read each other's requests (local/invoke.py, where the local stack's HTTP API
requests take turns for this reason). Here each thread gets its own copy of
the handler module, and while `isolated()` is active Powertools' per-process
request state is kept per thread; the domain code and the AWS clients are
shared, so the races between environments happen where they happen in AWS:
between their calls.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

from local import apigw, template

_REQUEST_STATE = ("current_event", "lambda_context")  # what BaseRouter keeps per process
_state = threading.local()
_copies = itertools.count()  # every copy its own module name, in the whole process


def _read(name: str) -> Callable[[Any], Any]:
    def read(_: Any) -> Any:
        try:
            return getattr(_state, name)
        except AttributeError:
            raise AttributeError(f"no request is being resolved on this thread ({name})") from None
    return read


def _write(name: str) -> Callable[[Any, Any], None]:
    return lambda _, value: setattr(_state, name, value)


class _PerThread(type(BaseRouter)):  # type: ignore[misc]
    """BaseRouter's metaclass while isolated: `BaseRouter.current_event = ...` (how
    Powertools records the request) and `BaseRouter.current_event` read the thread's own."""


for _name in _REQUEST_STATE:
    setattr(_PerThread, _name, property(_read(_name), _write(_name)))


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Powertools' per-process request state kept per thread, until the block ends."""
    if type(BaseRouter) is _PerThread:
        yield
        return
    original = type(BaseRouter)
    saved = {name: BaseRouter.__dict__[name] for name in _REQUEST_STATE if name in BaseRouter.__dict__}
    # Instances read it through the class (`self.current_event`): the same thread-local.
    for name in _REQUEST_STATE:
        setattr(BaseRouter, name, property(_read(name)))
    BaseRouter.__class__ = _PerThread
    try:
        yield
    finally:
        BaseRouter.__class__ = original
        for name in _REQUEST_STATE:
            delattr(BaseRouter, name)
            if name in saved:
                setattr(BaseRouter, name, saved[name])


class Environments:
    """One copy of a function's handler module per thread that calls it."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[int, str], Callable[[dict[str, Any], Any], Any]] = {}

    def handler(self, function: template.Function) -> Callable[[dict[str, Any], Any], Any]:
        key = (threading.get_ident(), function.logical_id)  # only this thread writes its key
        if key not in self._handlers:
            name = f"lambda_{function.logical_id}_environment_{next(_copies)}"
            self._handlers[key] = apigw.load_handler(function, name)
        return self._handlers[key]
