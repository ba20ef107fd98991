"""Google's side of the service-account path, offline: a key pair and its JSON file, and a
token endpoint that checks the signed JWT the way ``oauth2.googleapis.com/token`` does.

``map_google_hosts`` makes the ``AuthorizedSession`` gspread opens send Google's hosts
here (the token endpoint) and to a local Sheets server (the API), and refuses every
other address, so nothing in a test reaches the network.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import email.utils
import json
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from google.auth import _helpers as auth_helpers
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from requests.adapters import BaseAdapter
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sheets.client import SCOPES
from sheets.local.transport import RedirectAdapter

TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
API_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
AUTH_HOSTS = ("https://oauth2.googleapis.com", "https://iamcredentials.googleapis.com")
TOKEN_LIFETIME = 3599  # what Google answers
MAX_ASSERTION_LIFETIME = 3600
CLOCK_LEEWAY = 300  # seconds either side a JWT's iat/exp may be off the server's clock

BAD_SIGNATURE = "Invalid JWT Signature."
BAD_TIMEFRAME = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                 "reasonable timeframe. Check your iat and exp values in the assertion and use "
                 "a clock with skew to account for clock differences between systems.")


# -- the service account ------------------------------------------------------------------

@lru_cache(maxsize=4)
def rsa_key(name: str = "primary") -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, made once per name and process (each costs tens of milliseconds)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


@dataclass(frozen=True)
class ServiceAccount:
    """A service account as the Cloud console makes it, with the key it signs with."""

    email: str
    key_id: str
    key: rsa.RSAPrivateKey
    project: str = "mustafid-test"

    def info(self, token_uri: str = TOKEN_URI) -> dict[str, str]:
        """The JSON file's fields, in the console's shape."""
        return {
            "type": "service_account",
            "project_id": self.project,
            "private_key_id": self.key_id,
            "private_key": pem(self.key),
            "client_email": self.email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                    + self.email.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        }

    def write(self, path: Path, key: rsa.RSAPrivateKey | None = None,
              token_uri: str = TOKEN_URI) -> Path:
        """The JSON file at ``path``; ``key`` puts another private key in it (a wrong one)."""
        info = self.info(token_uri)
        if key is not None:
            info["private_key"] = pem(key)
        path.write_text(json.dumps(info, indent=2))
        path.chmod(0o600)
        return path


def service_account(name: str = "mustafid-app") -> ServiceAccount:
    return ServiceAccount(email=f"{name}@mustafid-test.iam.gserviceaccount.com",
                          key_id="0123456789abcdef0123456789abcdef01234567",
                          key=rsa_key("primary"))


# -- one clock for the token endpoint and google-auth --------------------------------------

class Clock:
    """Wall time plus an offset the test moves; ``skew`` is how far the app's clock is off."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.skew = 0.0

    def now(self) -> float:
        """The token endpoint's time (Google's)."""
        return time.time() + self.offset

    def app_now(self) -> datetime.datetime:
        """google-auth's ``utcnow``: naive UTC, off by ``skew``."""
        stamp = self.now() + self.skew
        return datetime.datetime.fromtimestamp(stamp, datetime.UTC).replace(tzinfo=None)

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """google-auth signs and judges expiry by this clock (``_helpers.utcnow``)."""
        monkeypatch.setattr(auth_helpers, "utcnow", self.app_now)


# -- the token endpoint ---------------------------------------------------------------------

@dataclass
class Grant:
    """One answer of the token endpoint."""

    status: int
    error: str | None
    token: str | None
    claims: dict[str, Any] = field(default_factory=dict)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class TokenEndpoint:
    """``POST /token`` (the JWT-bearer grant) and the IAM ``allowedLocations`` lookup.

    Tokens are ``ya29.test-<n>``, valid ``lifetime`` seconds on ``clock``; ``check`` is the
    validator a local Sheets server is given (``LocalSheets.require_token``); it records
    every token it judged.
    """

    def __init__(self, clock: Clock, token_uri: str = TOKEN_URI,
                 lifetime: int = TOKEN_LIFETIME) -> None:
        self.clock = clock
        self.token_uri = token_uri
        self.lifetime = lifetime
        self.accounts: dict[str, rsa.RSAPublicKey] = {}
        self.tokens: dict[str, float] = {}  # token -> expiry on the clock
        self.revoked: set[str] = set()
        self.grants: list[Grant] = []
        self.checked: list[tuple[str | None, bool]] = []
        self.lookups: list[bool] = []  # allowedLocations calls: did each carry a valid token?
        self._lock = threading.Lock()

    def register(self, account: ServiceAccount) -> None:
        """Google knows this account's public key (the key was not deleted)."""
        self.accounts[account.email] = account.key.public_key()

    # -- what tests ask --
    def issued(self) -> list[str]:
        return [g.token for g in self.grants if g.token]

    def revoke_all(self) -> None:
        with self._lock:
            self.revoked.update(self.tokens)

    def valid(self, token: str | None) -> bool:
        """Is ``token`` an access token this endpoint issued, unexpired and not revoked?"""
        with self._lock:
            expiry = self.tokens.get(token or "")
            return expiry is not None and token not in self.revoked and self.clock.now() < expiry

    def check(self, token: str | None) -> bool:
        """``valid``, recorded in ``checked``: the local Sheets server's validator."""
        ok = self.valid(token)
        with self._lock:
            self.checked.append((token, ok))
        return ok

    # -- WSGI --
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/token" and request.method == "POST":
            response = self._token(request)
        elif request.path.endswith("/allowedLocations") and request.method == "GET":
            response = self._allowed_locations(request)
        else:
            response = self._json({"error": "not_found"}, 404)
        return response(environ, start_response)

    def _json(self, body: Any, status: int = 200) -> Response:
        # Google's Date: its clock, which a doctor compares with the app's
        return Response(json.dumps(body), status=status,
                        content_type="application/json; charset=utf-8",
                        headers={"Cache-Control": "no-cache, no-store, max-age=0",
                                 "Date": email.utils.formatdate(self.clock.now(), usegmt=True)})

    def _token(self, request: Request) -> Response:
        try:
            claims = self._verify(request.form.get("grant_type"), request.form.get("assertion"))
        except OAuthError as exc:
            with self._lock:
                self.grants.append(Grant(exc.status, exc.error, None))
            return self._json({"error": exc.error, "error_description": exc.description},
                              exc.status)
        with self._lock:
            token = f"ya29.test-{len(self.tokens) + 1}"
            self.tokens[token] = self.clock.now() + self.lifetime
            self.grants.append(Grant(200, None, token, claims))
        return self._json({"access_token": token, "expires_in": self.lifetime,
                           "token_type": "Bearer"})

    def _verify(self, grant_type: str | None, assertion: str | None) -> dict[str, Any]:
        """The checks Google makes of a JWT-bearer grant, with its error answers."""
        if grant_type != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        if not assertion or assertion.count(".") != 2:
            raise OAuthError("invalid_request", "Invalid JWT format: assertion is missing "
                             "or not a signed JWT.")
        head_b64, body_b64, sig_b64 = assertion.split(".")
        try:
            header = json.loads(_b64(head_b64))
            claims = json.loads(_b64(body_b64))
            signature = _b64(sig_b64)
        except (ValueError, binascii.Error):
            raise OAuthError("invalid_grant", "Invalid JWT: the assertion cannot be "
                             "decoded.") from None
        if header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", BAD_SIGNATURE)
        public = self.accounts.get(claims.get("iss", ""))
        if public is None:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        try:
            public.verify(signature, f"{head_b64}.{body_b64}".encode("ascii"),
                          padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise OAuthError("invalid_grant", BAD_SIGNATURE) from None
        if claims.get("aud") != self.token_uri:
            raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check. The right "
                             f"audience is {self.token_uri}")
        iat, exp = claims.get("iat"), claims.get("exp")
        now = self.clock.now()
        if not isinstance(iat, int) or not isinstance(exp, int) or exp <= iat \
                or exp - iat > MAX_ASSERTION_LIFETIME or iat > now + CLOCK_LEEWAY \
                or exp < now - CLOCK_LEEWAY:
            raise OAuthError("invalid_grant", BAD_TIMEFRAME)
        scopes = set(str(claims.get("scope") or "").split())
        if not set(SCOPES) <= scopes:
            raise OAuthError("invalid_scope", "Some requested scopes were invalid. {missing="
                             f"{sorted(set(SCOPES) - scopes)}}}")
        return claims

    def _allowed_locations(self, request: Request) -> Response:
        """google-auth asks this in a background thread after it fetches a token."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        ok = scheme == "Bearer" and self.valid(token)
        with self._lock:
            self.lookups.append(ok)
        if not ok:
            return self._json({"error": {"code": 401, "status": "UNAUTHENTICATED",
                                         "message": "Request had invalid authentication "
                                                    "credentials."}}, 401)
        return self._json({"locations": ["us-central1", "us-east1", "europe-west1",
                                         "asia-east1"], "encodedLocations": "0xA30"})


class ThreadedServer:
    """A WSGI app on a free loopback port, served by a thread (as conftest's ``Server``)."""

    def __init__(self, app: Any) -> None:
        self._http = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()
        self.stopped = False

    def stop(self) -> None:
        """Stop answering (connections are refused from now on); safe to call twice."""
        if not self.stopped:
            self.stopped = True
            self._http.shutdown()
            self._http.server_close()


# -- Google's hosts, mapped -------------------------------------------------------------

class Offline(BaseAdapter):
    """Refuse any address a test did not map; ``attempts`` lists them (shared by copies)."""

    attempts: ClassVar[list[str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        Offline.attempts.append(request.url or "")
        raise requests.ConnectionError(f"no network in tests: {request.url}")

    def close(self) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> Offline:
        return self


class MappedHost(RedirectAdapter):
    """``RedirectAdapter`` that survives the deep copy google-auth makes of its token session
    (``HTTPAdapter`` pickles only the attributes it lists)."""

    __attrs__: ClassVar[list[str]] = [*RedirectAdapter.__attrs__, "base_url"]


def _mapped(session: requests.Session, routes: dict[str, str]) -> requests.Session:
    session.mount("https://", Offline())
    session.mount("http://", Offline())
    for prefix, base_url in routes.items():
        session.mount(prefix, MappedHost(base_url))
    return session


def map_google_hosts(monkeypatch: pytest.MonkeyPatch, api_url: str,
                     auth_url: str) -> list[AuthorizedSession]:
    """gspread's ``AuthorizedSession`` sends the Sheets and Drive hosts to ``api_url``, and
    google-auth's token and IAM requests to ``auth_url``; returns the sessions it makes."""
    made: list[AuthorizedSession] = []
    api_routes = dict.fromkeys(API_HOSTS, api_url)
    auth_routes = dict.fromkeys(AUTH_HOSTS, auth_url)

    class MappedSession(AuthorizedSession):  # type: ignore[misc]
        def __init__(self, credentials: Any, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("auth_request",
                              AuthRequest(_mapped(requests.Session(), auth_routes)))
            super().__init__(credentials, *args, **kwargs)
            _mapped(self, api_routes)
            made.append(self)

    import gspread.http_client

    monkeypatch.setattr(gspread.http_client, "AuthorizedSession", MappedSession)
    Offline.attempts = []
    return made
