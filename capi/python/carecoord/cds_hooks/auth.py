"""Verification of the JWT a CDS Client sends with every hook and feedback call (CDS Hooks
2.0, "Trusting CDS Clients"): the signature with a key of the client's JWK Set (a file or a
URL configured at start, never a URL named by the token), an asymmetric algorithm, the
issuer, the audience (the URL of the endpoint called), the expiry and issue time, and the
`jti` against replay. Any failure is an AuthError, answered with 401."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import httpx
import jwt
from jwt import PyJWK

# RFC 7518 asymmetric algorithms. `none` and the HMAC family are refused (the specification
# forbids both: an HMAC key would be a secret shared with every client).
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

# A token may not be valid for longer than this from now: the replay cache holds every jti
# until its token expires, so this bounds the cache.
MAX_TOKEN_LIFETIME_S = 600
LEEWAY_S = 10
MAX_REPLAY_ENTRIES = 200_000
JWKS_URL_TTL_S = 300
JWKS_MAX_BYTES = 1 << 20
JWKS_TIMEOUT_S = 5.0


class AuthError(Exception):
    """Why a request's JWT was refused (a reason fit for the log and the 401 body: it names
    claims, never their values)."""


class JwksSource:
    """The client's JWK Set, from a file (read once) or an https/http URL (fetched when
    first needed, again after JWKS_URL_TTL_S, and at most once per TTL for an unknown kid)."""

    def __init__(self, location: str):
        self.location = location
        self._lock = threading.Lock()
        self._keys: Dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self.is_url = location.startswith("https://") or location.startswith("http://")
        if not self.is_url:
            with open(location, "rb") as f:
                self._keys = self._parse(f.read())
            self._fetched_at = float("inf")

    @staticmethod
    def _parse(data: bytes) -> Dict[str, PyJWK]:
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise ValueError(f"JWK Set is not JSON: {e}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
            raise ValueError("JWK Set has no 'keys' array")
        keys: Dict[str, PyJWK] = {}
        for i, k in enumerate(doc["keys"]):
            if not isinstance(k, dict) or not isinstance(k.get("kid"), str) or not k["kid"]:
                raise ValueError(f"JWK Set keys[{i}] has no 'kid'")
            if k.get("kty") == "oct":
                raise ValueError(f"JWK Set keys[{i}] is a symmetric key: only public keys are accepted")
            keys[k["kid"]] = PyJWK.from_dict(k)
        return keys

    def _fetch(self) -> None:
        with httpx.Client(timeout=JWKS_TIMEOUT_S, follow_redirects=False) as client:
            with client.stream("GET", self.location, headers={"Accept": "application/json"}) as r:
                if r.status_code != 200:
                    raise AuthError(f"JWK Set URL answered {r.status_code}")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > JWKS_MAX_BYTES:
                        raise AuthError("JWK Set is larger than 1 MiB")
        try:
            self._keys = self._parse(bytes(body))
        except ValueError as e:
            raise AuthError(str(e)) from None
        self._fetched_at = time.monotonic()

    def key(self, kid: str) -> PyJWK:
        with self._lock:
            # A URL's set is refetched only when stale, never because a token names an
            # unknown kid: a flood of made-up kids cannot make the service hammer the URL.
            # A rotated key is picked up within JWKS_URL_TTL_S.
            if self.is_url and time.monotonic() - self._fetched_at >= JWKS_URL_TTL_S:
                try:
                    self._fetch()
                except httpx.HTTPError as e:
                    raise AuthError(f"JWK Set URL could not be read ({type(e).__name__})") from None
            k = self._keys.get(kid)
        if k is None:
            raise AuthError("the token's kid is not in the JWK Set")
        return k


class ReplayCache:
    """The jti of every token accepted and not yet expired, per issuer."""

    def __init__(self, max_entries: int = MAX_REPLAY_ENTRIES):
        self._seen: Dict[Tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def check_and_add(self, iss: str, jti: str, exp: float, now: float) -> None:
        with self._lock:
            if len(self._seen) >= self._max:
                for key in [k for k, e in self._seen.items() if e + LEEWAY_S < now]:
                    del self._seen[key]
                if len(self._seen) >= self._max:
                    raise AuthError("too many tokens in flight: replay cache full")
            key = (iss, jti)
            if key in self._seen:
                raise AuthError("the token's jti was already used (replay)")
            self._seen[key] = exp


class Verifier:
    def __init__(self, jwks: JwksSource, issuers: Sequence[str], clock: Callable[[], float] = time.time):
        if not issuers:
            raise ValueError("at least one trusted issuer is needed")
        self.jwks = jwks
        self.issuers = set(issuers)
        self.clock = clock
        self.replay = ReplayCache()

    def verify(self, authorization: Optional[str], audiences: Iterable[str]) -> Dict[str, Any]:
        """The verified claims of the Bearer token in an Authorization header, whose `aud`
        must name one of `audiences`."""
        if not authorization:
            raise AuthError("no Authorization header")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization is not a Bearer token")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthError("the token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise AuthError("the token's alg is not an accepted asymmetric algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("the token has no kid")
        key = self.jwks.key(kid)
        now = self.clock()
        auds: List[str] = list(audiences)
        try:
            claims = jwt.decode(
                token, key=key, algorithms=[alg], audience=auds, leeway=LEEWAY_S,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_iat": True},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired (exp)") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the token's aud is not this endpoint") from None
        except jwt.MissingRequiredClaimError as e:
            raise AuthError(f"the token has no {e.claim} claim") from None
        except jwt.InvalidSignatureError:
            raise AuthError("the token's signature does not verify") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("the token is not valid yet (iat or nbf)") from None
        except jwt.InvalidTokenError as e:
            raise AuthError(f"the token is invalid ({type(e).__name__})") from None
        if claims["iss"] not in self.issuers:
            raise AuthError("the token's iss is not a trusted issuer")
        exp = float(claims["exp"])
        if exp + LEEWAY_S < now:
            raise AuthError("the token has expired (exp)")
        if exp - now > MAX_TOKEN_LIFETIME_S:
            raise AuthError(f"the token's exp is more than {MAX_TOKEN_LIFETIME_S} s ahead")
        if not isinstance(claims["jti"], str) or not claims["jti"]:
            raise AuthError("the token's jti is not a non-empty string")
        self.replay.check_and_add(claims["iss"], claims["jti"], exp, now)
        return claims
