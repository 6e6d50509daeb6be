"""Where the server is and which key to use: from arguments, else the environment."""

import os
from dataclasses import dataclass

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE = "REFERRAL_URL"
KEY_VARIABLE = "REFERRAL_API_KEY"
VERSION = "1.0.0"


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
        chosen_url = url or os.environ.get(URL_VARIABLE) or DEFAULT_URL
        chosen_key = api_key or os.environ.get(KEY_VARIABLE) or None
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
