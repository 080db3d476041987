"""The local stack on a developer's machine: a web page open in their browser
cannot use the /_local helpers (mint a staff token, move the clock), bodies
are capped as API Gateway caps them, and the state is readable by its owner
only."""

from __future__ import annotations

import http.client
import stat

import pytest
import requests

from .stack import Client

pytestmark = pytest.mark.xdist_group("e2e")

STAFF = {"sub": "staff-x", "groups": ["naaei"]}


def raw_post(client: Client, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """A request with exactly these headers (requests would fix up Host)."""
    connection = http.client.HTTPConnection("127.0.0.1", client.server.port, timeout=10)
    try:
        connection.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_helpers_answer_loopback_hosts_only(client: Client) -> None:
    body = b'{"sub": "staff-x", "groups": ["naaei"]}'
    json_type = {"Content-Type": "application/json"}
    for host in ("evil.example", "evil.example:3000", "127.0.0.1.evil.example", "localhost.evil.example"):
        status, answer = raw_post(client, "/_local/token", body, {"Host": host, **json_type})
        assert status == 403 and b"access_token" not in answer, host
    for host in (f"127.0.0.1:{client.server.port}", f"localhost:{client.server.port}", "[::1]"):
        assert raw_post(client, "/_local/token", body, {"Host": host, **json_type})[0] == 200, host


def test_a_cross_origin_form_post_mints_no_token_and_moves_no_clock(client: Client) -> None:
    # What a web page can send without a CORS preflight: a text/plain or form body.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        reply = client.request("POST", "/_local/token", data='{"sub": "x", "groups": ["naaei"]}',
                               headers={"Content-Type": content_type})
        assert reply.status_code == 415 and "access_token" not in reply.text, content_type
    evil = client.request("POST", "/_local/token", json=STAFF, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and "access_token" not in evil.text
    clock = client.request("GET", "/_local/clock").json()
    assert client.request("PUT", "/_local/clock", json={"today": "2031-01-01"},
                          headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.request("GET", "/_local/clock").json() == clock
    # The stack's own pages (another port on this machine) may.
    mine = client.request("POST", "/_local/token", json=STAFF, headers={"Origin": "http://localhost:5173"})
    assert mine.status_code == 200


def test_a_body_over_10_mb_is_refused_as_api_gateway_refuses_it(client: Client) -> None:
    token = client.member_token("M-BIG")
    big = b'{"email": "' + b"a" * (10 * 1024 * 1024) + b'@example.org"}'
    try:
        reply = requests.patch(f"{client.url}/me/contact", data=big, timeout=30,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    except requests.ConnectionError:
        pytest.fail("the stack dropped the connection instead of answering 413")
    assert reply.status_code == 413 and reply.json() == {"message": "Request Entity Too Large"}


def test_the_state_directory_is_readable_by_its_owner_only(client: Client) -> None:
    assert client.request("POST", "/_local/token", json=STAFF).status_code == 200
    directory = client.server.state_dir
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    files = [path for path in directory.iterdir() if path.is_file()]
    assert files and {path.name: stat.S_IMODE(path.stat().st_mode) for path in files} == \
        {path.name: 0o600 for path in files}
