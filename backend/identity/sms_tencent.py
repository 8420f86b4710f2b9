"""One-time codes through Tencent Cloud SMS (腾讯云短信): ``SendSms``, API version 2021-01-11,
signed with TC3-HMAC-SHA256 (TencentCloud API signature v3).

The signature, as documented: the canonical request is the method, the URI ``/``, an empty
query, the signed headers (``content-type`` and ``host``, lower-case, each ``name:value\\n``),
their names joined with ``;`` and the hex SHA-256 of the body, one per line; the string to sign
is the algorithm, the timestamp, the credential scope ``<UTC date>/sms/tc3_request`` and the hex
SHA-256 of the canonical request; the key is derived by HMAC-SHA256 from ``TC3`` + SecretKey
over the date, the service and ``tc3_request`` in turn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

from backend.identity.sms import SmsUnavailable, log_sent, post_to_provider, provider_client
from backend.platform.config import Settings

PROVIDER = "tencent"
PUBLIC_ENDPOINT = "https://sms.tencentcloudapi.com/"
API_VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(*, secret_id: str, secret_key: str, host: str, body: bytes, at: int) -> str:
    """The ``Authorization`` header of a POST with this body to ``host`` at Unix time ``at``."""
    date = dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            SIGNED_HEADERS,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = "\n".join(
        [ALGORITHM, str(at), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope},"
        f" SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )


def _failure(answer: dict[str, Any]) -> tuple[str, str] | None:
    """(error code, request id) when the answer is not a sent message, else None."""
    response = answer.get("Response")
    if not isinstance(response, dict):
        return "no-response", ""
    request_id = str(response.get("RequestId", ""))
    error = response.get("Error")
    if isinstance(error, dict):
        return str(error.get("Code") or "error"), request_id
    statuses = response.get("SendStatusSet")
    first = statuses[0] if isinstance(statuses, list) and statuses else None
    if not isinstance(first, dict) or first.get("Code") != "Ok":
        return str(first.get("Code") if isinstance(first, dict) else "no-status"), request_id
    return None


class TencentSmsSender:
    def __init__(self, settings: Settings) -> None:
        self.secret_id = settings.sms_access_key_id
        self.secret_key = settings.sms_access_key_secret
        self.app_id = settings.sms_app_id
        self.sign_name = settings.sms_sign_name
        self.template_id = settings.sms_template_id
        self.region = settings.sms_region
        self.endpoint = settings.sms_endpoint or PUBLIC_ENDPOINT
        # The Host the request carries is the one signed: the endpoint's, port included.
        self.host = urlsplit(self.endpoint).netloc
        self.timeout_seconds = settings.sms_timeout_seconds
        self.client = provider_client(settings.sms_timeout_seconds)

    def request(self, phone: str, code: str) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(
            {
                "PhoneNumberSet": [f"+86{phone}"],
                "SmsSdkAppId": self.app_id,
                "SignName": self.sign_name,
                "TemplateId": self.template_id,
                "TemplateParamSet": [code],
            },
            ensure_ascii=False,
        ).encode()
        at = int(time.time())
        auth = authorization(
            secret_id=self.secret_id, secret_key=self.secret_key, host=self.host, body=body, at=at
        )
        headers = {
            "Authorization": auth,
            "Content-Type": CONTENT_TYPE,
            "Host": self.host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(at),
            "X-TC-Region": self.region,
        }
        return body, headers

    async def send_code(self, phone: str, code: str) -> None:
        body, headers = self.request(phone, code)
        answer = await post_to_provider(
            self.client,
            provider=PROVIDER,
            url=self.endpoint,
            timeout_seconds=self.timeout_seconds,
            content=body,
            headers=headers,
        )
        failure = _failure(answer)
        if failure is not None:
            reason, request_id = failure
            raise SmsUnavailable(provider=PROVIDER, reason=reason, request_id=request_id)
        log_sent(
            provider=PROVIDER, phone=phone, request_id=str(answer["Response"].get("RequestId"))
        )

    async def aclose(self) -> None:
        await self.client.aclose()
