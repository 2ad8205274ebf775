/*
 * window.h - what the executors share (not the library): confinement to
 * the window, the window as the kernel sees it, the ops every executor
 * runs (mmap, vm_allocate, munmap, touch, check, and malloc, realloc and
 * free through the executor's allocator), and the serve loop of the
 * protocol in proto.h.  window.c is compiled into each executor:
 * vmex-exec and its allocator builds (executor.c) and vmex-exec-jsc
 * (jsc_executor.c).  linux-real.md §1 (confinement), §3 (no heap once
 * confined), §5 (the executor process).
 */
#ifndef VMEX_EXEC_WINDOW_H
#define VMEX_EXEC_WINDOW_H

#include <signal.h>
#include <stdint.h>

#include "real/exec/proto.h"
#include "vmex.h"

#define PAGE 4096ull
#define TOP 0x7ffffffff000ull            /* x86_64 TASK_SIZE (4-level paging) */
#define STACK_GAP (1ull << 20)           /* linux-real.md: leave < 1 MiB under [stack] */

/* the state of an executor: the shared header and memfd, the window */
extern vmex_xhdr *H;
extern uint8_t *SHM;
extern int allocator;                    /* enum vmex_allocator: who serves malloc */
extern uint64_t base, window;

/* what a handle slot holds */
typedef struct xslot { uint8_t kind; uint64_t addr, size, req; } xslot;
enum { S_NONE = 0, S_MAP, S_BLOCK, S_JS };   /* S_JS: a JavaScript value (addr), req bytes */
extern xslot slots[VMEX_X_MAX_SLOTS];
extern uint64_t anon_bytes;              /* mappings the program made without a name */

/* ---------------------------------------------------------------- what each executor defines */
/* malloc, realloc and free of its allocator (allocator != kernel) */
void *x_malloc(size_t n);
void *x_realloc(void *p, size_t n);
void x_free(void *p);
/* the ops it adds (kind past check): fill r and, when it binds, *got */
void x_extra_op(const vmex_xop *op, vmex_xres *r, xslot *src, xslot *got);
/* in the forked child, before the program runs */
void x_child_begin(void);
/* a fatal signal outside a touch (with its context), before the default
 * action kills the process (fork mode: the child) */
void x_on_crash(int sig, siginfo_t *si, void *uc);

/* ---------------------------------------------------------------- helpers */
void say_error(const char *a, const char *b);
void reply(char c);
uint64_t read_num_file(const char *path, uint64_t def);
uint64_t now_ns(void);

/* the window as the kernel sees it (/proc/self/maps, no heap) */
typedef struct scan {
    uint64_t prev, free, largest, mapped, held;
    uint32_t vmas, entries, holes, nmaps, truncated;
    int table;                 /* fill the map table */
} scan;
int window_scan(scan *s, int table);
uint64_t live_blocks(void);    /* bytes of live malloc blocks and JavaScript values */

/* a failed request: status, errno, the kernel's view and what is held */
void failed_request(vmex_xres *r, int err, uint64_t req);

/* ---------------------------------------------------------------- start-up */
/* map size bytes of the memfd of fd 5 and check its header: 0, or -1 */
int x_attach(uint64_t size);
/* the fault handlers (SIGSEGV and SIGBUS; more: x_on_crash's signals) on an alternate stack */
void x_signals(const int *more, int nmore);
/* check the window, confine to it: 0, or -1 after replying 'E' */
int x_confine_window(void);
/* fill the header, reply 'R' and run programs until the front end goes */
void x_serve(int fork_mode) __attribute__((noreturn));
int thp_probe(void);

#endif
