"""Write tokens, CSRF and the upload size limit for the web app (the security headers, Host check and
error shape come from ``storyline.http_security``, applied to the whole app by ``storyline.http``).

Reading needs nothing. Writing needs the server's token: API clients send it as
``Authorization: Bearer TOKEN``; a browser signs in once (``/login``), which sets an HttpOnly,
SameSite=Strict cookie holding a value derived from the token (never the token itself). Every form
and htmx request of a signed-in browser also carries a CSRF token bound to that cookie
(HMAC of the session value), checked on every write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

SESSION_COOKIE = "storyline_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

def new_token() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """Checks write credentials against one server token."""

    def __init__(self, token: str):
        if not token:
            raise ValueError("the write token must not be empty")
        self.token = token
        self._key = hashlib.sha256(b"storyline-web\0" + token.encode()).digest()

    def session_value(self) -> str:
        """What the sign-in cookie holds: derived from the token, useless elsewhere."""
        return hmac.new(self._key, b"session", hashlib.sha256).hexdigest()

    def csrf_for(self, session: str | None) -> str:
        if not session:
            return ""
        return hmac.new(self._key, b"csrf\0" + session.encode(), hashlib.sha256).hexdigest()

    def token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())  # type: ignore[union-attr]

    def signed_in(self, request: Any) -> bool:
        cookie = request.cookies.get(SESSION_COOKIE)
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self.session_value().encode())

    def bearer(self, request: Any) -> str | None:
        auth = request.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def check_api_write(self, request: Any) -> None:
        """API writes: the bearer token, or a signed-in browser with its CSRF header."""
        if self.token_ok(self.bearer(request)):
            return
        if self.signed_in(request) and hmac.compare_digest(
                request.headers.get(CSRF_HEADER, "").encode(), self.csrf_for(self.session_value()).encode()):
            return
        raise Unauthorized("writing needs the server token: send 'Authorization: Bearer TOKEN' "
                           "(printed by `storyline serve`)")

    def check_form_write(self, request: Any, form_csrf: str | None) -> None:
        """Form writes from the browser: signed in, and the form's CSRF token (or htmx header) matches."""
        if not self.signed_in(request):
            raise Unauthorized("sign in with the server token first (printed by `storyline serve`)")
        given = form_csrf or request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.csrf_for(self.session_value()).encode()):
            raise Forbidden("the form's CSRF token is missing or stale; reload the page and try again")


class Unauthorized(Exception):
    status = 401
    kind = "unauthorized"


class Forbidden(Exception):
    status = 403
    kind = "forbidden"


def body_limit_middleware(app: Any, prefixes: tuple[str, ...], limit: int) -> None:
    """Refuse (413) uploads whose declared size is over ``limit`` before reading them."""
    from ..http_security import error_response

    @app.middleware("http")
    async def _limit(request: Any, call_next: Any) -> Any:
        if request.method == "POST" and request.url.path.startswith(prefixes):
            try:
                size = int(request.headers.get("content-length") or 0)
            except ValueError:
                size = 0
            if size > limit:
                message = f"upload too large: {size} bytes, the limit is {limit} bytes; send fewer files at once"
                return error_response(413, message)
        return await call_next(request)
