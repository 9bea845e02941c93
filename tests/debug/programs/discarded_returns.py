"""Returns whose value the caller discards, a bare early return lowered into if/else, and an
``elif`` whose test awaits a callee inlined as statements (review R19 v1, v3): each of
these lines runs, and raises, where it does in plain Python."""

import asyncio


async def log(x):
    print("log", x)
    return


async def ack(x):
    print("ack", x)
    return 0


async def early(x):
    if x:
        print("early")
        return
    print("late")


async def pick(n):
    if n > 5:
        print("big")
        return n
    total = 0
    for i in range(n):
        total += i
    return total


async def main():
    await log(1)
    await ack(2)
    await early(1)
    await early(0)
    for n in (200, 3, 1):
        if n > 100:
            print("huge")
        elif await pick(n):
            print("picked")
        else:
            print("none")
    return 0


if __name__ == "__main__":
    asyncio.run(main())
