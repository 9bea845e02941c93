"""An async ETL pipeline: fetch records, parse, validate, enrich, aggregate.

Many small awaited helpers, the kind async_inline removes. Run: python samples/plain/pipeline.py
"""

import asyncio
import json

RAW = [
    '{"id": 1, "name": "ada", "score": "91", "tags": ["math", "code"]}',
    '{"id": 2, "name": "bob", "score": "x"}',
    '{"id": 3, "name": "cy", "score": "77", "tags": []}',
    'not json',
    '{"id": 4, "name": "dee", "score": "64", "tags": ["art"]}',
]

WEIGHTS = {"math": 1.5, "code": 1.25}


async def fetch(index):
    if index % 3 == 0:
        await asyncio.sleep(0)  # a real suspension now and then
    return RAW[index]


async def parse(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return {"error": f"bad json at {exc.pos}"}


async def score_of(record):
    raw = record.get("score", "")
    if not raw.isdigit():
        raise ValueError(f"record {record.get('id')}: score {raw!r} is not a number")
    return int(raw)


async def weight(tag):
    return WEIGHTS.get(tag, 1.0)


async def enrich(record, bonus=0):
    total = await score_of(record) + bonus
    for tag in record.get("tags", []):
        total = total * await weight(tag)
    return {"id": record["id"], "name": record["name"].title(), "total": round(total, 2)}


async def process(index, stats):
    record = await parse(await fetch(index))
    if "error" in record:
        stats["invalid"] += 1
        return None
    try:
        enriched = await enrich(record, bonus=index)
    except ValueError as exc:
        stats["rejected"].append(str(exc))
        return None
    stats["ok"] += 1
    return enriched


async def main():
    stats = {"ok": 0, "invalid": 0, "rejected": []}
    results = []
    for index in range(len(RAW)):
        result = await process(index, stats)
        if result is not None:
            results.append(result)
    best = max(results, key=lambda r: r["total"])
    print("results:", results)
    print("best:", best["name"], best["total"])
    print("stats:", stats)
    return len(results)


if __name__ == "__main__":
    asyncio.run(main())
