"""A small application for the coverage and traceback tests: early returns, raises,
except clauses, loops with lowered returns. Add modules and methods here as the inliner
learns to inline them (the tests run whatever is here, plain and inlined)."""

import asyncio


class Rejected(Exception):
    pass


async def validate(kind):
    if not isinstance(kind, str):
        raise Rejected("kind is required")
    if kind == "":
        return "empty"
    return kind.lower()


async def divide(a, b):
    q = a // b
    return q


async def ratio(total, parts):
    try:
        share = await divide(total, parts)
    except ZeroDivisionError:
        return 0
    return share


async def first_even(values):
    for value in values:
        if value % 2 == 0:
            return value
    return None


async def lookup(table, key):
    try:
        return table[key]
    except KeyError:
        raise Rejected(f"no {key}") from None


async def handle(kind, total, parts):
    name = await validate(kind)
    if name == "empty":
        return None
    share = await ratio(total, parts)
    even = await first_even([share, share + 1])
    return name, share, even


async def strict(total, parts):
    return await divide(total, parts)


async def main():
    results = [await handle("A", 6, 3), await handle("", 1, 1), await handle("b", 1, 0)]
    for args in ((None, 1, 1), ("x", 1, 0)):
        try:
            results.append(await handle(*args))
        except Rejected as error:
            results.append(str(error))
    try:
        await lookup({}, "k")
    except Rejected as error:
        results.append(str(error))
    results.append(await lookup({"k": 1}, "k"))
    try:
        await strict(1, 0)
    except ZeroDivisionError:
        results.append("zero")
    return results


if __name__ == "__main__":
    print(asyncio.run(main()))
