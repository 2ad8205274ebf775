/*
 * strace.c - the calls of strace output: mmap, munmap, mremap and brk
 * become ops (traced mappings are tracked by address in a sorted table of
 * live pieces, as the recorder does; brk growths become h mappings), and
 * clone, clone3, fork, vfork and execve say which address space a pid's
 * calls go to (procs.c).  The lines themselves (pid prefixes, timestamps,
 * notes, unfinished and resumed calls) are read in strace_lines.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "import/importer.h"
#include "model/store.h"

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

/* The live pieces of traced mappings are a set of disjoint intervals
 * (model/store.h's treap) whose attr is the mapping's id: a top-down run
 * of mmaps, every one below the last, costs log n each. */
static int ids_fit(vmex_importer *im, int col)
{
    if (im->next_id >= UINT32_MAX)
        return imp_fail(im, col, "more than %u mappings in one trace", UINT32_MAX - 1);
    return 0;
}

typedef struct unmap_ctx {
    vmex_importer *im;
    size_t hits;
    int col, rc;
} unmap_ctx;

static void unmap_piece(void *ctx, uint64_t a, uint64_t b, uint32_t id)
{
    unmap_ctx *u = ctx;
    vmex_importer *im = u->im;
    hrec *r = imp_hfind(im, id);
    u->hits++;
    if (!u->rc && r && !im->a->truncated && imp_map_unmap(im, r, a - r->base, b - a, u->col))
        u->rc = -1;
}

/* Unmap [lo, hi) from every traced mapping it hits; *hits counts them. */
static int pc_unmap(vmex_importer *im, uint64_t lo, uint64_t hi, size_t *hits, int col)
{
    unmap_ctx u = {im, 0, col, 0};
    _vmex_ivt_cut(&im->a->pieces, lo, hi, unmap_piece, &u);
    *hits = u.hits;
    return u.rc;
}

typedef struct cover_ctx {
    uint64_t at;
    uint32_t id;
    int ok, any;
} cover_ctx;

static void cover_piece(void *ctx, uint64_t lo, uint64_t hi, uint32_t id)
{
    cover_ctx *c = ctx;
    if (!c->any) {
        c->any = 1;
        c->id = id;
        c->ok = lo <= c->at;
    } else if (lo != c->at || id != c->id) {
        c->ok = 0;
    }
    c->at = hi;
}

/* Is [lo, hi) all inside one traced mapping (*id)? */
static int pc_covered(vmex_importer *im, uint64_t lo, uint64_t hi, uint64_t *id)
{
    cover_ctx c = {lo, 0, 0, 0};
    _vmex_ivt_walk(&im->a->pieces, lo, hi, cover_piece, &c);
    *id = c.id;
    return c.any && c.ok && c.at >= hi;
}

/* a new traced mapping at [addr, addr+len) */
/* Count a call; 1 when it maps nothing: the address space was cut off
 * (truncated) or the call failed. */
static int s_dropped(vmex_importer *im, int call, int failed)
{
    im->a->st.calls[call]++;
    if (im->a->truncated) {
        im->a->st.dropped[VMEX_TD_TRUNCATED]++;
        return 1;
    }
    if (failed) {
        im->a->st.dropped[VMEX_TD_FAILED]++;
        return 1;
    }
    return 0;
}

static int s_map(vmex_importer *im, uint64_t addr, uint64_t len, int prot, int shared, int noreserve,
                 int populate, int col)
{
    size_t hits;
    uint64_t hi = addr + VMEX_ALIGN_UP(len, IMP_LINUX_PAGE);
    if (hi < addr)
        return imp_fail(im, col, "the mapping wraps around the address space");
    if (pc_unmap(im, addr, hi, &hits, col) || ids_fit(im, col))
        return -1;
    uint64_t id = ++im->next_id;
    if (imp_map_new(im, id, len, prot, shared, noreserve, populate, col))
        return -1;
    hrec *r = imp_hfind(im, id);
    if (!r)
        return 0;   /* truncated */
    r->base = addr;
    _vmex_ivt_insert(&im->a->pieces, addr, hi, (uint32_t)id);
    return 0;
}

static int heap_op(vmex_importer *im, int kind, int32_t slot, uint64_t size, uint64_t off, uint64_t len)
{
    vmex_op op;
    vmex_op_init(&op, kind);
    if (kind == VMEX_OP_MMAP) {
        op.dst = imp_name_id(im, POOL_H, slot);
        op.size = size;
    } else {
        op.src = imp_name_id(im, POOL_H, slot);
        if (len) {
            op.flags |= VMEX_F_RANGE;
            op.off = off;
            op.len = len;
        }
    }
    int rc = imp_emit(im, &op);
    return rc < 0 ? -1 : 0;
}

/* brk(...) = res */
static int s_brk(vmex_importer *im, uint64_t res)
{
    if (!im->a->brk_init) {   /* the first brk sets the baseline */
        im->a->brk_init = 1;
        im->a->brk_start = im->a->brk_cur = res;
        im->a->st.dropped[VMEX_TD_NOCHANGE]++;
        return 0;
    }
    if (res == im->a->brk_cur) {
        im->a->st.dropped[VMEX_TD_NOCHANGE]++;
        return 0;
    }
    uint64_t target = res > im->a->brk_start ? VMEX_ALIGN_UP(res - im->a->brk_start, VMEX_PAGE) : 0;
    if (imp_check_size(im, target, 0, "heap size"))
        return -1;
    if (res > im->a->brk_cur) {
        im->a->st.heap_grows++;
        if (target > im->a->heap_total) {
            uint64_t d = target - im->a->heap_total;
            int32_t slot;
            if (imp_grow((void **)&im->a->heap, &im->a->heapcap, im->a->nheap + 1, sizeof *im->a->heap) ||
                imp_pool_take(im, POOL_H, &slot))
                return imp_oom(im);
            if (heap_op(im, VMEX_OP_MMAP, slot, d, 0, 0))
                return -1;
            im->a->heap[im->a->nheap++] = (heapseg){slot, d, d};
            im->a->heap_total = target;
            imp_live_maps(im, 1, (int64_t)d);
        }
    } else {
        im->a->st.heap_shrinks++;
        while (im->a->heap_total > target && im->a->nheap) {
            heapseg *h = &im->a->heap[im->a->nheap - 1];
            uint64_t cut = im->a->heap_total - target;
            if (cut >= h->mapped) {
                if (heap_op(im, VMEX_OP_MUNMAP, h->slot, 0, 0, h->mapped == h->size ? 0 : h->mapped))
                    return -1;
                if (imp_pool_put(im, POOL_H, h->slot))
                    return imp_oom(im);
                im->a->heap_total -= h->mapped;
                imp_live_maps(im, -1, -(int64_t)h->mapped);
                im->a->nheap--;
            } else {
                if (heap_op(im, VMEX_OP_MUNMAP, h->slot, 0, h->mapped - cut, cut))
                    return -1;
                h->mapped -= cut;
                im->a->heap_total -= cut;
                imp_live_maps(im, 0, -(int64_t)cut);
            }
        }
    }
    im->a->brk_cur = res;
    return 0;
}

typedef struct sarg {
    const char *s;
    size_t n;
    int col;
} sarg;

static int in_list(const char *const *list, size_t count, const char *name, size_t n)
{
    for (size_t k = 0; k < count; k++)
        if (strlen(list[k]) == n && !memcmp(list[k], name, n))
            return 1;
    return 0;
}

int imp_is_memory_call(const char *name, size_t n)
{
    static const char *const mem[] = {"mmap", "mmap2", "munmap", "mremap", "brk"};
    return in_list(mem, sizeof mem / sizeof mem[0], name, n);
}

int imp_is_proc_call(const char *name, size_t n)
{
    static const char *const mk[] = {"clone", "clone2", "clone3", "fork", "vfork"};
    static const char *const ex[] = {"execve", "execveat"};
    return in_list(mk, sizeof mk / sizeof mk[0], name, n) ? 1 : in_list(ex, sizeof ex / sizeof ex[0], name, n) ? 2 : 0;
}

/* One complete call of im->cur_pid, text = "NAME(ARGS) = RESULT ...", at
 * column col0+1 of the logical line (im->seg). */
int imp_strace_call(vmex_importer *im, const char *text, size_t n, int col0)
{
#define COL(off) (col0 + (int)(off) + 1)
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
                return imp_fail(im, COL(i), "too many arguments for %.*s", (int)nl, name);
            a[na].s = text + start;
            a[na].n = i - start;
            a[na].col = COL(start);
            while (a[na].n && a[na].s[0] == ' ')
                a[na].s++, a[na].n--, a[na].col++;
            if (a[na].n || na || c == ',')
                na++;
            start = i + 1;
            if (c == ')')
                break;
        }
    }
    if (i >= n)
        return imp_fail(im, COL(n), "%.*s: the argument list is not closed with ')'", (int)nl, name);
    /* = RESULT */
    i++;
    while (i < n && text[i] == ' ')
        i++;
    if (i >= n || text[i] != '=')
        return imp_fail(im, COL(i), "%.*s: expected '= RESULT' after the arguments", (int)nl, name);
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
        return imp_fail(im, COL(rs), "%.*s: bad result '%.*s'", (int)nl, name, (int)((i - rs) > 30 ? 30 : i - rs),
                    text + rs);
    else if ((int64_t)res < 0 && (int64_t)res > -4096)
        failed = 1;   /* -1 ERRNO (raw: -ERRNO) */

    int pk = imp_is_proc_call(name, nl);
    if (pk) {   /* clone and exec: who shares which address space */
        im->st.other++;
        if (failed)
            return 0;
        char nm[16];
        snprintf(nm, sizeof nm, "%.*s", (int)(nl < 15 ? nl : 15), name);
        const char *args = text + nl + 1;
        size_t an = na ? (size_t)(a[na - 1].s + a[na - 1].n - args) : 0;
        if (pk == 1)
            return imp_pid_clone(im, im->cur_pid, nm, args, an, res);
        if (res == 0)
            imp_pid_exec(im, im->cur_pid, IMP_AS_EXEC, args, an);
        return 0;
    }
    if (imp_pid_space(im, im->cur_pid) < 0)
        return -1;
    int kind = nl == 3 ? VMEX_TC_BRK : nl == 6 && name[1] == 'u' ? VMEX_TC_MUNMAP
             : nl == 6 ? VMEX_TC_MREMAP : VMEX_TC_MMAP;
    static const int nargs[VMEX_TC__COUNT] = {[VMEX_TC_MMAP] = 6, [VMEX_TC_MUNMAP] = 2, [VMEX_TC_MREMAP] = 4,
                                              [VMEX_TC_BRK] = 1};
    if (na < nargs[kind] || na > nargs[kind] + (kind == VMEX_TC_MREMAP))
        return imp_fail(im, COL(nl + 1), "%.*s takes %d arguments, not %d", (int)nl, name, nargs[kind], na);
    uint64_t v[5] = {0};
    size_t bad = 0;
    switch (kind) {
    case VMEX_TC_MMAP: {
        uint64_t prot, flags;
        if (snum(a[0].s, a[0].n, &v[0]))
            return imp_fail(im, a[0].col, "mmap: bad address '%.*s'", (int)(a[0].n > 30 ? 30 : a[0].n), a[0].s);
        if (snum(a[1].s, a[1].n, &v[1]))
            return imp_fail(im, a[1].col, "mmap: bad length '%.*s'", (int)(a[1].n > 30 ? 30 : a[1].n), a[1].s);
        if (sflags(a[2].s, a[2].n, prot_syms, "PROT_", &prot, &bad))
            return imp_fail(im, a[2].col + (a[2].col ? (int)bad : 0), "mmap: bad protection '%.*s'",
                        (int)(a[2].n > 40 ? 40 : a[2].n), a[2].s);
        if (sflags(a[3].s, a[3].n, map_syms, "MAP_", &flags, &bad))
            return imp_fail(im, a[3].col + (a[3].col ? (int)bad : 0), "mmap: bad flags '%.*s'",
                        (int)(a[3].n > 40 ? 40 : a[3].n), a[3].s);
        if (s_dropped(im, VMEX_TC_MMAP, failed))
            return 0;
        uint64_t len = v[1], lo = res, id;
        int fixed = (flags & (L_MAP_FIXED | L_MAP_FIXED_NOREPLACE)) != 0;
        if (len == 0)
            return imp_fail(im, a[1].col, "mmap of length 0 succeeded?");
        if ((flags & L_MAP_FIXED) && pc_covered(im, lo, lo + VMEX_ALIGN_UP(len, IMP_LINUX_PAGE), &id)) {
            im->a->st.dropped[VMEX_TD_INPLACE]++;
            return 0;
        }
        im->a->st.fixed_moved += (uint64_t)fixed;
        im->a->st.file_maps += (uint64_t)!(flags & L_MAP_ANON);
        int vp = imp_prot_of(!!(prot & L_PROT_READ), !!(prot & L_PROT_WRITE), !!(prot & L_PROT_EXEC), im);
        return s_map(im, lo, len, vp, (flags & L_MAP_TYPE) != L_MAP_PRIVATE, !!(flags & L_MAP_NORESERVE),
                     !!(flags & L_MAP_POPULATE), a[1].col);
    }
    case VMEX_TC_MUNMAP: {
        if (snum(a[0].s, a[0].n, &v[0]))
            return imp_fail(im, a[0].col, "munmap: bad address '%.*s'", (int)(a[0].n > 30 ? 30 : a[0].n), a[0].s);
        if (snum(a[1].s, a[1].n, &v[1]))
            return imp_fail(im, a[1].col, "munmap: bad length '%.*s'", (int)(a[1].n > 30 ? 30 : a[1].n), a[1].s);
        if (s_dropped(im, VMEX_TC_MUNMAP, failed || v[1] == 0))
            return 0;
        size_t hits;
        if (pc_unmap(im, v[0], v[0] + VMEX_ALIGN_UP(v[1], IMP_LINUX_PAGE), &hits, a[0].col))
            return -1;
        if (!hits)
            im->a->st.dropped[VMEX_TD_UNKNOWN]++;
        return 0;
    }
    case VMEX_TC_MREMAP: {
        uint64_t flags;
        for (int k = 0; k < 3; k++)
            if (snum(a[k].s, a[k].n, &v[k]))
                return imp_fail(im, a[k].col, "mremap: bad %s '%.*s'", k == 0 ? "address" : "length",
                            (int)(a[k].n > 30 ? 30 : a[k].n), a[k].s);
        if (sflags(a[3].s, a[3].n, mremap_syms, "MREMAP_", &flags, &bad))
            return imp_fail(im, a[3].col + (a[3].col ? (int)bad : 0), "mremap: bad flags '%.*s'",
                        (int)(a[3].n > 40 ? 40 : a[3].n), a[3].s);
        if (na == 5 && snum(a[4].s, a[4].n, &v[4]))
            return imp_fail(im, a[4].col, "mremap: bad new address '%.*s'", (int)(a[4].n > 30 ? 30 : a[4].n), a[4].s);
        if (s_dropped(im, VMEX_TC_MREMAP, failed))
            return 0;
        uint64_t old = v[0], oldlen = v[1], newlen = v[2], id;
        int prot = VMEX_PROT_RW, shared = 0, nores = 0;
        uint64_t ohi = old + VMEX_ALIGN_UP(oldlen, IMP_LINUX_PAGE);
        if (oldlen && pc_covered(im, old, ohi, &id)) {
            hrec *r = imp_hfind(im, id);
            if (r)
                prot = r->prot, shared = r->shared, nores = r->noreserve;
        }
        if (oldlen && !(flags & L_MREMAP_DONTUNMAP)) {
            size_t hits;
            if (pc_unmap(im, old, ohi, &hits, a[0].col))
                return -1;
            if (!hits)
                im->a->st.dropped[VMEX_TD_UNKNOWN]++;   /* its munmap half */
        }
        if (newlen == 0)
            return imp_fail(im, a[2].col, "mremap to length 0 succeeded?");
        return s_map(im, res, newlen, prot, shared, nores, 0, a[2].col);
    }
    case VMEX_TC_BRK:
        if (snum(a[0].s, a[0].n, &v[0]))
            return imp_fail(im, a[0].col, "brk: bad address '%.*s'", (int)(a[0].n > 30 ? 30 : a[0].n), a[0].s);
        if (v[0] == 0 && !failed && im->a->brk_init && res != im->a->brk_cur) {
            /* brk(NULL) answered with another break: the pid exec'd (a
             * new program's first call), never heap growth */
            imp_pid_exec(im, im->cur_pid, IMP_AS_BRK, NULL, 0);
            if (imp_pid_space(im, im->cur_pid) < 0)
                return -1;
        }
        if (s_dropped(im, VMEX_TC_BRK, failed))
            return 0;
        return s_brk(im, res);
    }
    return 0;
#undef COL
}
