"""A JSON-RPC-like request dispatcher with async validation, auth and handlers.

Run: python samples/plain/rpc_server.py
"""

import asyncio

USERS = {"t-1": "alice", "t-2": "bob"}
ACCOUNTS = {"alice": 100, "bob": 20}


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


async def require(condition, code, message):
    if not condition:
        raise RpcError(code, message)


async def authenticate(request):
    token = request.get("token")
    await require(token in USERS, 401, "unknown token")
    return USERS[token]


async def param(request, name, kind=int):
    params = request.get("params", {})
    await require(name in params, 400, f"missing parameter {name!r}")
    value = params[name]
    await require(isinstance(value, kind), 400, f"{name} must be {kind.__name__}")
    return value


async def balance(user, request):
    return ACCOUNTS[user]


async def transfer(user, request):
    target = await param(request, "to", str)
    amount = await param(request, "amount")
    await require(target in ACCOUNTS, 404, f"no account {target!r}")
    await require(0 < amount <= ACCOUNTS[user], 409, "insufficient funds")
    ACCOUNTS[user] -= amount
    ACCOUNTS[target] += amount
    await asyncio.sleep(0)
    return {"from": user, "to": target, "left": ACCOUNTS[user]}


HANDLERS = {"balance": balance, "transfer": transfer}


async def dispatch(request):
    try:
        user = await authenticate(request)
        handler = HANDLERS.get(request.get("method"))
        await require(handler is not None, 404, "no such method")
        return {"id": request["id"], "result": await handler(user, request)}
    except RpcError as exc:
        return {"id": request["id"], "error": {"code": exc.code, "message": str(exc)}}


REQUESTS = [
    {"id": 1, "token": "t-1", "method": "balance"},
    {"id": 2, "token": "t-1", "method": "transfer", "params": {"to": "bob", "amount": 30}},
    {"id": 3, "token": "t-2", "method": "transfer", "params": {"to": "alice", "amount": 500}},
    {"id": 4, "token": "nope", "method": "balance"},
    {"id": 5, "token": "t-2", "method": "transfer", "params": {"to": "carol", "amount": 1}},
    {"id": 6, "token": "t-2", "method": "transfer", "params": {"amount": "3"}},
    {"id": 7, "token": "t-2", "method": "shutdown"},
]


async def main():
    for request in REQUESTS:
        print(await dispatch(request))
    print("accounts:", ACCOUNTS)


if __name__ == "__main__":
    asyncio.run(main())
