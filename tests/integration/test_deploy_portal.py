"""The portal's deploy step on moto: every built file lands in the bucket with
its type and cache policy, and config.json names the stack's API and sign-in."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from scripts import deploy_portal

OUTPUTS = {"ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev", "UserPoolId": "us-east-1_Pool",
           "UserPoolClientId": "client-1", "ManagedLoginUrl": "https://renewal-dev.auth.us-east-1.amazoncognito.com",
           "PortalBucketName": "portal-files", "PortalDistributionId": "E123", "PortalUrl": "https://d1.cloudfront.net"}


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    (tmp_path / "assets" / "app-ABC.js").write_text("console.log(1)")
    (tmp_path / "assets" / "app-ABC.css").write_text("body{}")
    return tmp_path


def test_files_get_their_type_and_cache_policy(dist):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="portal-files")
        sent = deploy_portal.upload(s3, "portal-files", dist)
        assert sent[-1] == "index.html"  # the index goes last: it names the assets
        index = s3.head_object(Bucket="portal-files", Key="index.html")
        script = s3.head_object(Bucket="portal-files", Key="assets/app-ABC.js")
        assert index["ContentType"] == "text/html; charset=utf-8" and index["CacheControl"] == "no-cache"
        assert "javascript" in script["ContentType"] and "immutable" in script["CacheControl"]


def test_config_names_the_api_the_user_pool_and_managed_login():
    config = deploy_portal.portal_config(OUTPUTS, "us-east-1")
    assert config == {"apiUrl": OUTPUTS["ApiUrl"],
                      "authority": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
                      "clientId": "client-1",
                      "logoutUrl": "https://renewal-dev.auth.us-east-1.amazoncognito.com/logout",
                      "userPoolApiUrl": "https://cognito-idp.us-east-1.amazonaws.com/", "stage": ""}
    json.dumps(config)


def test_an_unbuilt_portal_is_refused(tmp_path):
    with mock_aws(), pytest.raises(SystemExit, match="make portal"):
        deploy_portal.upload(boto3.client("s3", region_name="us-east-1"), "portal-files", tmp_path)
