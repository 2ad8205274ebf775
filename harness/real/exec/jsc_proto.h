/*
 * jsc_proto.h - what target jsc adds to the executor protocol (proto.h):
 * the executor vmex-exec-jsc (jsc_executor.c) and its front end
 * (real/jsc.c) share the memfd of proto.h, grown by one record per op and
 * a crash record in the header page.
 *
 *     vmex-exec-jsc WINDOW
 *
 * Every run is a fork of the pristine executor (JavaScriptCore started,
 * warmed up, confined); the child makes a context, runs the program and
 * exits.  A child that dies of a signal leaves its crash record: the
 * signal, the address, the symbol there and the frames above it, and the
 * window as the kernel saw it.
 */
#ifndef VMEX_EXEC_JSC_PROTO_H
#define VMEX_EXEC_JSC_PROTO_H

#include "real/exec/proto.h"
#include "vmex.h"   /* VMEX_JSC_MAX_CALLS */

#define VMEX_J_FRAMES   8
#define VMEX_J_SYMLEN   80

/* one op's JavaScriptCore facts (every op of the run) */
typedef struct vmex_jres {
    uint64_t kfree, klargest;    /* the window after the op, as the kernel sees it (failed ops) */
    uint64_t pas_free;           /* pas_all_heaps_get_num_free_bytes (failed ops) */
    uint64_t pas_mapped;         /* pas_page_malloc_num_allocated_bytes since confining: libpas's
                                    memory in the window (failed ops) */
} vmex_jres;

/* the child's crash (written by its signal handler) */
typedef struct vmex_jcrash {
    uint32_t sig;                /* 0: no crash */
    uint32_t nframes;
    uint32_t op;                 /* the op it died in */
    uint32_t pad_;
    uint64_t pc;                 /* the faulting address */
    uint64_t kfree, klargest, live, pas_mapped;
    uint64_t req;                /* the last mmap that failed with ENOMEM in that op (bytes), 0 */
    char     sym[VMEX_J_SYMLEN];                  /* the symbol at pc (mangled), "" */
    char     frames[VMEX_J_FRAMES][VMEX_J_SYMLEN]; /* the frames from pc up, demangled names */
} vmex_jcrash;

/* JavaScriptCore's own mmap and munmap calls (through the executable's
 * interposed mmap and munmap; never the program's mmap ops, nor the C
 * library's malloc): the executor's start-up first (op VMEX_JCALL_STARTUP,
 * before confining: outside the window), then the run's, in order (op
 * VMEX_JCALL_CONTEXT while the child makes its context).  n counts every
 * call; the first VMEX_J_MAX_CALLS are kept. */
#define VMEX_J_MAX_CALLS    VMEX_JSC_MAX_CALLS
#define VMEX_JCALL_STARTUP  0xfffffffeu
#define VMEX_JCALL_CONTEXT  0xffffffffu
typedef struct vmex_jcall {
    uint32_t op;                 /* the op it was made in, or _STARTUP, _CONTEXT */
    uint32_t unmap;              /* 1: munmap */
    int32_t  prot, flags;        /* mmap's */
    int32_t  err;                /* errno when it failed, else 0 */
    uint32_t pad_;
    uint64_t len, addr;          /* addr: what mmap returned (0 on failure), or munmap's */
} vmex_jcall;
typedef struct vmex_jcalls {
    uint32_t n, startup;         /* calls made; of them, the start-up's */
    uint32_t pad_[2];
    vmex_jcall c[VMEX_J_MAX_CALLS];
} vmex_jcalls;

#define VMEX_JCRASH_OFF  1024ull                  /* inside the header page */
#define VMEX_JRES_OFF    VMEX_XSHM_SIZE
#define VMEX_JCALLS_OFF  (VMEX_JRES_OFF + (uint64_t)VMEX_X_MAX_OPS * sizeof(vmex_jres))
#define VMEX_JSHM_SIZE   (VMEX_JCALLS_OFF + (uint64_t)sizeof(vmex_jcalls))

_Static_assert(sizeof(vmex_xhdr) <= VMEX_JCRASH_OFF, "the header ends before the crash record");
_Static_assert(VMEX_JCRASH_OFF + sizeof(vmex_jcrash) <= VMEX_XHDR_SIZE, "the crash record fits the header page");

#endif
