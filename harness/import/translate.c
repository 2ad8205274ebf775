/*
 * translate.c - what the trace readers turn calls into (importer.h): a
 * table of live handles (open addressing, backward-shift deletion), the
 * three name pools, b (malloc blocks), m (mappings) and h (brk growths),
 * in which a released name is given out again, and the ops with the live
 * and peak totals they move.  The rules are in import.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "import/importer.h"

static const char pool_prefix[POOL__COUNT] = {'b', 'm', 'h'};

/* ------------------------------------------------------------ errors */
/* The file's line and column of column col (1-based; 0: none) of the
 * logical line, which may be made of pieces of several lines. */
static void locate(const vmex_importer *im, int col, int *line, int *c)
{
    *line = im->line;
    *c = im->nseg >= 0 && col > 0 ? col : 0;   /* nseg < 0: too many pieces to tell */
    if (col <= 0 || im->nseg <= 0)
        return;
    size_t off = (size_t)col - 1;
    int k = im->nseg - 1;
    while (k > 0 && im->seg[k].off > off)
        k--;
    *line = im->seg[k].line;
    *c = im->seg[k].col + (int)(off - im->seg[k].off);
}

int imp_fail(vmex_importer *im, int col, const char *fmt, ...)
{
    vmex_error *e = im->err;
    char msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memset(e, 0, sizeof *e);
    snprintf(e->file, sizeof e->file, "%s", im->file);
    int line, c;
    locate(im, col, &line, &c);
    if (im->begun && im->begun != line)
        vmex_error_set(e, line, c, "%s (in the call begun on line %d)", msg, im->begun);
    else
        vmex_error_set(e, line, c, "%s", msg);
    im->failed = 1;
    return -1;
}

int imp_oom(vmex_importer *im)
{
    imp_fail(im, 0, "out of memory");
    im->err->code = VMEX_E_NOMEM;
    return -1;
}

int imp_grow(void **arr, size_t *cap, size_t need, size_t size)
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
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (im->a->hcap - 1);
}

hrec *imp_hfind(vmex_importer *im, uint64_t key)
{
    if (!im->a->hcap || !key)
        return NULL;
    size_t j = hslot(im, key);
    while (im->a->h[j].key && im->a->h[j].key != key)
        j = (j + 1) & (im->a->hcap - 1);
    return im->a->h[j].key ? &im->a->h[j] : NULL;
}

static int hrehash(vmex_importer *im, size_t cap)
{
    hrec *old = im->a->h;
    size_t ocap = im->a->hcap;
    im->a->h = calloc(cap, sizeof *im->a->h);
    if (!im->a->h) {
        im->a->h = old;
        return -1;
    }
    im->a->hcap = cap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key) {
            size_t j = hslot(im, old[i].key);
            while (im->a->h[j].key)
                j = (j + 1) & (cap - 1);
            im->a->h[j] = old[i];
        }
    free(old);
    return 0;
}

/* Insert a record (its key must not be live); NULL when out of memory. */
hrec *imp_hput(vmex_importer *im, const hrec *r)
{
    if ((im->a->hcount + 1) * 2 > im->a->hcap && hrehash(im, im->a->hcap ? im->a->hcap * 2 : 1024))
        return NULL;
    size_t j = hslot(im, r->key);
    while (im->a->h[j].key)
        j = (j + 1) & (im->a->hcap - 1);
    im->a->h[j] = *r;
    im->a->hcount++;
    return &im->a->h[j];
}

void imp_hdel(vmex_importer *im, hrec *r)
{
    size_t mask = im->a->hcap - 1, i = (size_t)(r - im->a->h);
    for (;;) {
        im->a->h[i].key = 0;
        size_t k = i;
        for (;;) {
            k = (k + 1) & mask;
            if (!im->a->h[k].key) {
                im->a->hcount--;
                return;
            }
            size_t home = hslot(im, im->a->h[k].key);
            if (i <= k ? (home <= i || home > k) : (home <= i && home > k))
                break;
        }
        im->a->h[i] = im->a->h[k];
        i = k;
    }
}

/* ------------------------------------------------------------ names */
int imp_pool_take(vmex_importer *im, int which, int32_t *slot)
{
    pool *pl = &im->a->pools[which];
    if (pl->nfree) {
        *slot = (int32_t)pl->free[--pl->nfree];
        return 0;
    }
    size_t cap = pl->cap;
    if (imp_grow((void **)&pl->ids, &cap, (size_t)pl->n + 1, sizeof *pl->ids))
        return -1;
    pl->cap = (uint32_t)cap;
    pl->ids[pl->n] = -1;
    *slot = (int32_t)pl->n++;
    return 0;
}

int imp_pool_put(vmex_importer *im, int which, int32_t slot)
{
    pool *pl = &im->a->pools[which];
    size_t cap = pl->fcap;
    if (imp_grow((void **)&pl->free, &cap, (size_t)pl->nfree + 1, sizeof *pl->free))
        return -1;
    pl->fcap = (uint32_t)cap;
    pl->free[pl->nfree++] = (uint32_t)slot;
    return 0;
}

/* the program's name id for a slot, made on first use */
int32_t imp_name_id(vmex_importer *im, int which, int32_t slot)
{
    pool *pl = &im->a->pools[which];
    if (pl->ids[slot] < 0) {
        char name[VMEX_NAME_MAX];
        snprintf(name, sizeof name, "%c%" PRId32, pool_prefix[which], slot);
        pl->ids[slot] = vmex_program_name(&im->a->p, name);
        if (pl->ids[slot] < 0)
            im->a->name_oom = 1;
    }
    return pl->ids[slot];
}

/* ------------------------------------------------------------ ops */
/* Append an op: 0, 1 when the program is full (truncated from here on),
 * -1 out of memory (reported). */
int imp_emit(vmex_importer *im, const vmex_op *op)
{
    if (im->a->truncated)
        return 1;
    if (im->a->p.nops >= im->max_ops) {
        im->a->truncated = 1;
        im->a->st.truncated_line = im->line;
        im->a->st.dropped[VMEX_TD_TRUNCATED]++;   /* this call, or what is left of it */
        return 1;
    }
    if (im->a->name_oom)
        return imp_oom(im);
    if (vmex_program_add(&im->a->p, op) < 0)
        return imp_oom(im);
    im->a->st.ops[op->kind]++;
    return 0;
}

void imp_live_maps(vmex_importer *im, int64_t d_count, int64_t d_bytes)
{
    im->a->st.live_maps += (uint64_t)d_count;
    im->a->st.live_map_bytes += (uint64_t)d_bytes;
    if (im->a->st.live_map_bytes > im->a->st.peak_map_bytes)
        im->a->st.peak_map_bytes = im->a->st.live_map_bytes;
}

void imp_live_blocks(vmex_importer *im, int64_t d_count, int64_t d_bytes)
{
    im->a->st.live_blocks += (uint64_t)d_count;
    im->a->st.live_block_bytes += (uint64_t)d_bytes;
    if (im->a->st.live_block_bytes > im->a->st.peak_block_bytes)
        im->a->st.peak_block_bytes = im->a->st.live_block_bytes;
}

int imp_check_size(vmex_importer *im, uint64_t v, int col, const char *what)
{
    if (v >= VMEX_MAX_VALUE)
        return imp_fail(im, col, "%s %" PRIu64 " is too large for vmex (the limit is 256t)", what, v);
    return 0;
}

/* A new mapping under key. */
int imp_map_new(vmex_importer *im, uint64_t key, uint64_t len, int prot, int shared, int noreserve,
                   int populate, int col)
{
    if (len == 0)
        return imp_fail(im, col, "a mapping of length 0");
    if (imp_check_size(im, len, col, "length"))
        return -1;
    int32_t slot;
    if (imp_pool_take(im, POOL_M, &slot))
        return imp_oom(im);
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MMAP);
    op.size = len;
    op.dst = imp_name_id(im, POOL_M, slot);
    if (prot != VMEX_PROT_RW) {
        op.prot = (uint8_t)prot;
        op.flags |= VMEX_F_PROT;
    }
    if (shared)
        op.flags |= VMEX_F_SHARED;
    if (noreserve)
        op.flags |= VMEX_F_NORESERVE;
    int rc = imp_emit(im, &op);
    if (rc)
        return rc < 0 ? -1 : 0;
    hrec r = {.key = key, .size = len, .live = VMEX_ALIGN_UP(len, im->page), .slot = slot, .pool = POOL_M,
              .prot = (uint8_t)prot, .shared = (uint8_t)shared, .noreserve = (uint8_t)noreserve};
    if (!imp_hput(im, &r))
        return imp_oom(im);
    imp_live_maps(im, 1, (int64_t)r.live);
    if (populate) {
        vmex_op t;
        vmex_op_init(&t, VMEX_OP_TOUCH);
        t.src = op.dst;
        if (imp_emit(im, &t) < 0)
            return -1;
    }
    return 0;
}

int imp_release(vmex_importer *im, hrec *r)
{
    if (imp_pool_put(im, r->pool, r->slot))
        return imp_oom(im);
    if (r->pool == POOL_B)
        imp_live_blocks(im, -1, -(int64_t)r->size);
    else
        imp_live_maps(im, -1, -(int64_t)r->live);
    imp_hdel(im, r);
    return 0;
}

/* munmap [off, off+len) of mapping r (trace bytes, page-granular), rounded
 * inward to the model's 16 KiB pages; the tail reaches the model's end. */
int imp_map_unmap(vmex_importer *im, hrec *r, uint64_t off, uint64_t len, int col)
{
    uint64_t end_t = VMEX_ALIGN_UP(r->size, im->page), end_m = VMEX_ALIGN_UP(r->size, VMEX_PAGE);
    if (len == 0 || off >= end_t || len > end_t - off)
        return imp_fail(im, col, "munmap of [%" PRIu64 ", +%" PRIu64 ") is outside the mapping (%" PRIu64 " bytes)",
                    off, len, r->size);
    uint64_t a = VMEX_ALIGN_UP(off, VMEX_PAGE);
    uint64_t b = off + len >= end_t ? end_m : VMEX_ALIGN_DOWN(off + len, VMEX_PAGE);
    uint64_t pages = VMEX_ALIGN_UP(len, im->page);
    pages = pages < r->live ? pages : r->live;
    r->live -= pages;
    imp_live_maps(im, 0, -(int64_t)pages);
    if (a >= b) {
        im->a->st.dropped[VMEX_TD_SUBPAGE]++;
    } else {
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MUNMAP);
        op.src = imp_name_id(im, POOL_M, r->slot);
        if (a != 0 || b != end_m || r->partial) {
            op.flags |= VMEX_F_RANGE;
            op.off = a;
            op.len = b - a;
            r->partial = 1;
        }
        int rc = imp_emit(im, &op);
        if (rc)
            return rc < 0 ? -1 : 0;
    }
    return r->live == 0 ? imp_release(im, r) : 0;
}

int imp_blk_new(vmex_importer *im, uint64_t key, uint64_t size, int hcol, int scol)
{
    if (imp_hfind(im, key))
        return imp_fail(im, hcol, "handle %" PRIu64 " is already live", key);
    if (imp_check_size(im, size, scol, "size"))
        return -1;
    int32_t slot;
    if (imp_pool_take(im, POOL_B, &slot))
        return imp_oom(im);
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MALLOC);
    op.size = size;
    op.dst = imp_name_id(im, POOL_B, slot);
    int rc = imp_emit(im, &op);
    if (rc)
        return rc < 0 ? -1 : 0;
    hrec r = {.key = key, .size = size, .slot = slot, .pool = POOL_B};
    if (!imp_hput(im, &r))
        return imp_oom(im);
    imp_live_blocks(im, 1, (int64_t)size);
    return 0;
}

/* the live record of a handle of the wanted pool, or an error */
hrec *imp_need_handle(vmex_importer *im, uint64_t key, int want, int col)
{
    hrec *r = imp_hfind(im, key);
    if (!r) {
        imp_fail(im, col, "handle %" PRIu64 " is not live (never given out, or already released)", key);
        return NULL;
    }
    if ((want == POOL_B) != (r->pool == POOL_B)) {
        imp_fail(im, col, "handle %" PRIu64 " is a %s, not a %s", key, r->pool == POOL_B ? "malloc block" : "mapping",
             want == POOL_B ? "malloc block" : "mapping");
        return NULL;
    }
    return r;
}

/* A protection from its three rights; rwx counts as rw (noted). */
int imp_prot_of(int r, int w, int x, vmex_importer *im)
{
    if (w && x)
        im->a->st.rwx++;
    if (w)
        return VMEX_PROT_RW;
    if (x)
        return VMEX_PROT_RX;
    return r ? VMEX_PROT_R : VMEX_PROT_NONE;
}
