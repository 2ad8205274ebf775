/*
 * report.c - rendering a run for people and machines: the text map of the
 * address space, its SVG picture, and the JSON Lines records (report.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "report/report.h"

/* append a string literal */
#define PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

/* ---------------------------------------------------------------- tags */

/* Colour of an app mapping with this tag: the fixed palette, or a stable
 * colour spread around the hue circle for other tags. */
static void tag_color(int tag, char *buf, size_t n)
{
    const char *fixed = vmex_tag_color(tag);
    if (fixed) {
        snprintf(buf, n, "%s", fixed);
        return;
    }
    if (tag == 0) {
        snprintf(buf, n, "#bab0ac");
        return;
    }
    /* HSL(h, 45%, 62%) to RGB */
    double h = fmod(tag * 137.508, 360.0) / 60.0, s = 0.45, l = 0.62;
    double c = (1 - fabs(2 * l - 1)) * s, x = c * (1 - fabs(fmod(h, 2.0) - 1)), m = l - c / 2;
    double r = 0, g = 0, b = 0;
    switch ((int)h) {
    case 0: r = c; g = x; break;
    case 1: r = x; g = c; break;
    case 2: g = c; b = x; break;
    case 3: g = x; b = c; break;
    case 4: r = x; b = c; break;
    default: r = c; b = x; break;
    }
    snprintf(buf, n, "#%02x%02x%02x", (int)lround((r + m) * 255), (int)lround((g + m) * 255),
             (int)lround((b + m) * 255));
}

/* fixed regions of the pristine layout, and mappings the app made (its
 * own or libmalloc's), which are coloured by VM tag */
static int is_fixed(int kind) { return kind >= VMEX_R_BINARY && kind < VMEX_R__COUNT; }
static int is_app(int kind) { return kind == VMEX_R_APP || kind == VMEX_R_MALLOC; }

static const char *region_color(int kind)
{
    switch (kind) {
    case VMEX_R_BINARY: return "#4a5563";
    case VMEX_R_DYLD: return "#6f6a8a";
    case VMEX_R_STACK: return "#2f4f4f";
    case VMEX_R_SHARED: return "#aab3bf";
    case VMEX_R_NANO: return "#c9c0a8";
    default: return "#999999";
    }
}

static const char *region_label(int kind)
{
    switch (kind) {
    case VMEX_R_BINARY: return "binary";
    case VMEX_R_DYLD: return "dyld";
    case VMEX_R_STACK: return "stack";
    case VMEX_R_SHARED: return "shared region";
    case VMEX_R_NANO: return "nano";
    default: return vmex_region_name(kind);
    }
}

/* dark text on light fills, white on dark ones */
static const char *text_on(const char *hex)
{
    unsigned r = 0, g = 0, b = 0;
    if (hex[0] == '#' && sscanf(hex + 1, "%2x%2x%2x", &r, &g, &b) == 3) {
        double lum = 0.299 * r + 0.587 * g + 0.114 * b;
        return lum < 140 ? "#ffffff" : "#1e1e1e";
    }
    return "#1e1e1e";
}

/* ---------------------------------------------------------------- JSON */

static const char *name_of(const vmex_program *p, int32_t id)
{
    if (!p || id < 0 || (uint32_t)id >= p->nnames)
        return NULL;
    return p->names[id];
}

static const char *status_name(int st)
{
    return st == VMEX_ST_OK ? "ok" : st == VMEX_ST_FAILED ? "failed" : "skipped";
}

int vmex_json_op(vmex_buf *b, const vmex_program *p, const vmex_op *op, const vmex_opres *r)
{
    int ok = r->status == VMEX_ST_OK;
    int rc = vmex_buf_printf(b, "{\"i\":%" PRIu32 ",\"op\":", r->i);
    rc |= vmex_json_str(b, vmex_opkind_name(op->kind));
    rc |= PUTS(b, ",\"name\":");
    rc |= vmex_json_str(b, name_of(p, op->dst));
    if (op->src >= 0) {
        rc |= PUTS(b, ",\"uses\":");
        rc |= vmex_json_str(b, name_of(p, op->src));
    }
    rc |= vmex_buf_printf(b, ",\"ok\":%s,\"status\":\"%s\"", ok ? "true" : "false",
                          status_name(r->status));
    if (ok && vmex_op_places(op->kind)) {
        rc |= vmex_buf_printf(b, ",\"addr\":%" PRIu64, r->addr);
        if (vmex_target_has(p->cfg.target, VMEX_CAP_WINDOW) && r->addr >= VMEX_LINUX_BASE)   /* from the window's base */
            rc |= vmex_buf_printf(b, ",\"off\":%" PRIu64, (uint64_t)(r->addr - VMEX_LINUX_BASE));
    }
    rc |= vmex_buf_printf(b, ",\"size\":%" PRIu64, op->kind == VMEX_OP_CHECK ? op->size : r->size);
    if (!ok) {
        rc |= PUTS(b, ",\"why\":");
        rc |= vmex_json_str(b, vmex_reason_text(r->why));
    }
    if (!ok && (r->why == VMEX_WHY_NOSPACE || r->cls != VMEX_OK)) {
        rc |= PUTS(b, ",\"class\":");
        rc |= vmex_json_str(b, vmex_class_name(r->cls));
        rc |= vmex_buf_printf(b, ",\"req\":%" PRIu64 ",\"margin\":", r->req);
        rc |= vmex_json_double(b, r->margin);
        if (vmex_target_has(p->cfg.target, VMEX_CAP_REAL))
            rc |= vmex_buf_printf(b, ",\"held\":%" PRIu64, r->live);
        if (r->cls == VMEX_RANGE_ERROR || r->cls == VMEX_PAS_PANIC || r->cls == VMEX_GC_ABORT)   /* real/jsc.c */
            rc |= vmex_buf_printf(b, ",\"kernel_free\":%" PRIu64 ",\"kernel_largest\":%" PRIu64
                                     ",\"pas_mapped\":%" PRIu64 ",\"pas_free\":%" PRIu64,
                                  r->kfree, r->klargest, r->pas_mapped, r->pas_free);
    }
    if (!ok && r->frame[0]) {
        rc |= PUTS(b, ",\"frame\":");
        rc |= vmex_json_str(b, r->frame);
    }
    if (!ok && (r->why == VMEX_WHY_ERRNO || r->why == VMEX_WHY_CRASH))
        rc |= vmex_buf_printf(b, ",\"%s\":%" PRIu64, r->why == VMEX_WHY_ERRNO ? "errno" : "signal", r->value);
    if (op->kind == VMEX_OP_CHECK) {
        rc |= PUTS(b, ",\"metric\":");
        rc |= vmex_json_str(b, vmex_metric_name(op->metric));
        rc |= vmex_buf_printf(b, ",\"cmp\":\"%s\",\"value\":%" PRIu64,
                              op->cmp == VMEX_CMP_LE ? "<=" : ">=", r->value);
    }
    if (op->kind == VMEX_OP_TOUCH && r->status != VMEX_ST_SKIPPED && r->why != VMEX_WHY_NOTMAPPED &&
        r->why != VMEX_WHY_BADRANGE)
        rc |= vmex_buf_printf(b, ",\"footprint\":%" PRIu64, r->value);
    if (r->finding)
        rc |= PUTS(b, ",\"finding\":true");
    if (r->warn)
        rc |= PUTS(b, ",\"warn\":true");
    if (op->line)
        rc |= vmex_buf_printf(b, ",\"line\":%" PRIu32, op->line);
    rc |= PUTS(b, "}\n");
    return rc ? -1 : 0;
}

int vmex_json_result(vmex_buf *b, const vmex_result *r, const vmex_layout *L,
                     const char *file, const char *extra)
{
    int finding = r->verdict != VMEX_OK && r->at >= 0;
    int rc = PUTS(b, "{\"verdict\":");
    rc |= vmex_json_str(b, vmex_class_name(r->verdict));
    if (finding) {
        rc |= vmex_buf_printf(b, ",\"at\":%" PRId32 ",\"req\":%" PRIu64 ",\"margin\":", r->at, r->req);
        rc |= vmex_json_double(b, r->margin);
    } else {
        rc |= PUTS(b, ",\"at\":null,\"req\":null,\"margin\":null");
    }
    rc |= vmex_buf_printf(b,
                          ",\"free\":%" PRIu64 ",\"largest\":%" PRIu64 ",\"mapped\":%" PRIu64
                          ",\"footprint\":%" PRIu64 ",\"entries\":%" PRIu32 ",\"holes\":%" PRIu32
                          ",\"findings\":%" PRIu32 ",\"checks_failed\":%" PRIu32
                          ",\"ops_run\":%" PRIu32 ",\"ops_failed\":%" PRIu32 ",\"ops_skipped\":%" PRIu32,
                          r->st.free, r->st.largest, r->st.mapped, r->st.footprint, r->st.entries,
                          r->st.holes, r->findings, r->checks_failed, r->ops_run, r->ops_failed,
                          r->ops_skipped);
    if (r->warn_at >= 0)
        rc |= vmex_buf_printf(b, ",\"warn_at\":%" PRId32, r->warn_at);
    else
        rc |= PUTS(b, ",\"warn_at\":null");
    rc |= PUTS(b, ",\"profile\":");
    rc |= vmex_json_str(b, L ? L->profile : NULL);
    if (L) {
        rc |= PUTS(b, ",\"entitlements\":[");
        int first = 1;
        for (int i = 0; i < VMEX_ENT__COUNT; i++)
            if (L->ents & (1u << i)) {
                if (!first)
                    rc |= PUTS(b, ",");
                rc |= vmex_json_str(b, vmex_ent_name(i));
                first = 0;
            }
        rc |= vmex_buf_printf(b, "],\"min_offset\":%" PRIu64 ",\"max_offset\":%" PRIu64
                                 ",\"footprint_limit\":%" PRIu64,
                              L->min_offset, L->max_offset, L->footprint_limit);
    }
    if (extra && *extra) {
        rc |= PUTS(b, ",");
        rc |= vmex_buf_put(b, extra, strlen(extra));
    }
    rc |= PUTS(b, ",\"file\":");
    rc |= vmex_json_str(b, file);
    rc |= PUTS(b, "}\n");
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- segments */

#include "report/map.h"   /* the segments and palette, shared with picture.c */

static void seg_push(vmex_segv *sv, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    if (sv->oom || s >= e)
        return;
    if (sv->n) {
        vmex_seg *last = &sv->v[sv->n - 1];
        int same = last->e == s && last->kind == kind && kind >= 0 &&
                   (is_fixed(kind) || (last->tag == tag && (sv->group == 2 || last->prot == prot)));
        if (same) {
            last->e = e;
            last->count++;
            return;
        }
    }
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 64;
        vmex_seg *v = realloc(sv->v, cap * sizeof *v);
        if (!v) {
            sv->oom = 1;
            return;
        }
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = (vmex_seg){s, e, kind, tag, prot, 1};
}

static void seg_walk_cb(void *ctx, uint64_t start, uint64_t end, int kind, int tag, int prot)
{
    vmex_segv *sv = ctx;
    uint64_t s = start > sv->lo ? start : sv->lo;
    uint64_t e = end < sv->hi ? end : sv->hi;
    if (s >= e)
        return;
    if (s > sv->at)
        seg_push(sv, sv->at, s, -1, 0, 0);
    seg_push(sv, s, e, kind, tag, prot);
    if (e > sv->at)
        sv->at = e;
}

int _vmex_map_segs(const vmex_model *m, const vmex_layout *L, int group, vmex_segv *sv)
{
    memset(sv, 0, sizeof *sv);
    sv->group = group;
    sv->lo = sv->at = L->floor;
    sv->hi = L->max_offset;
    vmex_model_walk(m, seg_walk_cb, sv);
    if (sv->at < sv->hi)
        seg_push(sv, sv->at, sv->hi, -1, 0, 0);
    if (sv->oom) {
        free(sv->v);
        sv->v = NULL;
        return -1;
    }
    return 0;
}

long _vmex_map_largest_hole(const vmex_segv *sv)
{
    long best = -1;
    for (size_t i = 0; i < sv->n; i++)
        if (sv->v[i].kind < 0 && (best < 0 || sv->v[i].e - sv->v[i].s > sv->v[best].e - sv->v[best].s))
            best = (long)i;
    return best;
}

/* ---------------------------------------------------------------- text map */

int vmex_report_map(const vmex_model *m, const vmex_layout *L, vmex_buf *out)
{
    vmex_segv sv;
    if (_vmex_map_segs(m, L, 1, &sv) < 0)
        return -1;
    long big = _vmex_map_largest_hole(&sv);
    char sz[32], ents[160];
    int rc = 0;
    vmex_ents_text(L->ents, ents, sizeof ents);
    vmex_human_size(L->max_offset - L->floor, sz, sizeof sz);
    rc |= vmex_buf_printf(out, "map of %s (entitlements %s): 0x%012" PRIx64 "-0x%012" PRIx64 "  %s\n",
                          L->profile, ents, L->floor, L->max_offset, sz);
    for (size_t i = 0; i < sv.n && rc == 0; i++) {
        const vmex_seg *g = &sv.v[i];
        vmex_human_size(g->e - g->s, sz, sizeof sz);
        rc |= vmex_buf_printf(out, "0x%012" PRIx64 "-0x%012" PRIx64 "  %6s  ", g->s, g->e, sz);
        if (g->kind < 0) {
            rc |= vmex_buf_printf(out, "hole%s\n", (long)i == big ? "  (largest)" : "");
        } else if (is_app(g->kind)) {
            const char *tn = vmex_tag_name(g->tag);
            rc |= vmex_buf_printf(out, "%s tag %d %s", vmex_region_name(g->kind), g->tag, vmex_prot_name(g->prot));
            if (tn && g->count > 1)
                rc |= vmex_buf_printf(out, "  (%s, %" PRIu32 " entries)", tn, g->count);
            else if (tn)
                rc |= vmex_buf_printf(out, "  (%s)", tn);
            else if (g->count > 1)
                rc |= vmex_buf_printf(out, "  (%" PRIu32 " entries)", g->count);
            rc |= PUTS(out, "\n");
        } else {
            rc |= vmex_buf_printf(out, "%s", vmex_region_name(g->kind));
            if (g->count > 1)
                rc |= vmex_buf_printf(out, "  (%" PRIu32 " entries)", g->count);
            rc |= PUTS(out, "\n");
        }
    }
    vmex_stats st;
    vmex_model_stats(m, &st);
    char f[32], lg[32], mp[32], fp[32];
    vmex_human_size(st.free, f, sizeof f);
    vmex_human_size(st.largest, lg, sizeof lg);
    vmex_human_size(st.mapped, mp, sizeof mp);
    vmex_human_size(st.footprint, fp, sizeof fp);
    rc |= vmex_buf_printf(out,
                          "free %s in %" PRIu32 " holes, largest hole %s, mapped %s, footprint %s, "
                          "entries %" PRIu32 "\n",
                          f, st.holes, lg, mp, fp, st.entries);
    free(sv.v);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------- for picture.c */

int  _vmex_map_is_fixed(int kind) { return is_fixed(kind); }
int  _vmex_map_is_app(int kind) { return is_app(kind); }
void _vmex_map_tag_color(int tag, char *buf, size_t n) { tag_color(tag, buf, n); }
const char *_vmex_map_region_color(int kind) { return region_color(kind); }
const char *_vmex_map_region_label(int kind) { return region_label(kind); }
const char *_vmex_map_text_on(const char *hex) { return text_on(hex); }
