/*
 * core.h - what every room of the library shares beyond the public API
 * (not installed): alignment arithmetic, buffer shorthand, and the error
 * convention (util.c: errors, vmex_buf).  The other core modules have
 * their own headers, one job each:
 *   fmt.h    values as text: sizes (exact and for people), counts, sets
 *   json.h   JSON strings, numbers and a comma-placing writer
 *   xml.h    text inside XML and HTML
 *   utf8.h   decoding UTF-8 and the escaping loop of json.c and xml.c
 *   tags.h   the well-known VM tags: names and colours
 *   file.h   the one way to open and read an input file
 *   rng.h    pseudo-random numbers (splitmix64, xoshiro256**)
 *   dist.h   size and lifetime distributions over rng.h
 * (program.c, the program and its name tables, is declared in vmex.h.)
 */
#ifndef VMEX_CORE_H
#define VMEX_CORE_H

#include "vmex.h"

#define VMEX_ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define VMEX_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define VMEX_IS_POW2(x)       ((x) != 0 && ((x) & ((x) - 1)) == 0)

/* Append a string literal to a vmex_buf (0 or -1, as vmex_buf_put). */
#define VMEX_PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

/* ---------------------------------------------------------------- errors
 * One convention for the whole library:
 *   - A failure the caller can act on is returned: -1 (or NULL) with a
 *     vmex_error (vmex.h) filled by the function that found it: the file,
 *     line and column it is about (0 when not known), a message, and what
 *     kind of failure it is (code, enum vmex_errcode):
 *       VMEX_E_INPUT        bad input: a parse error, a value out of range,
 *                           an unknown name, a file too large;
 *       VMEX_E_IO           a file that cannot be opened or read;
 *       VMEX_E_NOMEM        memory ran out while reading or building;
 *       VMEX_E_UNAVAILABLE  this machine cannot do it (no executor, the
 *                           window cannot be confined);
 *       VMEX_E_INTERNAL     a bug in vmex found where aborting would lose
 *                           the caller's work.
 *     vmex_error_set leaves the code alone: an error is INPUT unless the
 *     reporter says otherwise (a cleared vmex_error is INPUT).
 *   - A function without a vmex_error argument can only run out of memory
 *     and says so in its header (-1, NULL, or 0 for a size).
 *   - The library never prints and never exits: the caller (the CLI, a
 *     fuzz target) prints vmex_error_print's line and picks the exit status.
 *   - A broken invariant is VMEX_FATAL / VMEX_ASSERT below, never an error
 *     return, and never for input.
 *   - The two programs built without the library (real/exec/, the
 *     executor, and import/recorder/, a preload library) report through
 *     their own channels: the executor's reply header, the recorder's
 *     "vmex-record: ..." line before it aborts.
 */

/* "out of memory", code VMEX_E_NOMEM, no line or column (err->file is
 * kept); returns -1. */
int vmex_error_nomem(vmex_error *e);

/* A broken internal invariant, or memory the model core cannot do without
 * (its arenas): writes "vmex: fatal: FILE:LINE: WHAT" to stderr without
 * allocating, then aborts.  Never for bad input: that is a vmex_error. */
#define VMEX_FATAL(what) _vmex_fatal(__FILE__, __LINE__, (what))
_Noreturn void _vmex_fatal(const char *file, int line, const char *what);
#define VMEX_ASSERT(cond) do { if (!(cond)) VMEX_FATAL("assertion failed: " #cond); } while (0)

/* core/config.c: an iOS profile name's release (x10: 17.4 -> 174) and
 * RAM class, 0 or -1 when it names no profile; a `set` value of the
 * config, or the key's default */
int _vmex_profile_parse(const char *name, uint32_t *version_x10, uint32_t *ram_gb);
uint64_t _vmex_setting(const vmex_config *c, int key);

#endif
