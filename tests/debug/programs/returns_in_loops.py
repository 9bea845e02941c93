"""Returns inside loops, with and without a value the caller reads: the loop-exit flags and
their tests run no line of their own."""

import asyncio


async def find(xs, t):
    for x in xs:
        if x == t:
            return x
    return None


async def scan(n):
    i = 0
    while i < n:
        if i == 3:
            return
        i += 1
    print("end")


async def main():
    a = await find([1, 2, 3], 2)
    b = await find([1, 2, 3], 9)
    await scan(5)
    await scan(2)
    return a, b


if __name__ == "__main__":
    asyncio.run(main())
