import asyncio


async def helper():
    return 1


async def check(kind):
    if not isinstance(kind, str):
        raise ValueError("kind is required")
    return await helper()


class Worker:
    def __init__(self):
        self.tasks = []

    async def stop(self):
        for t in self.tasks:
            t.cancel()
        self.tasks.clear()
        return await check("ok")


async def main():
    try:
        await check(1)
    except ValueError:
        pass
    worker = Worker()
    worker.tasks.append(asyncio.ensure_future(asyncio.sleep(1)))
    await worker.stop()
    return await check("x")
