"""An async key-value store with a read-through cache, a lock, and TTL bookkeeping.

Run: python samples/plain/kvstore.py
"""

import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default="-")
LOG = []


async def log(event, key):
    LOG.append(f"[{request_id.get()}] {event} {key}")


class Backend:
    def __init__(self):
        self.data = {}
        self.reads = 0

    async def get(self, key):
        self.reads += 1
        await asyncio.sleep(0)
        return self.data.get(key)

    async def put(self, key, value):
        await asyncio.sleep(0)
        self.data[key] = value


async def expired(entry, now):
    return entry[1] is not None and entry[1] <= now


async def normalize(key):
    key = key.strip().lower()
    if not key:
        raise KeyError("empty key")
    return key


class Store:
    def __init__(self, backend):
        self.backend = backend
        self.cache = {}
        self.lock = asyncio.Lock()
        self.clock = 0

    async def get(self, key):
        key = await normalize(key)
        entry = self.cache.get(key)
        if entry is not None and not await expired(entry, self.clock):
            await log("hit", key)
            return entry[0]
        await log("miss", key)
        value = await self.backend.get(key)
        self.cache[key] = (value, None)
        return value

    async def set(self, key, value, ttl=None):
        key = await normalize(key)
        async with self.lock:
            await self.backend.put(key, value)
            self.cache[key] = (value, None if ttl is None else self.clock + ttl)
            await log("set", key)


async def session(store, rid, ops):
    request_id.set(rid)
    out = []
    for op, *args in ops:
        store.clock += 1
        try:
            out.append(await getattr(store, op)(*args))
        except KeyError as exc:
            out.append(f"error {exc}")
    return out


async def main():
    store = Store(Backend())
    a = session(store, "A", [("set", "Color", "red", 2), ("get", "color"), ("get", " COLOR "), ("get", "color")])
    b = session(store, "B", [("set", "size", 3), ("get", ""), ("get", "size"), ("get", "missing")])
    print(await asyncio.gather(a, b))
    print("backend reads:", store.backend.reads)
    print("\n".join(LOG))


if __name__ == "__main__":
    asyncio.run(main())
