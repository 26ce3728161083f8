"""The redaction corpus: secrets planted the ways cloud inventories hold them, and harmless
look-alikes that name or resemble secrets but must survive redaction unchanged.

Each planted case is ``(label, value, secret)``: ``value`` is what a collector stores (a
property mapping, or text such as user data or an error message) and ``secret`` is the part
that must not survive. Each harmless case is ``(label, value)``: redaction must return it
unchanged. The counts are quoted in docs/exporters.md; keep them in step.

The secrets are made up; the token shapes follow each vendor's published format.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

# Shapes reused below. Each secret string is unique, so that a leak is found by search.
AWS_SECRET: Final = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq7PLANTED"
RSA_BODY: Final = "MIIEowIBAAKCAQEAq7PlantedRsaBodyLineOne0123456789abcdefABCDEF"
PGP_BODY: Final = "lQOYBGPlantedPgpPrivateBodyLine0123456789ABCDEFGHIJKLMNOPqrst"
SSH_BODY: Final = "b3BlbnNzaC1rZXktdjEAAAAPlantedOpenSshBody0123456789abcdefgh"
PEM: Final = (f"-----BEGIN RSA PRIVATE KEY-----\n{RSA_BODY}\nAnotherLineOfKeyMaterial+/==\n"
              "-----END RSA PRIVATE KEY-----\n")
PGP: Final = ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n"
              f"{PGP_BODY}\n=pLnT\n-----END PGP PRIVATE KEY BLOCK-----")
OPENSSH: Final = (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_BODY}\n"
                  "-----END OPENSSH PRIVATE KEY-----")
CERTIFICATE: Final = ("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUF"
                      "ADBaMQswCQYDVQQGEwJJRTESMBAGA1UEChMJQmFsdGltb3Jl\n-----END CERTIFICATE-----")


_BASE64_RUN: Final = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def visible(output: Any) -> str:
    """What a reader of ``output`` can see: its JSON text, plus every base64 run in it
    decoded, so that a secret re-encoded in base64 user data still counts as a leak."""
    text = output if isinstance(output, str) else json.dumps(output)
    decoded = []
    for run in _BASE64_RUN.findall(text.replace("\\n", "\n")):
        try:
            decoded.append(base64.b64decode(run + "=" * (-len(run) % 4)).decode())
        except (binascii.Error, UnicodeDecodeError):
            continue
    return "\n".join([text, *decoded])


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _last_applied(spec: dict[str, Any]) -> dict[str, Any]:
    """A Kubernetes object's annotations as kubectl leaves them: the applied manifest as JSON."""
    return {"metadata": {"annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(spec) + "\n"}}}


PLANTED: Final[list[tuple[str, Any, str]]] = [
    # Secret key names, in every naming style (values stored under them).
    ("camelCase account key", {"storageAccountKey": "aZ9planted+StorageAccountKey=="},
     "aZ9planted+StorageAccountKey=="),
    ("PascalCase connection string", {"StorageConnectionString": "UseDevelopment-Pl4nted"},
     "UseDevelopment-Pl4nted"),
    ("snake_case password", {"agent_password": "agent-Pl4nted-pw"}, "agent-Pl4nted-pw"),
    ("camelCase token", {"managementToken": "mgmt-Pl4nted-tok"}, "mgmt-Pl4nted-tok"),
    ("image pull secret", {"image_pull_secret": "pull-Pl4nted-sec"}, "pull-Pl4nted-sec"),
    ("network device enable secret", {"enable_secret": "cisco-Pl4nted-en"}, "cisco-Pl4nted-en"),
    ("numeric password", {"password": 73915582}, "73915582"),
    ("numeric PIN-like DB password", {"DbPassword": 48150016}, "48150016"),
    ("client secret", {"client_secret": "oauth-Pl4nted-cs"}, "oauth-Pl4nted-cs"),
    ("AWS secret access key field", {"SecretAccessKey": AWS_SECRET}, AWS_SECRET),
    ("AWS session token field", {"SessionToken": "FwoGZXIvYXdzEPl4ntedSess"},
     "FwoGZXIvYXdzEPl4ntedSess"),
    ("api key, camelCase", {"apiKey": "key-Pl4nted-camel"}, "key-Pl4nted-camel"),
    ("api key, kebab header name", {"x-api-key": "key-Pl4nted-kebab"}, "key-Pl4nted-kebab"),
    ("Azure primary key", {"primaryKey": "pk-Pl4nted-azure=="}, "pk-Pl4nted-azure=="),
    ("Azure secondary master key", {"secondaryMasterKey": "smk-Pl4nted=="}, "smk-Pl4nted=="),
    ("private key field", {"privateKey": "MIIEvQIBADPl4ntedDer"}, "MIIEvQIBADPl4ntedDer"),
    ("SAS token field", {"sasToken": "sv=2022-11-02&ss=b&sig=Pl4ntedSasSig%3D"},
     "Pl4ntedSasSig"),
    ("all-caps glued env name", {"PGPASSWORD": "pg-Pl4nted-env"}, "pg-Pl4nted-env"),
    ("all-caps snake env name", {"MYSQL_ROOT_PASSWORD": "mysql-Pl4nted"}, "mysql-Pl4nted"),
    ("webhook secret", {"webhook_secret": "whsec_Pl4ntedHook"}, "whsec_Pl4ntedHook"),
    ("signing key", {"signingKey": "sign-Pl4nted-key"}, "sign-Pl4nted-key"),
    ("docker registry auth", {"auths": {"registry.example": {"auth": _b64("bob:Pl4ntedDock")}}},
     "Pl4ntedDock"),
    ("authorization header field", {"Authorization": "Basic Ym9iOlBsNG50ZWRCYXNpYw=="},
     "Ym9iOlBsNG50ZWRCYXNpYw=="),
    ("cookie field", {"Cookie": "session=Pl4ntedCookieValue"}, "Pl4ntedCookieValue"),
    ("passphrase", {"passphrase": "correct horse Pl4nted"}, "correct horse Pl4nted"),
    ("credentials string", {"credentials": "svc:Pl4ntedCreds"}, "Pl4ntedCreds"),
    ("RDS master user password", {"MasterUserPassword": "rds-Pl4nted-mup"}, "rds-Pl4nted-mup"),
    ("OAuth refresh token", {"refresh_token": "1//0gPl4ntedRefresh"}, "1//0gPl4ntedRefresh"),
    ("OpenID id token", {"id_token": "idtok-Pl4nted-value"}, "idtok-Pl4nted-value"),
    ("Secrets Manager secret string", {"SecretString": '{"user":"a","pw":"Pl4ntedSS"}'},
     "Pl4ntedSS"),
    ("Rails secret key base", {"SECRET_KEY_BASE": "rails-Pl4nted-base"}, "rails-Pl4nted-base"),
    ("password hash", {"password_hash": "$2b$12$Pl4ntedBcryptHashValue"},
     "$2b$12$Pl4ntedBcryptHashValue"),
    ("kubeconfig client key data", {"client-key-data": _b64("-----BEGIN EC PRIVATE KEY-----x")},
     _b64("-----BEGIN EC PRIVATE KEY-----x")),
    ("Kubernetes secret data tls.key", {"data": {"tls.key": "LS0tPl4ntedTlsKey"}},
     "LS0tPl4ntedTlsKey"),
    ("secret under a secret-named mapping", {"secret": {"value": "nested-Pl4nted"}},
     "nested-Pl4nted"),
    ("list under a secret key", {"passwords": ["first-Pl4nted", "second-Pl4nted"]},
     "second-Pl4nted"),
    # Name/value pairs: the secret's name is a value, its neighbour holds the secret.
    ("Lambda environment variable", {"Environment": {"Variables": {"DB_PASSWORD": "lam-Pl4nted"}}},
     "lam-Pl4nted"),
    ("ECS/Kubernetes env name/value", {"environment": [{"name": "API_TOKEN",
                                                         "value": "ecs-Pl4nted-tok"}]},
     "ecs-Pl4nted-tok"),
    ("CloudFormation parameter", {"Parameters": [{"ParameterKey": "DbPassword",
                                                  "ParameterValue": "cfn-Pl4nted"}]},
     "cfn-Pl4nted"),
    ("AWS tag Key/Value", {"Tags": [{"Key": "db-password", "Value": "tag-Pl4nted"}]},
     "tag-Pl4nted"),
    ("GCP metadata item", {"metadata": {"items": [{"key": "admin-password",
                                                   "value": "gce-Pl4nted"}]}},
     "gce-Pl4nted"),
    ("Azure listKeys entry", {"keys": [{"keyName": "key1", "value": "azkey-Pl4nted=="}]},
     "azkey-Pl4nted=="),
    # Secrets inside text: user data, scripts, headers, URLs, error messages.
    ("user data export", {"UserData": "#!/bin/bash\nexport DB_PASSWORD=ud-Pl4nted\n"},
     "ud-Pl4nted"),
    ("quoted AWS secret in env text", f'AWS_SECRET_ACCESS_KEY="{AWS_SECRET}Q"', f"{AWS_SECRET}Q"),
    ("GitHub token in env text", "GITHUB_TOKEN=ghp_Pl4ntedGithubToken0123456789abcdefgh",
     "ghp_Pl4ntedGithubToken0123456789abcdefgh"),
    ("bare GitHub token", "cloning with ghp_Pl4ntedBareToken0123456789abcdefghij ok",
     "ghp_Pl4ntedBareToken0123456789abcdefghij"),
    ("GitHub fine-grained token", "github_pat_11APl4ntedFineGrained0123456789_abcdefghijklmnop",
     "github_pat_11APl4ntedFineGrained0123456789_abcdefghijklmnop"),
    ("Slack bot token", {"note": "bot uses xoxb-123456789012-1234567890123-Pl4ntedSlackTok"},
     "xoxb-123456789012-1234567890123-Pl4ntedSlackTok"),
    ("Slack webhook URL", "https://hooks.slack.com/services/T0PL4NTED/B0PL4NTED/Pl4ntedHookPath",
     "Pl4ntedHookPath"),
    ("RSA private key block", {"key_material": f"stored key:\n{PEM}"}, RSA_BODY),
    ("PGP private key block", {"signing": PGP}, PGP_BODY),
    ("OpenSSH private key block", {"deploy": OPENSSH}, SSH_BODY),
    ("private key with escaped newlines", {"sa_json": PEM.replace("\n", "\\n")}, RSA_BODY),
    ("Basic authorization header in a log line",
     "GET /api Authorization: Basic YWRtaW46UGw0bnRlZEJhc2lj", "YWRtaW46UGw0bnRlZEJhc2lj"),
    ("Bearer token", "Authorization: Bearer Pl4ntedBearerOpaqueToken", "Pl4ntedBearerOpaqueToken"),
    ("proxy authorization", "Proxy-Authorization: Basic cHJveHk6UGw0bnRlZA==",
     "cHJveHk6UGw0bnRlZA=="),
    ("last-applied-configuration with a password",
     _last_applied({"kind": "Secret", "stringData": {"password": "kube-Pl4nted"}}), "kube-Pl4nted"),
    ("last-applied-configuration with an env pair", _last_applied(
        {"kind": "Deployment", "spec": {"containers": [{"env": [
            {"name": "STRIPE_SECRET", "value": "kenv-Pl4nted"}]}]}}), "kenv-Pl4nted"),
    ("cloud-init YAML user data", {"userData": "#cloud-config\nusers:\n  - name: ops\n"
                                               "    password: ci-Pl4nted\n"}, "ci-Pl4nted"),
    ("YAML env name/value in text", "env:\n  - name: DB_PASS\n    value: yaml-Pl4nted\n",
     "yaml-Pl4nted"),
    ("JSON password inside a log line", 'body={"user": "bob", "password": "json-Pl4nted"}',
     "json-Pl4nted"),
    ("escaped JSON inside text", '{"payload": "{\\"password\\": \\"esc-Pl4nted\\"}"}',
     "esc-Pl4nted"),
    ("DSN password containing @", "postgresql://app:p@ss-Pl4nted@db.internal:5432/prod",
     "ss-Pl4nted"),
    ("DSN password with two @", "postgresql://app:a@b@Pl4nted@127.0.0.1:1/db", "Pl4nted"),
    ("MongoDB SRV URL", "mongodb+srv://app:mongo-Pl4nted@cluster0.example.net/db",
     "mongo-Pl4nted"),
    ("Redis URL without user", "redis://:redis-Pl4nted@cache:6379/0", "redis-Pl4nted"),
    ("JDBC URL query password", "jdbc:mysql://db:3306/app?user=app&password=jdbc-Pl4nted",
     "jdbc-Pl4nted"),
    ("ADO.NET connection string", "Server=tcp:x.database.windows.net;Database=d;User ID=u;"
                                  "Password=ado-Pl4nted;Encrypt=true", "ado-Pl4nted"),
    ("Service Bus connection string", "Endpoint=sb://ns.servicebus.windows.net/;"
                                      "SharedAccessKeyName=Root;SharedAccessKey=sb-Pl4nted=",
     "sb-Pl4nted="),
    ("Azure storage connection string", "DefaultEndpointsProtocol=https;AccountName=acct;"
                                        "AccountKey=acct-Pl4nted==;EndpointSuffix=core.windows.net",
     "acct-Pl4nted=="),
    ("Azure SAS URL", "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sr=b&sig=Pl4ntedSig%2B",
     "Pl4ntedSig"),
    ("AWS presigned URL", "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=IQoPl4ntedSts"
                          "&X-Amz-Signature=9f4Pl4ntedSignature", "IQoPl4ntedSts"),
    ("JWT in text", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJQbDRudGVkIn0.Pl4ntedJwtSignature ok",
     "eyJzdWIiOiJQbDRudGVkIn0"),
    ("GitLab token", "glpat-Pl4ntedGitLab01234567", "glpat-Pl4ntedGitLab01234567"),
    ("Stripe live key", "charge with sk_live_Pl4ntedStripe0123456789ab",
     "sk_live_Pl4ntedStripe0123456789ab"),
    ("SendGrid key", "SG.Pl4ntedSendGrid0123456.Pl4ntedSendGridSecretPart0123456789abcdefgh",
     "Pl4ntedSendGridSecretPart0123456789abcdefgh"),
    ("Google API key", "maps key AIzaSyPl4ntedGoogleApiKey0123456789abcd",
     "AIzaSyPl4ntedGoogleApiKey0123456789abcd"),
    ("Google OAuth access token", "ya29.a0Pl4ntedGoogleAccessToken_0123", "a0Pl4ntedGoogleAccessToken"),
    ("Google OAuth client secret", "GOCSPX-Pl4ntedClientSecret01234567",
     "GOCSPX-Pl4ntedClientSecret01234567"),
    ("npm token", "//registry.npmjs.org/:_authToken=npm_Pl4ntedNpmToken0123456789abcdefghij",
     "npm_Pl4ntedNpmToken0123456789abcdefghij"),
    ("OpenAI key", "OPENAI=sk-proj-Pl4ntedOpenAiKey0123456789abcdefgh",
     "sk-proj-Pl4ntedOpenAiKey0123456789abcdefgh"),
    ("Anthropic key", "using sk-ant-api03-Pl4ntedAnthropicKey0123456789",
     "sk-ant-api03-Pl4ntedAnthropicKey0123456789"),
    ("HashiCorp Vault token", "vault token hvs.CAESPl4ntedVaultToken0123456789",
     "hvs.CAESPl4ntedVaultToken0123456789"),
    ("PyPI token", "pypi-AgEIcHlwaS5vcmcPl4ntedPyPiToken" + "x" * 60, "Pl4ntedPyPiToken"),
    ("Mailchimp key", "mc key 5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a-us12 set",
     "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a-us12"),
    ("Telegram bot token", "bot 123456789:AAHPl4ntedTelegramToken0123456789ab",
     "AAHPl4ntedTelegramToken0123456789ab"),
    ("DigitalOcean token", "doctl auth init -t dop_v1_" + "7e1f" * 16, "7e1f" * 16),
    ("Databricks token", "host=x dapi4b1e2c3d4e5f60718293a4b5c6d7e8f9", "dapi4b1e2c3d4e5f60718293a4b5c6d7e8f9"),
    ("Shopify token", "shpat_" + "a1b2c3d4" * 4, "a1b2c3d4" * 4),
    ("Square secret", "sq0csp-Pl4ntedSquareSecret_0123456789abcdefghijklm",
     "Pl4ntedSquareSecret_0123456789abcdefghijklm"),
    ("PuTTY private key", {"ppk": "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"
                                  "Public-Lines: 1\nAAAAC3NzaC1lZDI1NTE5\nPrivate-Lines: 1\n"
                                  "AAAAIPl4ntedPuttyPrivateLine\nPrivate-MAC: 9a8b7c\n"},
     "AAAAIPl4ntedPuttyPrivateLine"),
    ("command-line password flag", "mysqldump --user=root --password=cli-Pl4nted db",
     "cli-Pl4nted"),
    ("command-line token flag, space separated", "vault login --token cli-tok-Pl4nted",
     "cli-tok-Pl4nted"),
    ("docker run -e", "docker run -e POSTGRES_PASSWORD=dock-Pl4nted postgres", "dock-Pl4nted"),
    ("base64 user data", {"UserData": _b64("#!/bin/bash\necho 'API_KEY=b64-Pl4nted' > /etc/app\n")},
     "b64-Pl4nted"),
    ("bracketed text that is not JSON", "[job 7] password=brk-Pl4nted [done]", "brk-Pl4nted"),
    ("numeric password in text", "PASSWORD=904417 ./run.sh", "904417"),
    ("AWS credentials file", f"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                             f"aws_secret_access_key = {AWS_SECRET}Z\n", f"{AWS_SECRET}Z"),
    ("URL query access token", "https://api.example.com/v1/items?access_token=qry-Pl4nted&x=1",
     "qry-Pl4nted"),
    ("password in the middle of a sentence", "login failed for bob, password: hunter2x, retry",
     "hunter2x"),
    ("error message echoing a DSN",
     'could not connect: "postgresql://svc:err-Pl4nted@10.0.0.5/db" refused', "err-Pl4nted"),
]

HARMLESS: Final[list[tuple[str, Any]]] = [
    # Fields about secrets that are not secrets.
    ("password last used", {"PasswordLastUsed": "2024-03-01T10:00:00Z"}),
    ("KMS key id", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}),
    ("KMS key id as ARN", {"KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd"}),
    ("access key id", {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE"}),
    ("max session duration", {"MaxSessionDuration": 3600}),
    ("LLM token counts", {"prompt_tokens": 1234, "max_tokens": 4096, "TokenCount": 12}),
    ("token budget in text", "max_tokens=4096; tokens_used=912"),
    ("Secrets Manager ARN", {"SecretArn": "arn:aws:secretsmanager:us-east-1:111122223333:"
                                          "secret:prod/db-password-AbCdEf"}),
    ("ARN naming a password parameter", "arn:aws:ssm:us-east-1:111122223333:parameter/prod/password"),
    ("secret name", {"SecretName": "prod/db/password", "SecretId": "prod/db/password"}),
    ("IAM password policy", {"PasswordPolicy": {"MinimumPasswordLength": 14,
                                                "PasswordReusePrevention": 24,
                                                "RequireSymbols": True, "MaxPasswordAge": 90}}),
    ("IMDS token setting", {"MetadataOptions": {"HttpTokens": "required",
                                                "HttpPutResponseHopLimit": 2}}),
    ("OAuth token URI", {"token_uri": "https://oauth2.googleapis.com/token"}),
    ("EC2 key pair name", {"KeyName": "ops-keypair"}),
    ("key rotation flag", {"KeyRotationEnabled": True, "KeyState": "Enabled"}),
    ("SSH public key", {"SshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPublicKeyOnly ops@h"}),
    ("base64 CA certificate", {"certificate-authority-data": _b64(CERTIFICATE)}),
    ("PEM certificate", {"certificate": CERTIFICATE}),
    ("PEM public key", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
                       "-----END PUBLIC KEY-----"),
    ("Lambda function URL auth type", {"AuthType": "AWS_IAM"}),
    ("API Gateway authorization type", {"AuthorizationType": "COGNITO_USER_POOLS"}),
    ("EKS authentication mode", {"authenticationMode": "API_AND_CONFIG_MAP"}),
    ("Cognito token validity units", {"TokenValidityUnits": {"AccessToken": "hours",
                                                             "IdToken": "hours",
                                                             "RefreshToken": "days"}}),
    ("Cognito token validity", {"AccessTokenValidity": 60, "RefreshTokenValidity": 30}),
    ("password authentication setting", {"disablePasswordAuthentication": True,
                                         "passwordAuthentication": "Disabled"}),
    ("password file path", {"DB_PASSWORD_FILE": "/run/secrets/db_password"}),
    ("Key Vault secret URL", {"keyVaultSecretUrl": "https://kv1.vault.azure.net/secrets/db"}),
    ("Key Vault reference", {"DB_PASSWORD": "@Microsoft.KeyVault(SecretUri=https://kv1.vault"
                                            ".azure.net/secrets/db/)"}),
    ("CloudFormation dynamic reference", {"MasterUserPassword": "{{resolve:secretsmanager:"
                                                                "prod/db:SecretString:pw}}"}),
    ("Kubernetes secret reference", {"valueFrom": {"secretKeyRef": {"name": "db-creds",
                                                                    "key": "password"}}}),
    ("Cloud Run secret reference", {"valueSource": {"secretKeyRef": {"secret": "db-pass",
                                                                     "version": "latest"}}}),
    ("ECS secret from SSM", {"secrets": [{"name": "DB_PASSWORD",
                                          "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/db"}]}),
    ("service account secrets list", {"secrets": [{"name": "builder-token-x7k2p"}]}),
    ("harmless env name/value", {"environment": [{"name": "LOG_LEVEL", "value": "debug"}]}),
    ("tag about password rotation", {"Tags": [{"Key": "password-rotation", "Value": "enabled"}]}),
    ("parameter about password length", {"ParameterKey": "DbPasswordLength",
                                         "ParameterValue": "32"}),
    ("GCP metadata flag", {"items": [{"key": "enable-oslogin", "value": "TRUE"}]}),
    ("tag keys list", {"TagKeys": ["env", "team", "cost-center"]}),
    ("CORS allowed headers", {"AllowHeaders": ["Authorization", "X-Api-Key", "Content-Type"]}),
    ("private IP and DNS", {"PrivateIpAddress": "10.0.1.23",
                            "PrivateDnsName": "ip-10-0-1-23.ec2.internal"}),
    ("API key source", {"ApiKeySource": "HEADER", "apiKeyRequired": True}),
    ("KMS key spec and usage", {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"}),
    ("encryption key as ARN", {"encryptionKey": "arn:aws:kms:eu-west-1:111122223333:key/abcd"}),
    ("GCP disk encryption key reference", {"diskEncryptionKey": {
        "kmsKeyName": "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"}}),
    # Values that resemble secrets.
    ("git commit SHA", {"commit": "9fceb02d0ae598e95dc970b74767f19372d61af8"}),
    ("image digest", {"ImageDigest": "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0"
                                     "f98a5e886266e7ae"}),
    ("S3 ETag", {"ETag": "\"d41d8cd98f00b204e9800998ecf8427e\""}),
    ("CloudTrail event name", {"eventName": "GetSecretValue",
                               "eventSource": "secretsmanager.amazonaws.com"}),
    ("IAM policy document", {"PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "kms:Decrypt"],
         "Resource": "arn:aws:secretsmanager:*:*:secret:app/*"}]})}),
    ("last-applied-configuration without secrets", _last_applied(
        {"kind": "Deployment", "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "web", "env": [{"name": "TOKEN_TTL", "value": "3600"}]}]}}}})),
    ("plain user data", {"UserData": "#!/bin/bash\nyum install -y nginx\nsystemctl start nginx\n"}),
    ("base64 plain user data", {"UserData": _b64("#!/bin/bash\nyum install -y httpd\n")}),
    ("URL with a user and no password", "ssh://git@github.com:22/org/repo.git"),
    ("scp-style git remote", "git@github.com:org/secret-santa.git"),
    ("e-mail address", {"Owner": "security-team@example.com"}),
    ("URL path that looks like a login", "https://example.com/users/bob:admin@example.org"),
    ("AWS console sign-in URL", "https://111122223333.signin.aws.amazon.com/console"),
    ("token endpoint in text", "token_endpoint: https://login.example.com/oauth2/token"),
    ("token type", "token_type=Bearer expires_in=3600"),
    ("prose label before an error", "no usable Google application default credentials: File "
                                    "/tmp/key.json was not found. (set GOOGLE_APPLICATION_"
                                    "CREDENTIALS to a key file, or run `gcloud auth login`)"),
    ("resource names with secret words", {"DBInstanceIdentifier": "password-reset-db",
                                          "FunctionName": "rotate-secret-lambda",
                                          "Name": "token-service"}),
    ("prose mentioning secrets", {"Description": "Rotates the database password every 30 days"
                                                 " and stores the new secret in Secrets Manager"}),
    ("prose with a basic word", "Basic monitoring is enabled for this instance"),
    ("disk and task names", {"Name": "disk-1234-sk-01", "Task": "risk-api-key-rotation"}),
    ("hugs", {"Note": "xoxo from the ops team"}),
    ("UUIDs and ids", {"InstanceId": "i-0abcd1234efgh5678", "ImageId": "ami-12c6146b",
                       "RequestId": "c6b1d7d2-8e4a-4d47-9c1e-1d0a0b5a2f11"}),
    ("ports and sizes", {"Port": 5432, "AllocatedStorage": 100, "Iops": 3000}),
    ("secret rotation rules", {"RotationRules": {"AutomaticallyAfterDays": 30},
                               "RotationEnabled": True}),
    ("password expiry fields", {"PasswordLastChanged": "2024-01-01", "PasswordNextRotation":
                                "2024-04-01", "password_expires_at": "2024-06-01"}),
    ("access key metadata", {"AccessKeyMetadata": [{"AccessKeyId": "AKIAI44QH8DHBEXAMPLE",
                                                   "Status": "Active",
                                                   "CreateDate": "2023-01-01T00:00:00Z"}]}),
]
