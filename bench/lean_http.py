"""A minimal HTTP/1.1 keep-alive client for the load generator: what httpx costs in CPU per request
(a quarter of a core at 100 requests/s here) would be taken from the services being measured."""

import asyncio
from urllib.parse import urlsplit


class LeanHttp:
    def __init__(self, base_url: str, connections: int = 32) -> None:
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.size = connections
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def __aenter__(self) -> "LeanHttp":
        for _ in range(self.size):
            self._idle.put_nowait(await asyncio.open_connection(self.host, self.port))
        return self

    async def __aexit__(self, *_: object) -> None:
        while not self._idle.empty():
            self._idle.get_nowait()[1].close()

    async def post(self, path: str, headers: dict[str, str], json_body: bytes = b"") -> int:
        """POST, without a body or with a JSON one; returns the status code (the response body is dropped)."""
        if json_body:
            headers = headers | {"Content-Type": "application/json"}
        status, _ = await self._exchange("POST", path, headers, json_body)
        return status

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """GET; returns the status code and the body."""
        return await self._exchange("GET", path, headers)

    async def _exchange(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        reader, writer = await self._idle.get()
        try:
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                # uvicorn closes a keep-alive connection idle for 5 s (a load generator waiting for a backlog
                # to drain): the request was never read, so it is sent again on a new connection.
                writer.close()
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(request)
                status_line = await reader.readline()
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
        finally:
            self._idle.put_nowait((reader, writer))
        return status, body
