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

static int places(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE || kind == VMEX_OP_MALLOC ||
           kind == VMEX_OP_REALLOC;
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
    if (ok && places(op->kind)) {
        rc |= vmex_buf_printf(b, ",\"addr\":%" PRIu64, r->addr);
        if (p->cfg.target != VMEX_TARGET_XNU && r->addr >= VMEX_LINUX_BASE)   /* from the window's base */
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

/* One line of the map: an entry, a group of entries, or a hole (kind -1),
 * clipped to [floor, max_offset). */
typedef struct seg {
    uint64_t s, e;
    int kind, tag, prot;
    uint32_t count;
} seg;

typedef struct segv {
    seg *v;
    size_t n, cap;
    int oom;
    int group;          /* 1: same tag and prot; 2: same tag */
    uint64_t lo, hi, at;
} segv;

static void seg_push(segv *sv, uint64_t s, uint64_t e, int kind, int tag, int prot)
{
    if (sv->oom || s >= e)
        return;
    if (sv->n) {
        seg *last = &sv->v[sv->n - 1];
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
        seg *v = realloc(sv->v, cap * sizeof *v);
        if (!v) {
            sv->oom = 1;
            return;
        }
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = (seg){s, e, kind, tag, prot, 1};
}

static void seg_walk_cb(void *ctx, uint64_t start, uint64_t end, int kind, int tag, int prot)
{
    segv *sv = ctx;
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

static int build_segs(const vmex_model *m, const vmex_layout *L, int group, segv *sv)
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

/* index of the largest hole (the lowest one among equals), or -1 */
static long largest_hole(const segv *sv)
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
    segv sv;
    if (build_segs(m, L, 1, &sv) < 0)
        return -1;
    long big = largest_hole(&sv);
    char sz[32], ents[160];
    int rc = 0;
    vmex_ents_text(L->ents, ents, sizeof ents);
    vmex_human_size(L->max_offset - L->floor, sz, sizeof sz);
    rc |= vmex_buf_printf(out, "map of %s (entitlements %s): 0x%012" PRIx64 "-0x%012" PRIx64 "  %s\n",
                          L->profile, ents, L->floor, L->max_offset, sz);
    for (size_t i = 0; i < sv.n && rc == 0; i++) {
        const seg *g = &sv.v[i];
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

/* ---------------------------------------------------------------- SVG */

#define SVG_W     1200
#define SVG_PADX  28
#define BAR_X     SVG_PADX
#define BAR_W     (SVG_W - 2 * SVG_PADX)
#define BAR_H     46
#define LANE_H    15
#define REQ_BAND  50
#define TICK_BAND 34
#define ROW_GAP   18
#define MAX_ROWS  8
#define FONT      "DejaVu Sans, Helvetica, Arial, sans-serif"
#define MONO      "DejaVu Sans Mono, Menlo, Consolas, monospace"

/* rough advance widths, a little generous so labels never overlap */
static double text_w(const char *s, double size)
{
    /* DejaVu Sans advances, in em, by character class */
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if ((c & 0xc0) == 0x80)
            continue;                       /* UTF-8 continuation */
        if (strchr("il.,:;'|!", (int)c))
            w += 0.29;
        else if (strchr("frtj ()[]-", (int)c))
            w += 0.38;
        else if (c == 'm' || c == 'w')
            w += 0.92;
        else if (c == 'M' || c == 'W')
            w += 0.95;
        else if (c >= 'A' && c <= 'Z')
            w += 0.72;
        else if (c >= '0' && c <= '9')
            w += 0.64;
        else
            w += 0.62;
    }
    return w * size;
}
static double mono_w(const char *s, double size) { return (double)strlen(s) * size * 0.61; }

typedef struct svg_row {
    uint64_t rs;            /* address at the row's left edge */
    uint64_t ds, de;        /* drawn part: [ds, de) within [floor, max_offset) */
} svg_row;

typedef struct svg {
    vmex_buf *b;
    uint64_t R;             /* bytes per row */
    int rc;
} svg;

static double ax(const svg *g, const svg_row *row, uint64_t a)
{
    return BAR_X + (double)(a - row->rs) * (double)BAR_W / (double)g->R;
}

static void out(svg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(svg *g, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        g->rc = -1;
        return;
    }
    if (vmex_buf_put(g->b, tmp, (size_t)n) < 0)
        g->rc = -1;
}

static void esc(svg *g, const char *s)
{
    if (vmex_xml_str(g->b, s) < 0)
        g->rc = -1;
}

/* <text> with escaped content */
static void text(svg *g, double x, double y, const char *anchor, double size, const char *fill,
                 const char *weight, int mono, const char *s)
{
    out(g, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%g\" fill=\"%s\"%s%s%s%s%s>", x, y, size, fill,
        anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "",
        weight ? " font-weight=\"bold\"" : "", mono ? " font-family=\"" MONO "\"" : "");
    esc(g, s);
    out(g, "</text>\n");
}

static void seg_desc(const seg *s, char *buf, size_t n)
{
    char sz[32];
    vmex_human_size(s->e - s->s, sz, sizeof sz);
    if (s->kind < 0) {
        snprintf(buf, n, "0x%" PRIx64 "-0x%" PRIx64 "  %s hole", s->s, s->e, sz);
    } else if (is_app(s->kind)) {
        const char *tn = vmex_tag_name(s->tag);
        char tname[48];
        if (tn)
            snprintf(tname, sizeof tname, "%s (tag %d)", tn, s->tag);
        else
            snprintf(tname, sizeof tname, "tag %d", s->tag);
        snprintf(buf, n, "0x%" PRIx64 "-0x%" PRIx64 "  %s %s %s, %" PRIu32 " entr%s", s->s, s->e, sz,
                 vmex_region_name(s->kind), tname,
                 s->count, s->count == 1 ? "y" : "ies");
    } else {
        snprintf(buf, n, "0x%" PRIx64 "-0x%" PRIx64 "  %s %s", s->s, s->e, sz, region_label(s->kind));
    }
}

static void seg_color(const seg *s, char *buf, size_t n)
{
    if (is_app(s->kind))
        tag_color(s->tag, buf, n);
    else
        snprintf(buf, n, "%s", region_color(s->kind));
}

/* a label placed above the bar in one of a few lanes, with a leader line */
typedef struct lane_label {
    double x, lx, w;   /* leader at x; label from lx, w wide */
    int lane;
    const char *text;
    char buf[48];
} lane_label;

#define MAX_LANES 3
#define MAX_LANE_LABELS 16

/* a request marker for a failed VA request */
typedef struct req_mark {
    int on;
    uint64_t at, end;   /* where it is drawn: the largest hole */
    uint64_t req;
    char label[96];
} req_mark;

static int ordinal_row(const svg *g, uint64_t base, uint64_t a)
{
    return (int)((a - base) / g->R);
}

static void draw_ticks(svg *g, const svg_row *row, double y, uint64_t step, const vmex_layout *L)
{
    double placed[64][2];
    int np = 0, nends = 0, nc = 0;
    uint64_t cand[64];
    /* the ends of the map first: they win over the regular ticks */
    if (row->ds == L->floor)
        cand[nc++] = row->ds;
    if (row->de == L->max_offset)
        cand[nc++] = row->de;
    nends = nc;
    for (uint64_t t = (row->ds + step - 1) / step * step; t <= row->de && nc < 60; t += step)
        if (t != L->floor && t != L->max_offset)
            cand[nc++] = t;
    for (int i = 0; i < nc; i++) {
        char lab[32];
        int end = i < nends;
        snprintf(lab, sizeof lab, "0x%" PRIx64, cand[i]);
        double x = ax(g, row, cand[i]), w = mono_w(lab, 10.5);
        double l = x - w / 2;
        const char *anchor = "middle";
        if (l < 4) {
            l = x;
            anchor = "start";
        } else if (x + w / 2 > SVG_W - 4) {
            l = x - w;
            anchor = "end";
        }
        int clash = 0;
        for (int k = 0; k < np; k++)
            if (l < placed[k][1] + 8 && l + w + 8 > placed[k][0])
                clash = 1;
        out(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n", x, y,
            x, y + (end ? 8 : 5), end ? "#444" : "#999");
        if (clash || np >= 64)
            continue;
        placed[np][0] = l;
        placed[np][1] = l + w;
        np++;
        text(g, x, y + 20, anchor, 10.5, end ? "#333" : "#666", NULL, 1, lab);
    }
}

int vmex_report_svg(const vmex_model *m, const vmex_layout *L, const vmex_svg_info *info,
                    vmex_buf *outb)
{
    static const vmex_svg_info none;
    if (!info)
        info = &none;
    const vmex_result *res = info->res;
    segv sv;
    if (build_segs(m, L, 2, &sv) < 0)
        return -1;
    long big = largest_hole(&sv);
    vmex_stats st;
    vmex_model_stats(m, &st);

    vmex_buf body = {0};
    svg G = {.b = &body, .rc = 0};
    svg *g = &G;

    /* rows: one when the map spans at most 4 GiB, else 4 GiB rows (or
     * wider, to keep at most MAX_ROWS), aligned so columns line up */
    uint64_t span = L->max_offset - L->floor, base;
    int nrows;
    if (span <= (4ull << 30)) {
        g->R = span ? span : 1;
        base = L->floor;
        nrows = 1;
    } else {
        g->R = 4ull << 30;
        for (;;) {
            base = L->floor / g->R * g->R;
            nrows = (int)((L->max_offset - base + g->R - 1) / g->R);
            if (nrows <= MAX_ROWS)
                break;
            g->R *= 2;
        }
    }
    /* tick step: a power of two giving 4..8 ticks per row */
    uint64_t step = VMEX_PAGE;
    while (g->R / step > 8)
        step *= 2;

    /* the failed request */
    req_mark rq = {0};
    char note[256] = "";
    if (res && res->verdict != VMEX_OK && res->at >= 0) {
        char a[32], b[32], c[32];
        vmex_human_size(st.largest, a, sizeof a);
        vmex_human_size(res->req, b, sizeof b);
        vmex_human_size(st.free, c, sizeof c);
        if (res->verdict == VMEX_JETSAM) {
            char lim[32], fp[32];
            vmex_human_size(L->footprint_limit, lim, sizeof lim);
            vmex_human_size(st.footprint, fp, sizeof fp);
            snprintf(note, sizeof note, "footprint %s passed the jetsam limit %s at op %" PRId32, fp, lim,
                     res->at);
        } else {
            snprintf(note, sizeof note, "largest hole %s < request %s, free total %s, margin %.3g", a, b, c,
                     res->margin);
            rq.on = 1;
            rq.at = big >= 0 ? sv.v[big].s : L->floor;
            rq.end = big >= 0 ? sv.v[big].e : L->floor;
            rq.req = res->req;
            const char *kind = info->prog && (uint32_t)res->at < info->prog->nops
                                   ? vmex_opkind_name(info->prog->ops[res->at].kind)
                                   : "request";
            snprintf(rq.label, sizeof rq.label, "failed %s %s  (%s, op %" PRId32 ")", kind, b,
                     vmex_class_name(res->verdict), res->at);
        }
    }

    /* ---- title block */
    double y = 30;
    {
        char t[600];
        snprintf(t, sizeof t, "vmex: %s", info->file && *info->file ? info->file : "address space");
        text(g, SVG_PADX, y, NULL, 19, "#1e1e1e", "bold", 0, t);
        y += 23;
        char ents[160], ver[16], vd[128];
        vmex_ents_text(L->ents, ents, sizeof ents);
        if (L->version_x10 % 10)
            snprintf(ver, sizeof ver, "%u.%u", L->version_x10 / 10, L->version_x10 % 10);
        else
            snprintf(ver, sizeof ver, "%u", L->version_x10 / 10);
        if (!res)
            snprintf(vd, sizeof vd, "no run");
        else if (res->verdict == VMEX_OK)
            snprintf(vd, sizeof vd, "ok");
        else
            snprintf(vd, sizeof vd, "%s at op %" PRId32, vmex_class_name(res->verdict), res->at);
        snprintf(t, sizeof t, "profile %s (iOS %s, %u GB%s) \xc2\xb7 entitlements %s \xc2\xb7 verdict ", L->profile,
                 ver, L->ram_gb, L->jumbo ? ", jumbo map" : "", ents);
        out(g, "<text x=\"%d\" y=\"%.1f\" font-size=\"13.5\" fill=\"#333\">", SVG_PADX, y);
        esc(g, t);
        out(g, "<tspan font-weight=\"bold\" fill=\"%s\">", res && res->verdict != VMEX_OK ? "#c0392b" : "#2e7d32");
        esc(g, vd);
        out(g, "</tspan></text>\n");
        y += 20;
        if (note[0]) {
            text(g, SVG_PADX, y, NULL, 13.5, "#c0392b", "bold", 0, note);
            y += 20;
        }
        char sz[32], f[32], lg[32], mp[32], fp[32];
        vmex_human_size(span, sz, sizeof sz);
        vmex_human_size(st.free, f, sizeof f);
        vmex_human_size(st.largest, lg, sizeof lg);
        vmex_human_size(st.mapped, mp, sizeof mp);
        vmex_human_size(st.footprint, fp, sizeof fp);
        snprintf(t, sizeof t,
                 "0x%" PRIx64 " \xe2\x80\x93 0x%" PRIx64 " (%s) \xc2\xb7 free %s in %" PRIu32
                 " holes \xc2\xb7 largest hole %s \xc2\xb7 mapped %s \xc2\xb7 footprint %s \xc2\xb7 %" PRIu32
                 " entries%s",
                 L->floor, L->max_offset, sz, f, st.holes, lg, mp, fp, st.entries,
                 res && res->findings > 1 ? " \xc2\xb7 state at the end of the run" : "");
        text(g, SVG_PADX, y, NULL, 12, "#666", NULL, 0, t);
        y += 26;
    }

    /* ---- rows */
    int rq_row = rq.on ? ordinal_row(g, base, rq.at) : -1;
    int seen_kind[VMEX_R__COUNT] = {0};
    unsigned char seen_tag[256] = {0};
    size_t first = 0;  /* first segment that may reach this row */
    for (int r = 0; r < nrows && g->rc == 0; r++) {
        svg_row row;
        row.rs = base + (uint64_t)r * g->R;
        row.ds = row.rs > L->floor ? row.rs : L->floor;
        row.de = row.rs + g->R < L->max_offset ? row.rs + g->R : L->max_offset;
        if (row.de <= row.ds)
            continue;
        while (first < sv.n && sv.v[first].e <= row.ds)
            first++;

        /* labels above the bar for fixed regions too narrow to hold one:
         * a leader line up from the region, the text to its right.  Lanes
         * are assigned right to left, so a leader never crosses a label:
         * lower lanes only hold labels that start further right. */
        lane_label lab[MAX_LANE_LABELS];
        int nlab = 0, lanes = 0;
        for (size_t i = first; i < sv.n && sv.v[i].s < row.de && nlab < MAX_LANE_LABELS; i++) {
            const seg *s = &sv.v[i];
            if (!is_fixed(s->kind) || s->s < row.ds)
                continue;
            uint64_t e = s->e < row.de ? s->e : row.de;
            double x0 = ax(g, &row, s->s), x1 = ax(g, &row, e);
            if (x1 - x0 >= text_w(region_label(s->kind), 11) + 8)
                continue; /* fits inside */
            lane_label *l = &lab[nlab++];
            char sz[32];
            vmex_human_size(s->e - s->s, sz, sizeof sz);
            snprintf(l->buf, sizeof l->buf, "%s %s", region_label(s->kind), sz);
            l->text = l->buf;
            l->x = (x0 + x1) / 2;
            if (x1 - x0 < 1)
                l->x = x0 + 0.5;
            l->w = text_w(l->buf, 10.5);
            l->lx = l->x + 3;
            if (l->lx + l->w > BAR_X + BAR_W)
                l->lx = l->x - 3 - l->w;   /* at the right edge: text to the left */
            l->lane = -1;
        }
        {
            double lane_left[MAX_LANES];
            for (int k = 0; k < MAX_LANES; k++)
                lane_left[k] = 1e9;
            for (int n = nlab - 1; n >= 0; n--) {
                lane_label *l = &lab[n];
                double left = l->lx < l->x ? l->lx : l->x, right = l->lx + l->w;
                for (int k = 0; k < MAX_LANES; k++)
                    if (right + 6 < lane_left[k]) {
                        l->lane = k;
                        lane_left[k] = left;
                        break;
                    }
                if (l->lane + 1 > lanes)
                    lanes = l->lane + 1;
            }
        }

        double req_y = y;
        if (r == rq_row)
            y += REQ_BAND;
        double lanes_y = y;
        y += lanes * LANE_H + (lanes ? 4 : 0);
        double bar_y = y;
        double dx0 = ax(g, &row, row.ds), dx1 = ax(g, &row, row.de);

        /* background: the whole drawn range is a hole until painted */
        out(g, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"url(#hole)\"/>\n", dx0, bar_y,
            dx1 - dx0, BAR_H);
        /* the entries, merged when they touch in pixel space */
        double px0 = 0, px1 = -1;
        char pcol[16] = "", col[16];
        const seg *pfirst = NULL, *plast = NULL;
        uint32_t pcount = 0;
        for (size_t i = first;; i++) {
            const seg *s = i < sv.n && sv.v[i].s < row.de ? &sv.v[i] : NULL;
            double x0 = 0, x1 = 0;
            if (s && s->kind < 0)
                continue;
            if (s) {
                uint64_t a = s->s > row.ds ? s->s : row.ds, e = s->e < row.de ? s->e : row.de;
                x0 = ax(g, &row, a);
                x1 = ax(g, &row, e);
                if (x1 - x0 < 1) {
                    x1 = x0 + 1;
                    if (x1 > dx1) {
                        x1 = dx1;
                        x0 = x1 - 1;
                    }
                }
                seg_color(s, col, sizeof col);
                if (is_app(s->kind))
                    seen_tag[s->tag & 0xff] = 1;
                else if (is_fixed(s->kind))
                    seen_kind[s->kind] = 1;
                if (pfirst && !strcmp(col, pcol) && x0 <= px1 + 0.05) {
                    if (x1 > px1)
                        px1 = x1;
                    plast = s;
                    pcount += s->count;
                    continue;
                }
            }
            if (pfirst) {
                char d[200];
                if (pfirst == plast) {
                    seg_desc(pfirst, d, sizeof d);
                } else {
                    char sz[32];
                    vmex_human_size(plast->e - pfirst->s, sz, sizeof sz);
                    snprintf(d, sizeof d, "0x%" PRIx64 "-0x%" PRIx64 "  %" PRIu32 " entries in %s", pfirst->s,
                             plast->e, pcount, sz);
                }
                out(g, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>", px0,
                    bar_y, px1 - px0, BAR_H, pcol);
                esc(g, d);
                out(g, "</title></rect>\n");
                /* a label inside when there is room */
                if (is_fixed(pfirst->kind) || pfirst == plast) {
                    char l1[64], sz[32];
                    uint64_t bytes = plast->e - pfirst->s;
                    vmex_human_size(bytes, sz, sizeof sz);
                    if (is_fixed(pfirst->kind)) {
                        snprintf(l1, sizeof l1, "%s", region_label(pfirst->kind));
                    } else {
                        const char *tn = vmex_tag_name(pfirst->tag);
                        if (tn)
                            snprintf(l1, sizeof l1, "%s", tn);
                        else
                            snprintf(l1, sizeof l1, "tag %d", pfirst->tag);
                    }
                    double w = px1 - px0;
                    const char *fg = text_on(pcol);
                    if (w >= text_w(l1, 11) + 8 && w >= text_w(sz, 10.5) + 8) {
                        text(g, (px0 + px1) / 2, bar_y + BAR_H / 2 - 3, "middle", 11, fg,
                             is_fixed(pfirst->kind) ? "bold" : NULL, 0, l1);
                        text(g, (px0 + px1) / 2, bar_y + BAR_H / 2 + 11, "middle", 10.5, fg, NULL, 0, sz);
                    } else if (w >= text_w(l1, 11) + 8) {
                        text(g, (px0 + px1) / 2, bar_y + BAR_H / 2 + 4, "middle", 11, fg,
                             is_fixed(pfirst->kind) ? "bold" : NULL, 0, l1);
                    }
                }
            }
            if (!s)
                break;
            pfirst = plast = s;
            pcount = s->count;
            px0 = x0;
            px1 = x1;
            snprintf(pcol, sizeof pcol, "%s", col);
        }
        /* hole sizes, and the largest hole outlined */
        for (size_t i = first; i < sv.n && sv.v[i].s < row.de; i++) {
            const seg *s = &sv.v[i];
            if (s->kind >= 0)
                continue;
            uint64_t a = s->s > row.ds ? s->s : row.ds, e = s->e < row.de ? s->e : row.de;
            double x0 = ax(g, &row, a), x1 = ax(g, &row, e);
            char sz[32];
            vmex_human_size(s->e - s->s, sz, sizeof sz);
            if ((long)i == big) {
                double w = x1 - x0 < 1 ? 1 : x1 - x0;
                out(g,
                    "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"none\" stroke=\"#c0392b\" "
                    "stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
                    x0, bar_y + 0.75, w, BAR_H - 1);
            }
            char hlab[48];
            snprintf(hlab, sizeof hlab, "%s%s", (long)i == big ? "largest hole " : "", sz);
            if (x1 - x0 < text_w(hlab, 11) + 10)
                snprintf(hlab, sizeof hlab, "%s", sz);
            if (x1 - x0 >= text_w(hlab, 11) + 10) {
                out(g, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"%s\"%s>"
                       "<tspan style=\"paint-order:stroke\" stroke=\"#ffffff\" stroke-width=\"3\">",
                    (x0 + x1) / 2, bar_y + BAR_H / 2 + 4, (long)i == big ? "#c0392b" : "#555",
                    (long)i == big ? " font-weight=\"bold\"" : "");
                esc(g, hlab);
                out(g, "</tspan><title>");
                char d[160];
                seg_desc(s, d, sizeof d);
                esc(g, d);
                out(g, "</title></text>\n");
            }
        }
        /* the frame of the bar */
        out(g, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"none\" stroke=\"#777\" "
               "stroke-width=\"1\"/>\n",
            dx0, bar_y, dx1 - dx0, BAR_H);
        /* lane labels */
        for (int k = 0; k < nlab; k++) {
            lane_label *l = &lab[k];
            if (l->lane < 0)
                continue;   /* no room: the legend names it */
            double ty = lanes_y + (lanes - l->lane) * LANE_H - 4;
            out(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"0.8\"/>\n",
                l->x, ty - 8, l->x, bar_y);
            text(g, l->lx, ty, NULL, 10.5, "#333", NULL, 0, l->text);
        }
        /* the failed request, above the largest hole, at the same scale;
         * shifted left when it would run past the row's end */
        if (r == rq_row) {
            uint64_t he = rq.end < row.de ? rq.end : row.de;
            double hx0 = ax(g, &row, rq.at), hx1 = ax(g, &row, he);
            if (hx1 - hx0 < 1)
                hx1 = hx0 + 1;
            double w = (double)rq.req * (double)BAR_W / (double)g->R;
            int clipped = 0;
            if (w < 2)
                w = 2;
            if (w > BAR_W) {
                w = BAR_W;
                clipped = 1;
            }
            double x0 = hx0;
            if (x0 + w > BAR_X + BAR_W)
                x0 = BAR_X + BAR_W - w;
            double by = req_y + 20;
            out(g,
                "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"18\" fill=\"#c0392b\" fill-opacity=\"0.12\" "
                "stroke=\"#c0392b\" stroke-width=\"2\"%s><title>",
                x0, by, w, clipped ? " stroke-dasharray=\"6 3\"" : "");
            esc(g, rq.label);
            out(g, "</title></rect>\n");
            /* a bracket over the hole it does not fit in, and a connector */
            double cx = (hx0 + hx1) / 2;
            if (cx < x0 + 1)
                cx = x0 + 1;
            out(g,
                "<path d=\"M%.2f %.1fV%.1fH%.2fV%.1f\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\"/>\n",
                hx0, bar_y - 1, bar_y - 6, hx1, bar_y - 1);
            out(g,
                "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#c0392b\" stroke-width=\"1\" "
                "stroke-dasharray=\"3 2\"/>\n",
                cx, by + 18, cx, bar_y - 6);
            char l2[160];
            snprintf(l2, sizeof l2, "%s%s", rq.label, clipped ? " (wider than a row)" : "");
            double tw = text_w(l2, 12);
            double tx = x0;
            const char *anchor = NULL;
            if (tx + tw > BAR_X + BAR_W) {
                tx = BAR_X + BAR_W;
                anchor = "end";
            }
            text(g, tx, by - 6, anchor, 12, "#c0392b", "bold", 0, l2);
        }
        y = bar_y + BAR_H;
        draw_ticks(g, &row, y, step, L);
        y += TICK_BAND + ROW_GAP;
    }

    /* ---- legend */
    {
        double x = SVG_PADX;
        y += 2;
        text(g, x, y, NULL, 12, "#333", "bold", 0, "legend");
        y += 10;
        struct { char col[16]; char name[64]; int style; } items[64 + VMEX_R__COUNT + 3];
        int ni = 0;
        for (int k = VMEX_R_BINARY; k < VMEX_R__COUNT; k++)
            if (seen_kind[k]) {
                snprintf(items[ni].col, sizeof items[ni].col, "%s", region_color(k));
                snprintf(items[ni].name, sizeof items[ni].name, "%s", region_label(k));
                items[ni++].style = 0;
            }
        for (int t = 0; t < 256 && ni < 64; t++)
            if (seen_tag[t]) {
                tag_color(t, items[ni].col, sizeof items[ni].col);
                const char *tn = vmex_tag_name(t);
                if (tn)
                    snprintf(items[ni].name, sizeof items[ni].name, "%s (%d)", tn, t);
                else
                    snprintf(items[ni].name, sizeof items[ni].name, "tag %d", t);
                items[ni++].style = 0;
            }
        snprintf(items[ni].col, sizeof items[ni].col, "#ffffff");
        snprintf(items[ni].name, sizeof items[ni].name, "hole");
        items[ni++].style = 1;
        if (big >= 0) {
            snprintf(items[ni].col, sizeof items[ni].col, "#ffffff");
            snprintf(items[ni].name, sizeof items[ni].name, "largest hole");
            items[ni++].style = 2;
        }
        if (rq.on) {
            snprintf(items[ni].col, sizeof items[ni].col, "#c0392b");
            snprintf(items[ni].name, sizeof items[ni].name, "failed request (same scale)");
            items[ni++].style = 3;
        }
        for (int k = 0; k < ni; k++) {
            double w = 16 + 6 + text_w(items[k].name, 11.5) + 18;
            if (x + w > SVG_W - SVG_PADX && x > SVG_PADX) {
                x = SVG_PADX;
                y += 22;
            }
            switch (items[k].style) {
            case 0:
                out(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"14\" fill=\"%s\" stroke=\"#777\" "
                       "stroke-width=\"0.5\"/>\n", x, y, items[k].col);
                break;
            case 1:
                out(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"14\" fill=\"url(#hole)\" stroke=\"#777\" "
                       "stroke-width=\"0.5\"/>\n", x, y);
                break;
            case 2:
                out(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"14\" fill=\"url(#hole)\" stroke=\"#c0392b\" "
                       "stroke-width=\"1.5\" stroke-dasharray=\"4 2\"/>\n", x, y);
                break;
            default:
                out(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"14\" fill=\"#c0392b\" fill-opacity=\"0.12\" "
                       "stroke=\"#c0392b\" stroke-width=\"2\"/>\n", x, y);
                break;
            }
            text(g, x + 22, y + 11.5, NULL, 11.5, "#333", NULL, 0, items[k].name);
            x += w;
        }
        y += 30;
        text(g, SVG_PADX, y, NULL, 10.5, "#888", NULL, 0,
             "scale is linear; every mapping is drawn at least 1 px wide; hover for addresses");
        y += 14;
    }

    int H = (int)ceil(y);
    int rc = g->rc;
    rc |= vmex_buf_printf(outb,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                          "viewBox=\"0 0 %d %d\" font-family=\"" FONT "\">\n"
                          "<defs><pattern id=\"hole\" patternUnits=\"userSpaceOnUse\" width=\"7\" height=\"7\" "
                          "patternTransform=\"rotate(45)\"><rect width=\"7\" height=\"7\" fill=\"#ffffff\"/>"
                          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\" stroke=\"#e2e2e2\" stroke-width=\"2.5\"/>"
                          "</pattern></defs>\n"
                          "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                          SVG_W, H, SVG_W, H, SVG_W, H);
    if (rc == 0)
        rc |= vmex_buf_put(outb, body.p ? body.p : "", body.len);
    rc |= PUTS(outb, "</svg>\n");
    vmex_buf_free(&body);
    free(sv.v);
    return rc ? -1 : 0;
}
