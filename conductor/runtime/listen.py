"""The runtime's listening socket, bound before anything else starts.

Bound first, a taken port ends `conductor run` with one line before the log is opened or
the log writer's process is started; the bound socket is then handed to uvicorn.
"""

import socket

from conductor.errors import ConductorError


class PortTaken(ConductorError):
    """The host and port cannot be bound (in use, or not this machine's address)."""


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` as uvicorn binds one (`SO_REUSEADDR`), or
    `PortTaken` naming the address and the system's reason."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        reason = error.strerror or str(error)
        raise PortTaken(f"cannot listen on {host} port {port}: {reason}") from None
    return listener
