"""A module whose docstring spans lines,
and whose rewrite adds the runtime import after it.
"""

import asyncio


class Codec:
    @classmethod
    async def encode(cls, x):
        if x < 0:
            raise ValueError(x)
        return x * 2


async def main():
    total = 0
    for x in (1, 2, 3):
        total += await Codec.encode(x)
    print(total)
    return total


if __name__ == "__main__":
    asyncio.run(main())
