/*
 * recon_map.c - the regions of a crash report placed in the reconstructed
 * program (recon.h): the VM region info regions at their real addresses,
 * then one mapping per region of the VM summary, tagged by its type and
 * placed as the allocator that owns the type would place it, largest
 * first (the order most favourable to the app, so a failure is not an
 * artefact of the order).  The summary gives no addresses: every such
 * mapping is an estimate, and its op comment says so.
 */
#include "core/core.h"
#include "import/recon.h"
#include "model/model.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIN_STACK (1ull << 20)       /* the layout's main-thread stack (model/ios.c) */
#define ROW_CAP 256                   /* mappings one VM summary row becomes, at most */

/* ------------------------------------------------------------ region types */
/* Who owns the memory of a VM summary type, and so how it is placed. */
enum owner {
    O_UNKNOWN = 0, O_IMAGE, O_PRISTINE, O_NOT_VA, O_MALLOC, O_STACK, O_VMALLOC, O_TAGGED, O_FILE, O_SHM
};

/* The type names vmmap and crash reports print for the VM tags of
 * osfmk/mach/vm_statistics.h (VM_MEMORY_*), with the tag. */
static const struct { const char *name; uint8_t owner, tag; } types[] = {
    {"MALLOC", O_MALLOC, 1}, {"MALLOC metadata", O_MALLOC, 1}, {"MALLOC guard page", O_MALLOC, 1},
    {"MALLOC_TINY", O_MALLOC, 7}, {"MALLOC_SMALL", O_MALLOC, 2}, {"MALLOC_LARGE", O_MALLOC, 3},
    {"MALLOC_LARGE (reusable)", O_MALLOC, 8}, {"MALLOC_LARGE metadata", O_MALLOC, 3},
    {"MALLOC_MEDIUM", O_MALLOC, 12}, {"MALLOC_NANO", O_PRISTINE, 11},
    {"Stack", O_STACK, 30}, {"STACK GUARD", O_STACK, 31}, {"Stack Guard", O_STACK, 31},
    {"VM_ALLOCATE", O_VMALLOC, 0}, {"mapped file", O_FILE, 0}, {"shared memory", O_SHM, 0},
    {"page table in kernel", O_NOT_VA, 0}, {"owned unmapped memory", O_NOT_VA, 0},
    {"unused but dirty shlib __DATA", O_IMAGE, 0}, {"dyld private memory", O_TAGGED, 60},
    {"Mach message", O_TAGGED, 20}, {"IOKit", O_TAGGED, 21}, {"Foundation", O_TAGGED, 41},
    {"CoreGraphics", O_TAGGED, 42}, {"CoreServices", O_TAGGED, 43}, {"CoreData", O_TAGGED, 45},
    {"CoreData Object IDs", O_TAGGED, 46}, {"CoreAnimation", O_TAGGED, 51}, {"CG image", O_TAGGED, 52},
    {"WebKit Malloc", O_TAGGED, 53}, {"CG raster data", O_TAGGED, 54}, {"CG shared images", O_TAGGED, 55},
    {"SQLite page cache", O_TAGGED, 62}, {"JavaScriptCore", O_TAGGED, 63}, {"JS VM Gigacage", O_TAGGED, 63},
    {"JS VM Isolated Heap", O_TAGGED, 63}, {"JS garbage collector", O_TAGGED, 63},
    {"JS JIT generated code", O_TAGGED, 64}, {"JS VM register file", O_TAGGED, 65},
    {"CoreImage", O_TAGGED, 68}, {"WebCore purgeable data", O_TAGGED, 69}, {"Image IO", O_TAGGED, 70},
    {"Kernel Alloc Once", O_TAGGED, 73}, {"Dispatch continuations", O_TAGGED, 74},
    {"Accelerate framework", O_TAGGED, 75}, {"CoreUI image data", O_TAGGED, 76},
    {"CoreUI image file", O_TAGGED, 77}, {"Activity Tracing", O_TAGGED, 78}, {"Swift runtime", O_TAGGED, 82},
    {"Swift metadata", O_TAGGED, 83}, {"SceneKit", O_TAGGED, 86}, {"IOSurface", O_TAGGED, 88},
    {"Audio", O_TAGGED, 90}, {"IOAccelerator", O_TAGGED, 100}, {"ColorSync", O_TAGGED, 104},
    {"Performance tool data", O_TAGGED, 10},
};

/* The owner and tag of a type; *reserved when it ends in " (reserved)". */
static int type_owner(const char *type, uint8_t *tag, int *reserved)
{
    char base[48];
    snprintf(base, sizeof base, "%s", type);
    size_t n = strlen(base);
    *reserved = n > 11 && !strcmp(base + n - 11, " (reserved)");
    if (*reserved)
        base[n - 11] = '\0';
    *tag = 0;
    if (!strncmp(base, "__", 2))
        return O_IMAGE;                       /* a segment of an image: __TEXT, __DATA_CONST, ... */
    unsigned t;
    if (sscanf(base, "Memory Tag %u", &t) == 1 && t < 256) {
        *tag = (uint8_t)t;
        return O_TAGGED;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(base, types[i].name)) {
            *tag = types[i].tag;
            return types[i].owner;
        }
    return O_UNKNOWN;
}

/* A name from a type: "CG raster data" -> "cg_raster_data_<k>". */
static void make_name(const char *type, uint64_t k, char *out, size_t n)
{
    char base[20];
    size_t j = 0;
    for (const char *s = type; *s && j + 1 < sizeof base; s++) {
        char ch = (char)tolower((unsigned char)*s);
        if (!isalnum((unsigned char)ch))
            ch = '_';
        if (ch == '_' && (j == 0 || base[j - 1] == '_'))
            continue;
        base[j++] = ch;
    }
    while (j && base[j - 1] == '_')
        j--;
    base[j] = '\0';
    snprintf(out, n, "%s%s_%u", j && isdigit((unsigned char)base[0]) ? "m" : "", j ? base : "m",
             (unsigned)(k % 100000));
}

/* Placeable bytes of the summary (what is neither in the layout nor outside
 * the address space). */
uint64_t _vmex_map_placeable(const vmex_report *r)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < r->nrows; i++) {
        uint8_t tag;
        int reserved, o = type_owner(r->rows[i].type, &tag, &reserved);
        if (o != O_IMAGE && o != O_PRISTINE && o != O_NOT_VA)
            sum += r->rows[i].size;
    }
    return sum;
}

/* ------------------------------------------------------------ regions */
/* Bytes and regions of each summary row already placed at real addresses. */
typedef struct taken { uint64_t size, count; } taken;

static int row_of(const vmex_report *r, const char *type)
{
    for (uint32_t i = 0; i < r->nrows; i++)
        if (!strcmp(r->rows[i].type, type))
            return (int)i;
    return -1;
}

/* Does [lo, hi) meet a pristine region of L? */
static const vmex_region *in_pristine(const vmex_layout *L, uint64_t lo, uint64_t hi)
{
    for (uint32_t i = 0; i < L->nregions; i++)
        if (lo < L->regions[i].end && hi > L->regions[i].start)
            return &L->regions[i];
    return NULL;
}

static void fixed_regions(vmex_build *b, const vmex_layout *L, taken *tk)
{
    const vmex_report *r = b->r;
    uint32_t skipped = 0, outside = 0;
    uint64_t last_end = 0;
    for (uint32_t i = 0; i < r->nregions; i++) {
        const vmex_report_region *g = &r->regions[i];
        uint8_t tag;
        int reserved, o = type_owner(g->type, &tag, &reserved);
        uint64_t lo = VMEX_ALIGN_DOWN(g->start, VMEX_PAGE), hi = VMEX_ALIGN_UP(g->end, VMEX_PAGE);
        if (o == O_IMAGE || o == O_PRISTINE || o == O_NOT_VA || in_pristine(L, lo, hi) || lo < last_end) {
            skipped++;
            continue;
        }
        if (lo < L->min_offset || hi > L->max_offset) {
            outside++;
            continue;
        }
        vmex_op op = _vmex_b_new_op(VMEX_OP_MMAP, hi - lo, tag, reserved ? VMEX_PROT_NONE : g->prot);
        op.flags |= VMEX_F_FIXED;
        op.addr = lo;
        char name[VMEX_NAME_MAX];
        snprintf(name, sizeof name, "at_%" PRIx64, lo);
        _vmex_b_op(b, &op, name, "VM region info (%u:%u): %s 0x%" PRIx64 "-0x%" PRIx64 " at its real address%s%s",
                   g->line, g->col, g->type, g->start, g->end, o == O_MALLOC ? " (malloc's memory, as a mapping)" : "",
                   g->fault ? "; the faulting address's region" : "");
        last_end = hi;
        b->rc->fixed++;
        b->rc->fixed_bytes += hi - lo;
        int row = row_of(r, g->type);
        if (row >= 0) {
            tk[row].size += hi - lo;
            tk[row].count++;
        }
    }
    if (!r->has_regions)
        return;
    char more[160] = "";
    if (skipped)
        snprintf(more, sizeof more, "; %u in the layout (binary, dyld, stack, shared cache, nano) or overlapping",
                 skipped);
    if (outside)
        snprintf(more + strlen(more), sizeof more - strlen(more), "; %u outside the address space", outside);
    _vmex_b_head(b, "VM region info: %u region(s) at their real addresses (mmap fixed, counted out of their summary "
                    "rows)%s.", b->rc->fixed, more);
}

/* One mapping to place: a piece of a summary row. */
typedef struct pend {
    uint32_t row;
    uint32_t k;
    uint64_t size;
    uint8_t owner, tag, prot;
} pend;

static int pend_cmp(const void *a, const void *b)
{
    const pend *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

static const char *owner_how(int o)
{
    switch (o) {
    case O_MALLOC: return "malloc through the libmalloc model (the entropic hint)";
    case O_STACK: return "vm_allocate, as pthread maps a thread's stack";
    case O_VMALLOC: return "vm_allocate (first fit from the bottom)";
    case O_FILE: return "a read-only mmap (a file mapping)";
    case O_SHM: return "a shared mmap";
    case O_TAGGED: return "mmap with the type's VM tag (first fit from the bottom)";
    default: return "an untagged mmap";
    }
}

static void estimates(vmex_build *b, const taken *tk)
{
    const vmex_report *r = b->r;
    pend *v = NULL;
    size_t nv = 0, cap = 0;
    uint64_t image_bytes = 0, image_regions = 0, other_bytes = 0;
    for (uint32_t i = 0; i < r->nrows && !b->oom; i++) {
        const vmex_report_row *row = &r->rows[i];
        uint8_t tag;
        int reserved, o = type_owner(row->type, &tag, &reserved);
        uint64_t size = row->size > tk[i].size ? row->size - tk[i].size : 0;
        uint64_t count = row->count > tk[i].count ? row->count - tk[i].count : 1;
        if (o == O_IMAGE || o == O_PRISTINE || o == O_NOT_VA) {
            *(o == O_IMAGE ? &image_bytes : &other_bytes) += row->size;
            image_regions += o == O_IMAGE ? row->count : 0;
            continue;
        }
        if (o == O_STACK && tag == 30) {      /* the layout has the main thread's stack */
            size = size > MAIN_STACK ? size - MAIN_STACK : 0;
            count = count > 1 ? count - 1 : 1;
        }
        if (!size)
            continue;
        if (o == O_UNKNOWN)
            _vmex_b_head(b, "  Unknown region type '%s' (%u:%u): mapped untagged.", row->type, row->line, row->col);
        if (row->unitless)
            _vmex_b_head(b, "  Row '%s' (%u:%u) gives its size without a unit: read as %" PRIu64 " bytes.", row->type,
                         row->line, row->col, row->size);
        uint64_t n = count < ROW_CAP ? count : ROW_CAP;
        if (count > ROW_CAP)
            _vmex_b_head(b, "  Row '%s' (%u:%u) counts %s%" PRIu64 " regions: capped at %d mappings of the same total.",
                         row->type, row->line, row->col, count >= VMEX_REPORT_COUNT_MAX ? "at least " : "",
                         count, ROW_CAP);
        uint64_t each = VMEX_ALIGN_UP((size + n - 1) / n, VMEX_PAGE);
        for (uint64_t k = 0; k < n; k++) {
            if (nv == cap) {
                cap = cap ? cap * 2 : 256;
                pend *nvp = realloc(v, cap * sizeof *v);
                if (!nvp) {
                    b->oom = 1;
                    break;
                }
                v = nvp;
            }
            uint8_t prot = (uint8_t)(reserved ? VMEX_PROT_NONE : VMEX_PROT_RW);
            v[nv++] = (pend){i, (uint32_t)k, each, (uint8_t)o, tag, prot};
        }
    }
    if (image_bytes)
        _vmex_b_head(b,
                     "  Image segments (__TEXT, __DATA, __LINKEDIT, ...: %s in %" PRIu64 " regions): the binary, "
                     "dyld and shared cache of the layout, not placed.",
                     VMEX_HS(image_bytes), image_regions);
    if (other_bytes)
        _vmex_b_head(b, "  MALLOC_NANO and kernel-side rows (%s): the nano region of the layout, or no address space.",
                     VMEX_HS(other_bytes));
    if (!b->oom && nv)
        qsort(v, nv, sizeof *v, pend_cmp);
    for (size_t j = 0; j < nv && !b->oom; j++) {
        const pend *e = &v[j];
        const vmex_report_row *row = &r->rows[e->row];
        int kind = e->owner == O_MALLOC && e->size > VMEX_MALLOC_LARGE ? VMEX_OP_MALLOC
                 : e->owner == O_STACK || e->owner == O_VMALLOC ? VMEX_OP_VM_ALLOCATE : VMEX_OP_MMAP;
        vmex_op op = _vmex_b_new_op(kind, e->size, kind == VMEX_OP_MALLOC ? 0 : e->tag,
                            e->owner == O_FILE ? VMEX_PROT_R : e->prot);
        if (e->owner == O_SHM)
            op.flags |= VMEX_F_SHARED;
        char name[VMEX_NAME_MAX];
        make_name(row->type, e->k, name, sizeof name);
        if (e->k == 0)
            _vmex_b_op(b, &op, name,
                       "VM summary (%u:%u): %s, %s in %s%" PRIu64 " region%s -> %s each, as %s (estimate)",
                       row->line, row->col, row->type, VMEX_HS(row->size),
                       row->count >= VMEX_REPORT_COUNT_MAX ? "at least " : "", row->count, row->count == 1 ? "" : "s",
                       VMEX_HS(e->size),
                       e->owner == O_MALLOC && kind != VMEX_OP_MALLOC ? "an mmap (below libmalloc's large threshold)"
                                                                      : owner_how(e->owner));
        else
            _vmex_b_op(b, &op, name, NULL);
        b->rc->estimated++;
        b->rc->estimated_bytes += e->size;
    }
    free(v);
}

void _vmex_map_regions(vmex_build *b, const vmex_layout *L)
{
    taken *tk = calloc(b->r->nrows ? b->r->nrows : 1, sizeof *tk);
    if (!tk) {
        b->oom = 1;
        return;
    }
    fixed_regions(b, L, tk);
    if (b->r->has_summary)
        _vmex_b_head(b,
                     "VM summary: %u rows; one mapping per region, each row's size split evenly over its count, "
                     "placed largest first (the order most favourable to the app) by the allocator that owns "
                     "the type; malloc's tiny and small regions as large blocks of the same size (same entropic "
                     "hint, page- rather than region-aligned).",
                     b->r->nrows);
    else
        _vmex_b_head(b, "VM summary: none in the report; only the layout and the regions above are placed.");
    estimates(b, tk);
    if (b->r->has_summary)
        _vmex_b_head(b, "  Placed by estimate: %u mappings, %s.", b->rc->estimated, VMEX_HS(b->rc->estimated_bytes));
    free(tk);
}
