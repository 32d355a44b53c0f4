#!/usr/bin/python3
"""A DNS server on loopback that misbehaves on purpose, for tests and benchmarks (stdlib only).

Modes:
  silent   never answers anything (a resolver that hangs until the client's own timeout)
  slow     answers every A query after --delay seconds with --answer (AAAA: no data, same delay)
  nxdomain answers every query at once with NXDOMAIN
  by-name  the first label of the name decides: "silent" never answers, "slowN" answers after N seconds
           (e.g. slow2.db.test), "nx" gets NXDOMAIN, anything else is answered at once

Prints one line "listening ADDR:PORT" on stdout once bound, then serves until killed (SIGTERM/SIGINT).
--bind auto picks a free address in 127.53.0.0/16 (port 53 needs root), so that parallel runs do not collide.
--resolv-conf FILE writes a resolv.conf that points at the server (options timeout:T attempts:1).

To point a process at it without touching the machine's /etc/resolv.conf (as root):
  unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' FILE program args...
"""

import argparse
import random
import signal
import socket
import struct
import sys
import threading

QTYPE_A = 1
QTYPE_AAAA = 28


def parse_question(packet):
    """(id, flags, qname labels, qtype, end offset of the question) or None when malformed."""
    if len(packet) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", packet[:6])
    if qdcount < 1:
        return None
    labels = []
    pos = 12
    while pos < len(packet):
        length = packet[pos]
        pos += 1
        if length == 0:
            break
        if length & 0xC0 or pos + length > len(packet):
            return None
        labels.append(packet[pos:pos + length].decode("ascii", "replace").lower())
        pos += length
    if pos + 4 > len(packet):
        return None
    qtype, _qclass = struct.unpack("!HH", packet[pos:pos + 4])
    return qid, flags, labels, qtype, pos + 4


def answer(packet, question, rcode, address):
    qid, flags, _labels, qtype, end = question
    rd = flags & 0x0100
    with_answer = rcode == 0 and qtype == QTYPE_A and address
    header = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, 1 if with_answer else 0, 0, 0)
    body = packet[12:end]
    if with_answer:
        # A name pointer to the question, class IN, TTL 0 (nothing cached between runs), 4 bytes of address.
        body += struct.pack("!HHHIH", 0xC00C, QTYPE_A, 1, 0, 4) + socket.inet_aton(address)
    return header + body


def behaviour(mode, delay, labels):
    """('silent' | 'nx' | 'answer', delay seconds)."""
    if mode == "silent":
        return "silent", 0
    if mode == "nxdomain":
        return "nx", 0
    if mode == "slow":
        return "answer", delay
    first = labels[0] if labels else ""
    if first == "silent":
        return "silent", 0
    if first == "nx":
        return "nx", 0
    if first.startswith("slow"):
        try:
            return "answer", float(first[4:] or delay)
        except ValueError:
            return "answer", delay
    return "answer", 0


def bind(sock, address, port):
    if address != "auto":
        sock.bind((address, port))
        return address
    for _ in range(50):
        candidate = f"127.53.{random.randint(0, 255)}.{random.randint(1, 254)}"
        try:
            sock.bind((candidate, port))
            return candidate
        except OSError:
            continue
    raise SystemExit("fake_dns: no free address in 127.53.0.0/16")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["silent", "slow", "nxdomain", "by-name"], default="silent")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds before a slow answer (default 2)")
    parser.add_argument("--answer", default="127.0.0.1", help="the IPv4 address answered (default 127.0.0.1)")
    parser.add_argument("--bind", default="127.0.0.53", help="address to listen on, or auto (default 127.0.0.53)")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--resolv-conf", help="write a resolv.conf pointing at this server to this file")
    parser.add_argument("--timeout", type=int, default=5, help="the resolv.conf's options timeout (default 5)")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        address = bind(sock, args.bind, args.port)
    except OSError as exc:
        raise SystemExit(f"fake_dns: cannot bind {args.bind}:{args.port}: {exc}")
    if args.resolv_conf:
        with open(args.resolv_conf, "w", encoding="ascii") as f:
            f.write(f"nameserver {address}\noptions timeout:{args.timeout} attempts:1\n")
    print(f"listening {address}:{args.port}", flush=True)

    lock = threading.Lock()

    def send_later(seconds, data, client):
        def send():
            with lock:
                sock.sendto(data, client)
        timer = threading.Timer(seconds, send)
        timer.daemon = True
        timer.start()

    while True:
        packet, client = sock.recvfrom(4096)
        question = parse_question(packet)
        if question is None:
            continue
        what, seconds = behaviour(args.mode, args.delay, question[2])
        if what == "silent":
            continue
        data = answer(packet, question, 3 if what == "nx" else 0, args.answer)
        if seconds > 0:
            send_later(seconds, data, client)
        else:
            with lock:
                sock.sendto(data, client)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
