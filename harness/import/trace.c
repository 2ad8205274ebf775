/*
 * trace.c - the reader of vmex-trace, the format libvmex-record.so writes
 * (documented in import/recorder/record.c): a header line, then one call a
 * line with handles for addresses.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "import/importer.h"

#define IMP_MAX_TOKS 16

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
        return imp_fail(im, t->col, "expected %s", what);
    for (size_t i = 0; i < t->n; i++) {
        unsigned d = (unsigned char)t->s[i] - '0';
        if (d > 9)
            return imp_fail(im, t->col, "bad %s '%.*s' (a decimal number)", what, (int)(t->n > 40 ? 40 : t->n), t->s);
        if (x > (UINT64_MAX - d) / 10)
            return imp_fail(im, t->col, "%s '%.*s' overflows 64 bits", what, (int)(t->n > 40 ? 40 : t->n), t->s);
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

/* ------------------------------------------------------------ vmex-trace */
static int rec_prot(vmex_importer *im, const tok *t, int *prot)
{
    if (t->n != 3 || (t->s[0] != 'r' && t->s[0] != '-') || (t->s[1] != 'w' && t->s[1] != '-') ||
        (t->s[2] != 'x' && t->s[2] != '-'))
        return imp_fail(im, t->col, "bad protection '%.*s' (three characters: rwx, '-' for a missing right)",
                    (int)(t->n > 20 ? 20 : t->n), t->s);
    *prot = imp_prot_of(t->s[0] == 'r', t->s[1] == 'w', t->s[2] == 'x', im);
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
            return imp_fail(im, t->col + (int)i, "unknown mmap flag '%c' (known: p s a f F n P g S h l)", t->s[i]);
        }
    }
    if (type != 1 && type != 2)
        return imp_fail(im, t->col, "mmap flags '%.*s' need exactly one of p (private) and s (shared)",
                    (int)(t->n > 20 ? 20 : t->n), t->s);
    return 0;
}

static int rec_header(vmex_importer *im, const tok *t, int nt)
{
    if (nt < 2 || !teq(&t[0], "vmex-trace"))
        return imp_fail(im, 1, "not a vmex trace: the first line must be 'vmex-trace 1 ...'");
    if (!teq(&t[1], "1"))
        return imp_fail(im, t[1].col, "unsupported vmex-trace version '%.*s' (this vmex reads version 1)",
                    (int)(t[1].n > 20 ? 20 : t[1].n), t[1].s);
    for (int i = 2; i + 1 < nt; i += 2) {
        uint64_t v;
        if (teq(&t[i], "pid")) {
            if (tnum(im, &t[i + 1], &v, "pid"))
                return -1;
            if (v > 2147483647u)   /* pid_t is an int */
                return imp_fail(im, t[i + 1].col, "pid %" PRIu64 " is out of range (a pid is at most 2147483647)", v);
            im->st.pid = (long)v;
        } else if (teq(&t[i], "page")) {
            if (tnum(im, &t[i + 1], &v, "page size"))
                return -1;
            if (!VMEX_IS_POW2(v) || v < 1024 || v > (1u << 20))
                return imp_fail(im, t[i + 1].col, "bad page size %" PRIu64 " (a power of two, 1k to 1m)", v);
            im->page = v;
        } else if (teq(&t[i], "prog")) {
            snprintf(im->st.prog, sizeof im->st.prog, "%.*s", (int)t[i + 1].n, t[i + 1].s);
        }   /* other keys: later versions of the recorder */
    }
    if (nt % 2)
        return imp_fail(im, t[nt - 1].col, "header field '%.*s' has no value", (int)(t[nt - 1].n > 20 ? 20 : t[nt - 1].n),
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
        uint64_t v = 0;   /* a count of the recorder's: past 64 bits it stays at the most (checked: D3) */
        for (size_t k = 0; k < t[i + 1].n && t[i + 1].s[k] >= '0' && t[i + 1].s[k] <= '9'; k++)
            v = v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : v * 10 + (uint64_t)(t[i + 1].s[k] - '0');
        if (teq(&t[i], "unknown-free"))
            im->st.rec_unknown_free = v;
        else if (teq(&t[i], "unknown-munmap"))
            im->st.rec_unknown_munmap = v;
        else if (teq(&t[i], "untracked"))
            im->st.rec_untracked = v;
    }
}

int imp_trace_line(vmex_importer *im, const char *s, size_t n)
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
        return imp_fail(im, 1, "a second header: traces cannot be concatenated (import them one at a time)");
    static const struct { char k; int fields; int call; } kinds[] = {
        {'M', 2, VMEX_TC_MALLOC}, {'c', 3, VMEX_TC_CALLOC}, {'a', 3, VMEX_TC_ALIGNED}, {'r', 3, VMEX_TC_REALLOC},
        {'f', 1, VMEX_TC_FREE},   {'m', 4, VMEX_TC_MMAP},   {'x', 5, VMEX_TC_MMAP},    {'u', 3, VMEX_TC_MUNMAP},
        {'R', 6, VMEX_TC_MREMAP},
    };
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && !(t[0].n == 1 && t[0].s[0] == kinds[k].k))
        k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return imp_fail(im, 1, "unknown call '%.*s' (known: M c a r f m x u R)", (int)(t[0].n > 20 ? 20 : t[0].n),
                    t[0].s);
    char kind = kinds[k].k;
    if (nt - 1 != kinds[k].fields) {
        if (nt - 1 < kinds[k].fields)
            return imp_fail(im, (int)n + 1, "'%c' needs %d fields, this line has %d", kind, kinds[k].fields,
                        nt > IMP_MAX_TOKS ? IMP_MAX_TOKS : nt - 1);
        return imp_fail(im, t[kinds[k].fields + 1].col, "unexpected field after the %d of '%c'", kinds[k].fields,
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
                    return imp_fail(im, t[i].col + (int)c, "unknown mremap flag '%c' (known: m f d, or -)", t[i].s[c]);
            fl.fixed = memchr(t[i].s, 'd', t[i].n) != NULL;   /* dontunmap */
        } else if (is_flags) {
            if (rec_flags(im, &t[i], &fl))
                return -1;
        } else if (tnum(im, &t[i], &v[i - 1], i == 1 ? "handle" : "number")) {
            return -1;
        }
    }
    im->a->st.calls[kinds[k].call]++;
    if (im->a->truncated) {
        im->a->st.dropped[VMEX_TD_TRUNCATED]++;
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
                return imp_fail(im, t[2].col, "calloc size %" PRIu64 " x %" PRIu64 " overflows", v[1], v[2]);
            size = v[1] * v[2];
        }
        if (v[0] == 0) {
            im->a->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (kind == 'a')
            im->a->st.aligned++;
        return imp_blk_new(im, v[0], size, t[1].col, t[kind == 'a' ? 3 : 2].col);
    }
    case 'r': {
        uint64_t old = v[0], nw = v[1], size = v[2];
        if (old && !(r = imp_need_handle(im, old, POOL_B, t[1].col)))
            return -1;
        if (nw == 0) {
            im->a->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (!old) {
            im->a->st.unknown_realloc++;
            return imp_blk_new(im, nw, size, t[2].col, t[3].col);
        }
        if (nw != old && imp_hfind(im, nw))
            return imp_fail(im, t[2].col, "handle %" PRIu64 " is already live", nw);
        if (imp_check_size(im, size, t[3].col, "size"))
            return -1;
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_REALLOC);
        op.src = op.dst = imp_name_id(im, POOL_B, r->slot);
        op.size = size;
        int rc = imp_emit(im, &op);
        if (rc)
            return rc < 0 ? -1 : 0;
        hrec moved = *r;
        imp_live_blocks(im, 0, (int64_t)size - (int64_t)r->size);
        imp_hdel(im, r);
        moved.key = nw;
        moved.size = size;
        return imp_hput(im, &moved) ? 0 : imp_oom(im);
    }
    case 'f': {
        if (!(r = imp_need_handle(im, v[0], POOL_B, t[1].col)))
            return -1;
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_FREE);
        op.src = imp_name_id(im, POOL_B, r->slot);
        int rc = imp_emit(im, &op);
        if (rc)
            return rc < 0 ? -1 : 0;
        return imp_release(im, r);
    }
    case 'm':
        if (v[0] == 0) {
            im->a->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (imp_hfind(im, v[0]))
            return imp_fail(im, t[1].col, "handle %" PRIu64 " is already live", v[0]);
        im->a->st.fixed_moved += (uint64_t)fl.fixed;
        im->a->st.file_maps += (uint64_t)!fl.anon;
        return imp_map_new(im, v[0], v[1], prot, fl.shared, fl.noreserve, fl.populate, t[2].col);
    case 'x':
        if (!(r = imp_need_handle(im, v[0], POOL_M, t[1].col)))
            return -1;
        if (v[2] == 0 || v[1] >= VMEX_ALIGN_UP(r->size, im->page) ||
            v[2] > VMEX_ALIGN_UP(r->size, im->page) - v[1])
            return imp_fail(im, t[2].col, "the fixed range is outside mapping %" PRIu64, v[0]);
        im->a->st.dropped[VMEX_TD_INPLACE]++;
        return 0;
    case 'u':
        if (!(r = imp_need_handle(im, v[0], POOL_M, t[1].col)))
            return -1;
        return imp_map_unmap(im, r, v[1], v[2], t[2].col);
    case 'R': {
        uint64_t old = v[0], off = v[1], oldlen = v[2], nw = v[3], newlen = v[4];
        int oprot = VMEX_PROT_RW, oshared = 0, onores = 0;
        if (old) {
            if (!(r = imp_need_handle(im, old, POOL_M, t[1].col)))
                return -1;
            oprot = r->prot;
            oshared = r->shared;
            onores = r->noreserve;
        }
        if (nw == 0) {
            im->a->st.dropped[VMEX_TD_FAILED]++;
            return 0;
        }
        if (nw != old && imp_hfind(im, nw))
            return imp_fail(im, t[4].col, "handle %" PRIu64 " is already live", nw);
        if (old && oldlen && !fl.fixed && imp_map_unmap(im, r, off, oldlen, t[2].col))
            return -1;
        if (imp_hfind(im, nw))
            return imp_fail(im, t[4].col, "handle %" PRIu64 " is still live after the mremap", nw);
        return imp_map_new(im, nw, newlen, oprot, oshared, onores, 0, t[5].col);
    }
    }
    return 0;
}
