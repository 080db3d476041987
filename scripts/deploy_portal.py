"""Publishes the built portal (portal/dist) to the stack's portal bucket and
writes its config.json from the stack's outputs (`make deploy` runs it after
`sam deploy`).

    python -m scripts.deploy_portal --stack-name credential-renewal-dev [--region us-east-1]

The static files are the same for every stage; only config.json differs. Hashed
assets are cached for a year; index.html and config.json are revalidated on
every load, and CloudFront's copies of them are invalidated.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import time
from pathlib import Path
from typing import Any

import boto3

DIST = Path(__file__).resolve().parent.parent / "portal" / "dist"
NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def portal_config(outputs: dict[str, str], region: str) -> dict[str, str]:
    """What the portal reads at start (portal/src/config.ts)."""
    return {
        "apiUrl": outputs["ApiUrl"],
        # Cognito's discovery document lives under the user pool's issuer and names the managed-login endpoints.
        "authority": f"https://cognito-idp.{region}.amazonaws.com/{outputs['UserPoolId']}",
        "clientId": outputs["UserPoolClientId"],
        "logoutUrl": f"{outputs['ManagedLoginUrl']}/logout",
        # Cognito's user API: a signed-in person's own calls (the authenticator app), with their access token.
        "userPoolApiUrl": f"https://cognito-idp.{region}.amazonaws.com/",
        "stage": outputs.get("Stage", ""),
    }


def upload(s3: Any, bucket: str, dist: Path) -> list[str]:
    if not (dist / "index.html").is_file():
        raise SystemExit(f"{dist} has no index.html: run `make portal` first")
    sent = []
    # Assets before the index, so no visitor gets an index that names a file not there yet.
    for path in sorted(dist.rglob("*"), key=lambda p: (p.name == "index.html", str(p))):
        if not path.is_file():
            continue
        key = path.relative_to(dist).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type,
                      CacheControl=IMMUTABLE if key.startswith("assets/") else NO_CACHE)
        sent.append(key)
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None)
    args = parser.parse_args()
    session = boto3.session.Session(region_name=args.region)
    region = session.region_name or "us-east-1"
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    s3 = session.client("s3")
    bucket = outputs["PortalBucketName"]
    sent = upload(s3, bucket, DIST)
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(portal_config(outputs, region), indent=2).encode(),
                  ContentType="application/json", CacheControl=NO_CACHE)
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["PortalDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 2, "Items": ["/index.html", "/config.json"]},
                           "CallerReference": f"portal-{int(time.time())}"})
    print(f"portal: {len(sent)} files and config.json in s3://{bucket}; open {outputs['PortalUrl']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
