"""How the `planner` command's process asks glibc's allocator to keep the memory a run frees.

A run builds and drops arrays of a few to tens of megabytes again and again (a frame's columns,
their sorted copies, grouped sums). By default glibc gives each one above a moving threshold
its own `mmap` and hands it back to the kernel when it is freed, and returns the top of its heap
whenever more than 128 KiB of it is free; the next array then touches fresh pages, and each
first touch is a page fault, in which the kernel zeroes the page. At a million pods that was
4.2 million faults and 18-23 s of system time in a 44-47 s run.

`keep_freed_memory` fixes the threshold at glibc's largest (32 MiB, so that every array below
it comes from the heap), never trims the heap, and grows it 256 MiB at a time (address space:
pages are only backed once touched). Freed arrays are then reused as they are. Measured at a
million pods (BENCHMARKS.md, three runs each way, the settings given as glibc's environment
variables): 3.99-4.03 million faults instead of 4.19-4.20, 14-18 s of system time instead of
18-23 s, plan.json 40.2-44.3 s instead of 43.5-47.0 s; set here, four rounds alternating: the
median 1.6 s quicker, for 115-140 MiB more at the peak. At 100,000 pods: Consul 0.23 s quicker
(eight rounds), Istio within the machine's noise.

Only for glibc (Linux's usual C library), where `mallopt` takes these parameters; elsewhere
nothing is changed. The process is a command that ends when its work does, so memory it keeps
is given back at its exit.
"""

from __future__ import annotations

import os

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
"""glibc's `mallopt` parameter numbers (malloc.h)."""

SETTINGS = (
    (M_MMAP_THRESHOLD, 32 * 2**20),
    (M_TRIM_THRESHOLD, 2**31 - 1),
    (M_TOP_PAD, 256 * 2**20),
)
"""(parameter, value): requests below 32 MiB (glibc's largest mmap threshold on 64-bit
systems) from the heap; the heap's top trimmed only past 2 GiB free (mallopt takes an int);
the heap grown by 256 MiB more than a request needs."""


def glibc() -> bool:
    """Whether this process runs on glibc."""
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):  # another C library, or not a POSIX system
        return False


def keep_freed_memory() -> bool:
    """Set glibc's allocator to keep what the process frees for reuse (SETTINGS); False, with
    nothing changed, where the C library is not glibc or refuses a setting."""
    if not glibc():
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return all(mallopt(parameter, value) == 1 for parameter, value in SETTINGS)
