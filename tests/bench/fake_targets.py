#!/usr/bin/python3
"""N fake pool-owning services for bench_agent: one asyncio process, one port each on 127.0.0.1, each serving a
seed-profile health payload (checked_out, tracked, discrepancy, pool max, five routes) that changes a little per
request. An optional second argument sets the number of routes (default 5). Prints one line "ready PORT PORT ..." on stdout, then serves until stdin closes or SIGTERM. On SIGUSR1 it prints "served N", the number of
requests answered so far (all ports)."""
import asyncio
import json
import random
import signal
import sys


def payload(index: int, tick: int, route_count: int) -> bytes:
    rnd = random.Random(index * 1_000_003 + tick)
    tracked = rnd.randint(0, 6)
    held = index % 7
    routes = {f"/api/r{r}": {"acquired": tick * (r + 1), "released": tick * (r + 1) - rnd.randint(0, 1)}
              for r in range(route_count)}
    body = {"database": {"pool": {"checked_out": tracked + held, "pool_size": 20, "pool_max": 20},
                         "tracking": {"total_active": tracked, "tracking_discrepancy": held,
                                      "total_acquired": tick * 15, "total_released": tick * 15 - tracked,
                                      "routes": routes}}}
    return json.dumps(body).encode()


async def main(count: int, route_count: int) -> None:
    ticks = [0] * count
    servers = []

    def handler_for(index: int):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    if not head:
                        break
                    ticks[index] += 1
                    body = payload(index, ticks[index], route_count)
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n\r\n" + body)
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()
        return handle

    for i in range(count):
        servers.append(await asyncio.start_server(handler_for(i), "127.0.0.1", 0))
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print("ready " + " ".join(map(str, ports)), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: print(f"served {sum(ticks)}", flush=True))
    loop.add_reader(sys.stdin, lambda: stop.set() if not sys.stdin.read(1) else None)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 5))
