"""A small SMTP server on loopback that keeps every message it accepts as a file.

`make prod` points the production settings' SMTP backend at it (EMAIL_HOST=127.0.0.1), so
notifications travel the whole way a real deployment sends them: outbox row → Celery
worker → SMTP → here. The drills and the smoke test count what arrived by reading the
directory: one `<n>.eml` per message, written atomically (a temporary name, then a rename).

    python tools/mailsink.py --port 2525 --directory var/prod/mail

Only what Django's SMTP backend says is understood (EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT); no TLS, no authentication: it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
from pathlib import Path

MAX_MESSAGE = 50 * 1024 * 1024


class Sink:
    def __init__(self, directory: Path, delay: float = 0):
        self.directory = directory
        self.delay = delay
        directory.mkdir(parents=True, exist_ok=True)
        existing = [int(p.stem) for p in directory.glob("*.eml") if p.stem.isdigit()]
        self.numbers = itertools.count(max(existing, default=0) + 1)

    def keep(self, data: bytes) -> None:
        number = next(self.numbers)
        temporary = self.directory / f".{number}.tmp"
        temporary.write_bytes(data)
        os.replace(temporary, self.directory / f"{number}.eml")

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 hongmei-mailsink ready")
        try:
            while line := await reader.readline():
                verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
                if verb == "EHLO":
                    await say("250-hongmei-mailsink")
                    await say("250-8BITMIME")
                    await say(f"250 SIZE {MAX_MESSAGE}")
                elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                    await say("250 OK")
                elif verb == "DATA":
                    await say("354 End data with <CR><LF>.<CR><LF>")
                    data = await self.read_data(reader)
                    # A slow server: the drills kill a worker while it waits here, before
                    # the message is kept and acknowledged.
                    await asyncio.sleep(self.delay)
                    self.keep(data)
                    await say("250 OK kept")
                elif verb == "QUIT":
                    await say("221 Bye")
                    break
                else:
                    await say("502 Command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def read_data(reader: asyncio.StreamReader) -> bytes:
        lines = []
        while True:
            line = await reader.readline()
            if not line or line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


async def serve(port: int, directory: Path, delay: float = 0) -> None:
    sink = Sink(directory, delay)
    server = await asyncio.start_server(sink.session, "127.0.0.1", port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--directory", type=Path, required=True)
    parser.add_argument(
        "--delay", type=float, default=0, help="seconds before accepting each message"
    )
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.port, arguments.directory, arguments.delay))


if __name__ == "__main__":
    main()
