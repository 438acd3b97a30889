"""The baseline the admission benchmarks measure against: one FastAPI route shaped like the admit call
(a UUID in the path, a small JSON answer), no middleware, no database, under uvicorn as the services run."""

from uuid import UUID

from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/organisations/{org_id}/admit")
async def admit(org_id: UUID) -> dict[str, str]:
    return {"id": str(org_id), "status": "member"}
