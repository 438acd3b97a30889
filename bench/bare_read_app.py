"""The baseline of the HTTP read benchmark (bench/http_write_read.py): the same stack as the services (FastAPI
under uvicorn, asyncpg), one route reading a meeting's row by id and answering it as JSON; no token check,
no access read model, no SQLAlchemy. NPD_BENCH_DSN names the database."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import FastAPI, HTTPException

_pool: list[asyncpg.Pool] = []


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(os.environ["NPD_BENCH_DSN"], min_size=5, max_size=10)
    _pool.append(pool)
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/meetings/{meeting_id}")
async def meeting(meeting_id: UUID) -> dict[str, Any]:
    row = await _pool[0].fetchrow(
        "SELECT id, title, description, format, audience, online, starts_at, ends_at, time_zone, capacity, status, "
        "taken, sequence, created_at, updated_at FROM meetings WHERE id = $1",
        meeting_id,
    )
    if row is None:
        raise HTTPException(404)
    return dict(row)
