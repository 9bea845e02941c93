import pytest
from covapp import core


@pytest.mark.asyncio
async def test_handle():
    assert await core.handle("A", 6, 3) == ("a", 2, 2)
    assert await core.handle("", 1, 1) is None


@pytest.mark.asyncio
async def test_zero_share():
    assert await core.handle("b", 1, 0) == ("b", 0, 0)


@pytest.mark.asyncio
async def test_rejected():
    with pytest.raises(core.Rejected):
        await core.handle(None, 1, 1)


@pytest.mark.asyncio
async def test_lookup():
    assert await core.lookup({"k": 1}, "k") == 1
    with pytest.raises(core.Rejected):
        await core.lookup({}, "k")


@pytest.mark.asyncio
async def test_main():
    assert len(await core.main()) == 8
