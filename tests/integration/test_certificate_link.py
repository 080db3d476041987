"""The certificate's "verify at" link is the API's configured public address,
never one a caller can put in the request's Host or X-Forwarded-Proto headers."""

from __future__ import annotations

from local import apigw
from tests.integration.test_certificates_and_transcripts import (  # noqa: F401 (season is a fixture)
    M1, VERIFY_URL, number_in, pdf_text, season,
)

FORGED = {"host": "javascript://evil.example", "x-forwarded-proto": "javascript", "x-forwarded-host": "evil.example"}


def certificate_with(api, headers, domain_name=None):
    path = "/me/certificates/CAM"
    match = api.router.match("GET", path)
    event = apigw.http_event(method="GET", path=path, route_key=match.route_key, path_parameters=match.path_parameters,
                             headers=headers, claims=M1)
    if domain_name:
        event["requestContext"]["domainName"] = domain_name  # what API Gateway reports, whatever the headers say
    function = api.functions[match.function]
    return pdf_text(apigw.load_handler(function)(event, apigw.LambdaContext(function.logical_id)))


def test_a_forged_host_never_reaches_the_certificate_the_configured_url_does(season, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://api.renewals.example.org/")
    text = certificate_with(season, FORGED)
    assert VERIFY_URL.search(text).group(1) == f"https://api.renewals.example.org/verify/{number_in(text)}"
    assert "evil" not in text and "javascript" not in text


def test_without_a_configured_url_the_link_is_the_api_gateway_domain_over_https(season, monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    text = certificate_with(season, FORGED, domain_name="abc123.execute-api.us-east-1.amazonaws.com")
    assert VERIFY_URL.search(text).group(1) == \
        f"https://abc123.execute-api.us-east-1.amazonaws.com/verify/{number_in(text)}"
    assert "evil" not in text and "javascript" not in text
