/*
 * text.c - the .vmex text format: a line-based parser with precise
 * line:column errors (fuzzed: it must survive any input), and the printer
 * of the canonical form, which parses back to an equal program.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/file.h"
#include "lang/lex.h"

#define FILE_LIMIT (64u << 20)          /* vmex_parse_file reads at most this */
#define SHOW       48                   /* a token in a message is cut here */

typedef vmex_tok tok;

typedef struct parser {
    vmex_lexer lx;                      /* line, tokens, errors */
    vmex_program *p;
    int have_version, body, have_target, have_profile;
    int expect_line, expect_col;
    uint64_t expect_at;                 /* UINT64_MAX when not given */
} parser;

/* A token for "%.*s", cut to SHOW bytes. */
#define TQ(t) ((t)->len > SHOW ? SHOW : (t)->len), (t)->s

/* the lexer's reporting (lex.h), under this parser's short names */
#define fail       lx_fail
#define need       lx_need
#define unexpected lx_unexpected
#define endcol     lx_endcol
#define tokeq      vmex_tok_is

static int number(parser *ps, int i, uint64_t *v)
{
    const tok *t = &ps->lx.t[i];
    int r = vmex_parse_number(t->s, (size_t)t->len, v);
    if (r == -1)
        return fail(ps, t->col, "bad number '%.*s'", TQ(t));
    if (r == -2)
        return fail(ps, t->col, *v ? "value too large (the limit is 256t)" : "number overflows 64 bits");
    return 0;
}

/* A SIZE that must be > 0 (what: "size", "length"). */
static int positive(parser *ps, int i, uint64_t *v, const char *what)
{
    if (number(ps, i, v) < 0)
        return -1;
    return *v ? 0 : fail(ps, ps->lx.t[i].col, "%s must be greater than 0", what);
}

/* ---------------------------------------------------------------- names */

static int check_name(parser *ps, const tok *t)
{
    for (int i = 0; i < t->len; i++) {
        char c = t->s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')))
            return fail(ps, t->col, "bad name '%.*s'", TQ(t));
    }
    if (t->len >= VMEX_NAME_MAX)
        return fail(ps, t->col, "name too long (the limit is %d chars)", VMEX_NAME_MAX - 1);
    return 0;
}

/* The id of an already bound name, or -1. */
static int lookup(parser *ps, const char *s)
{
    return vmex_program_find_name(ps->p, s);
}

/* Bind a (checked) name: its id, new or existing; -1 without memory. */
static int bind(parser *ps, const char *s)
{
    return vmex_program_name(ps->p, s);
}

/* Token i names a handle bound by an earlier line: its id in *id. */
static int use_name(parser *ps, int i, const char *what, int32_t *id)
{
    if (need(ps, i, what, "a NAME") < 0 || check_name(ps, &ps->lx.t[i]) < 0)
        return -1;
    int n = lookup(ps, ps->lx.t[i].s);
    if (n < 0)
        return fail(ps, ps->lx.t[i].col, "unknown name '%.*s'", TQ(&ps->lx.t[i]));
    *id = n;
    return 0;
}

/* ---------------------------------------------------------------- header */

/* The one place that decides which targets this build can run. */
static int target_supported(int t)
{
    return t >= 0 && t < VMEX_TARGET__COUNT;
}

/* A header line that must agree with the target: the target line comes first. */
static int for_target(parser *ps, const tok *t, int ok, const char *what)
{
    if (ok) return 0;
    return fail(ps, t->col, "%s does not apply to target %s%s", what, vmex_target_name(ps->p->cfg.target),
                vmex_target_has(ps->p->cfg.target, VMEX_CAP_DEVICE) ? " (write 'target linux' or 'target linux-model' first)"
                                                     : " (it is an xnu setting)");
}

static int header_line(parser *ps)
{
    tok *t = ps->lx.t;
    vmex_config *cfg = &ps->p->cfg;
    const char *kw = t[0].s;

    if (ps->body)
        return fail(ps, t[0].col, "header line '%s' after the first op", kw);
    if (need(ps, 1, kw, tokeq(&t[0], "set") ? "a KEY and a VALUE" : "a NAME") < 0)
        return -1;
    int n = 2;
    if (tokeq(&t[0], "target")) {
        if (ps->have_target)
            return fail(ps, t[0].col, "duplicate 'target' line");
        int k = 0;
        while (k < VMEX_TARGET__COUNT && !tokeq(&t[1], vmex_target_name(k)))
            k++;
        if (k == VMEX_TARGET__COUNT)
            return fail(ps, t[1].col, "unknown target '%.*s' (xnu, linux-model, linux)", TQ(&t[1]));
        if (!target_supported(k))
            return fail(ps, t[1].col, "target '%s' is not supported yet", t[1].s);
        if (!vmex_target_has(k, VMEX_CAP_DEVICE) && (ps->have_profile || cfg->ents || cfg->set_mask))
            return fail(ps, t[0].col, "'target' must come before profile, entitlement and set lines");
        cfg->target = (uint8_t)k;
        ps->have_target = 1;
    } else if (tokeq(&t[0], "profile")) {
        if (ps->have_profile)
            return fail(ps, t[0].col, "duplicate 'profile' line");
        if (for_target(ps, &t[0], vmex_target_has(cfg->target, VMEX_CAP_DEVICE), "'profile'") < 0)
            return -1;
        if ((size_t)t[1].len >= sizeof cfg->profile || !vmex_profile_valid(t[1].s))
            return fail(ps, t[1].col, "unknown profile '%.*s' (see 'vmex profiles')", TQ(&t[1]));
        memcpy(cfg->profile, t[1].s, (size_t)t[1].len + 1);
        ps->have_profile = 1;
    } else if (tokeq(&t[0], "entitlement")) {
        uint32_t bit;
        if (for_target(ps, &t[0], vmex_target_has(cfg->target, VMEX_CAP_DEVICE), "'entitlement'") < 0)
            return -1;
        if (vmex_ent_parse(t[1].s, &bit) < 0) {
            char known[160] = "";
            for (int k = 0; k < VMEX_ENT__COUNT; k++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                         k ? ", " : "", vmex_ent_name(k));
            return fail(ps, t[1].col, "unknown entitlement '%.*s' (known: %s)", TQ(&t[1]), known);
        }
        cfg->ents |= bit;
    } else { /* set */
        int key = vmex_set_lookup(t[1].s);
        uint64_t v;
        if (key < 0 || key >= VMEX_SET__COUNT)
            return fail(ps, t[1].col, "unknown setting '%.*s'", TQ(&t[1]));
        if (cfg->set_mask >> key & 1)
            return fail(ps, t[1].col, "duplicate setting '%s'", t[1].s);
        char what[48];
        snprintf(what, sizeof what, "set %s", vmex_set_name(key));
        if (for_target(ps, &t[1], vmex_set_applies(key, cfg->target), what) < 0)
            return -1;
        if (need(ps, 2, "set", "a KEY and a VALUE") < 0)
            return -1;
        ps->lx.err->msg[0] = '\0';
        if (vmex_set_parse(key, t[2].s, &v, ps->lx.err) < 0) {
            if (!ps->lx.err->msg[0])
                fail(ps, 0, "bad value '%.*s' for '%s'", TQ(&t[2]), t[1].s);
            ps->lx.err->line = ps->lx.line;
            ps->lx.err->col = t[2].col;
            return -1;
        }
        cfg->set[key] = v;
        cfg->set_mask |= 1u << key;
        n = 3;
    }
    return n < ps->lx.nt ? unexpected(ps, n) : 0;
}

/* ---------------------------------------------------------------- ops */

static const char *const opt_names[] = {"hint", "fixed", "align", "tag", "prot", "noreserve", "jit", "shared", "try"};
static const uint16_t opt_flags[] = {VMEX_F_HINT, VMEX_F_FIXED, VMEX_F_ALIGN, VMEX_F_TAG,
                                     VMEX_F_PROT, VMEX_F_NORESERVE, VMEX_F_JIT, VMEX_F_SHARED, VMEX_F_TRY};
#define NOPTS ((int)(sizeof opt_flags / sizeof opt_flags[0]))

/* The options of mmap and vm_allocate, from token i to the end. */
static int options(parser *ps, int i, vmex_op *op)
{
    const char *opname = vmex_opkind_name(op->kind);
    unsigned allowed = op->kind == VMEX_OP_MMAP ? 0xffffu : VMEX_F_FIXED | VMEX_F_ALIGN | VMEX_F_TAG | VMEX_F_TRY;

    while (i < ps->lx.nt) {
        const tok *t = &ps->lx.t[i];
        int o = 0;
        while (o < NOPTS && !tokeq(t, opt_names[o]))
            o++;
        if (o == NOPTS)
            return unexpected(ps, i);
        unsigned f = opt_flags[o];
        if (!(allowed & f))
            return fail(ps, t->col, "option '%s' does not apply to %s", t->s, opname);
        if (op->flags & f)
            return fail(ps, t->col, "duplicate option '%s'", t->s);
        if ((f & (VMEX_F_HINT | VMEX_F_FIXED)) && (op->flags & (VMEX_F_HINT | VMEX_F_FIXED)))
            return fail(ps, t->col, "'hint' and 'fixed' are exclusive");
        op->flags |= (uint16_t)f;
        i++;
        if (f & (VMEX_F_NORESERVE | VMEX_F_JIT | VMEX_F_SHARED | VMEX_F_TRY))
            continue;
        if (need(ps, i, t->s, "a value") < 0)
            return -1;
        const tok *v = &ps->lx.t[i];
        uint64_t x = 0;
        if (f == VMEX_F_PROT) {
            int k = 0;
            while (k < 4 && !tokeq(v, vmex_prot_name(k)))
                k++;
            if (k == 4)
                return fail(ps, v->col, "unknown prot '%.*s' (none, r, rw, rx)", TQ(v));
            op->prot = (uint8_t)k;
        } else if (number(ps, i, &x) < 0) {
            return -1;
        } else if (f == VMEX_F_ALIGN) {
            if (!VMEX_IS_POW2(x))
                return fail(ps, v->col, "align must be a power of two");
            op->align = x;
        } else if (f == VMEX_F_TAG) {
            if (x > 255)
                return fail(ps, v->col, "tag must be 0..255");
            op->tag = (uint8_t)x;
        } else {
            op->addr = x;
        }
        i++;
    }
    return 0;
}

static int op_line(parser *ps)
{
    tok *t = ps->lx.t;
    vmex_program *p = ps->p;
    int i = 0, kind = 0;
    const tok *name = NULL;
    vmex_op op;

    if (ps->lx.nt >= 2 && tokeq(&t[1], "=")) {
        name = &t[0];
        i = 2;
        if (i >= ps->lx.nt)
            return fail(ps, endcol(ps, i), "expected an op after '='");
    }
    if (name && check_name(ps, name) < 0)
        return -1;
    while (kind < VMEX_OP__COUNT && !tokeq(&t[i], vmex_opkind_name(kind)))
        kind++;
    if (kind == VMEX_OP__COUNT)
        return fail(ps, t[i].col, "unknown op '%.*s'", TQ(&t[i]));
    const char *opname = t[i].s;
    if (name && !vmex_op_binds(kind))
        return fail(ps, name->col, "%s does not bind a name", opname);
    if (p->nops >= VMEX_MAX_OPS)
        return fail(ps, t[i].col, "too many ops (the limit is %u)", VMEX_MAX_OPS);
    vmex_op_init(&op, kind);
    op.line = (uint32_t)ps->lx.line;
    i++;

    switch (kind) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE:
        if (need(ps, i, opname, "a SIZE") < 0 || positive(ps, i, &op.size, "size") < 0 ||
            options(ps, i + 1, &op) < 0)
            return -1;
        i = ps->lx.nt;
        break;
    case VMEX_OP_REALLOC:
        if (use_name(ps, i++, opname, &op.src) < 0)
            return -1;
        /* fall through */
    case VMEX_OP_MALLOC:
        if (need(ps, i, opname, "a SIZE") < 0 || number(ps, i++, &op.size) < 0)
            return -1;
        if (i < ps->lx.nt && tokeq(&t[i], "try")) {
            op.flags |= VMEX_F_TRY;
            i++;
        }
        break;
    case VMEX_OP_FREE:
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        if (use_name(ps, i++, opname, &op.src) < 0)
            return -1;
        if (kind == VMEX_OP_FREE || i >= ps->lx.nt)
            break;
        if (number(ps, i++, &op.off) < 0 || need(ps, i, opname, "a LENGTH after the OFFSET") < 0 ||
            positive(ps, i++, &op.len, "length") < 0)
            return -1;
        op.flags |= VMEX_F_RANGE;
        break;
    case VMEX_OP_CHECK:
        if (need(ps, i, opname, "a METRIC (free, largest, mapped, footprint)") < 0)
            return -1;
        while (op.metric < VMEX_M__COUNT && !tokeq(&t[i], vmex_metric_name(op.metric)))
            op.metric++;
        if (op.metric == VMEX_M__COUNT)
            return fail(ps, t[i].col, "unknown metric '%.*s' (free, largest, mapped, footprint)", TQ(&t[i]));
        if (need(ps, ++i, opname, "'>=' or '<='") < 0)
            return -1;
        if (tokeq(&t[i], ">=") || tokeq(&t[i], "<="))
            op.cmp = t[i].s[0] == '>' ? VMEX_CMP_GE : VMEX_CMP_LE;
        else
            return fail(ps, t[i].col, "expected '>=' or '<=', not '%.*s'", TQ(&t[i]));
        if (need(ps, ++i, opname, "a SIZE") < 0 || number(ps, i++, &op.size) < 0)
            return -1;
        break;
    }
    if (i < ps->lx.nt)
        return unexpected(ps, i);
    if ((name && (op.dst = bind(ps, name->s)) < 0) || vmex_program_add(p, &op) < 0) {
        fail(ps, name && op.dst < 0 ? name->col : 1, "out of memory");
        ps->lx.err->code = VMEX_E_NOMEM;
        return -1;
    }
    return 0;
}

static int expect_line(parser *ps)
{
    tok *t = ps->lx.t;
    if (ps->expect_line)
        return fail(ps, t[0].col, "duplicate expect line (the first is on line %d)", ps->expect_line);
    if (need(ps, 1, "expect", "a CLASS (" VMEX_CLASS_LIST ")") < 0)
        return -1;
    int cls = vmex_class_parse(t[1].s);
    if (cls < 0)
        return fail(ps, t[1].col, "unknown class '%.*s' (" VMEX_CLASS_LIST ")", TQ(&t[1]));
    int i = 2;
    if (i < ps->lx.nt && tokeq(&t[i], "at")) {
        if (need(ps, ++i, "'at'", "an op index") < 0)
            return -1;
        uint64_t v = 0;
        for (const char *s = t[i].s; *s; s++) {
            if (*s < '0' || *s > '9')
                return fail(ps, t[i].col, "bad op index '%.*s'", TQ(&t[i]));
            if (v > (UINT64_MAX - 9) / 10)
                return fail(ps, t[i].col, "number overflows 64 bits");
            v = v * 10 + (uint64_t)(*s - '0');
        }
        ps->expect_at = v;
        ps->expect_col = t[i++].col;
    }
    if (i < ps->lx.nt)
        return unexpected(ps, i);
    ps->p->expect = (int8_t)cls;
    ps->expect_line = ps->lx.line;
    return 0;
}

static int parse_line(parser *ps)
{
    tok *t = ps->lx.t;
    if (!ps->have_version) {
        ps->have_version = 1;
        return _vmex_lex_version(&ps->lx, "vmex", "version 1");
    }
    if (ps->lx.nt >= 2 && tokeq(&t[1], "=")) {
        ps->body = 1;
        return op_line(ps);
    }
    if (tokeq(&t[0], "vmex"))
        return fail(ps, t[0].col, "duplicate 'vmex' line");
    if (tokeq(&t[0], "target") || tokeq(&t[0], "profile") || tokeq(&t[0], "entitlement") ||
        tokeq(&t[0], "set"))
        return header_line(ps);
    ps->body = 1;
    return tokeq(&t[0], "expect") ? expect_line(ps) : op_line(ps);
}

static int on_line(void *ctx) { return parse_line(ctx); }

int vmex_parse(const char *text, size_t len, const char *file, vmex_program *out, vmex_error *err)
{
    parser *ps = calloc(1, sizeof *ps);
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    vmex_program_reset(out);
    if (!ps)
        return vmex_error_nomem(err);
    ps->p = out;
    ps->lx.err = err;
    ps->lx.show = SHOW;
    ps->expect_at = UINT64_MAX;

    int rc = _vmex_lex(&ps->lx, text, len, on_line, ps);
    if (rc == 0 && !ps->have_version) {
        ps->lx.line = 1;
        rc = fail(ps, 1, "empty program: expected 'vmex 1'");
    }
    if (rc == 0 && ps->expect_at != UINT64_MAX) {
        if (ps->expect_at >= out->nops) {
            ps->lx.line = ps->expect_line;
            rc = fail(ps, ps->expect_col, "expect %s at %llu, but the program has only %u ops",
                      vmex_class_name(out->expect), (unsigned long long)ps->expect_at, out->nops);
        } else {
            out->expect_at = (int32_t)ps->expect_at;
        }
    }
    free(ps);
    if (rc < 0)
        vmex_program_reset(out);
    return rc;
}

int vmex_parse_file(const char *path, vmex_program *out, vmex_error *err)
{
    char *data;
    size_t len;
    if (vmex_file_read(path, FILE_LIMIT, &data, &len, err)) {
        vmex_program_reset(out);
        return -1;
    }
    int rc = vmex_parse(data, len, path, out, err);
    free(data);
    return rc;
}

/* ---------------------------------------------------------------- printing */

/* A comment's text, kept on one line and inside the bytes the parser takes. */
static int put_comment(vmex_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        char o = c == '\n' ? ' ' : ((c < 0x20 && c != '\t') || c >= 0x7f) ? '?' : (char)c;
        if (vmex_buf_put(b, &o, 1) < 0)
            return -1;
    }
    return 0;
}

static int put_size(vmex_buf *b, const char *pre, uint64_t v)
{
    char s[32];
    vmex_format_size(v, s, sizeof s);
    return vmex_buf_printf(b, "%s%s", pre, s);
}

static const char *name_of(const vmex_program *p, int32_t id)
{
    return id >= 0 && (uint32_t)id < p->nnames ? p->names[id] : NULL;
}

int vmex_print_op(const vmex_program *p, const vmex_op *op, vmex_buf *out)
{
    int k = op->kind, r = 0;
    unsigned f = op->flags;
    const char *dst = name_of(p, op->dst), *src = name_of(p, op->src);

    if (k >= VMEX_OP__COUNT || (vmex_op_uses(k) && !src) || (op->dst >= 0 && !dst))
        return -1;
    if (dst && vmex_op_binds(k))
        r |= vmex_buf_printf(out, "%s = ", dst);
    r |= vmex_buf_printf(out, "%s", vmex_opkind_name(k));
    if (vmex_op_uses(k))
        r |= vmex_buf_printf(out, " %s", src);
    switch (k) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE:
        r |= put_size(out, " ", op->size);
        if (f & VMEX_F_FIXED)
            r |= vmex_buf_printf(out, " fixed 0x%llx", (unsigned long long)op->addr);
        else if ((f & VMEX_F_HINT) && k == VMEX_OP_MMAP)
            r |= vmex_buf_printf(out, " hint 0x%llx", (unsigned long long)op->addr);
        if (f & VMEX_F_ALIGN)
            r |= put_size(out, " align ", op->align);
        if (f & VMEX_F_TAG)
            r |= vmex_buf_printf(out, " tag %u", op->tag);
        if (k != VMEX_OP_MMAP) {
            if (f & VMEX_F_TRY)
                r |= vmex_buf_printf(out, " try");
            break;
        }
        if (f & VMEX_F_PROT)
            r |= vmex_buf_printf(out, " prot %s", vmex_prot_name(op->prot));
        if (f & VMEX_F_NORESERVE)
            r |= vmex_buf_printf(out, " noreserve");
        if (f & VMEX_F_JIT)
            r |= vmex_buf_printf(out, " jit");
        if (f & VMEX_F_SHARED)
            r |= vmex_buf_printf(out, " shared");
        if (f & VMEX_F_TRY)
            r |= vmex_buf_printf(out, " try");
        break;
    case VMEX_OP_MALLOC:
    case VMEX_OP_REALLOC:
        r |= put_size(out, " ", op->size);
        if (f & VMEX_F_TRY)
            r |= vmex_buf_printf(out, " try");
        break;
    case VMEX_OP_MUNMAP:
    case VMEX_OP_TOUCH:
        if (f & VMEX_F_RANGE) {
            r |= put_size(out, " ", op->off);
            r |= put_size(out, " ", op->len);
        }
        break;
    case VMEX_OP_CHECK:
        r |= vmex_buf_printf(out, " %s %s", vmex_metric_name(op->metric),
                             op->cmp == VMEX_CMP_LE ? "<=" : ">=");
        r |= put_size(out, " ", op->size);
        break;
    }
    return r ? -1 : 0;
}

int vmex_print(const vmex_program *p, vmex_buf *out, const char *header,
               vmex_comment_fn op_comment, void *ctx)
{
    const vmex_config *c = &p->cfg;
    int r = 0;

    for (const char *h = header; h && *h;) {
        const char *nl = strchr(h, '\n');
        size_t n = nl ? (size_t)(nl - h) : strlen(h);
        r |= vmex_buf_put(out, "# ", n ? 2 : 1);
        r |= put_comment(out, h, n);
        r |= vmex_buf_put(out, "\n", 1);
        h += n + (nl != NULL);
    }
    r |= vmex_buf_printf(out, "vmex 1\ntarget %s\n", vmex_target_name(c->target));
    if (c->profile[0])
        r |= vmex_buf_printf(out, "profile %.*s\n", (int)sizeof c->profile, c->profile);
    for (int k = 0; k < VMEX_ENT__COUNT; k++)
        if (c->ents >> k & 1)
            r |= vmex_buf_printf(out, "entitlement %s\n", vmex_ent_name(k));
    for (int k = 0; k < VMEX_SET__COUNT; k++) {
        if (c->set_mask >> k & 1) {
            char v[64];
            vmex_set_format(k, c->set[k], v, sizeof v);
            r |= vmex_buf_printf(out, "set %s %s\n", vmex_set_name(k), v);
        }
    }
    if (p->nops || p->expect >= 0)
        r |= vmex_buf_put(out, "\n", 1);
    for (uint32_t i = 0; i < p->nops && !r; i++) {
        const char *cm = op_comment ? op_comment(ctx, i) : NULL;
        r |= vmex_print_op(p, &p->ops[i], out);
        if (cm) {
            r |= vmex_buf_put(out, "  # ", 4);
            r |= put_comment(out, cm, strlen(cm));
        }
        r |= vmex_buf_put(out, "\n", 1);
    }
    if (p->expect >= 0) {
        r |= vmex_buf_printf(out, "expect %s", vmex_class_name(p->expect));
        if (p->expect_at >= 0)
            r |= vmex_buf_printf(out, " at %d", (int)p->expect_at);
        r |= vmex_buf_put(out, "\n", 1);
    }
    return r ? -1 : 0;
}
