"""What the sync and the async client share: where the server is, the key, the retry policy."""

from typing import TypedDict, Unpack

from referral_client._config import Connection
from referral_client._operations import Operations
from referral_client._protocol import Retry


class Options(TypedDict, total=False):
    """Keyword options of both clients.

    `timeout`: seconds to wait for an answer (10 by default; connecting at most 5).
    `retry`: how often and how patiently to try again (`Retry()` by default).
    `language`: `"fr"` for reasons and caveats in French, on every call.
    """

    timeout: float
    retry: Retry | None
    language: str | None


class ClientBase:
    def __init__(
        self, url: str | None = None, api_key: str | None = None, **options: Unpack[Options]
    ) -> None:
        self.connection = Connection.resolve(
            url, api_key, options.get("timeout", 10.0), options.get("language")
        )
        self._operations = Operations(options.get("retry") or Retry())

    @property
    def url(self) -> str:
        return self.connection.url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.connection.url!r})"
