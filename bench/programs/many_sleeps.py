# N concurrent 100 ms timers awaited together (default N = 10000).
# Usage: python3 many_sleeps.py [N]   (same shape as many_sleeps.gene)
import asyncio
import sys


async def main(n):
    await asyncio.sleep(0.001)
    arr = []
    for _ in range(n):
        arr.append(asyncio.sleep(0.1))
    results = await asyncio.gather(*arr)
    print(len(results))


asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000))
