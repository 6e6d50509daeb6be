"""HEAD, answered wherever GET is: the GET's status and headers, without its body.

RFC 9110 asks every server that answers GET to answer HEAD, and uptime monitors check a
service with `HEAD /healthz`. FastAPI's routes answer only the methods they declare.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server keeps its own scope, which still says HEAD.
        inner = {**scope, "method": "GET"}
        try:
            await self.app(inner, receive, headers_only)
        finally:
            if "route" in inner:  # for the access log's and the metrics' route template
                scope["route"] = inner["route"]
