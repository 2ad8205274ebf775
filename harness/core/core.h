/*
 * core.h - what every room of the library shares beyond the public API:
 * alignment arithmetic (not installed).
 */
#ifndef VMEX_CORE_H
#define VMEX_CORE_H

#include "vmex.h"

#define VMEX_ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define VMEX_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define VMEX_IS_POW2(x)       ((x) != 0 && ((x) & ((x) - 1)) == 0)

/* Append a string literal to a vmex_buf (0 or -1, as vmex_buf_put). */
#define VMEX_PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

/* A broken internal invariant, or memory the model core cannot do without
 * (its arenas): writes "vmex: fatal: FILE:LINE: WHAT" to stderr without
 * allocating, then aborts.  Never for bad input: that is a vmex_error. */
#define VMEX_FATAL(what) _vmex_fatal(__FILE__, __LINE__, (what))
_Noreturn void _vmex_fatal(const char *file, int line, const char *what);
#define VMEX_ASSERT(cond) do { if (!(cond)) VMEX_FATAL("assertion failed: " #cond); } while (0)

#endif
