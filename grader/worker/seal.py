"""The kernel's stores that outlive a worker's processes and its files, closed to the worker.

Between two workers of one sandbox the fork server kills and reaps every process of its uid and
deletes its files and System V IPC objects (forkserver.py). Two more stores keep data with no
process holding it, so the next worker of the same uid (or of the same IPC namespace) could find
it there:

- the kernel's keyrings: a uid's user keyring, and its persistent keyring, last after its last
  process (add_key, request_key, keyctl);
- POSIX message queues, which last in their IPC namespace until unlinked (mq_open).

`seal()` installs a seccomp filter that answers those calls with EPERM: for the fork server and,
inherited across fork and exec, every process of the sandbox after it. No Python library a
submission may use needs them. A foreign-architecture call (the 32-bit ABI on x86_64: int 0x80,
or the x32 numbers) gets EPERM whatever it is, so no other numbering reaches the same calls.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
# (AUDIT_ARCH of the machine, its add_key, request_key, keyctl and mq_open numbers)
CLOSED = {
    "x86_64": (0xC000003E, (248, 249, 250, 240)),
    "aarch64": (0xC00000B7, (217, 218, 219, 180)),
}
X32_BIT = 0x40000000  # on x86_64, x32 calls have this bit set under the same AUDIT_ARCH

# Classic BPF, as seccomp runs it: load the word at `k` of struct seccomp_data, jump if equal
# (or greater or equal) to `k`, return `k`.
_LOAD, _JEQ, _JGE, _RETURN = 0x20, 0x15, 0x35, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def program(machine: str) -> bytes | None:
    """The filter for `machine` (platform.machine()), as struct sock_filter[]; None where unknown."""
    if machine not in CLOSED:
        return None
    arch, numbers = CLOSED[machine]
    deny = (_RETURN, 0, 0, _ERRNO | errno.EPERM)
    rules = [(_LOAD, 0, 0, 4), (_JEQ, 1, 0, arch), deny, (_LOAD, 0, 0, 0)]  # nr at 0, arch at 4
    tests = [(_JGE, 0, 0, X32_BIT)] if machine == "x86_64" else []
    tests += [(_JEQ, 0, 0, number) for number in numbers]
    for index, (code, _, _, k) in enumerate(tests):  # each test jumps to `deny`, after the last test and ALLOW
        rules.append((code, len(tests) - index, 0, k))
    rules += [(_RETURN, 0, 0, _ALLOW), deny]
    return b"".join(struct.pack("=HBBI", *rule) for rule in rules)


def seal() -> bool:
    """Install the filter in this process (and so in all it starts): True, or False where this
    machine's architecture is not known here or the kernel refuses."""
    code = program(platform.machine())
    if code is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    filter_program = _Program(len(code) // 8, code)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(filter_program), 0, 0) == 0
