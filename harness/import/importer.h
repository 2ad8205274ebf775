/*
 * importer.h - the trace importer's insides, shared by its files (not
 * installed; the API is import.h):
 *   import.c     the driver: lines in, a reader per format, the stats and
 *                the header comment out;
 *   translate.c  what both readers turn calls into: live handles, the
 *                b/m/h name pools, the ops, live and peak bytes;
 *   trace.c      the reader of vmex-trace (libvmex-record.so's format);
 *   strace.c     the reader of strace output.
 * Every function that can fail reports through imp_fail (FILE:LINE:COL,
 * VMEX_E_INPUT) or imp_oom (VMEX_E_NOMEM) and returns -1 (NULL for
 * pointers).
 */
#ifndef VMEX_IMPORTER_H
#define VMEX_IMPORTER_H

#include "vmex.h"
#include "import/import.h"

#define IMP_LINE_LIMIT (1u << 16)     /* bytes in a trace line */
#define IMP_LINUX_PAGE 4096ull        /* strace traces; vmex-trace says its own */

enum { POOL_B = 0, POOL_M, POOL_H, POOL__COUNT };

/* A live handle: a malloc block or a mapping. */
typedef struct hrec {
    uint64_t key;        /* trace handle / strace mapping id; 0: empty slot */
    uint64_t size;       /* bytes requested */
    uint64_t live;       /* mappings: bytes still mapped (trace pages) */
    int32_t slot;        /* its name's number in its pool */
    uint8_t pool, prot, shared, noreserve, partial;
} hrec;

typedef struct pool {
    int32_t *ids;        /* program name id of slot k, -1 until made */
    uint32_t n, cap;
    uint32_t *free;      /* released slots, last released on top */
    uint32_t nfree, fcap;
} pool;

/* strace: a live piece [lo, hi) of traced mapping id, which began at base */
typedef struct piece {
    uint64_t lo, hi, base, id;
} piece;

/* strace: a call begun with <unfinished ...> */
typedef struct pending {
    long pid;
    int line;
    char name[16];
    char *args;
    size_t len;
} pending;

/* strace brk: a growth of the break, mapped as one h name */
typedef struct heapseg {
    int32_t slot;
    uint64_t size, mapped;    /* model bytes: given, still mapped from its start */
} heapseg;

struct vmex_importer {
    vmex_program *p;
    char file[256];
    int format;
    uint32_t max_ops;
    int line, col0;           /* col0 < 0: columns unknown (a resumed call) */
    int begun;                /* the line a resumed call began on */
    int header;               /* vmex-trace: the header was read */
    int truncated, failed, name_oom;
    int detected;             /* the format was detected (not forced) */
    int nonblank;             /* a line with something on it was read */
    uint64_t page;
    vmex_import_stats st;
    vmex_error *err;
    /* handles: open addressing, backward-shift deletion */
    hrec *h;
    size_t hcap, hcount;
    pool pools[POOL__COUNT];
    /* strace */
    piece *pc;
    size_t npc, pccap;
    uint64_t next_id;
    pending *pend;
    size_t npend, pendcap;
    long *pids;
    size_t npids, pidcap;
    long last_pid;
    int brk_init;
    uint64_t brk_start, brk_cur, heap_total;
    heapseg *heap;
    size_t nheap, heapcap;
    char *comb;               /* a resumed call put back together */
    size_t combcap;
    char *carry;              /* a line cut by a "strace: Process" note */
    size_t ncarry, carrycap;
};

/* ---------------------------------------------------------------- translate.c */
/* FILE:LINE:COL: MSG for the current line (col 0: none), the importer
 * stopped; -1. */
int imp_fail(vmex_importer *im, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int imp_oom(vmex_importer *im);
/* *arr holds at least need elements of size bytes (doubling); 0 or -1. */
int imp_grow(void **arr, size_t *cap, size_t need, size_t size);

/* live handles by key */
hrec *imp_hfind(vmex_importer *im, uint64_t key);
hrec *imp_hput(vmex_importer *im, const hrec *r);   /* a copy of r; NULL: out of memory */
void imp_hdel(vmex_importer *im, hrec *r);

/* names: a slot of pool POOL_B, _M or _H, and its program name ("m3") */
int imp_pool_take(vmex_importer *im, int which, int32_t *slot);
int imp_pool_put(vmex_importer *im, int which, int32_t slot);
int32_t imp_name_id(vmex_importer *im, int which, int32_t slot);

/* ops and what they do to the live totals */
int imp_emit(vmex_importer *im, const vmex_op *op);
void imp_live_maps(vmex_importer *im, int64_t d_count, int64_t d_bytes);
void imp_live_blocks(vmex_importer *im, int64_t d_count, int64_t d_bytes);
int imp_check_size(vmex_importer *im, uint64_t v, int col, const char *what);
int imp_map_new(vmex_importer *im, uint64_t key, uint64_t len, int prot, int shared, int noreserve,
                int populate, int col);
int imp_release(vmex_importer *im, hrec *r);
int imp_map_unmap(vmex_importer *im, hrec *r, uint64_t off, uint64_t len, int col);
int imp_blk_new(vmex_importer *im, uint64_t key, uint64_t size, int hcol, int scol);
hrec *imp_need_handle(vmex_importer *im, uint64_t key, int want, int col);
int imp_prot_of(int r, int w, int x, vmex_importer *im);

/* ---------------------------------------------------------------- the readers */
/* One line of the trace (without its newline and CR), in its format. */
int imp_trace_line(vmex_importer *im, const char *s, size_t n);    /* trace.c */
int imp_strace_line(vmex_importer *im, const char *s, size_t n);   /* strace.c */

#endif
