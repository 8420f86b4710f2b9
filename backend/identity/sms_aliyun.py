"""One-time codes through Alibaba Cloud SMS (阿里云短信服务): ``SendSms`` of dysmsapi, API
version 2017-05-25, called as an RPC API signed with HMAC-SHA1 (signature version 1.0).

The signature, as documented: every parameter but ``Signature``, sorted by name, each name and
value percent-encoded (RFC 3986: only ``A-Za-z0-9-_.~`` stay as they are, a space is ``%20``)
and joined as ``name=value`` with ``&``; the string to sign is ``POST&%2F&`` followed by that
query percent-encoded once more; the signature is Base64 of HMAC-SHA1 keyed with the
AccessKey secret followed by ``&``. The parameters travel as a form body.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote

from backend.identity.sms import SmsUnavailable, log_sent, post_to_provider, provider_client
from backend.platform.config import Settings

PROVIDER = "aliyun"
PUBLIC_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
API_VERSION = "2017-05-25"


def percent_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params)
    )


def signature(params: dict[str, str], *, secret: str, method: str = "POST") -> str:
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender:
    def __init__(self, settings: Settings) -> None:
        self.access_key_id = settings.sms_access_key_id
        self.secret = settings.sms_access_key_secret
        self.sign_name = settings.sms_sign_name
        self.template_code = settings.sms_template_id
        self.endpoint = settings.sms_endpoint or PUBLIC_ENDPOINT
        self.timeout_seconds = settings.sms_timeout_seconds
        self.client = provider_client(settings.sms_timeout_seconds)

    def signed_params(self, phone: str, code: str) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,  # the provider refuses a nonce it has seen
            "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"code": code}),
        }
        return {**params, "Signature": signature(params, secret=self.secret)}

    async def send_code(self, phone: str, code: str) -> None:
        answer = await post_to_provider(
            self.client,
            provider=PROVIDER,
            url=self.endpoint,
            timeout_seconds=self.timeout_seconds,
            content=canonical_query(self.signed_params(phone, code)).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        request_id = str(answer.get("RequestId", ""))
        # The answer's Message is not kept: for a refused signature it quotes the string to
        # sign, which holds the phone and the code.
        if answer.get("Code") != "OK":
            reason = str(answer.get("Code") or "no-code")
            raise SmsUnavailable(provider=PROVIDER, reason=reason, request_id=request_id)
        log_sent(provider=PROVIDER, phone=phone, request_id=request_id)

    async def aclose(self) -> None:
        await self.client.aclose()
