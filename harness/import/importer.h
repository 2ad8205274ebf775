/*
 * importer.h - the trace importer's insides, shared by its files (not
 * installed; the API is import.h):
 *   import.c     the driver: lines in, a reader per format, the stats and
 *                the header comment out;
 *   translate.c  what both readers turn calls into: live handles, the
 *                b/m/h name pools, the ops, live and peak bytes;
 *   trace.c      the reader of vmex-trace (libvmex-record.so's format);
 *   strace.c     the calls of strace output;
 *   strace_lines.c  its lines: prefixes, notes, unfinished and resumed calls;
 *   procs.c      its processes: pids, clones, execs, address spaces.
 * Every function that can fail reports through imp_fail (FILE:LINE:COL,
 * VMEX_E_INPUT) or imp_oom (VMEX_E_NOMEM) and returns -1 (NULL for
 * pointers).
 */
#ifndef VMEX_IMPORTER_H
#define VMEX_IMPORTER_H

#include "vmex.h"
#include "import/import.h"
#include "model/store.h"   /* vmex_ivtree: the pieces of traced mappings */

#define IMP_LINE_LIMIT (1u << 16)     /* bytes in a trace line */
#define IMP_LINUX_PAGE 4096ull        /* strace traces; vmex-trace says its own */

enum { POOL_B = 0, POOL_M, POOL_H, POOL__COUNT };

/* A live handle: a malloc block or a mapping. */
typedef struct hrec {
    uint64_t key;        /* trace handle / strace mapping id; 0: empty slot */
    uint64_t size;       /* bytes requested */
    uint64_t live;       /* mappings: bytes still mapped (trace pages) */
    uint64_t base;       /* strace mappings: the address the mapping began at */
    int32_t slot;        /* its name's number in its pool */
    uint8_t pool, prot, shared, noreserve, partial;
} hrec;

typedef struct pool {
    int32_t *ids;        /* program name id of slot k, -1 until made */
    uint32_t n, cap;
    uint32_t *free;      /* released slots, last released on top */
    uint32_t nfree, fcap;
} pool;

/* Where a piece of a logical line came from: a strace line cut by a
 * "strace: Process N attached" note, or a call put back together from its
 * "<unfinished ...>" start and its "<... resumed>" end, is one text made of
 * pieces of several lines; errors point into the right one (D15). */
typedef struct lseg {
    size_t off;          /* where the piece starts in the logical text */
    int line, col;       /* ... and in the file (col 1-based) */
} lseg;
#define IMP_MAX_SEGS 32

/* strace brk: a growth of the break, mapped as one h name */
typedef struct heapseg {
    int32_t slot;
    uint64_t size, mapped;    /* model bytes: given, still mapped from its start */
} heapseg;

/* How an address space began (strace -f). */
enum { IMP_AS_FIRST = 0, IMP_AS_FORK, IMP_AS_NEWPID, IMP_AS_EXEC, IMP_AS_BRK };

/* One address space: its program and everything the translation keeps
 * per address space.  A vmex-trace has one; a strace log one per process
 * and exec. */
typedef struct imp_space {
    vmex_program p;
    vmex_import_stats st;     /* its calls, ops, drops and live bytes (the log's totals are filled at the end) */
    int truncated, name_oom;
    int claimed;              /* strace: a pid began it (the first one is made before the first line) */
    long *members;            /* strace: the pids that ran in it */
    uint32_t nmem;
    size_t memcap;
    /* handles: open addressing, backward-shift deletion */
    hrec *h;
    size_t hcap, hcount;
    pool pools[POOL__COUNT];
    /* strace: the live pieces [lo, hi) of traced mappings, attr the mapping's id */
    vmex_ivtree pieces;
    /* strace: the break */
    int brk_init;
    uint64_t brk_start, brk_cur, heap_total;
    heapseg *heap;
    size_t nheap, heapcap;
} imp_space;

/* strace: a call begun with <unfinished ...> */
typedef struct pendcall {
    char name[16];
    int line;                 /* where it began */
    int nseg;                 /* where its arguments came from (< 0: too many pieces to tell) */
    size_t len;
    char *args;               /* its arguments so far, len bytes and a NUL, after seg */
    lseg seg[];               /* nseg of them */
} pendcall;

/* strace: a pid, in a hash table (a pid is looked up once per line: D9) */
typedef struct pidrec {
    long pid;
    uint8_t used;
    uint8_t child;            /* announced (a clone's result, an "attached" note) before its first line */
    uint8_t vm;               /* child: it shares its creator's address space (CLONE_VM) */
    uint8_t exited;
    uint8_t seen;             /* a line of its own was read */
    uint8_t made;             /* child: what made it is known (the clone returned, or a guess) */
    uint8_t has_brk;          /* child: the break it inherited is known */
    int32_t space;            /* its address space, -1: none yet (it begins at its next call) */
    int32_t from;             /* child: the creator's address space, -1 unknown */
    uint32_t nspaces;         /* address spaces it began */
    uint32_t kept;            /* ... of them with calls (counted at the end) */
    int began;                /* IMP_AS_*: how its next address space begins */
    uint64_t brk;             /* child: the break it inherited */
    char *exe;                /* what its last execve ran, or NULL */
    pendcall *pend;           /* its call begun <unfinished ...>, or NULL */
} pidrec;

struct vmex_importer {
    char file[256];
    int format;
    uint32_t max_ops;
    vmex_import_opts o;
    int line;
    int begun;                /* the line a resumed call began on, 0 */
    int header;               /* vmex-trace: the header was read */
    int failed;
    int detected;             /* the format was detected (not forced) */
    int nonblank;             /* a line with something on it was read */
    uint64_t page;
    vmex_import_stats st;     /* the log's: lines, other lines, pids; vmex-trace: its header */
    vmex_error *err;
    vmex_program *out;        /* vmex_import_finish moves the chosen program here */
    /* the address spaces; a is the current one */
    imp_space **sp;
    size_t nsp, spcap;
    imp_space *a;
    /* the logical line being read, where its pieces are from */
    lseg seg[IMP_MAX_SEGS];
    int nseg;
    /* strace */
    uint64_t next_id;
    pidrec *pt;               /* pids: open addressing by pid */
    size_t ptcap, npids;
    size_t npend;             /* pids with a call pending */
    uint64_t live_sum;        /* the sum of the pids alive (the one left when nlive is 1) */
    size_t nlive;
    int prefixed;             /* a line with a pid prefix was read */
    long solo;                /* whom lines without a prefix belong to (0: the first process) */
    long cur_pid;             /* whose line this is */
    long last_clone;          /* the pid of the latest clone still unfinished, 0 none */
    size_t pend_clones;       /* clones unfinished */
    uint64_t unattributed_unfinished;  /* unfinished calls of pids without an address space */
    uint32_t newpids;         /* pids seen without a traced clone */
    uint32_t guessed;         /* children whose first call came before their clone returned */
    char *comb;               /* a resumed call put back together */
    size_t combcap;
    char *carry;              /* a line cut by a "strace: Process" note */
    size_t ncarry, carrycap;
    int ncseg;
    lseg cseg[IMP_MAX_SEGS];
};

/* ---------------------------------------------------------------- translate.c */
/* FILE:LINE:COL: MSG at column col (1-based, 0: none) of the logical line
 * (its pieces in seg[0..nseg), the current line when nseg is 0); the
 * importer stopped; -1. */
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

/* ---------------------------------------------------------------- import.c, procs.c */
/* A new address space (its program has the --profile): its index, or -1. */
int imp_space_add(vmex_importer *im);
/* the record of pid, or NULL */
pidrec *imp_pid_find(vmex_importer *im, long pid);
/* The pid a line belongs to (prefixed: it had "[pid N]" or "N "; else
 * whom unprefixed lines belong to): its record, or NULL (out of memory).
 * Stale after the next call that adds a pid. */
pidrec *imp_pid_line(vmex_importer *im, long pid, int prefixed);
/* Make the pid's address space current (im->a), beginning one if it has
 * none.  Its index, or -1 (reported). */
int32_t imp_pid_space(vmex_importer *im, long pid);
/* maker's clone/clone3/fork/vfork NAME(args) returned child.  0 or -1. */
int imp_pid_clone(vmex_importer *im, long maker, const char *name, const char *args, size_t n, uint64_t child);
/* pid exec'd (how: IMP_AS_EXEC, args the execve's; IMP_AS_BRK): its next
 * call begins a new address space. */
void imp_pid_exec(vmex_importer *im, long pid, int how, const char *args, size_t n);
void imp_pid_exit(vmex_importer *im, long pid);
/* "strace: Process N attached": N is a child.  0 or -1. */
int imp_pid_attached(vmex_importer *im, long pid);
/* A call of pid begun <unfinished ...>: its name, its arguments so far and
 * where they came from.  0 or -1. */
int imp_pid_pend(vmex_importer *im, long pid, const char *name, size_t nl, const char *args, size_t n,
                 const lseg *seg, int nseg);
/* The pending call is over (dropped: it never came back). */
void imp_pid_unpend(vmex_importer *im, pidrec *r, int dropped);
/* The end: drop the calls still pending; returns how many of them had no
 * address space. */
uint64_t imp_pids_finish(vmex_importer *im);
void imp_pids_free(vmex_importer *im);

/* ---------------------------------------------------------------- the readers */
/* strace.c: mmap, mmap2, munmap, mremap, brk */
int imp_is_memory_call(const char *name, size_t n);
/* strace.c: the calls that make processes and address spaces: 1 clone,
 * clone3, fork, vfork; 2 execve, execveat; 0 neither */
int imp_is_proc_call(const char *name, size_t n);
/* strace.c: one whole call of im->cur_pid, text = "NAME(ARGS) = RESULT
 * ...", at column col0 + 1 of the logical line (im->seg).  0 or -1. */
int imp_strace_call(vmex_importer *im, const char *text, size_t n, int col0);
/* One line of the trace (without its newline and CR), in its format. */
int imp_trace_line(vmex_importer *im, const char *s, size_t n);    /* trace.c */
int imp_strace_line(vmex_importer *im, const char *s, size_t n);   /* strace_lines.c */

#endif
