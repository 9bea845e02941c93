"""Defaults pasted as their literals (shared objects: small ints, bools, None), each
parameter read on a line that runs and on one that does not (review R8 f1)."""

import asyncio


async def check(tok, limit=10, strict=False):
    if tok is None:
        print("none", limit, strict)
    return len(tok) + limit if not strict else limit


async def scaled(x, factor=3, label=None):
    return (x * factor
            if label is None
            else (label, factor))


async def main():
    total = 0
    for t in ["abc", "defgh"]:
        total += await check(t)
        total += await scaled(len(t))
    print(total)
    return total


if __name__ == "__main__":
    asyncio.run(main())
