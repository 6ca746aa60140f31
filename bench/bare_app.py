"""The ceiling: a bare FastAPI endpoint that inserts one row into SQLite, served like lightsoff.

Same server (one uvicorn process, uvloop, httptools), same SQLite durability (WAL,
synchronous=FULL), same threadpool hand-off for the write; it stores the body and answers its id,
and does nothing else. Run: ``python bench/bare_app.py <sqlite path> <port>``.
"""

from __future__ import annotations

import sqlite3
import sys
import threading

import uvicorn
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool


def create_app(path: str) -> FastAPI:
    app = FastAPI()
    local = threading.local()
    lock = threading.Lock()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "connection"):
            local.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            local.connection.execute("PRAGMA synchronous=FULL")
        return local.connection  # type: ignore[no-any-return]

    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    setup.close()

    def insert(body: bytes) -> int:
        with lock:
            cursor = connection().execute("INSERT INTO orders (body) VALUES (?)", (body,))
            return int(cursor.lastrowid or 0)

    @app.post("/v1/orders", status_code=202)
    async def submit(request: Request) -> Response:
        row_id = await run_in_threadpool(insert, await request.body())
        return Response(f'{{"id":{row_id}}}', status_code=202, media_type="application/json")

    return app


if __name__ == "__main__":
    uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
