/*
 * proto.h - the protocol between vmex (the front end: the CLI, a fuzz
 * target) and vmex-exec, the executor that runs programs on the real
 * kernel and allocators inside an address window.
 *
 * The front end starts the executor with posix_spawn:
 *
 *     vmex-exec[-jemalloc|-mimalloc] ALLOCATOR WINDOW MMAP_THRESHOLD RETAIN
 *
 * (decimal numbers; ALLOCATOR is enum vmex_allocator) with three fds:
 *
 *     fd 3  command pipe, front end -> executor (read end)
 *     fd 4  reply pipe, executor -> front end (write end)
 *     fd 5  the shared memfd (VMEX_XSHM_SIZE bytes, sparse)
 *
 * The front end's own ends are O_CLOEXEC; the executor dies with its
 * parent (PR_SET_PDEATHSIG and EOF on fd 3).  The executor confines itself
 * once, then writes one reply byte: 'R' ready (hdr->base, ->window, ...
 * filled) or 'E' (hdr->error says why).  Then, for every command byte 'X'
 * the front end writes (after filling hdr->nops, hdr->nslots and the ops),
 * it runs the program from the pristine window, fills the results and
 * replies 'D'.  If the executor dies, the front end reads EOF: the op that
 * was running is hdr->progress.  In fork mode (glibc, mimalloc) a child
 * that dies is reported by the executor itself (hdr->signal).
 *
 * Everything is fixed-size and little-endian; offsets into the memfd are
 * the VMEX_X*_OFF constants.  No pointers cross.
 */
#ifndef VMEX_EXEC_PROTO_H
#define VMEX_EXEC_PROTO_H

#include <stdint.h>

#define VMEX_X_MAGIC    0x78656d76u          /* "vmex" */
#define VMEX_X_VERSION  1u
#define VMEX_X_FD_CMD   3
#define VMEX_X_FD_REPLY 4
#define VMEX_X_FD_SHM   5

#define VMEX_X_MAX_OPS   (1u << 20)          /* ops per program on the real backend */
#define VMEX_X_MAX_SLOTS (1u << 20)          /* handle slots */
#define VMEX_X_MAX_MAPS  (1u << 17)          /* VMAs of the window reported at the end */

/* one op (from vmex_op; names resolved to slot indices) */
typedef struct vmex_xop {
    uint8_t  kind, prot, tag, metric, cmp, pad_[1];
    uint16_t flags;
    int32_t  dst, src;                       /* slot index or -1 */
    uint64_t size, addr, align, off, len;    /* as in vmex_op; addr absolute */
} vmex_xop;

/* one op's result */
typedef struct vmex_xres {
    uint8_t  status;      /* enum vmex_status */
    uint8_t  why;         /* enum vmex_reason (NOSPACE for ENOMEM) */
    uint8_t  pad_[2];
    int32_t  err;         /* errno of a failed call, 0 */
    uint64_t addr;        /* where it landed (absolute) */
    uint64_t size;        /* bytes, as rounded */
    uint64_t req;         /* the request that failed (mapping bytes, malloc bytes) */
    uint64_t live;        /* bytes the program holds after the op (mappings + blocks) */
    uint64_t value;       /* check: measured value */
    /* filled for a failed mapping or allocation request only: */
    uint64_t kfree;       /* unmapped bytes of the window (the kernel's view) */
    uint64_t klargest;    /* the largest unmapped range of the window */
    uint32_t vmas;        /* VMAs of the whole process */
    uint32_t pad2_;
} vmex_xres;

/* one VMA of the window at the end of a run */
typedef struct vmex_xmap {
    uint64_t start, end;
    uint8_t  prot;        /* enum vmex_prot (rw, none, r, rx) */
    uint8_t  app;         /* 1: inside a live mapping of the program; 0: the allocator's */
    uint8_t  pad_[6];
} vmex_xmap;

typedef struct vmex_xhdr {
    uint32_t magic, version;
    /* filled by the executor at start ('R') */
    uint64_t base, window;          /* the window [base, base + window) */
    uint32_t max_map_count;         /* /proc/sys/vm/max_map_count */
    uint32_t thp;                   /* 1: this kernel 2 MiB-aligns 2 MiB-multiple anonymous maps */
    uint32_t pid;
    uint32_t fork_mode;             /* 1: every run is a fork of the pristine executor */
    char     error[256];            /* 'E': why it could not start */
    /* filled by the front end before 'X' */
    uint32_t nops, nslots;          /* the executor runs every op; the front end judges */
    uint32_t pad_[2];
    /* filled by the executor while and after running */
    volatile uint32_t progress;     /* the op being run (== nops when done) */
    uint32_t signal;                /* fork mode: the child died of this signal (0 none) */
    uint32_t nmaps;                 /* entries in the map table */
    uint32_t maps_truncated;
    uint64_t st_free, st_largest, st_mapped, st_footprint;   /* the window at the end */
    uint32_t st_entries, st_holes;
    uint64_t run_ns;                /* time spent running (for benchmarks) */
} vmex_xhdr;

#define VMEX_XHDR_SIZE  4096ull
#define VMEX_XOPS_OFF   VMEX_XHDR_SIZE
#define VMEX_XRES_OFF   (VMEX_XOPS_OFF + (uint64_t)VMEX_X_MAX_OPS * sizeof(vmex_xop))
#define VMEX_XMAPS_OFF  (VMEX_XRES_OFF + (uint64_t)VMEX_X_MAX_OPS * sizeof(vmex_xres))
#define VMEX_XSHM_SIZE  (VMEX_XMAPS_OFF + (uint64_t)VMEX_X_MAX_MAPS * sizeof(vmex_xmap))

_Static_assert(sizeof(vmex_xhdr) <= VMEX_XHDR_SIZE, "header fits its page");
_Static_assert(sizeof(vmex_xop) == 56, "op layout");
_Static_assert(sizeof(vmex_xres) == 72, "result layout");

#endif
