/*
 * import.c - recorded traces to vmex programs: the vmex-trace format of
 * libvmex-record.so and strace output of mmap/munmap/mremap/brk.  The
 * translation rules are in import.h; the formats in
 * harness/recorder/record.c and the README ("Real traces").
 *
 * A trace streams through one line at a time.  Handles (vmex-trace) and
 * traced mappings (strace, tracked by address in a sorted piece table, as
 * the recorder does) map to names from three pools, b (malloc blocks), m
 * (mappings) and h (brk growths); a released name is reused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"
#include "core/core.h"
#include "core/file.h"
#include "core/fmt.h"

#define IMP_LINE_LIMIT (1u << 16)     /* bytes in a trace line */
#define IMP_LINUX_PAGE 4096ull        /* strace traces; vmex-trace says its own */
#define IMP_MAX_TOKS   16

enum { POOL_B = 0, POOL_M, POOL_H, POOL__COUNT };
static const char pool_prefix[POOL__COUNT] = {'b', 'm', 'h'};

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

static const char *const format_names[VMEX_TRACE__COUNT] = {"auto", "vmex-trace", "strace"};
static const char *const tcall_names[VMEX_TC__COUNT] = {"malloc", "calloc", "aligned", "realloc", "free",
                                                        "mmap",   "munmap", "mremap",  "brk"};

const char *vmex_trace_format_name(int f)
{
    return f >= 0 && f < VMEX_TRACE__COUNT ? format_names[f] : "?";
}

int vmex_trace_format_parse(const char *s)
{
    for (int f = 0; f < VMEX_TRACE__COUNT; f++)
        if (!strcmp(s, format_names[f]))
            return f;
    return -1;
}

const char *vmex_tcall_name(int k)
{
    return k >= 0 && k < VMEX_TC__COUNT ? tcall_names[k] : "?";
}

/* ------------------------------------------------------------ errors */
__attribute__((format(printf, 3, 4)))
static int fail(vmex_importer *im, int col, const char *fmt, ...)
{
    vmex_error *e = im->err;
    char msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memset(e, 0, sizeof *e);
    snprintf(e->file, sizeof e->file, "%s", im->file);
    if (im->col0 < 0 && im->begun)
        vmex_error_set(e, im->line, 0, "%s (in the call begun on line %d)", msg, im->begun);
    else
        vmex_error_set(e, im->line, col > 0 && im->col0 >= 0 ? col : 0, "%s", msg);
    im->failed = 1;
    return -1;
}

static int oom(vmex_importer *im)
{
    fail(im, 0, "out of memory");
    im->err->code = VMEX_E_NOMEM;
    return -1;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = n;
    return 0;
}

/* ------------------------------------------------------------ handles */
static size_t hslot(const vmex_importer *im, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (im->hcap - 1);
}

static hrec *hfind(vmex_importer *im, uint64_t key)
{
    if (!im->hcap || !key)
        return NULL;
    size_t j = hslot(im, key);
    while (im->h[j].key && im->h[j].key != key)
        j = (j + 1) & (im->hcap - 1);
    return im->h[j].key ? &im->h[j] : NULL;
}

static int hrehash(vmex_importer *im, size_t cap)
{
    hrec *old = im->h;
    size_t ocap = im->hcap;
    im->h = calloc(cap, sizeof *im->h);
    if (!im->h) {
        im->h = old;
        return -1;
    }
    im->hcap = cap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key) {
            size_t j = hslot(im, old[i].key);
            while (im->h[j].key)
                j = (j + 1) & (cap - 1);
            im->h[j] = old[i];
        }
    free(old);
    return 0;
}

/* Insert a record (its key must not be live); NULL when out of memory. */
static hrec *hput(vmex_importer *im, const hrec *r)
{
    if ((im->hcount + 1) * 2 > im->hcap && hrehash(im, im->hcap ? im->hcap * 2 : 1024))
        return NULL;
    size_t j = hslot(im, r->key);
    while (im->h[j].key)
        j = (j + 1) & (im->hcap - 1);
    im->h[j] = *r;
    im->hcount++;
    return &im->h[j];
}

static void hdel(vmex_importer *im, hrec *r)
{
    size_t mask = im->hcap - 1, i = (size_t)(r - im->h);
    for (;;) {
        im->h[i].key = 0;
        size_t k = i;
        for (;;) {
            k = (k + 1) & mask;
            if (!im->h[k].key) {
                im->hcount--;
                return;
            }
            size_t home = hslot(im, im->h[k].key);
            if (i <= k ? (home <= i || home > k) : (home <= i && home > k))
                break;
        }
        im->h[i] = im->h[k];
        i = k;
    }
}

/* ------------------------------------------------------------ names */
static int pool_take(vmex_importer *im, int which, int32_t *slot)
{
    pool *pl = &im->pools[which];
    if (pl->nfree) {
        *slot = (int32_t)pl->free[--pl->nfree];
        return 0;
    }
    size_t cap = pl->cap;
    if (grow((void **)&pl->ids, &cap, (size_t)pl->n + 1, sizeof *pl->ids))
        return -1;
    pl->cap = (uint32_t)cap;
    pl->ids[pl->n] = -1;
    *slot = (int32_t)pl->n++;
    return 0;
}

static int pool_put(vmex_importer *im, int which, int32_t slot)
{
    pool *pl = &im->pools[which];
    size_t cap = pl->fcap;
    if (grow((void **)&pl->free, &cap, (size_t)pl->nfree + 1, sizeof *pl->free))
        return -1;
    pl->fcap = (uint32_t)cap;
    pl->free[pl->nfree++] = (uint32_t)slot;
    return 0;
}

/* the program's name id for a slot, made on first use */
static int32_t name_id(vmex_importer *im, int which, int32_t slot)
{
    pool *pl = &im->pools[which];
    if (pl->ids[slot] < 0) {
        char name[VMEX_NAME_MAX];
        snprintf(name, sizeof name, "%c%" PRId32, pool_prefix[which], slot);
        pl->ids[slot] = vmex_program_name(im->p, name);
        if (pl->ids[slot] < 0)
            im->name_oom = 1;
    }
    return pl->ids[slot];
}

/* ------------------------------------------------------------ ops */
/* Append an op: 0, 1 when the program is full (truncated from here on),
 * -1 out of memory (reported). */
static int emit(vmex_importer *im, const vmex_op *op)
{
    if (im->truncated)
        return 1;
    if (im->p->nops >= im->max_ops) {
        im->truncated = 1;
        im->st.truncated_line = im->line;
        im->st.dropped[VMEX_TD_TRUNCATED]++;   /* this call, or what is left of it */
        return 1;
    }
    if (im->name_oom)
        return oom(im);
    if (vmex_program_add(im->p, op) < 0)
        return oom(im);
    im->st.ops[op->kind]++;
    return 0;
}

static void live_maps(vmex_importer *im, int64_t d_count, int64_t d_bytes)
{
    im->st.live_maps += (uint64_t)d_count;
    im->st.live_map_bytes += (uint64_t)d_bytes;
    if (im->st.live_map_bytes > im->st.peak_map_bytes)
        im->st.peak_map_bytes = im->st.live_map_bytes;
}

static void live_blocks(vmex_importer *im, int64_t d_count, int64_t d_bytes)
{
    im->st.live_blocks += (uint64_t)d_count;
    im->st.live_block_bytes += (uint64_t)d_bytes;
    if (im->st.live_block_bytes > im->st.peak_block_bytes)
        im->st.peak_block_bytes = im->st.live_block_bytes;
}

static int check_size(vmex_importer *im, uint64_t v, int col, const char *what)
{
    if (v >= VMEX_MAX_VALUE)
        return fail(im, col, "%s %" PRIu64 " is too large for vmex (the limit is 256t)", what, v);
    return 0;
}

/* A new mapping under key. */
static int map_new(vmex_importer *im, uint64_t key, uint64_t len, int prot, int shared, int noreserve,
                   int populate, int col)
{
    if (len == 0)
        return fail(im, col, "a mapping of length 0");
    if (check_size(im, len, col, "length"))
        return -1;
    int32_t slot;
    if (pool_take(im, POOL_M, &slot))
        return oom(im);
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MMAP);
    op.size = len;
    op.dst = name_id(im, POOL_M, slot);
    if (prot != VMEX_PROT_RW) {
        op.prot = (uint8_t)prot;
        op.flags |= VMEX_F_PROT;
    }
    if (shared)
        op.flags |= VMEX_F_SHARED;
    if (noreserve)
        op.flags |= VMEX_F_NORESERVE;
    int rc = emit(im, &op);
    if (rc)
        return rc < 0 ? -1 : 0;
    hrec r = {.key = key, .size = len, .live = VMEX_ALIGN_UP(len, im->page), .slot = slot, .pool = POOL_M,
              .prot = (uint8_t)prot, .shared = (uint8_t)shared, .noreserve = (uint8_t)noreserve};
    if (!hput(im, &r))
        return oom(im);
    live_maps(im, 1, (int64_t)r.live);
    if (populate) {
        vmex_op t;
        vmex_op_init(&t, VMEX_OP_TOUCH);
        t.src = op.dst;
        if (emit(im, &t) < 0)
            return -1;
    }
    return 0;
}

static int release(vmex_importer *im, hrec *r)
{
    if (pool_put(im, r->pool, r->slot))
        return oom(im);
    if (r->pool == POOL_B)
        live_blocks(im, -1, -(int64_t)r->size);
    else
        live_maps(im, -1, -(int64_t)r->live);
    hdel(im, r);
    return 0;
}

/* munmap [off, off+len) of mapping r (trace bytes, page-granular), rounded
 * inward to the model's 16 KiB pages; the tail reaches the model's end. */
static int map_unmap(vmex_importer *im, hrec *r, uint64_t off, uint64_t len, int col)
{
    uint64_t end_t = VMEX_ALIGN_UP(r->size, im->page), end_m = VMEX_ALIGN_UP(r->size, VMEX_PAGE);
    if (len == 0 || off >= end_t || len > end_t - off)
        return fail(im, col, "munmap of [%" PRIu64 ", +%" PRIu64 ") is outside the mapping (%" PRIu64 " bytes)",
                    off, len, r->size);
    uint64_t a = VMEX_ALIGN_UP(off, VMEX_PAGE);
    uint64_t b = off + len >= end_t ? end_m : VMEX_ALIGN_DOWN(off + len, VMEX_PAGE);
    uint64_t pages = VMEX_ALIGN_UP(len, im->page);
    pages = pages < r->live ? pages : r->live;
    r->live -= pages;
    live_maps(im, 0, -(int64_t)pages);
    if (a >= b) {
        im->st.dropped[VMEX_TD_SUBPAGE]++;
    } else {
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MUNMAP);
        op.src = name_id(im, POOL_M, r->slot);
        if (a != 0 || b != end_m || r->partial) {
            op.flags |= VMEX_F_RANGE;
            op.off = a;
            op.len = b - a;
            r->partial = 1;
        }
        int rc = emit(im, &op);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
    return r->live == 0 ? release(im, r) : 0;
}

static int blk_new(vmex_importer *im, uint64_t key, uint64_t size, int hcol, int scol)
{
    if (hfind(im, key))
        return fail(im, hcol, "handle %" PRIu64 " is already live", key);
    if (check_size(im, size, scol, "size"))
        return -1;
    int32_t slot;
    if (pool_take(im, POOL_B, &slot))
        return oom(im);
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MALLOC);
    op.size = size;
    op.dst = name_id(im, POOL_B, slot);
    int rc = emit(im, &op);
    if (rc)
        return rc < 0 ? -1 : 0;
    hrec r = {.key = key, .size = size, .slot = slot, .pool = POOL_B};
    if (!hput(im, &r))
        return oom(im);
    live_blocks(im, 1, (int64_t)size);
    return 0;
}

/* the live record of a handle of the wanted pool, or an error */
static hrec *need_handle(vmex_importer *im, uint64_t key, int want, int col)
{
    hrec *r = hfind(im, key);
    if (!r) {
        fail(im, col, "handle %" PRIu64 " is not live (never given out, or already released)", key);
        return NULL;
    }
    if ((want == POOL_B) != (r->pool == POOL_B)) {
        fail(im, col, "handle %" PRIu64 " is a %s, not a %s", key, r->pool == POOL_B ? "malloc block" : "mapping",
             want == POOL_B ? "malloc block" : "mapping");
        return NULL;
    }
    return r;
}

/* ------------------------------------------------------------ tokens */
typedef struct tok {
    const char *s;
    size_t n;
    int col;
} tok;

static int tokenize(const char *s, size_t n, tok *t, int max)
{
    int k = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= n)
            break;
        if (k == max)
            return max + 1;
        t[k].s = s + i;
        t[k].col = (int)i + 1;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        t[k].n = (size_t)(s + i - t[k].s);
        k++;
    }
    return k;
}

static int teq(const tok *t, const char *s)
{
    return t->n == strlen(s) && !memcmp(t->s, s, t->n);
}

/* a decimal number */
static int tnum(vmex_importer *im, const tok *t, uint64_t *v, const char *what)
{
    uint64_t x = 0;
    if (!t->n)
        return fail(im, t->col, "expected %s", what);
    for (size_t i = 0; i < t->n; i++) {
        unsigned d = (unsigned char)t->s[i] - '0';
        if (d > 9)
            return fail(im, t->col, "bad %s '%.*s' (a decimal number)", what, (int)(t->n > 40 ? 40 : t->n), t->s);
        if (x > (UINT64_MAX - d) / 10)
            return fail(im, t->col, "%s '%.*s' overflows 64 bits", what, (int)(t->n > 40 ? 40 : t->n), t->s);
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* ------------------------------------------------------------ vmex-trace */
static int prot_of(int r, int w, int x, vmex_importer *im)
{
    if (w && x)
        im->st.rwx++;
    if (w)
        return VMEX_PROT_RW;
    if (x)
        return VMEX_PROT_RX;
    return r ? VMEX_PROT_R : VMEX_PROT_NONE;
}

static int rec_prot(vmex_importer *im, const tok *t, int *prot)
{
    if (t->n != 3 || (t->s[0] != 'r' && t->s[0] != '-') || (t->s[1] != 'w' && t->s[1] != '-') ||
        (t->s[2] != 'x' && t->s[2] != '-'))
        return fail(im, t->col, "bad protection '%.*s' (three characters: rwx, '-' for a missing right)",
                    (int)(t->n > 20 ? 20 : t->n), t->s);
    *prot = prot_of(t->s[0] == 'r', t->s[1] == 'w', t->s[2] == 'x', im);
    return 0;
}

typedef struct mflags {
    int shared, anon, fixed, noreserve, populate;
} mflags;

static int rec_flags(vmex_importer *im, const tok *t, mflags *f)
{
    memset(f, 0, sizeof *f);
    int type = 0;
    for (size_t i = 0; i < t->n; i++) {
        switch (t->s[i]) {
        case 'p': type |= 1; break;
        case 's': type |= 2; f->shared = 1; break;
        case 'a': f->anon = 1; break;
        case 'f': case 'F': f->fixed = 1; break;
        case 'n': f->noreserve = 1; break;
        case 'P': f->populate = 1; break;
        case 'g': case 'S': case 'h': case 'l': break;
        default:
            return fail(im, t->col + (int)i, "unknown mmap flag '%c' (known: p s a f F n P g S h l)", t->s[i]);
        }
    }
    if (type != 1 && type != 2)
        return fail(im, t->col, "mmap flags '%.*s' need exactly one of p (private) and s (shared)",
                    (int)(t->n > 20 ? 20 : t->n), t->s);
    return 0;
}

static int rec_header(vmex_importer *im, const tok *t, int nt)
{
    if (nt < 2 || !teq(&t[0], "vmex-trace"))
        return fail(im, 1, "not a vmex trace: the first line must be 'vmex-trace 1 ...'");
    if (!teq(&t[1], "1"))
        return fail(im, t[1].col, "unsupported vmex-trace version '%.*s' (this vmex reads version 1)",
                    (int)(t[1].n > 20 ? 20 : t[1].n), t[1].s);
    for (int i = 2; i + 1 < nt; i += 2) {
        uint64_t v;
        if (teq(&t[i], "pid")) {
            if (tnum(im, &t[i + 1], &v, "pid"))
                return -1;
            im->st.pid = (long)v;
        } else if (teq(&t[i], "page")) {
            if (tnum(im, &t[i + 1], &v, "page size"))
                return -1;
            if (!VMEX_IS_POW2(v) || v < 1024 || v > (1u << 20))
                return fail(im, t[i + 1].col, "bad page size %" PRIu64 " (a power of two, 1k to 1m)", v);
            im->page = v;
        } else if (teq(&t[i], "prog")) {
            snprintf(im->st.prog, sizeof im->st.prog, "%.*s", (int)t[i + 1].n, t[i + 1].s);
        }   /* other keys: later versions of the recorder */
    }
    if (nt % 2)
        return fail(im, t[nt - 1].col, "header field '%.*s' has no value", (int)(t[nt - 1].n > 20 ? 20 : t[nt - 1].n),
                    t[nt - 1].s);
    im->header = 1;
    return 0;
}

static void rec_comment(vmex_importer *im, const char *s, size_t n)
{
    tok t[IMP_MAX_TOKS];
    int nt = tokenize(s + 1, n - 1, t, IMP_MAX_TOKS);
    if (nt < 1 || nt > IMP_MAX_TOKS || !teq(&t[0], "end"))
        return;
    im->st.complete = 1;
    for (int i = 1; i + 1 < nt; i += 2) {
        uint64_t v = 0;
        for (size_t k = 0; k < t[i + 1].n && t[i + 1].s[k] >= '0' && t[i + 1].s[k] <= '9'; k++)
            v = v * 10 + (uint64_t)(t[i + 1].s[k] - '0');
        if (teq(&t[i], "unknown-free"))
            im->st.rec_unknown_free = v;
        else if (teq(&t[i], "unknown-munmap"))
            im->st.rec_unknown_munmap = v;
        else if (teq(&t[i], "untracked"))
            im->st.rec_untracked = v;
    }
}

static int rec_line(vmex_importer *im, const char *s, size_t n)
{
    tok t[IMP_MAX_TOKS];
    if (!im->header) {
        int nt = tokenize(s, n, t, IMP_MAX_TOKS);
        if (nt > IMP_MAX_TOKS)
            nt = IMP_MAX_TOKS;
        return rec_header(im, t, nt);
    }
    if (n == 0)
        return 0;
    if (s[0] == '#') {
        rec_comment(im, s, n);
        return 0;
    }
    int nt = tokenize(s, n, t, IMP_MAX_TOKS);
    if (nt == 0)
        return 0;
    if (teq(&t[0], "vmex-trace"))
        return fail(im, 1, "a second header: traces cannot be concatenated (import them one at a time)");
    static const struct { char k; int fields; int call; } kinds[] = {
        {'M', 2, VMEX_TC_MALLOC}, {'c', 3, VMEX_TC_CALLOC}, {'a', 3, VMEX_TC_ALIGNED}, {'r', 3, VMEX_TC_REALLOC},
        {'f', 1, VMEX_TC_FREE},   {'m', 4, VMEX_TC_MMAP},   {'x', 5, VMEX_TC_MMAP},    {'u', 3, VMEX_TC_MUNMAP},
        {'R', 6, VMEX_TC_MREMAP},
    };
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && !(t[0].n == 1 && t[0].s[0] == kinds[k].k))
        k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return fail(im, 1, "unknown call '%.*s' (known: M c a r f m x u R)", (int)(t[0].n > 20 ? 20 : t[0].n),
                    t[0].s);
    char kind = kinds[k].k;
    if (nt - 1 != kinds[k].fields) {
        if (nt - 1 < kinds[k].fields)
            return fail(im, (int)n + 1, "'%c' needs %d fields, this line has %d", kind, kinds[k].fields,
                        nt > IMP_MAX_TOKS ? IMP_MAX_TOKS : nt - 1);
        return fail(im, t[kinds[k].fields + 1].col, "unexpected field after the %d of '%c'", kinds[k].fields,
                    kind);
    }
    /* parse every field first: a bad line is an error even when truncated */
    uint64_t v[6] = {0};
    int prot = VMEX_PROT_RW;
    mflags fl = {0};
    for (int i = 1; i < nt; i++) {
        int is_prot = (kind == 'm' && i == 3) || (kind == 'x' && i == 4);
        int is_flags = (kind == 'm' && i == 4) || (kind == 'x' && i == 5) || (kind == 'R' && i == 6);
        if (is_prot) {
            if (rec_prot(im, &t[i], &prot))
                return -1;
        } else if (is_flags && kind == 'R') {
            for (size_t c = 0; c < t[i].n; c++)
                if (!strchr("mfd-", t[i].s[c]))
                    return fail(im, t[i].col + (int)c, "unknown mremap flag '%c' (known: m f d, or -)", t[i].s[c]);
            fl.fixed = memchr(t[i].s, 'd', t[i].n) != NULL;   /* dontunmap */
        } else if (is_flags) {
            if (rec_flags(im, &t[i], &fl))
                return -1;
        } else if (tnum(im, &t[i], &v[i - 1], i == 1 ? "handle" : "number")) {
            return -1;
        }
    }
    im->st.calls[kinds[k].call]++;
    if (im->truncated) {
        im->st.dropped[VMEX_TD_TRUNCATED]++;
        return 0;
    }
    hrec *r;
    switch (kind) {
    case 'M':
    case 'c':
    case 'a': {
        uint64_t size = kind == 'M' ? v[1] : v[2];
        if (kind == 'c') {
            if (v[2] && v[1] > UINT64_MAX / v[2])
                return fail(im, t[2].col, "calloc size %" PRIu64 " x %" PRIu64 " overflows", v[1], v[2]);
            size = v[1] * v[2];
        }
        if (v[0] == 0) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (kind == 'a')
            im->st.aligned++;
        return blk_new(im, v[0], size, t[1].col, t[kind == 'a' ? 3 : 2].col);
    }
    case 'r': {
        uint64_t old = v[0], nw = v[1], size = v[2];
        if (old && !(r = need_handle(im, old, POOL_B, t[1].col)))
            return -1;
        if (nw == 0) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (!old) {
            im->st.unknown_realloc++;
            return blk_new(im, nw, size, t[2].col, t[3].col);
        }
        if (nw != old && hfind(im, nw))
            return fail(im, t[2].col, "handle %" PRIu64 " is already live", nw);
        if (check_size(im, size, t[3].col, "size"))
            return -1;
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_REALLOC);
        op.src = op.dst = name_id(im, POOL_B, r->slot);
        op.size = size;
        int rc = emit(im, &op);
        if (rc)
            return rc < 0 ? -1 : 0;
        hrec moved = *r;
        live_blocks(im, 0, (int64_t)size - (int64_t)r->size);
        hdel(im, r);
        moved.key = nw;
        moved.size = size;
        return hput(im, &moved) ? 0 : oom(im);
    }
    case 'f': {
        if (!(r = need_handle(im, v[0], POOL_B, t[1].col)))
            return -1;
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_FREE);
        op.src = name_id(im, POOL_B, r->slot);
        int rc = emit(im, &op);
        if (rc)
            return rc < 0 ? -1 : 0;
        return release(im, r);
    }
    case 'm':
        if (v[0] == 0) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (hfind(im, v[0]))
            return fail(im, t[1].col, "handle %" PRIu64 " is already live", v[0]);
        im->st.fixed_moved += (uint64_t)fl.fixed;
        im->st.file_maps += (uint64_t)!fl.anon;
        return map_new(im, v[0], v[1], prot, fl.shared, fl.noreserve, fl.populate, t[2].col);
    case 'x':
        if (!(r = need_handle(im, v[0], POOL_M, t[1].col)))
            return -1;
        if (v[2] == 0 || v[1] >= VMEX_ALIGN_UP(r->size, im->page) ||
            v[2] > VMEX_ALIGN_UP(r->size, im->page) - v[1])
            return fail(im, t[2].col, "the fixed range is outside mapping %" PRIu64, v[0]);
        im->st.dropped[VMEX_TD_INPLACE]++;
        return 0;
    case 'u':
        if (!(r = need_handle(im, v[0], POOL_M, t[1].col)))
            return -1;
        return map_unmap(im, r, v[1], v[2], t[2].col);
    case 'R': {
        uint64_t old = v[0], off = v[1], oldlen = v[2], nw = v[3], newlen = v[4];
        int oprot = VMEX_PROT_RW, oshared = 0, onores = 0;
        if (old) {
            if (!(r = need_handle(im, old, POOL_M, t[1].col)))
                return -1;
            oprot = r->prot;
            oshared = r->shared;
            onores = r->noreserve;
        }
        if (nw == 0) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (nw != old && hfind(im, nw))
            return fail(im, t[4].col, "handle %" PRIu64 " is already live", nw);
        if (old && oldlen && !fl.fixed && map_unmap(im, r, off, oldlen, t[2].col))
            return -1;
        if (hfind(im, nw))
            return fail(im, t[4].col, "handle %" PRIu64 " is still live after the mremap", nw);
        return map_new(im, nw, newlen, oprot, oshared, onores, 0, t[5].col);
    }
    }
    return 0;
}

/* ------------------------------------------------------------ strace */
/* a number as strace prints it: decimal, 0x hex, NULL, -1 */
static int snum(const char *s, size_t n, uint64_t *v)
{
    while (n && s[0] == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 4 && !memcmp(s, "NULL", 4)) {
        *v = 0;
        return 0;
    }
    int neg = n && s[0] == '-';
    if (neg)
        s++, n--;
    if (!n)
        return -1;
    uint64_t x = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < n; i++) {
            int c = (unsigned char)s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0 || x >> 60)
                return -1;
            x = x << 4 | (uint64_t)d;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned d = (unsigned char)s[i] - '0';
            if (d > 9 || x > (UINT64_MAX - d) / 10)
                return -1;
            x = x * 10 + d;
        }
    }
    *v = neg ? (uint64_t)0 - x : x;
    return 0;
}

typedef struct sym { const char *name; uint64_t bit; } sym;

/* FLAG|FLAG|0x40 with names from tab; other names with the prefix are
 * accepted and ignored (newer strace versions know more) */
static int sflags(const char *s, size_t n, const sym *tab, const char *prefix, uint64_t *v, size_t *bad)
{
    *v = 0;
    size_t i = 0;
    while (n && s[n - 1] == ' ')
        n--;
    while (i < n && s[i] == ' ')
        i++;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '|')
            j++;
        uint64_t x;
        if (j == i) {
            *bad = i;
            return -1;
        }
        if (snum(s + i, j - i, &x) == 0) {
            *v |= x;
        } else {
            size_t k = 0, pl = strlen(prefix);
            for (size_t c = i; c < j; c++)
                if (!((s[c] >= 'A' && s[c] <= 'Z') || (s[c] >= '0' && s[c] <= '9') || s[c] == '_')) {
                    *bad = i;
                    return -1;
                }
            if (j - i < pl || memcmp(s + i, prefix, pl)) {
                *bad = i;
                return -1;
            }
            for (; tab[k].name; k++)
                if (strlen(tab[k].name) == j - i && !memcmp(tab[k].name, s + i, j - i)) {
                    *v |= tab[k].bit;
                    break;
                }
        }
        i = j + 1;
    }
    return 0;
}

/* Linux generic values (x86, arm64) */
#define L_PROT_READ 0x1
#define L_PROT_WRITE 0x2
#define L_PROT_EXEC 0x4
#define L_MAP_SHARED 0x01
#define L_MAP_PRIVATE 0x02
#define L_MAP_TYPE 0x0f
#define L_MAP_FIXED 0x10
#define L_MAP_ANON 0x20
#define L_MAP_NORESERVE 0x4000
#define L_MAP_POPULATE 0x8000
#define L_MAP_FIXED_NOREPLACE 0x100000
#define L_MREMAP_FIXED 2
#define L_MREMAP_DONTUNMAP 4

static const sym prot_syms[] = {
    {"PROT_NONE", 0}, {"PROT_READ", L_PROT_READ}, {"PROT_WRITE", L_PROT_WRITE}, {"PROT_EXEC", L_PROT_EXEC}, {NULL, 0}};
static const sym map_syms[] = {
    {"MAP_SHARED", L_MAP_SHARED},       {"MAP_PRIVATE", L_MAP_PRIVATE},        {"MAP_SHARED_VALIDATE", 0x03},
    {"MAP_FIXED", L_MAP_FIXED},         {"MAP_ANONYMOUS", L_MAP_ANON},         {"MAP_ANON", L_MAP_ANON},
    {"MAP_NORESERVE", L_MAP_NORESERVE}, {"MAP_POPULATE", L_MAP_POPULATE}, {"MAP_FIXED_NOREPLACE", L_MAP_FIXED_NOREPLACE},
    {NULL, 0}};
static const sym mremap_syms[] = {
    {"MREMAP_MAYMOVE", 1}, {"MREMAP_FIXED", L_MREMAP_FIXED}, {"MREMAP_DONTUNMAP", L_MREMAP_DONTUNMAP}, {NULL, 0}};

/* index of the first piece with hi > a */
static size_t pc_first(const vmex_importer *im, uint64_t a)
{
    size_t lo = 0, hi = im->npc;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (im->pc[mid].hi <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int pc_insert(vmex_importer *im, size_t at, piece p)
{
    if (grow((void **)&im->pc, &im->pccap, im->npc + 1, sizeof p))
        return oom(im);
    memmove(&im->pc[at + 1], &im->pc[at], (im->npc - at) * sizeof p);
    im->pc[at] = p;
    im->npc++;
    return 0;
}

/* Unmap [lo, hi) from every traced mapping it hits; *hits counts them. */
static int pc_unmap(vmex_importer *im, uint64_t lo, uint64_t hi, size_t *hits, int col)
{
    size_t i = pc_first(im, lo);
    *hits = 0;
    while (i < im->npc && im->pc[i].lo < hi) {
        piece *p = &im->pc[i];
        uint64_t a = p->lo > lo ? p->lo : lo, b = p->hi < hi ? p->hi : hi;
        hrec *r = hfind(im, p->id);
        (*hits)++;
        if (r && !im->truncated && map_unmap(im, r, a - p->base, b - a, col))
            return -1;
        if (a == p->lo && b == p->hi) {
            memmove(p, p + 1, (im->npc - i - 1) * sizeof *p);
            im->npc--;
            continue;
        }
        if (a == p->lo) {
            p->lo = b;
        } else if (b == p->hi) {
            p->hi = a;
        } else {
            piece tail = *p;
            tail.lo = b;
            p->hi = a;
            if (pc_insert(im, i + 1, tail))
                return -1;
        }
        i++;
    }
    return 0;
}

static int pc_covered(const vmex_importer *im, uint64_t lo, uint64_t hi, uint64_t *id)
{
    size_t i = pc_first(im, lo);
    if (i >= im->npc || im->pc[i].lo > lo)
        return 0;
    *id = im->pc[i].id;
    uint64_t at = im->pc[i].hi;
    while (at < hi) {
        if (++i >= im->npc || im->pc[i].lo != at || im->pc[i].id != *id)
            return 0;
        at = im->pc[i].hi;
    }
    return 1;
}

/* a new traced mapping at [addr, addr+len) */
static int s_map(vmex_importer *im, uint64_t addr, uint64_t len, int prot, int shared, int noreserve,
                 int populate, int col)
{
    size_t hits;
    uint64_t hi = addr + VMEX_ALIGN_UP(len, IMP_LINUX_PAGE);
    if (hi < addr)
        return fail(im, col, "the mapping wraps around the address space");
    if (pc_unmap(im, addr, hi, &hits, col))
        return -1;
    uint64_t id = ++im->next_id;
    if (map_new(im, id, len, prot, shared, noreserve, populate, col))
        return -1;
    if (!hfind(im, id))
        return 0;   /* truncated */
    return pc_insert(im, pc_first(im, addr), (piece){addr, hi, addr, id});
}

static int heap_op(vmex_importer *im, int kind, int32_t slot, uint64_t size, uint64_t off, uint64_t len)
{
    vmex_op op;
    vmex_op_init(&op, kind);
    if (kind == VMEX_OP_MMAP) {
        op.dst = name_id(im, POOL_H, slot);
        op.size = size;
    } else {
        op.src = name_id(im, POOL_H, slot);
        if (len) {
            op.flags |= VMEX_F_RANGE;
            op.off = off;
            op.len = len;
        }
    }
    int rc = emit(im, &op);
    return rc < 0 ? -1 : 0;
}

/* brk(...) = res */
static int s_brk(vmex_importer *im, uint64_t res)
{
    if (!im->brk_init) {   /* the first brk sets the baseline */
        im->brk_init = 1;
        im->brk_start = im->brk_cur = res;
        im->st.dropped[VMEX_TD_NOCHANGE]++;
        return 0;
    }
    if (res == im->brk_cur) {
        im->st.dropped[VMEX_TD_NOCHANGE]++;
        return 0;
    }
    uint64_t target = res > im->brk_start ? VMEX_ALIGN_UP(res - im->brk_start, VMEX_PAGE) : 0;
    if (check_size(im, target, 0, "heap size"))
        return -1;
    if (res > im->brk_cur) {
        im->st.heap_grows++;
        if (target > im->heap_total) {
            uint64_t d = target - im->heap_total;
            int32_t slot;
            if (grow((void **)&im->heap, &im->heapcap, im->nheap + 1, sizeof *im->heap) ||
                pool_take(im, POOL_H, &slot))
                return oom(im);
            if (heap_op(im, VMEX_OP_MMAP, slot, d, 0, 0))
                return -1;
            im->heap[im->nheap++] = (heapseg){slot, d, d};
            im->heap_total = target;
            live_maps(im, 1, (int64_t)d);
        }
    } else {
        im->st.heap_shrinks++;
        while (im->heap_total > target && im->nheap) {
            heapseg *h = &im->heap[im->nheap - 1];
            uint64_t cut = im->heap_total - target;
            if (cut >= h->mapped) {
                if (heap_op(im, VMEX_OP_MUNMAP, h->slot, 0, 0, h->mapped == h->size ? 0 : h->mapped))
                    return -1;
                if (pool_put(im, POOL_H, h->slot))
                    return oom(im);
                im->heap_total -= h->mapped;
                live_maps(im, -1, -(int64_t)h->mapped);
                im->nheap--;
            } else {
                if (heap_op(im, VMEX_OP_MUNMAP, h->slot, 0, h->mapped - cut, cut))
                    return -1;
                h->mapped -= cut;
                im->heap_total -= cut;
                live_maps(im, 0, -(int64_t)cut);
            }
        }
    }
    im->brk_cur = res;
    return 0;
}

typedef struct sarg {
    const char *s;
    size_t n;
    int col;
} sarg;

static int is_ours(const char *name, size_t n)
{
    static const char *const ours[] = {"mmap", "mmap2", "munmap", "mremap", "brk"};
    for (size_t k = 0; k < sizeof ours / sizeof ours[0]; k++)
        if (strlen(ours[k]) == n && !memcmp(ours[k], name, n))
            return 1;
    return 0;
}

/* One complete call, text = "NAME(ARGS) = RESULT ...", at column col0+1
 * of its line (col0 < 0: columns unknown). */
static int s_call(vmex_importer *im, const char *text, size_t n, int col0)
{
#define COL(off) (col0 < 0 ? 0 : col0 + (int)(off) + 1)
    size_t i = 0;
    while (i < n && ((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9') || text[i] == '_'))
        i++;
    const char *name = text;
    size_t nl = i;
    /* the arguments, to the matching parenthesis */
    sarg a[8];
    int na = 0, depth = 0, quote = 0;
    size_t start = ++i;
    for (; i < n; i++) {
        char c = text[i];
        if (quote) {
            if (c == '\\')
                i++;
            else if (c == '"')
                quote = 0;
            continue;
        }
        if (c == '"')
            quote = 1;
        else if (c == '(' || c == '[' || c == '{')
            depth++;
        else if ((c == ')' || c == ']' || c == '}') && depth > 0)
            depth--;
        else if ((c == ',' || c == ')') && depth == 0) {
            if (na == 8)
                return fail(im, COL(i), "too many arguments for %.*s", (int)nl, name);
            a[na].s = text + start;
            a[na].n = i - start;
            a[na].col = COL(start);
            while (a[na].n && a[na].s[0] == ' ')
                a[na].s++, a[na].n--, a[na].col += a[na].col > 0;
            if (a[na].n || na || c == ',')
                na++;
            start = i + 1;
            if (c == ')')
                break;
        }
    }
    if (i >= n)
        return fail(im, COL(n), "%.*s: the argument list is not closed with ')'", (int)nl, name);
    /* = RESULT */
    i++;
    while (i < n && text[i] == ' ')
        i++;
    if (i >= n || text[i] != '=')
        return fail(im, COL(i), "%.*s: expected '= RESULT' after the arguments", (int)nl, name);
    i++;
    while (i < n && text[i] == ' ')
        i++;
    size_t rs = i;
    while (i < n && text[i] != ' ')
        i++;
    uint64_t res = 0;
    int failed = 0;
    if (i - rs == 1 && text[rs] == '?')
        failed = 1;   /* the process went away during the call */
    else if (snum(text + rs, i - rs, &res))
        return fail(im, COL(rs), "%.*s: bad result '%.*s'", (int)nl, name, (int)((i - rs) > 30 ? 30 : i - rs),
                    text + rs);
    else if ((int64_t)res < 0 && (int64_t)res > -4096)
        failed = 1;   /* -1 ERRNO (raw: -ERRNO) */

    int kind = nl == 3 ? VMEX_TC_BRK : nl == 6 && name[1] == 'u' ? VMEX_TC_MUNMAP
             : nl == 6 ? VMEX_TC_MREMAP : VMEX_TC_MMAP;
    static const int nargs[VMEX_TC__COUNT] = {[VMEX_TC_MMAP] = 6, [VMEX_TC_MUNMAP] = 2, [VMEX_TC_MREMAP] = 4,
                                              [VMEX_TC_BRK] = 1};
    if (na < nargs[kind] || na > nargs[kind] + (kind == VMEX_TC_MREMAP))
        return fail(im, COL(nl + 1), "%.*s takes %d arguments, not %d", (int)nl, name, nargs[kind], na);
    uint64_t v[5] = {0};
    size_t bad = 0;
    switch (kind) {
    case VMEX_TC_MMAP: {
        uint64_t prot, flags;
        if (snum(a[0].s, a[0].n, &v[0]))
            return fail(im, a[0].col, "mmap: bad address '%.*s'", (int)(a[0].n > 30 ? 30 : a[0].n), a[0].s);
        if (snum(a[1].s, a[1].n, &v[1]))
            return fail(im, a[1].col, "mmap: bad length '%.*s'", (int)(a[1].n > 30 ? 30 : a[1].n), a[1].s);
        if (sflags(a[2].s, a[2].n, prot_syms, "PROT_", &prot, &bad))
            return fail(im, a[2].col + (a[2].col ? (int)bad : 0), "mmap: bad protection '%.*s'",
                        (int)(a[2].n > 40 ? 40 : a[2].n), a[2].s);
        if (sflags(a[3].s, a[3].n, map_syms, "MAP_", &flags, &bad))
            return fail(im, a[3].col + (a[3].col ? (int)bad : 0), "mmap: bad flags '%.*s'",
                        (int)(a[3].n > 40 ? 40 : a[3].n), a[3].s);
        im->st.calls[VMEX_TC_MMAP]++;
        if (im->truncated) {
            im->st.dropped[VMEX_TD_TRUNCATED]++;
            return 0;
        }
        if (failed) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        uint64_t len = v[1], lo = res, id;
        int fixed = (flags & (L_MAP_FIXED | L_MAP_FIXED_NOREPLACE)) != 0;
        if (len == 0)
            return fail(im, a[1].col, "mmap of length 0 succeeded?");
        if ((flags & L_MAP_FIXED) && pc_covered(im, lo, lo + VMEX_ALIGN_UP(len, IMP_LINUX_PAGE), &id)) {
            im->st.dropped[VMEX_TD_INPLACE]++;
            return 0;
        }
        im->st.fixed_moved += (uint64_t)fixed;
        im->st.file_maps += (uint64_t)!(flags & L_MAP_ANON);
        int vp = prot_of(!!(prot & L_PROT_READ), !!(prot & L_PROT_WRITE), !!(prot & L_PROT_EXEC), im);
        return s_map(im, lo, len, vp, (flags & L_MAP_TYPE) != L_MAP_PRIVATE, !!(flags & L_MAP_NORESERVE),
                     !!(flags & L_MAP_POPULATE), a[1].col);
    }
    case VMEX_TC_MUNMAP: {
        if (snum(a[0].s, a[0].n, &v[0]))
            return fail(im, a[0].col, "munmap: bad address '%.*s'", (int)(a[0].n > 30 ? 30 : a[0].n), a[0].s);
        if (snum(a[1].s, a[1].n, &v[1]))
            return fail(im, a[1].col, "munmap: bad length '%.*s'", (int)(a[1].n > 30 ? 30 : a[1].n), a[1].s);
        im->st.calls[VMEX_TC_MUNMAP]++;
        if (im->truncated) {
            im->st.dropped[VMEX_TD_TRUNCATED]++;
            return 0;
        }
        if (failed || v[1] == 0) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        size_t hits;
        if (pc_unmap(im, v[0], v[0] + VMEX_ALIGN_UP(v[1], IMP_LINUX_PAGE), &hits, a[0].col))
            return -1;
        if (!hits)
            im->st.dropped[VMEX_TD_UNKNOWN]++;
        return 0;
    }
    case VMEX_TC_MREMAP: {
        uint64_t flags;
        for (int k = 0; k < 3; k++)
            if (snum(a[k].s, a[k].n, &v[k]))
                return fail(im, a[k].col, "mremap: bad %s '%.*s'", k == 0 ? "address" : "length",
                            (int)(a[k].n > 30 ? 30 : a[k].n), a[k].s);
        if (sflags(a[3].s, a[3].n, mremap_syms, "MREMAP_", &flags, &bad))
            return fail(im, a[3].col + (a[3].col ? (int)bad : 0), "mremap: bad flags '%.*s'",
                        (int)(a[3].n > 40 ? 40 : a[3].n), a[3].s);
        if (na == 5 && snum(a[4].s, a[4].n, &v[4]))
            return fail(im, a[4].col, "mremap: bad new address '%.*s'", (int)(a[4].n > 30 ? 30 : a[4].n), a[4].s);
        im->st.calls[VMEX_TC_MREMAP]++;
        if (im->truncated) {
            im->st.dropped[VMEX_TD_TRUNCATED]++;
            return 0;
        }
        if (failed) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        uint64_t old = v[0], oldlen = v[1], newlen = v[2], id;
        int prot = VMEX_PROT_RW, shared = 0, nores = 0;
        uint64_t ohi = old + VMEX_ALIGN_UP(oldlen, IMP_LINUX_PAGE);
        if (oldlen && pc_covered(im, old, ohi, &id)) {
            hrec *r = hfind(im, id);
            if (r)
                prot = r->prot, shared = r->shared, nores = r->noreserve;
        }
        if (oldlen && !(flags & L_MREMAP_DONTUNMAP)) {
            size_t hits;
            if (pc_unmap(im, old, ohi, &hits, a[0].col))
                return -1;
            if (!hits)
                im->st.dropped[VMEX_TD_UNKNOWN]++;   /* its munmap half */
        }
        if (newlen == 0)
            return fail(im, a[2].col, "mremap to length 0 succeeded?");
        return s_map(im, res, newlen, prot, shared, nores, 0, a[2].col);
    }
    case VMEX_TC_BRK:
        if (snum(a[0].s, a[0].n, &v[0]))
            return fail(im, a[0].col, "brk: bad address '%.*s'", (int)(a[0].n > 30 ? 30 : a[0].n), a[0].s);
        im->st.calls[VMEX_TC_BRK]++;
        if (im->truncated) {
            im->st.dropped[VMEX_TD_TRUNCATED]++;
            return 0;
        }
        if (failed) {
            im->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        return s_brk(im, res);
    }
    return 0;
#undef COL
}

static int s_pid_seen(vmex_importer *im, long pid)
{
    if (pid == im->last_pid && im->npids)
        return 0;
    im->last_pid = pid;
    for (size_t k = 0; k < im->npids; k++)
        if (im->pids[k] == pid)
            return 0;
    if (grow((void **)&im->pids, &im->pidcap, im->npids + 1, sizeof *im->pids))
        return oom(im);
    im->pids[im->npids++] = pid;
    /* lines without a pid prefix are the first process's (strace -f to a
     * terminal prefixes only once a second one is traced) */
    int unprefixed = 0;
    for (size_t k = 0; k < im->npids; k++)
        unprefixed |= im->pids[k] == 0;
    im->st.pids = (uint32_t)(im->npids - (unprefixed && im->npids > 1));
    return 0;
}

static pending *s_pending(vmex_importer *im, long pid)
{
    for (size_t k = 0; k < im->npend; k++)
        if (im->pend[k].pid == pid)
            return &im->pend[k];
    return NULL;
}

static void s_pending_drop(vmex_importer *im, pending *p)
{
    free(p->args);
    *p = im->pend[--im->npend];
}

static int strace_line2(vmex_importer *im, const char *s, size_t n);

/* strace writing to a terminal (or 2> FILE) can cut a line with its own
 * "strace: Process N attached" note; the line goes on on the next one. */
static int strace_line(vmex_importer *im, const char *s, size_t n)
{
    static const char note[] = "strace: Process ";
    const char *cut = n > sizeof note ? memmem(s + 1, n - 1, note, sizeof note - 1) : NULL;
    if (im->ncarry || cut) {
        size_t keep = cut ? (size_t)(cut - s) : n;
        if (grow((void **)&im->carry, &im->carrycap, im->ncarry + keep + 1, 1))
            return oom(im);
        memcpy(im->carry + im->ncarry, s, keep);
        im->ncarry += keep;
        if (cut) {
            im->st.other++;   /* the note */
            return 0;
        }
        size_t len = im->ncarry;
        im->ncarry = 0;
        int saved = im->col0;
        im->col0 = -1;   /* columns of the joined line are not this line's */
        int rc = strace_line2(im, im->carry, len);
        im->col0 = saved;
        return rc;
    }
    return strace_line2(im, s, n);
}

static int strace_line2(vmex_importer *im, const char *s, size_t n)
{
    size_t i = 0;
    long pid = 0;
    if (n == 0)
        return 0;
    /* [pid N] (strace -f to a terminal) or N (strace -f -o FILE) */
    if (n > 5 && !memcmp(s, "[pid ", 5)) {
        i = 5;
        while (i < n && s[i] == ' ')
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            pid = pid * 10 + (s[i++] - '0');
        if (i == d || i >= n || s[i] != ']')
            return fail(im, (int)i + 1, "bad '[pid N]' prefix");
        i++;
    } else if (s[0] >= '0' && s[0] <= '9') {
        size_t j = 0;
        long v = 0;
        while (j < n && s[j] >= '0' && s[j] <= '9')
            v = v * 10 + (s[j++] - '0');
        if (j < n && s[j] == ' ') {
            pid = v;
            i = j;
        }
    }
    while (i < n && s[i] == ' ')
        i++;
    /* timestamps (-t, -tt, -ttt, -r) and the instruction pointer (-i) */
    for (;;) {
        size_t j = i;
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ':' || s[j] == '.'))
            j++;
        if (j > i && j < n && s[j] == ' ' && memchr(s + i, ':', j - i) != NULL) {
            i = j;
        } else if (j > i && j < n && s[j] == ' ' && memchr(s + i, '.', j - i) != NULL) {
            i = j;
        } else if (j == i && i < n && s[i] == '[' && !(n - i > 4 && !memcmp(s + i, "[pid", 4))) {
            const char *e = memchr(s + i, ']', n - i);
            if (!e)
                return fail(im, (int)i + 1, "bad '[ADDRESS]' prefix (strace -i)");
            j = (size_t)(e - s) + 1;
            i = j;
        } else {
            break;
        }
        while (i < n && s[i] == ' ')
            i++;
    }
    if (s_pid_seen(im, pid))
        return -1;
    const char *t = s + i;
    size_t tn = n - i;
    if (tn == 0)
        return 0;
    /* signals, exits, strace's own notes, stack traces (-k) */
    if ((tn >= 4 && (!memcmp(t, "+++ ", 4) || !memcmp(t, "--- ", 4))) || (tn >= 7 && !memcmp(t, "strace:", 7)) ||
        t[0] == '>' || (tn >= 3 && !memcmp(t, "???", 3))) {
        im->st.other++;
        return 0;
    }
    if (tn > 5 && !memcmp(t, "<... ", 5)) {   /* <... NAME resumed>REST */
        size_t k = 5, ns = 5;
        while (k < tn && t[k] != ' ' && t[k] != '>')
            k++;
        const char *name = t + ns;
        size_t nl = k - ns;
        if (tn - k < 9 || memcmp(t + k, " resumed>", 9))
            return fail(im, (int)(i + k) + 1, "expected ' resumed>' after '<... %.*s'", (int)(nl > 20 ? 20 : nl), name);
        k += 9;
        pending *p = s_pending(im, pid);
        if (!is_ours(name, nl)) {
            if (p && strlen(p->name) == nl && !memcmp(p->name, name, nl))
                s_pending_drop(im, p);
            im->st.other++;
            return 0;
        }
        if (!p || strlen(p->name) != nl || memcmp(p->name, name, nl))
            return fail(im, (int)i + 1, "'%.*s resumed' without its '<unfinished ...>' start", (int)nl, name);
        /* NAME( ARGS-BEFORE REST */
        size_t need = nl + 1 + p->len + (tn - k) + 1;
        if (grow((void **)&im->comb, &im->combcap, need, 1))
            return oom(im);
        size_t c = 0;
        memcpy(im->comb, name, nl);
        c += nl;
        im->comb[c++] = '(';
        memcpy(im->comb + c, p->args, p->len);
        c += p->len;
        memcpy(im->comb + c, t + k, tn - k);
        c += tn - k;
        int saved_col = im->col0;
        im->col0 = -1;
        im->begun = p->line;
        s_pending_drop(im, p);
        int rc = s_call(im, im->comb, c, -1);
        im->col0 = saved_col;
        im->begun = 0;
        return rc;
    }
    /* NAME( */
    size_t k = 0;
    while (k < tn && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= '0' && t[k] <= '9') || t[k] == '_'))
        k++;
    if (k == 0 || k >= tn || t[k] != '(')
        return fail(im, (int)i + 1, "not an strace line: expected 'NAME(ARGS) = RESULT'%s",
                    im->st.lines == 1 && im->detected ? " (and not a vmex trace: those begin with 'vmex-trace 1')" : "");
    if (!is_ours(t, k)) {
        im->st.other++;
        return 0;
    }
    static const char unf[] = " <unfinished ...>";
    size_t ul = sizeof unf - 1;
    if (tn >= ul && !memcmp(t + tn - ul, unf, ul)) {
        pending *p = s_pending(im, pid);
        if (p) {   /* a call that never came back */
            im->st.dropped[VMEX_TD_UNFINISHED]++;
            s_pending_drop(im, p);
        }
        if (grow((void **)&im->pend, &im->pendcap, im->npend + 1, sizeof *im->pend))
            return oom(im);
        p = &im->pend[im->npend];
        memset(p, 0, sizeof *p);
        p->pid = pid;
        p->line = im->line;
        snprintf(p->name, sizeof p->name, "%.*s", (int)k, t);
        p->len = tn - ul - (k + 1);
        p->args = malloc(p->len + 1);
        if (!p->args)
            return oom(im);
        memcpy(p->args, t + k + 1, p->len);
        im->npend++;
        return 0;
    }
    return s_call(im, t, tn, im->col0 < 0 ? -1 : (int)i);
}

/* ------------------------------------------------------------ driver */
vmex_importer *vmex_import_new(const vmex_import_opts *o, const char *file, vmex_program *out)
{
    vmex_importer *im = calloc(1, sizeof *im);
    if (!im)
        return NULL;
    im->p = out;
    vmex_program_reset(out);
    memset(&out->cfg, 0, sizeof out->cfg);
    if (o && o->profile)
        snprintf(out->cfg.profile, sizeof out->cfg.profile, "%s", o->profile);
    im->format = o ? o->format : VMEX_TRACE_AUTO;
    im->max_ops = o && o->max_ops && o->max_ops < VMEX_MAX_OPS ? o->max_ops : VMEX_MAX_OPS;
    im->page = IMP_LINUX_PAGE;
    snprintf(im->file, sizeof im->file, "%s", file ? file : "");
    return im;
}

void vmex_import_free(vmex_importer *im)
{
    if (!im)
        return;
    for (int k = 0; k < POOL__COUNT; k++) {
        free(im->pools[k].ids);
        free(im->pools[k].free);
    }
    for (size_t k = 0; k < im->npend; k++)
        free(im->pend[k].args);
    free(im->pend);
    free(im->h);
    free(im->pc);
    free(im->pids);
    free(im->heap);
    free(im->comb);
    free(im->carry);
    free(im);
}

int vmex_import_line(vmex_importer *im, const char *s, size_t n, vmex_error *err)
{
    im->err = err;
    if (im->failed)
        return fail(im, 0, "the importer stopped at an earlier error");
    im->line++;
    im->st.lines++;
    im->col0 = 0;
    if (n && s[n - 1] == '\r')
        n--;
    if (n > IMP_LINE_LIMIT)
        return fail(im, IMP_LINE_LIMIT + 1, "line longer than %u bytes", IMP_LINE_LIMIT);
    const char *nul = memchr(s, '\0', n);
    if (nul)
        return fail(im, (int)(nul - s) + 1, "binary data (a NUL byte): not a trace");
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    if (k == n && !im->nonblank)
        return 0;   /* leading blank lines */
    im->nonblank = 1;
    if (im->format == VMEX_TRACE_AUTO) {
        im->format = n - k >= 10 && !memcmp(s + k, "vmex-trace", 10) ? VMEX_TRACE_RECORD : VMEX_TRACE_STRACE;
        im->detected = 1;
    }
    return im->format == VMEX_TRACE_RECORD ? rec_line(im, s, n) : strace_line(im, s, n);
}

int vmex_import_finish(vmex_importer *im, vmex_import_stats *st, vmex_error *err)
{
    im->err = err;
    if (im->failed)
        return fail(im, 0, "the importer stopped at an earlier error");
    im->col0 = 0;
    if (!im->nonblank) {
        im->line = 0;
        return fail(im, 0, "empty trace");
    }
    im->st.dropped[VMEX_TD_UNFINISHED] += im->npend;
    im->st.format = im->format;
    if (st)
        *st = im->st;
    return 0;
}

int vmex_import(const char *text, size_t len, const char *file, const vmex_import_opts *o, vmex_program *out,
                vmex_import_stats *st, vmex_error *err)
{
    vmex_importer *im = vmex_import_new(o, file, out);
    if (!im) {
        memset(err, 0, sizeof *err);
        return vmex_error_nomem(err);
    }
    int rc = 0;
    size_t i = 0;
    while (i < len && !rc) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - text) - i : len - i;
        rc = vmex_import_line(im, text + i, n, err);
        i += n + 1;
    }
    if (!rc)
        rc = vmex_import_finish(im, st, err);
    vmex_import_free(im);
    if (rc)
        vmex_program_reset(out);
    return rc;
}

int vmex_import_stream(FILE *f, const char *label, const vmex_import_opts *o, vmex_program *out,
                       vmex_import_stats *st, vmex_error *err)
{
    vmex_importer *im = vmex_import_new(o, label, out);
    size_t cap = 1 << 16, have = 0;
    char *buf = malloc(cap);
    int rc = 0, eof = 0;
    memset(err, 0, sizeof *err);
    if (!im || !buf)
        rc = vmex_error_nomem(err);
    while (!rc && !eof) {
        size_t got = fread(buf + have, 1, cap - have, f);
        have += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err->file, sizeof err->file, "%s", label);
                vmex_error_set(err, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
                err->code = VMEX_E_IO;
                rc = -1;
                break;
            }
            eof = 1;
        }
        size_t i = 0;
        for (;;) {
            char *nl = memchr(buf + i, '\n', have - i);
            if (!nl)
                break;
            size_t n = (size_t)(nl - buf) - i;
            if ((rc = vmex_import_line(im, buf + i, n, err)))
                break;
            i += n + 1;
        }
        if (rc)
            break;
        memmove(buf, buf + i, have - i);
        have -= i;
        if (eof && have) {   /* a last line without a newline */
            rc = vmex_import_line(im, buf, have, err);
            have = 0;
        } else if (have == cap) {
            if (cap > IMP_LINE_LIMIT) {   /* reports the over-long line */
                rc = vmex_import_line(im, buf, have, err);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = vmex_error_nomem(err);
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    free(buf);
    if (!rc)
        rc = vmex_import_finish(im, st, err);
    vmex_import_free(im);
    if (rc)
        vmex_program_reset(out);
    return rc;
}

int vmex_import_file(const char *path, const vmex_import_opts *o, vmex_program *out, vmex_import_stats *st,
                     vmex_error *err)
{
    FILE *f = vmex_file_open(path, err);
    if (!f) {
        vmex_program_reset(out);
        return -1;
    }
    int rc = vmex_import_stream(f, path, o, out, st, err);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------ header */
static const char *hsz(uint64_t v, char *buf)
{
    vmex_human_size(v, buf, 32);
    return buf;
}

int vmex_import_header(const vmex_import_stats *st, const char *source, vmex_buf *out)
{
    int rc = 0;
    char a[32], b[32];
    if (st->format == VMEX_TRACE_RECORD)
        rc |= vmex_buf_printf(out, "vmex import: %s (vmex-trace 1 of %s, pid %ld), %" PRIu64 " lines%s\n", source,
                              st->prog[0] ? st->prog : "?", st->pid, st->lines,
                              st->complete ? "" : "; no end line: the process did not exit normally, the trace may "
                                                  "miss its last calls");
    else
        rc |= vmex_buf_printf(out, "vmex import: %s (strace, pids %u: one address space), %" PRIu64 " lines\n",
                              source, st->pids, st->lines);
    rc |= vmex_buf_printf(out, "calls:");
    int any = 0;
    for (int k = 0; k < VMEX_TC__COUNT; k++)
        if (st->calls[k]) {
            rc |= vmex_buf_printf(out, "%s %s %" PRIu64, any ? "," : "", vmex_tcall_name(k), st->calls[k]);
            any = 1;
        }
    if (!any)
        rc |= vmex_buf_printf(out, " none");
    if (st->other)
        rc |= vmex_buf_printf(out, "; other lines ignored: %" PRIu64 " (other syscalls, signals, exits)", st->other);
    uint64_t nops = 0;
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        nops += st->ops[k];
    rc |= vmex_buf_printf(out, "\nops: %" PRIu64, nops);
    any = 0;
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        if (st->ops[k]) {
            rc |= vmex_buf_printf(out, "%s%s %" PRIu64, any ? ", " : " (", vmex_opkind_name(k), st->ops[k]);
            any = 1;
        }
    rc |= vmex_buf_printf(out, "%s\n", any ? ")" : "");
    static const char *const why[VMEX_TD__COUNT] = {
        "failed in the trace (not replayed: the app never had that memory)",
        "MAP_FIXED inside a traced mapping (its range was already counted)",
        "munmap pieces inside one 16 KiB page (the model's page stays mapped)",
        "munmap/mremap of memory no traced call mapped",
        "brk calls that did not move the break (the first one sets the baseline)",
        "calls <unfinished ...> and never resumed",
        "calls after the program reached its op limit (truncated)",
    };
    for (int k = 0; k < VMEX_TD__COUNT; k++)
        if (st->dropped[k])
            rc |= vmex_buf_printf(out, "dropped (%" PRIu64 "): %s\n", st->dropped[k], why[k]);
    if (st->truncated_line)
        rc |= vmex_buf_printf(out, "truncated: the trace from line %d on is not imported\n", st->truncated_line);
    if (st->aligned)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): aligned allocations became plain mallocs (alignment dropped)\n",
                              st->aligned);
    if (st->unknown_realloc)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): reallocs of blocks the recorder never saw became mallocs\n",
                              st->unknown_realloc);
    if (st->fixed_moved)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): MAP_FIXED mappings placed freely (Linux addresses mean "
                                   "nothing on the iOS layout)\n", st->fixed_moved);
    if (st->file_maps)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): file-backed mappings, counted as mappings of their length\n",
                              st->file_maps);
    if (st->rwx)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): rwx mappings imported as rw\n", st->rwx);
    if (st->heap_grows || st->heap_shrinks)
        rc |= vmex_buf_printf(out, "note: brk moved the break up %" PRIu64 "x and down %" PRIu64
                                   "x: each growth is a mapping h<k>, a shrink unmaps from the top\n",
                              st->heap_grows, st->heap_shrinks);
    if (st->rec_unknown_free || st->rec_unknown_munmap || st->rec_untracked)
        rc |= vmex_buf_printf(out, "recorder: frees of memory it never saw %" PRIu64 ", munmaps of it %" PRIu64
                                   ", untracked calls %" PRIu64 " (left out of the trace)\n",
                              st->rec_unknown_free, st->rec_unknown_munmap, st->rec_untracked);
    rc |= vmex_buf_printf(out, "live at the end: malloc %s in %" PRIu64 " blocks, mappings %s in %" PRIu64
                               "; peak: malloc %s, mappings %s",
                          hsz(st->live_block_bytes, a), st->live_blocks, hsz(st->live_map_bytes, b), st->live_maps,
                          hsz(st->peak_block_bytes, (char[32]){0}), hsz(st->peak_map_bytes, (char[32]){0}));
    return rc ? -1 : 0;
}
