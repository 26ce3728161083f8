"""Credentials: application default credentials, impersonation, and no key material leaking."""

from __future__ import annotations

import json

ALPHA = "projects/alpha-prod"
READER = "reader@ops-tools.iam.gserviceaccount.com"
CLIENT = "jwt@ops-tools.iam.gserviceaccount.com"


def test_key_file_credentials_exchange_a_jwt_for_a_token(collect_gcp, estate, fake):
    """The key file's signed assertion is exchanged once per process, then reused."""
    result = collect_gcp("--scope", ALPHA, "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert fake.token_requests == 1
    assert {r.auth for r in fake.recorded} == {"token"}
    assert {r.principal for r in fake.recorded} == {"collector@ops-tools.iam.gserviceaccount.com"}


def test_impersonation_calls_the_api_as_the_target_account(collect_gcp, estate, fake):
    """--impersonate-service-account gets the target's token and lists assets as it."""
    fake.impersonable.add(READER)
    result = collect_gcp("--scope", ALPHA, "--impersonate-service-account", READER)
    assert result.exit_code == 0, result.stderr
    assert fake.impersonations and set(fake.impersonations) == \
        {f"collector@ops-tools.iam.gserviceaccount.com->{READER}"}
    assert {r.principal for r in fake.recorded} == {READER}


def test_refused_impersonation_fails_the_scopes_with_one_line(collect_gcp, estate, fake):
    """When the caller may not impersonate, scopes fail with a token error (exit 3)."""
    result = collect_gcp("--scope", ALPHA, "--impersonate-service-account", READER)
    assert result.exit_code == 3
    errors = {scope["error"] for scope in result.summary["scopes"]} | {result.summary["error"]}
    errors.discard(None)
    assert errors and all("cannot obtain a Google access token" in e for e in errors)
    assert all("\n" not in e for e in errors)


def test_missing_key_file_is_a_configuration_error(collect_gcp, estate, tmp_path):
    """GOOGLE_APPLICATION_CREDENTIALS naming no file: one line, exit 2, a hint."""
    result = collect_gcp("--scope", ALPHA,
                         env={"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "absent.json")})
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "application default credentials" in lines[0]
    assert "GOOGLE_APPLICATION_CREDENTIALS" in lines[0]


def test_no_key_material_in_output_logs_or_store(collect_gcp, estate, fake, tmp_path,
                                                 service_account_key, sqlite_url, run_cloudscope,
                                                 gcp_env):
    """Neither the private key nor its id appears in the summary, debug logs, store or export,
    on success or when the token endpoint rejects the key."""
    ok = collect_gcp("--scope", ALPHA, env={"CLOUDSCOPE_LOG_LEVEL": "debug"})
    fake.public_keys.clear()  # now the token endpoint answers invalid_grant
    fake.denied.add("projects/alpha-prod")
    failed = collect_gcp("--scope", ALPHA)
    assert ok.exit_code == 0 and failed.exit_code == 3
    assert "gcp.scope_collected" in ok.stderr  # debug logging was on
    exported = run_cloudscope("assets", "list", "--db", sqlite_url, "--format", "json",
                              env=gcp_env)
    store = b"".join(path.read_bytes() for path in tmp_path.glob("cloudscope.db*"))
    texts = [ok.stdout, ok.stderr, failed.stdout, failed.stderr, exported.stdout,
             store.decode("utf-8", "replace")]
    for secret in service_account_key.secrets():
        assert all(secret not in text for text in texts), secret


def test_fake_accepts_a_self_signed_jwt(fake, service_account_key):
    """The fake also takes a self-signed JWT bearer (the GAPIC clients' flow), verified with
    the key's public half, and refuses a token it never issued."""
    import time

    import requests
    from google.auth import crypt, jwt

    signer = crypt.RSASigner.from_string(service_account_key.private_pem,
                                         service_account_key.key_id)
    now = int(time.time())
    token = jwt.encode(signer, {"iss": CLIENT, "sub": CLIENT, "iat": now, "exp": now + 600,
                                "aud": "https://cloudasset.googleapis.com/"}).decode()
    url = f"{fake.root}/v1/projects/x/assets"
    accepted = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    forged = requests.get(url, headers={"Authorization": "Bearer ya29.forged"}, timeout=10)
    assert accepted.status_code == 200, accepted.text
    assert fake.recorded[-1].auth == "self-signed-jwt"
    assert forged.status_code == 401
    assert json.loads(forged.text)["error"]["status"] == "UNAUTHENTICATED"
