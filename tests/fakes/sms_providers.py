"""Fake SMS providers on 127.0.0.1: Alibaba Cloud SMS (dysmsapi ``SendSms``, RPC signature
HMAC-SHA1) and Tencent Cloud SMS (``SendSms`` 2021-01-11, TC3-HMAC-SHA256), one server each.

Each checks the request's signature by its own reading of the provider's documentation (no
code shared with the senders under test) and answers as the provider does when it does not
match: Aliyun ``SignatureDoesNotMatch`` (HTTP 400, quoting the string to sign, phone and code
included), Tencent ``AuthFailure.SignatureFailure``. Accepted messages are kept in ``sent``.
``fail_next`` scripts the next answers: ``"error"`` (the provider's own refusal: Aliyun
``isv.BUSINESS_LIMIT_CONTROL``, Tencent ``LimitExceeded.PhoneNumberDailyLimit``), ``"http500"``,
or ``"hang"`` (no answer until the test ends or ``hang_seconds`` pass).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, quote_plus

Kind = Literal["aliyun", "tencent"]
Failure = Literal["error", "http500", "hang"]
Answer = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class Sent:
    phone: str  # 11 digits, as the citizen typed it
    code: str
    sign_name: str
    template: str


# --- Alibaba Cloud: RPC signature, version 1.0 ------------------------------------------------


def _aliyun_encode(text: str) -> str:
    # The documented recipe: form-encode, then a space is %20, * is %2A and ~ stays.
    return quote_plus(text, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_string_to_sign(method: str, params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(_aliyun_encode(k) + "=" + _aliyun_encode(v) for k, v in pairs)
    return method + "&" + _aliyun_encode("/") + "&" + _aliyun_encode(query)


def aliyun_signature(secret: str, string_to_sign: str) -> str:
    key = (secret + "&").encode("utf-8")
    return base64.b64encode(hmac.new(key, string_to_sign.encode("utf-8"), "sha1").digest()).decode()


# --- Tencent Cloud: TC3-HMAC-SHA256 ------------------------------------------------------------


def tencent_signature(
    secret_key: str, *, timestamp: int, headers: dict[str, str], signed: list[str], body: bytes
) -> str:
    day = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed
    )
    canonical = "POST\n/\n\n" + canonical_headers + "\n" + ";".join(signed) + "\n"
    canonical += hashlib.sha256(body).hexdigest()
    scope = day + "/sms/tc3_request"
    hashed = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashed])
    key = ("TC3" + secret_key).encode("utf-8")
    for part in (day, "sms", "tc3_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _tencent_error(code: str, message: str) -> Answer:
    return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": _rid()}}


def _rid() -> str:
    return str(uuid.uuid4()).upper()


@dataclass
class FakeSmsProvider:
    kind: Kind
    credentials: dict[str, str]  # key id (AccessKeyId / SecretId) → secret
    hang_seconds: float = 10.0
    sent: list[Sent] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # error codes answered, in order
    script: deque[Failure] = field(default_factory=deque)
    _nonces: set[str] = field(default_factory=set)
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    def fail_next(self, failure: Failure, count: int = 1) -> None:
        with self._lock:
            self.script.extend([failure] * count)

    def codes_to(self, phone: str) -> list[str]:
        with self._lock:
            return [message.code for message in self.sent if message.phone == phone]

    # --- one request ----------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> Answer:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        refusal = (
            self._check_aliyun(body)
            if self.kind == "aliyun"
            else self._check_tencent(headers, body)
        )
        if refusal is not None:
            return refusal
        with self._lock:
            failure = self.script.popleft() if self.script else None
        if failure == "hang":
            self._release.wait(self.hang_seconds)
            return 200, {"Code": "Timeout"}  # nobody listens any more
        if failure == "http500":
            return 500, {"Code": "InternalError", "Message": "service busy"}
        if failure == "error":
            return self._provider_error()
        return self._accept(headers, body)

    def _provider_error(self) -> Answer:
        if self.kind == "aliyun":
            self._note_refused("isv.BUSINESS_LIMIT_CONTROL")
            code = "isv.BUSINESS_LIMIT_CONTROL"
            return 200, {"Code": code, "Message": "触发号码天级流控", "RequestId": _rid()}
        self._note_refused("LimitExceeded.PhoneNumberDailyLimit")
        status = {"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": _rid()}}

    def _note_refused(self, code: str) -> None:
        with self._lock:
            self.refused.append(code)

    def _accept(self, headers: dict[str, str], body: bytes) -> Answer:
        if self.kind == "aliyun":
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
            code = json.loads(params["TemplateParam"])["code"]
            message = Sent(params["PhoneNumbers"], code, params["SignName"], params["TemplateCode"])
            answer: dict[str, Any] = {
                "Code": "OK",
                "Message": "OK",
                "BizId": uuid.uuid4().hex,
                "RequestId": _rid(),
            }
        else:
            request = json.loads(body)
            phone = request["PhoneNumberSet"][0]
            message = Sent(
                phone.removeprefix("+86"),
                request["TemplateParamSet"][0],
                request["SignName"],
                request["TemplateId"],
            )
            status = {"SerialNo": uuid.uuid4().hex, "PhoneNumber": phone, "Fee": 1}
            status |= {"SessionContext": "", "Code": "Ok", "Message": "send success"}
            answer = {"Response": {"SendStatusSet": [status], "RequestId": _rid()}}
        with self._lock:
            self.sent.append(message)
        return 200, answer

    def _check_aliyun(self, body: bytes) -> Answer | None:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        refuse = self._aliyun_refusal(params)
        if refuse is None:
            return None
        status, code, message = refuse
        self._note_refused(code)
        return status, {"Code": code, "Message": message, "RequestId": _rid(), "HostId": "fake"}

    def _aliyun_refusal(self, params: dict[str, str]) -> tuple[int, str, str] | None:
        secret = self.credentials.get(params.get("AccessKeyId", ""))
        if secret is None:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return 400, "InvalidAction.NotFound", "Specified api is not found."
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return 400, "InvalidSignatureMethod", "Specified signature method is not supported."
        try:
            at = dt.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return 400, "InvalidTimeStamp.Format", "Specified time stamp is not valid."
        if abs(at.replace(tzinfo=dt.UTC).timestamp() - time.time()) > 900:
            return 400, "InvalidTimeStamp.Expired", "Specified time stamp or date is expired."
        to_sign = aliyun_string_to_sign("POST", params)
        if not hmac.compare_digest(aliyun_signature(secret, to_sign), params.get("Signature", "")):
            return (
                400,
                "SignatureDoesNotMatch",
                f"Specified signature is not matched with our calculation. server string to sign"
                f" is:{to_sign}",
            )
        nonce = params.get("SignatureNonce", "")
        with self._lock:
            if not nonce or nonce in self._nonces:
                return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
            self._nonces.add(nonce)
        return None

    def _check_tencent(self, headers: dict[str, str], body: bytes) -> Answer | None:
        refused = self._tencent_refusal(headers, body)
        if refused is not None:
            self._note_refused(refused[1]["Response"]["Error"]["Code"])
        return refused

    def _tencent_refusal(self, headers: dict[str, str], body: bytes) -> Answer | None:
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return _tencent_error("InvalidAction", "The action or version is not valid.")
        if not headers.get("x-tc-region"):
            return _tencent_error("MissingParameter", "The Region parameter is missing.")
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        parts = dict(item.strip().split("=", 1) for item in rest.split(",") if "=" in item)
        key_id, _, scope = parts.get("Credential", "").partition("/")
        timestamp = headers.get("x-tc-timestamp", "")
        if algorithm != "TC3-HMAC-SHA256" or not timestamp.isdigit():
            return _tencent_error("AuthFailure.InvalidAuthorization", "Authorization is invalid.")
        if abs(int(timestamp) - time.time()) > 300:
            return _tencent_error("AuthFailure.SignatureExpire", "The signature has expired.")
        secret = self.credentials.get(key_id)
        if secret is None:
            return _tencent_error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        signed = parts.get("SignedHeaders", "").split(";")
        expected = tencent_signature(
            secret, timestamp=int(timestamp), headers=headers, signed=signed, body=body
        )
        day = time.strftime("%Y-%m-%d", time.gmtime(int(timestamp)))
        if (
            scope != f"{day}/sms/tc3_request"
            or not {"content-type", "host"} <= set(signed)
            or not hmac.compare_digest(expected, parts.get("Signature", ""))
        ):
            return _tencent_error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature"
                " is correct.",
            )
        return None

    # --- the server ---------------------------------------------------------------------------

    def start(self) -> FakeSmsProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, answer = provider._answer(self)
                content = json.dumps(answer, ensure_ascii=False).encode()
                with contextlib.suppress(OSError):  # the sender gave up (timed out)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()  # hanging requests end now
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
