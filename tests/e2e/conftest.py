"""Fixtures: one local stack per test session (SEED=none, a fresh state
directory); tests that need their own (the demo seed) start one with LocalServer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .stack import Client, LocalServer


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    running = LocalServer(tmp_path_factory.mktemp("e2e") / "state", seed="none").start()
    yield running
    running.stop()


@pytest.fixture
def client(server: LocalServer) -> Client:
    return Client(server)
