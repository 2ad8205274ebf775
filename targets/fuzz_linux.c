/*
 * fuzz_linux - programs on the real Linux kernel and allocators in a
 * confined window (VMEX_WINDOW, default 1g; VMEX_ALLOCATOR kernel, glibc,
 * jemalloc or mimalloc), run by the non-sanitized executor vmex-exec.
 * The engine glue is hunter.c.
 */
#include "target.h"

const vmex_hunter vmex_hunter_this = {"fuzz_linux", VMEX_TARGET_LINUX, 0};
