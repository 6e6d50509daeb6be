"""Where the server is and which key to use: from arguments, else the environment."""

import os
import re
from dataclasses import dataclass

import httpx

from referral_client.errors import InvalidSettings

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE = "REFERRAL_URL"
KEY_VARIABLE = "REFERRAL_API_KEY"
VERSION = "1.0.0"


# What an `Authorization: Bearer` credential may hold (RFC 6750's b64token).
_KEY = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def _check_url(url: str) -> None:
    """`http://` or `https://` and a host: `127.0.0.1:8000`, as curl takes it, was sent
    nowhere and said as "the connection to :// broke"."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.host:
        raise InvalidSettings(
            f"the server's URL must start with http:// or https:// and name a host, such as "
            f"{DEFAULT_URL}: check --url or {URL_VARIABLE}"
        )


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str | None
    timeout: httpx.Timeout
    language: str | None

    @classmethod
    def resolve(
        cls, url: str | None, api_key: str | None, timeout: float, language: str | None
    ) -> "Connection":
        """Arguments win over `REFERRAL_URL` and `REFERRAL_API_KEY`; the URL defaults to a
        server started by `make run`."""
        chosen_url = (url or os.environ.get(URL_VARIABLE) or DEFAULT_URL).strip()
        # A key read from a file or pasted keeps its line's end: never part of a key.
        chosen_key = (api_key or os.environ.get(KEY_VARIABLE) or "").strip() or None
        _check_url(chosen_url)
        if chosen_key is not None and not _KEY.fullmatch(chosen_key):
            # (sent as it was, it failed as a broken connection or a UnicodeEncodeError)
            raise InvalidSettings(
                "the API key holds a character no key has (a space, an accent, or a "
                "placeholder such as rk_… copied as it is): check --api-key or "
                f"{KEY_VARIABLE}"
            )
        # Connecting should be quick on a hotline's network; a match may take longer.
        limits = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        return cls(chosen_url.rstrip("/"), chosen_key, limits, language)

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"referral-client/{VERSION}", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        if self.language:
            headers["Accept-Language"] = self.language
        return headers

    def __repr__(self) -> str:
        # Never the key: a repr ends up in logs and tracebacks.
        return f"Connection(url={self.url!r}, language={self.language!r})"
