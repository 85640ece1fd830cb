"""No network for the engine: a seccomp filter that makes ``socket(AF_INET/AF_INET6, ...)`` fail.

The guard (:mod:`claimgraph.graph.store.sparqltext.guard`) refuses SERVICE and LOAD from the
query text, but a text check and Oxigraph's parser are two readers, and issue 19 showed them
disagreeing. This is the second layer, decided by what the engine actually does: in a process
that ran :func:`deny_inet_sockets`, opening an IPv4 or IPv6 socket fails with EACCES, so
whatever SERVICE or LOAD reaches the engine cannot fetch anything. Query executors and update
children install it unless the server allows SERVICE (or LOAD); upload parsers always do.
Unix-domain sockets and pipes (how executors talk to the server) are untouched.

Linux on x86-64 or AArch64 only (classic BPF through ``prctl``, via ctypes, no dependency);
elsewhere it reports that it could not, and the guard is the only layer.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct
import sys

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_AF_INET, _AF_INET6 = 2, 10

# (audit architecture, number of the socket syscall)
_ARCH = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}

# BPF opcodes: load word at absolute offset, jump if equal, return.
_LD_ABS = 0x20
_JEQ = 0x15
_RET = 0x06
# offsets in struct seccomp_data: nr (0), arch (4), args[0] (16, low 32 bits on little endian)
_NR, _ARCH_OFF, _ARG0 = 0, 4, 16


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(arch: int, nr_socket: int) -> bytes:
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    return b"".join(
        [
            _insn(_LD_ABS, 0, 0, _ARCH_OFF),
            _insn(_JEQ, 1, 0, arch),  # another ABI: allow (nothing here runs one)
            _insn(_RET, 0, 0, _SECCOMP_RET_ALLOW),
            _insn(_LD_ABS, 0, 0, _NR),
            _insn(_JEQ, 0, 3, nr_socket),  # not socket(): to the allow below
            _insn(_LD_ABS, 0, 0, _ARG0),
            _insn(_JEQ, 2, 0, _AF_INET),
            _insn(_JEQ, 1, 0, _AF_INET6),
            _insn(_RET, 0, 0, _SECCOMP_RET_ALLOW),
            _insn(_RET, 0, 0, deny),
        ]
    )


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_inet_sockets() -> bool:
    """Make IPv4/IPv6 sockets fail in this process and the threads it starts afterwards.

    Returns True when the filter is in place. Irreversible for the process (that is the point);
    call it early, before the engine starts threads."""
    if not sys.platform.startswith("linux"):
        return False
    spec = _ARCH.get(platform.machine())
    if spec is None:
        return False
    prog = _program(*spec)
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0
