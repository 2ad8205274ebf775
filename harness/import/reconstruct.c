/*
 * reconstruct.c - a crash report's facts into a vmex program that rebuilds
 * the address space at the crash (vmex_report_to_program, crashreport.h):
 *
 *   - the profile: the era from the iOS version (the newest of vmex's own
 *     profiles at or below it) and the RAM class from the device table;
 *   - layout settings: `set slide`, `set binary`, `set dyld` from the used
 *     images; the shared cache compared with the profile's shared region;
 *   - the VM region info regions at their real addresses (mmap fixed);
 *   - one mapping per region of the VM summary, tagged by type and placed
 *     by the allocator that owns the type (malloc types through libmalloc,
 *     stacks and VM_ALLOCATE as vm_allocate, framework tags as mmap),
 *     largest first;
 *   - the failing request the frames or the exception name, else a probe
 *     of the largest allocation that still fits; a jetsam kill becomes the
 *     footprint, touched.
 *
 * Every choice is written into the header comment, every estimate into
 * the comment of its op.
 */
#include "core/core.h"
#include "core/fmt.h"
#include "import/recon.h"
#include "model/devices.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PAGEZERO 0x100000000ull      /* docs/xnu-model.md §4: __PAGEZERO, so min_offset = 4 GiB + slide */
#define SLIDE_MAX (80 * MiB)          /* the `set slide` bound (core/config.c) */
#define PAS_CHUNK (32 * MiB)
#define DART_PAGE (512 * 1024ull)     /* Dart's kCompressedPageSize (Page::kPageSize) */
#define DART_FIRST (8 * GiB)          /* kCompressedHeapSize + kCompressedHeapAlignment */

const char *vmex_req_kind_name(int k)
{
    static const char *const n[VMEX_REQ__COUNT] = {"none", "probe", "libpas chunk", "Dart heap reservation",
                                                   "malloc", "footprint"};
    return k >= 0 && k < VMEX_REQ__COUNT ? n[k] : "?";
}

/* ------------------------------------------------------------ building */
void vmex_recon_init(vmex_recon *rc)
{
    memset(rc, 0, sizeof *rc);
    rc->req_at = -1;
}

void vmex_recon_free(vmex_recon *rc)
{
    vmex_buf_free(&rc->header);
    vmex_buf_free(&rc->comment_text);
    free(rc->comment_at);
    vmex_recon_init(rc);
}

const char *vmex_recon_comment(void *ctx, uint32_t i)
{
    const vmex_recon *rc = ctx;
    return i < rc->comment_cap && rc->comment_at[i] ? rc->comment_text.p + rc->comment_at[i] - 1 : NULL;
}

void _vmex_b_head(vmex_build *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    b->oom |= vmex_buf_printf(&b->rc->header, "%s\n", line);
}

const char *_vmex_hs(uint64_t v, char *buf, size_t n)
{
    char t[32];
    vmex_human_size(v, t, sizeof t);
    size_t k = strlen(t);
    char u = k ? t[k - 1] : 0;
    if (u == 'k' || u == 'm' || u == 'g' || u == 't') {
        t[k - 1] = '\0';
        snprintf(buf, n, "%s %ciB", t, toupper((unsigned char)u));
    } else {
        snprintf(buf, n, "%s B", t);
    }
    return buf;
}

int _vmex_b_op(vmex_build *b, vmex_op *op, const char *name, const char *fmt, ...)
{
    if (name && (op->dst = vmex_program_name(b->p, name)) < 0)
        return b->oom = 1, -1;
    int i = vmex_program_add(b->p, op);
    if (i < 0)
        return b->oom = 1, -1;
    vmex_recon *rc = b->rc;
    if ((uint32_t)i >= rc->comment_cap) {
        uint32_t cap = rc->comment_cap ? rc->comment_cap * 2 : 256;
        uint32_t *v = realloc(rc->comment_at, cap * sizeof *v);
        if (!v)
            return b->oom = 1, -1;
        memset(v + rc->comment_cap, 0, (cap - rc->comment_cap) * sizeof *v);
        rc->comment_at = v;
        rc->comment_cap = cap;
    }
    if (fmt) {
        char text[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        rc->comment_at[i] = (uint32_t)rc->comment_text.len + 1;
        b->oom |= vmex_buf_put(&rc->comment_text, text, strlen(text) + 1);
    }
    return i;
}

vmex_op _vmex_b_new_op(int kind, uint64_t size, int tag, int prot)
{
    vmex_op op;
    vmex_op_init(&op, kind);
    op.size = size;
    if (tag > 0) {
        op.flags |= VMEX_F_TAG;
        op.tag = (uint8_t)tag;
    }
    if (kind == VMEX_OP_MMAP && prot != VMEX_PROT_RW) {
        op.prot = (uint8_t)prot;
        op.flags |= VMEX_F_PROT;
    }
    return op;
}

/* ------------------------------------------------------------ the profile */
/* The eras vmex has profiles of, from its own profile list: (major, minor)
 * sorted ascending, deduplicated. */
static int eras(uint32_t (*out)[2], int max)
{
    const char *names[512];
    size_t n = vmex_profile_list(names, 512);
    int k = 0;
    for (size_t i = 0; i < n && i < 512; i++) {
        unsigned maj = 0, min = 0;
        const char *dot = strchr(names[i], '.'), *dash = strchr(names[i], '-');
        if (sscanf(names[i], "ios%u", &maj) != 1)
            continue;
        if (dot && dash && dot < dash)
            min = (unsigned)strtoul(dot + 1, NULL, 10);
        int dup = 0;
        for (int j = 0; j < k; j++)
            dup |= out[j][0] == maj && out[j][1] == min;
        if (dup || k >= max)
            continue;
        int j = k++;
        while (j > 0 && (out[j - 1][0] > maj || (out[j - 1][0] == maj && out[j - 1][1] > min))) {
            out[j][0] = out[j - 1][0];
            out[j][1] = out[j - 1][1];
            j--;
        }
        out[j][0] = maj;
        out[j][1] = min;
    }
    return k;
}

static int choose_profile(vmex_build *b, const vmex_recon_opts *o)
{
    const vmex_report *r = b->r;
    vmex_recon *rc = b->rc;
    vmex_error *err = b->err;
    rc->device = r->model[0] ? vmex_device_find(r->model) : NULL;
    if (o && o->profile) {
        if (!vmex_profile_valid(o->profile)) {
            err->code = VMEX_E_INPUT;
            vmex_error_set(err, 0, 0, "unknown profile '%s' (see 'vmex profiles')", o->profile);
            return -1;
        }
        snprintf(rc->profile, sizeof rc->profile, "%s", o->profile);
        _vmex_b_head(b, "Profile %s: given with --profile (not derived from the report).", rc->profile);
        return 0;
    }
    snprintf(err->file, sizeof err->file, "%s", r->file);
    err->line = (int)r->model_line;
    err->col = (int)r->model_col;
    if (!r->model[0]) {
        err->code = VMEX_E_INPUT;
        vmex_error_set(err, 0, 0, "the report does not name its device model: give the profile with --profile");
        return -1;
    }
    if (vmex_device_lookup(r->model, &rc->device, err))
        return -1;
    memset(err, 0, sizeof *err);
    uint32_t e[64][2];
    int ne = eras(e, 64), pick = -1;
    for (int i = 0; i < ne; i++)
        if (e[i][0] < r->os_major || (e[i][0] == r->os_major && e[i][1] <= r->os_minor))
            pick = i;
    if (pick < 0) {
        err->code = VMEX_E_INPUT;
        snprintf(err->file, sizeof err->file, "%s", r->file);
        vmex_error_set(err, 0, 0, "iOS %u.%u is older than vmex's oldest profile (ios%u): give --profile",
                       r->os_major, r->os_minor, ne ? e[0][0] : 11);
        return -1;
    }
    char era[16];
    if (e[pick][1])
        snprintf(era, sizeof era, "ios%u.%u", e[pick][0], e[pick][1]);
    else
        snprintf(era, sizeof era, "ios%u", e[pick][0]);
    snprintf(rc->profile, sizeof rc->profile, "%s-%ugb", era, rc->device->ram_gb);
    if (!vmex_profile_valid(rc->profile)) {
        err->code = VMEX_E_INPUT;
        vmex_error_set(err, 0, 0, "no profile %s: vmex has no %u GB RAM class; give --profile", rc->profile,
                       rc->device->ram_gb);
        return -1;
    }
    rc->stand_in = r->os_major > e[ne - 1][0];
    _vmex_b_head(b,
                 "Profile %s: era %s (the newest of vmex's profiles at or below iOS %u.%u), RAM class %u GB "
                 "(the device table).",
                 rc->profile, era, r->os_major, r->os_minor, rc->device->ram_gb);
    if (rc->stand_in)
        _vmex_b_head(b,
                     "STAND-IN: vmex has no profile of iOS %u yet; %s, the newest, stands in for it "
                     "(what a newer release changes in the address space is not in the model).",
                     r->os_major, era);
    return 0;
}

static void device_lines(vmex_build *b)
{
    const vmex_report *r = b->r;
    const vmex_device *d = b->rc->device;
    if (!d) {
        _vmex_b_head(b, "Device: %s (not in vmex's device table), %s.", r->model[0] ? r->model : "unknown", r->os);
        return;
    }
    char src[400] = "";
    for (const char *k = d->source; *k; k++) {
        const char *t = vmex_device_source(*k);
        if (t)
            snprintf(src + strlen(src), sizeof src - strlen(src), "%s%s", *src ? "; " : "", t);
    }
    _vmex_b_head(b, "Device: %s = %s, %u GB RAM%s%s%s; %s.", d->model, d->name, d->ram_gb, d->note ? " (" : "",
                 d->note ? d->note : "", d->note ? "; the smaller is used)" : "", r->os);
    _vmex_b_head(b, "  (device table sources: %s)", src);
    if (d->phys_page != d->page)
        _vmex_b_head(b, "  The %s backs its 16 KiB pages with 4 KiB physical pages: the address space is the same.",
                     d->name);
    unsigned ver = VMEX_IOS(r->os_major, r->os_minor);
    if (ver < d->first || (d->last_major && r->os_major > d->last_major))
        _vmex_b_head(b, "  NOTE: the table says the %s runs iOS %u.%u to %s; the report says %u.%u.", d->name,
                     d->first / 100, d->first % 100, d->last_major ? "its last major release" : "today's", r->os_major,
                     r->os_minor);
}

/* ------------------------------------------------------------ layout settings */
static void set_key(vmex_program *p, int k, uint64_t v)
{
    p->cfg.set[k] = v;
    p->cfg.set_mask |= 1u << k;
}

static void layout_settings(vmex_build *b)
{
    const vmex_report *r = b->r;
    vmex_program *p = b->p;
    char a[24], c[24];
    if (r->main_image >= 0) {
        const vmex_report_image *m = &r->images[r->main_image];
        if (m->base >= PAGEZERO && m->base - PAGEZERO < SLIDE_MAX) {
            uint64_t slide = VMEX_ALIGN_DOWN(m->base - PAGEZERO, VMEX_PAGE);
            set_key(p, VMEX_SET_SLIDE, slide);
            vmex_format_size(slide, a, sizeof a);
            _vmex_b_head(b,
                         "set slide %s: the main binary (%s) is at 0x%" PRIx64 " = 0x100000000 (__PAGEZERO) + slide%s.",
                         a, m->name, m->base, slide == m->base - PAGEZERO ? "" : ", rounded down to a 16 KiB page");
        } else {
            _vmex_b_head(
                b, "The main binary (%s) is at 0x%" PRIx64 ", not within 80 MiB above __PAGEZERO: slide left at 0.",
                m->name, m->base);
        }
        uint64_t size = VMEX_ALIGN_UP(m->size ? m->size : VMEX_PAGE, VMEX_PAGE);
        if (size <= GiB) {
            set_key(p, VMEX_SET_BINARY, size);
            vmex_format_size(size, a, sizeof a);
            _vmex_b_head(b,
                         "set binary %s: the main binary's size in the report (its __TEXT range; its __DATA and "
                         "__LINKEDIT are among the summary's image rows).",
                         a);
        }
    } else {
        _vmex_b_head(b, "The report names no main binary: slide 0 and the default binary size (32 MiB).");
    }
    if (r->dyld_image >= 0) {
        uint64_t size = VMEX_ALIGN_UP(r->images[r->dyld_image].size ? r->images[r->dyld_image].size : 1, VMEX_PAGE);
        if (size <= 256 * MiB) {
            set_key(p, VMEX_SET_DYLD, size);
            vmex_format_size(size, c, sizeof c);
            _vmex_b_head(b, "set dyld %s: dyld's size in the report (the layout puts it after the binary).", c);
        }
    }
    vmex_layout L;
    vmex_error e = {0};
    if (vmex_layout_resolve(&p->cfg, NULL, 0, &L, &e)) {
        _vmex_b_head(b, "The settings do not fit the layout (%s): binary and dyld left at their defaults.", e.msg);
        p->cfg.set_mask &= ~(1u << VMEX_SET_BINARY | 1u << VMEX_SET_DYLD);
        if (vmex_layout_resolve(&p->cfg, NULL, 0, &L, &e))
            return;
    }
    if (r->has_shared) {
        const vmex_region *sh = NULL;
        for (uint32_t i = 0; i < L.nregions; i++)
            if (L.regions[i].kind == VMEX_R_SHARED)
                sh = &L.regions[i];
        int inside = sh && r->shared_base >= sh->start && r->shared_base + r->shared_size <= sh->end;
        _vmex_b_head(b,
                     "Shared cache 0x%" PRIx64 ", %s (sharedCache): %s the profile's shared region 0x%" PRIx64
                     "-0x%" PRIx64 " (%s)%s.",
                     r->shared_base, VMEX_HS(r->shared_size), inside ? "inside" : "NOT inside", sh ? sh->start : 0,
                     sh ? sh->end : 0, VMEX_HS(sh ? sh->end - sh->start : 0),
                     inside ? ", as modelled" : "; the model keeps its own region (a different era?)");
    }
}

/* ------------------------------------------------------------ entitlements */
/* The jumbo map shows in the report: a region above the profile's
 * max_offset, or more mappings than its address space holds. */
static void infer_ents(vmex_build *b)
{
    const vmex_report *r = b->r;
    vmex_layout L;
    vmex_error e = {0};
    if (vmex_layout_resolve(&b->p->cfg, NULL, 0, &L, &e))
        return;
    const vmex_report_region *above = NULL;
    for (uint32_t i = 0; i < r->nregions && !above; i++)
        if (r->regions[i].end > L.max_offset)
            above = &r->regions[i];
    uint64_t total = _vmex_map_placeable(r);
    if (!above && total <= L.pristine_free) {
        if (r->has_summary)
            _vmex_b_head(b,
                         "Entitlements: none shown by the report (no region above max_offset 0x%" PRIx64 ", and the "
                         "summary's %s fit in the %s the profile has without the jumbo map).",
                         L.max_offset, VMEX_HS(total), VMEX_HS(L.pristine_free));
        else
            _vmex_b_head(b,
                         "Entitlements: none shown by the report (no region above max_offset 0x%" PRIx64 "; it has "
                         "no VM summary to weigh).",
                         L.max_offset);
        return;
    }
    uint32_t bit = L.version_x10 >= 140 ? VMEX_ENT_EXTENDED_VA : VMEX_ENT_JIT;
    b->p->cfg.ents |= bit;
    b->rc->ents = b->p->cfg.ents;
    if (above)
        _vmex_b_head(b,
                     "Entitlement %s INFERRED: region %s at 0x%" PRIx64 " lies above max_offset 0x%" PRIx64
                     ", so the app had the jumbo map.",
                     vmex_ent_name(bit == VMEX_ENT_JIT ? 0 : 1), above->type, above->start, L.max_offset);
    else
        _vmex_b_head(b,
                     "Entitlement %s INFERRED: the summary's %s do not fit in the %s the profile has without the jumbo "
                     "map.",
                     vmex_ent_name(bit == VMEX_ENT_JIT ? 0 : 1), VMEX_HS(total), VMEX_HS(L.pristine_free));
}


/* ------------------------------------------------------------ the request */
/* The footprint of a jetsam kill, touched in 256 MiB mappings (a single
 * mapping of it may not fit the address space, and the address space is
 * not what failed). */
static void footprint_request(vmex_build *b)
{
    const vmex_report *r = b->r;
    vmex_recon *rc = b->rc;
    uint64_t limit = 0, touch;
    if (r->limit) {
        limit = VMEX_ALIGN_DOWN(r->limit, VMEX_PAGE);
        _vmex_b_head(b, "set footprint-limit %s: the limit the report gives.", VMEX_HS(limit));
    } else if (!strcmp(r->jetsam_reason, "per-process-limit") && r->footprint >= 2 * VMEX_PAGE) {
        limit = VMEX_ALIGN_DOWN(r->footprint, VMEX_PAGE) - VMEX_PAGE;
        _vmex_b_head(b,
                     "set footprint-limit %s: jetsam kills as the footprint passes the limit, so the limit is "
                     "taken as the footprint at the kill (%s), less a page.",
                     VMEX_HS(limit), VMEX_HS(r->footprint));
    }
    if (limit >= VMEX_PAGE) {
        b->p->cfg.set[VMEX_SET_FOOTPRINT_LIMIT] = limit;
        b->p->cfg.set_mask |= 1u << VMEX_SET_FOOTPRINT_LIMIT;
        touch = limit + VMEX_PAGE;
    } else {
        touch = VMEX_ALIGN_UP(r->footprint, VMEX_PAGE);
        _vmex_b_head(b, "No footprint limit in the report (reason %s): the profile's default limit applies.",
                     r->jetsam_reason[0] ? r->jetsam_reason : "none");
    }
    rc->footprint = touch;
    rc->limit = limit;
    rc->req_kind = VMEX_REQ_FOOTPRINT;
    rc->req_size = touch;
    if (touch < VMEX_PAGE) {
        _vmex_b_head(b, "No request: the report gives no footprint to touch.");
        return;
    }
    _vmex_b_head(b,
                 "Failing request: the footprint, %s, dirtied in mappings of at most 256 MiB. A jetsam kill is "
                 "not about address space: the VM summary (if any) is left out.",
                 VMEX_HS(touch));
    const uint64_t chunk = 256ull << 20;
    for (uint64_t at = 0, k = 0; at < touch && k < 4096 && !b->oom; at += chunk, k++) {
        uint64_t n = touch - at < chunk ? touch - at : chunk;
        char name[VMEX_NAME_MAX];
        snprintf(name, sizeof name, "footprint_%" PRIu64, k);
        vmex_op op = _vmex_b_new_op(VMEX_OP_VM_ALLOCATE, n, 0, VMEX_PROT_RW);
        int i = _vmex_b_op(b, &op, name, k ? NULL : "the app's footprint at the kill (dirty memory)");
        if (rc->req_at < 0)
            rc->req_at = i;
        vmex_op t;
        vmex_op_init(&t, VMEX_OP_TOUCH);
        t.src = op.dst;
        _vmex_b_op(b, &t, NULL, NULL);
    }
    rc->req_ops = b->p->nops - (uint32_t)rc->req_at;
}

/* Run p on its own layout: the result (keep_going: the state after every
 * op).  0 or -1. */
static int run(vmex_build *b, int keep_going, vmex_result *res)
{
    vmex_layout L;
    vmex_error e = {0};
    if (vmex_layout_resolve(&b->p->cfg, NULL, 0, &L, &e))
        return -1;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    if (!m)
        return b->oom = 1, -1;
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = keep_going;
    int rc = vmex_model_run(m, &L, b->p, &o, res);
    vmex_model_free(m);
    return rc;
}

static void request(vmex_build *b, int kind, uint64_t size, const char *why)
{
    vmex_recon *rc = b->rc;
    vmex_op op;
    rc->req_kind = kind;
    rc->req_at = (int32_t)b->p->nops;
    rc->req_ops = 1;
    switch (kind) {
    case VMEX_REQ_PAS:
        rc->req_size = PAS_CHUNK;
        op = _vmex_b_new_op(VMEX_OP_MMAP, PAS_CHUNK, 53, VMEX_PROT_RW);
        _vmex_b_op(b, &op, "pas_chunk", "the failing request: a 32 MiB libpas chunk (mmap, VM_MEMORY_TCMALLOC)");
        _vmex_b_head(b,
                     "Failing request: %s. Modelled as the 32 MiB chunk libpas asks the system for "
                     "(pas_page_malloc, tag 53 = VM_MEMORY_TCMALLOC, 'WebKit Malloc'); an estimate: the report "
                     "does not give its size.",
                     why);
        break;
    case VMEX_REQ_DART: {
        /* runtime/vm/virtual_memory_posix.cc: from 8 GiB, halving while at
         * least one Dart page, each try mapping size + one page (aligned
         * map): the first that fits is kept, so all but the last are `try` */
        int k = 0;
        for (uint64_t sz = DART_FIRST; sz >= DART_PAGE && !b->oom; sz >>= 1, k++) {
            char name[VMEX_NAME_MAX];
            snprintf(name, sizeof name, "dart_%d", k);
            op = _vmex_b_new_op(VMEX_OP_MMAP, sz + DART_PAGE, 0, VMEX_PROT_NONE);
            op.flags |= VMEX_F_NORESERVE | (sz > DART_PAGE ? VMEX_F_TRY : 0);
            _vmex_b_op(b, &op, name, k ? NULL : "Dart's compressed-heap reservation, halving until one fits");
        }
        rc->req_ops = (uint32_t)k;
        rc->req_size = 2 * DART_PAGE;
        _vmex_b_head(b,
                     "Failing request: %s. Modelled as Dart's reservation loop (runtime/vm/virtual_memory_posix.cc): "
                     "8 GiB, halved down to its 512 KiB page, each + one page, PROT_NONE; the first that fits is "
                     "kept (a chain: the verdict stops at the first that fits; `vmex run` runs them all).",
                     why);
        break;
    }
    case VMEX_REQ_MALLOC: {
        /* libmalloc's own map requests: a tiny (1 MiB) or small (8 MiB)
         * region is what a block of that class asks for when its regions
         * are full (the reconstruction has none), else a large block */
        uint64_t n = size == (1ull << 20) ? 1008 : size == (8ull << 20) ? 15 * 1024 : VMEX_ALIGN_UP(size, VMEX_PAGE);
        rc->req_size = size;
        vmex_op_init(&op, VMEX_OP_MALLOC);
        op.size = n;
        _vmex_b_op(b, &op, "failed_malloc", "the failing request: libmalloc mapping %s", VMEX_HS(size));
        const char *what = n == 1008         ? " (a new 1 MiB tiny region)"
                           : n == 15 * 1024 ? " (a new 8 MiB small region)" : "";
        _vmex_b_head(b, "Failing request: %s. Modelled as malloc %" PRIu64 "%s.", why, n, what);
        break;
    }
    default: {
        vmex_result res;
        if (run(b, 1, &res) || !res.st.largest) {
            rc->req_at = -1;
            rc->req_ops = 0;
            _vmex_b_head(b, "No request: the report names none and no hole is left.");
            return;
        }
        rc->req_kind = VMEX_REQ_PROBE;
        rc->req_size = res.st.largest;
        op = _vmex_b_new_op(VMEX_OP_VM_ALLOCATE, res.st.largest, 0, VMEX_PROT_RW);
        _vmex_b_op(b, &op, "probe", "the largest allocation that still fits (%s)", VMEX_HS(res.st.largest));
        _vmex_b_head(b,
                     "Failing request: %s. A final probe instead: the largest allocation that still fits, %s "
                     "(it fits on this profile by construction; on others it may not).",
                     *why ? why : "the report names none", VMEX_HS(res.st.largest));
    }
    }
}

/* ------------------------------------------------------------ the program */
int vmex_report_to_program(const vmex_report *r, const vmex_recon_opts *o, vmex_program *out, vmex_recon *rc,
                           vmex_error *err)
{
    vmex_program_reset(out);
    vmex_recon_free(rc);
    memset(err, 0, sizeof *err);
    vmex_build b = {r, out, rc, err, 0};
    _vmex_b_head(&b, "Reconstructed by vmex import from the crash report %s (%s%s%.0d).", r->file[0] ? r->file : "-",
                 vmex_report_format_name(r->format), r->bug_type ? ", bug_type " : "", r->bug_type);
    if (choose_profile(&b, o))
        goto fail;
    snprintf(out->cfg.profile, sizeof out->cfg.profile, "%s", rc->profile);
    device_lines(&b);
    vmex_buf why = {0};
    uint64_t size = 0;
    int kind = _vmex_report_memory(r, &size, &why);
    if (kind < 0) {
        vmex_buf_free(&why);
        b.oom = 1;
        goto fail;
    }
    char why1[256];
    _vmex_rc_copy(why1, sizeof why1, why.p ? why.p : "", why.p ? strcspn(why.p, "\n") : 0);
    vmex_buf_free(&why);
    if (kind == VMEX_REQ_FOOTPRINT) {
        footprint_request(&b);
    } else {
        layout_settings(&b);
        infer_ents(&b);
        vmex_layout L;
        if (vmex_layout_resolve(&out->cfg, NULL, 0, &L, err)) {
            err->code = VMEX_E_INTERNAL;
            goto fail;
        }
        _vmex_map_regions(&b, &L);
        if (!b.oom)
            request(&b, kind, size, why1);
    }
    vmex_result res;
    if (!b.oom && !run(&b, 0, &res)) {
        out->expect = (int8_t)res.verdict;
        out->expect_at = res.verdict == VMEX_OK ? -1 : res.at;
        _vmex_b_head(&b, "On %s this program ends %s%s%.0d (its expect line).", rc->profile,
                     vmex_class_name(res.verdict), res.verdict ? " at op " : "", res.verdict ? res.at : 0);
    }
    if (!b.oom)
        return 0;
fail:
    if (b.oom) {
        err->code = VMEX_E_NOMEM;
        vmex_error_set(err, 0, 0, "out of memory");
    }
    vmex_program_reset(out);
    vmex_recon_free(rc);
    return -1;
}
