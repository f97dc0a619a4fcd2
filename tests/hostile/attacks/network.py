"""Network access: the host's loopback, the internet, DNS, UNIX sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Attack

if TYPE_CHECKING:
    from tests.hostile.runner import GroupRun

TITLE = "Network"


def _nobody_called(run: GroupRun, attack: Attack) -> None:
    """The host's listeners were never reached, and no attempt connected."""
    assert run.connections == 0
    assert "CONNECTED" not in run.report.output, run.report.output


ATTACKS = (
    Attack(
        name="network-loopback",
        tries="connects to a TCP server listening on the host's 127.0.0.1 (say, a "
        "grading service or a database)",
        defence="bubblewrap's network namespace has only its own loopback, with nothing listening",
        shows="the honest part's score; 'NO NETWORK ConnectionRefusedError' in the output; "
        "the host's server got no connection",
        code="""\
import socket
try:
    socket.create_connection(("127.0.0.1", $PORT), timeout=2).close()
    print("CONNECTED loopback")
except OSError as exc:
    print("NO NETWORK", type(exc).__name__)
""",
        rule="equal",
        ran=r"NO NETWORK",
        group="network",
        extra=_nobody_called,
    ),
    Attack(
        name="network-external",
        tries="connects to public addresses (1.1.1.1:53, 8.8.8.8:53, 93.184.216.34:80) "
        "to send the grader's inputs out or fetch answers",
        defence="the network namespace has no route out",
        shows="the honest part's score; 'NO NETWORK OSError' (network unreachable) for each",
        code="""\
import socket
for address in [("1.1.1.1", 53), ("8.8.8.8", 53), ("93.184.216.34", 80)]:
    try:
        socket.create_connection(address, timeout=2).close()
        print("CONNECTED", address)
    except OSError as exc:
        print("NO NETWORK", type(exc).__name__)
""",
        where="relu_forward",
        rule="equal",
        ran=r"NO NETWORK",
        ran_count=3,
        group="network",
        extra=_nobody_called,
    ),
    Attack(
        name="network-dns",
        tries="resolves example.com and sends a DNS query over UDP to 8.8.8.8, a classic "
        "way to leak data out",
        defence="no resolver configuration and no route in the network namespace",
        shows="the honest part's score; 'NO NETWORK gaierror' and 'NO NETWORK OSError'",
        code="""\
import socket
try:
    socket.getaddrinfo("example.com", 80)
    print("CONNECTED dns")
except OSError as exc:
    print("NO NETWORK", type(exc).__name__)
try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.sendto(b"\\x00" * 12, ("8.8.8.8", 53))
    print("CONNECTED udp")
except OSError as exc:
    print("NO NETWORK", type(exc).__name__)
""",
        where="affine_forward",
        rule="equal",
        ran=r"NO NETWORK",
        ran_count=2,
        group="network",
        extra=_nobody_called,
    ),
    Attack(
        name="network-abstract-unix",
        tries="connects to an abstract UNIX socket the host listens on (such sockets have "
        "no file, so no bind hides them)",
        defence="abstract UNIX sockets belong to the network namespace: the host's is not "
        "in the sandbox's",
        shows="the honest part's score; 'NO NETWORK ConnectionRefusedError'; the host's "
        "socket got no connection",
        code="""\
import socket
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        unix.connect("\\0$ABSTRACT")
    print("CONNECTED unix")
except OSError as exc:
    print("NO NETWORK", type(exc).__name__)
""",
        where="softmax_loss",
        rule="equal",
        ran=r"NO NETWORK",
        group="network",
        extra=_nobody_called,
    ),
)
