/*
 * program.c - the program (config, ops, name table): its lifecycle,
 * comparison, and the names of every enum a program or a run uses (those
 * of the ops and the classes generated from core/ops.def and
 * core/classes.def).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* table[i], or "?" for an index outside the table or a hole in it */
#define NAMEOF(table, i) \
    ((i) >= 0 && (size_t)(i) < sizeof table / sizeof table[0] && table[i] ? table[i] : "?")

/* core/ops.def, as a table by kind */
static const struct opinfo {
    const char *name;
    uint8_t binds, uses, places;
} ops[VMEX_OP__COUNT] = {
#define OP_INFO(E, name, binds, uses, places) [VMEX_OP_##E] = {name, binds, uses, places},
    VMEX_OPS(OP_INFO)
#undef OP_INFO
};

static int op_known(int kind)
{
    return kind >= 0 && kind < VMEX_OP__COUNT;
}

const char *vmex_opkind_name(int kind)
{
    return op_known(kind) ? ops[kind].name : "?";
}

int vmex_opkind_parse(const char *s)
{
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        if (strcmp(s, ops[k].name) == 0)
            return k;
    return -1;
}

int vmex_op_binds(int kind)
{
    return op_known(kind) && ops[kind].binds;
}

int vmex_op_uses(int kind)
{
    return op_known(kind) && ops[kind].uses;
}

int vmex_op_places(int kind)
{
    return op_known(kind) && ops[kind].places;
}

const char *vmex_prot_name(int prot)
{
    static const char *const t[] = {
        [VMEX_PROT_RW] = "rw", [VMEX_PROT_NONE] = "none", [VMEX_PROT_R] = "r", [VMEX_PROT_RX] = "rx",
    };
    return NAMEOF(t, prot);
}

const char *vmex_metric_name(int m)
{
    static const char *const t[VMEX_M__COUNT] = {
        [VMEX_M_FREE] = "free", [VMEX_M_LARGEST] = "largest",
        [VMEX_M_MAPPED] = "mapped", [VMEX_M_FOOTPRINT] = "footprint",
    };
    return NAMEOF(t, m);
}

/* core/classes.def, as a table by class */
static const char *const class_names[VMEX_CLASS__COUNT] = {
#define CLASS_NAME(E, id, name, desc) [VMEX_##E] = name,
    VMEX_CLASSES(CLASS_NAME)
#undef CLASS_NAME
};

const char *vmex_class_name(int c)
{
    return NAMEOF(class_names, c);
}

int vmex_class_parse(const char *s)
{
    for (int i = 0; i < VMEX_CLASS__COUNT; i++)
        if (strcmp(s, class_names[i]) == 0)
            return i;
    return -1;
}

const char *vmex_reason_text(int why)
{
    static const char *const t[VMEX_WHY__COUNT] = {
        [VMEX_WHY_NONE] = "none",
        [VMEX_WHY_NOSPACE] = "no hole fits",
        [VMEX_WHY_OCCUPIED] = "range occupied",
        [VMEX_WHY_RANGE] = "outside the map or unaligned",
        [VMEX_WHY_JIT] = "MAP_JIT needs the dynamic-codesigning entitlement",
        [VMEX_WHY_UNBOUND] = "handle is unbound",
        [VMEX_WHY_KIND] = "wrong handle kind",
        [VMEX_WHY_NOTMAPPED] = "range not mapped",
        [VMEX_WHY_BADRANGE] = "range outside the handle",
        [VMEX_WHY_CHECK] = "check failed",
        [VMEX_WHY_JETSAM] = "footprint passed the jetsam limit",
        [VMEX_WHY_ERRNO] = "failed with an errno other than ENOMEM",
        [VMEX_WHY_CRASH] = "the executor died",
        [VMEX_WHY_HANG] = "the executor hung",
        [VMEX_WHY_JIT_ONCE] = "a second MAP_JIT mapping (one per process before iOS 14)",
        [VMEX_WHY_RANGEERROR] = "JavaScript threw a RangeError (out of memory)",
        [VMEX_WHY_THROW] = "JavaScript threw an exception",
        [VMEX_WHY_TARGET] = "a JavaScriptCore op runs on target jsc only",
        [VMEX_WHY_JIT_FLAGS] = "MAP_JIT with MAP_FIXED or MAP_SHARED (EINVAL)",
    };
    return NAMEOF(t, why);
}

const char *vmex_region_name(int kind)
{
    static const char *const t[VMEX_R__COUNT] = {
        [VMEX_R_APP] = "app", [VMEX_R_MALLOC] = "malloc", [VMEX_R_BINARY] = "binary",
        [VMEX_R_DYLD] = "dyld", [VMEX_R_STACK] = "stack", [VMEX_R_SHARED] = "shared-region",
        [VMEX_R_NANO] = "nano", [VMEX_R_GUARD] = "guard",
    };
    return NAMEOF(t, kind);
}

/* ---------------------------------------------------------------- program */

void vmex_op_init(vmex_op *op, int kind)
{
    memset(op, 0, sizeof *op);
    op->kind = (uint8_t)kind;
    op->dst = op->src = -1;
}

void vmex_program_init(vmex_program *p)
{
    memset(p, 0, sizeof *p);
    p->expect = -1;
    p->expect_at = -1;
}

void vmex_program_free(vmex_program *p)
{
    free(p->ops);
    free(p->names);
    free(p->name_index);
    vmex_program_init(p);
}

void vmex_program_reset(vmex_program *p)
{
    memset(&p->cfg, 0, sizeof p->cfg);
    p->nops = 0;
    p->nnames = 0;
    if (p->name_index)
        memset(p->name_index, 0, (size_t)p->name_index_cap * sizeof *p->name_index);
    p->expect = -1;
    p->expect_at = -1;
}

/* Make room for `need` elements of `size` bytes in *arr (capacity *cap),
 * doubling.  0 or -1. */
static int grow(void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    uint32_t c = *cap ? *cap : 16;
    while (c < need)
        c = c > UINT32_MAX / 2 ? need : c * 2;
    void *a = realloc(*arr, (size_t)c * size);
    if (!a)
        return -1;
    *arr = a;
    *cap = c;
    return 0;
}

/* FNV-1a */
static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h;
}

static void index_put(vmex_program *p, uint32_t id)
{
    uint32_t mask = p->name_index_cap - 1, h = name_hash(p->names[id]) & mask;
    while (p->name_index[h])
        h = (h + 1) & mask;
    p->name_index[h] = id + 1;
}

/* Keep the name index at most half full: grow and rehash every name when
 * needed, else add the newest name.  An empty index (cap 0) is rebuilt
 * whole.  0 or -1. */
static int index_build(vmex_program *p)
{
    if (p->nnames * 2 <= p->name_index_cap) {
        if (p->nnames)
            index_put(p, p->nnames - 1);   /* callers add one new name at a time */
        return 0;
    }
    uint32_t cap = p->name_index_cap ? p->name_index_cap : 64;
    while (cap < p->nnames * 2)
        cap *= 2;
    uint32_t *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return -1;
    free(p->name_index);
    p->name_index = idx;
    p->name_index_cap = cap;
    for (uint32_t i = 0; i < p->nnames; i++)
        index_put(p, i);
    return 0;
}

int vmex_program_copy(vmex_program *dst, const vmex_program *src)
{
    if (dst == src)
        return 0;
    if (grow((void **)&dst->ops, &dst->ops_cap, src->nops, sizeof *src->ops) < 0 ||
        grow((void **)&dst->names, &dst->names_cap, src->nnames, sizeof *src->names) < 0)
        return -1;
    dst->cfg = src->cfg;
    if (src->nops)
        memcpy(dst->ops, src->ops, (size_t)src->nops * sizeof *src->ops);
    if (src->nnames)
        memcpy(dst->names, src->names, (size_t)src->nnames * sizeof *src->names);
    dst->nops = src->nops;
    dst->nnames = src->nnames;
    free(dst->name_index);
    dst->name_index = NULL;
    dst->name_index_cap = 0;
    if (index_build(dst) < 0)
        return -1;
    dst->expect = src->expect;
    dst->expect_at = src->expect_at;
    return 0;
}

int vmex_program_add(vmex_program *p, const vmex_op *op)
{
    if (p->nops >= VMEX_MAX_OPS ||
        grow((void **)&p->ops, &p->ops_cap, p->nops + 1, sizeof *p->ops) < 0)
        return -1;
    p->ops[p->nops] = *op;
    return (int)p->nops++;
}

int vmex_program_find_name(const vmex_program *p, const char *name)
{
    if (!p->name_index_cap)
        return -1;
    uint32_t mask = p->name_index_cap - 1;
    for (uint32_t h = name_hash(name) & mask;; h = (h + 1) & mask) {
        uint32_t e = p->name_index[h];
        if (!e)
            return -1;
        if (strcmp(p->names[e - 1], name) == 0)
            return (int)(e - 1);
    }
}

int vmex_program_name(vmex_program *p, const char *name)
{
    int id = vmex_program_find_name(p, name);
    if (id >= 0)
        return id;
    size_t n = strlen(name);
    if (n == 0 || n >= VMEX_NAME_MAX || p->nnames >= INT32_MAX ||
        grow((void **)&p->names, &p->names_cap, p->nnames + 1, sizeof *p->names) < 0)
        return -1;
    memcpy(p->names[p->nnames], name, n + 1);
    p->nnames++;
    if (index_build(p) < 0) {
        p->nnames--;
        return -1;
    }
    return (int)p->nnames - 1;
}

/* The string of name id `id`, NULL for -1 or an id outside the table. */
static const char *name_str(const vmex_program *p, int32_t id)
{
    return id >= 0 && (uint32_t)id < p->nnames ? p->names[id] : NULL;
}

static int same_name(const vmex_program *a, int32_t ia, const vmex_program *b, int32_t ib)
{
    const char *sa = name_str(a, ia), *sb = name_str(b, ib);
    if (!sa || !sb)
        return !sa && !sb && ia == ib;
    return strcmp(sa, sb) == 0;
}

int vmex_program_equal(const vmex_program *a, const vmex_program *b)
{
    const vmex_config *ca = &a->cfg, *cb = &b->cfg;
    if (ca->target != cb->target || strncmp(ca->profile, cb->profile, sizeof ca->profile) != 0 ||
        ca->ents != cb->ents || ca->set_mask != cb->set_mask)
        return 0;
    for (int k = 0; k < VMEX_SET__COUNT; k++)
        if ((ca->set_mask >> k & 1) && ca->set[k] != cb->set[k])
            return 0;
    if (a->nops != b->nops || a->expect != b->expect || a->expect_at != b->expect_at)
        return 0;
    for (uint32_t i = 0; i < a->nops; i++) {
        const vmex_op *x = &a->ops[i], *y = &b->ops[i];
        if (x->kind != y->kind || x->prot != y->prot || x->tag != y->tag ||
            x->metric != y->metric || x->cmp != y->cmp || x->flags != y->flags ||
            x->size != y->size || x->addr != y->addr || x->align != y->align ||
            x->off != y->off || x->len != y->len ||
            !same_name(a, x->dst, b, y->dst) || !same_name(a, x->src, b, y->src))
            return 0;
    }
    return 1;
}
