"""Test ports are chosen where no outgoing connection can take them first."""

from __future__ import annotations

import socket
from pathlib import Path

from ops.local_stack import free_port, free_ports


def _ephemeral_low() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_free_ports_lie_below_the_ephemeral_range_of_outgoing_connections() -> None:
    low = _ephemeral_low()
    assert all(10_000 <= free_port() < low for _ in range(20))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            assert client.getsockname()[1] >= low  # where the kernel puts a client's own port


def test_a_free_port_can_be_listened_on() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", free_port()))
        server.listen()


def test_consecutive_free_ports_can_all_be_listened_on() -> None:
    first = free_ports(3)
    sockets = [socket.socket() for _ in range(3)]
    try:
        for i, s in enumerate(sockets):
            s.bind(("127.0.0.1", first + i))
    finally:
        for s in sockets:
            s.close()
