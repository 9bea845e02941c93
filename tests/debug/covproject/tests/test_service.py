import pytest
from covapp import service


@pytest.mark.asyncio
async def test_describe():
    assert await service.describe_all({"a": 1}, ["a", None]) == [("k", 1), ("k", None)]
