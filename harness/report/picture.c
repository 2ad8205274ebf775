/*
 * picture.c - the SVG picture of a model's address space (vmex_report_svg,
 * `vmex run --svg`): a title block with the verdict, the map as bars of at
 * most 4 GiB each (more rows for jumbo maps), entries coloured by region or
 * VM tag, holes hatched with the largest outlined, the failed request drawn
 * to scale above the hole it did not fit in, address ticks, and a legend.
 * Drawn with the primitives of svg.c, from the segments of map.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "report/map.h"
#include "report/report.h"
#include "report/svg.h"

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
#define MAX_LANES 3
#define MAX_LANE_LABELS 16
#define RED       "#c0392b"

/* a label placed above the bar in one of a few lanes, with a leader line */
typedef struct lane_label {
    double x, lx, w;   /* leader at x; label from lx, w wide */
    int lane;
    char text[48];
} lane_label;

/* a request marker for a failed VA request */
typedef struct req_mark {
    int on;
    uint64_t at, end;   /* where it is drawn: the largest hole */
    uint64_t req;
    char label[96];
} req_mark;

/* One row of the picture. */
typedef struct row {
    uint64_t rs;            /* address at the row's left edge */
    uint64_t ds, de;        /* drawn part: [ds, de) within [floor, max_offset) */
    size_t first;           /* first segment that may reach it */
    double bar_y;
} row;

typedef struct pic {
    vmex_svg g;
    const vmex_layout *L;
    uint64_t R;             /* bytes per row */
    vmex_segv sv;
    long big;               /* the largest hole's segment, or -1 */
    req_mark rq;
    int seen_kind[VMEX_R__COUNT];
    unsigned char seen_tag[256];
} pic;

static double ax(const pic *P, const row *w, uint64_t a)
{
    return vmex_svg_scale((double)(a - w->rs), (double)P->R, BAR_X, BAR_X + BAR_W);
}

static void text(pic *P, double x, double y, const char *anchor, double size, const char *fill, int bold,
                 const char *s)
{
    vmex_svg_text(&P->g, x, y, &(vmex_svg_font){.size = size, .fill = fill, .anchor = anchor, .bold = bold}, s);
}

static void seg_desc(const vmex_seg *s, char *buf, size_t n)
{
    char sz[32];
    vmex_human_size(s->e - s->s, sz, sizeof sz);
    if (s->kind < 0) {
        snprintf(buf, n, "0x%" PRIx64 "-0x%" PRIx64 "  %s hole", s->s, s->e, sz);
    } else if (_vmex_map_is_app(s->kind)) {
        const char *tn = vmex_tag_name(s->tag);
        char tname[48];
        if (tn)
            snprintf(tname, sizeof tname, "%s (tag %d)", tn, s->tag);
        else
            snprintf(tname, sizeof tname, "tag %d", s->tag);
        snprintf(buf, n, "0x%" PRIx64 "-0x%" PRIx64 "  %s %s %s, %" PRIu32 " entr%s", s->s, s->e, sz,
                 vmex_region_name(s->kind), tname, s->count, s->count == 1 ? "y" : "ies");
    } else {
        snprintf(buf, n, "0x%" PRIx64 "-0x%" PRIx64 "  %s %s", s->s, s->e, sz, _vmex_map_region_label(s->kind));
    }
}

static void seg_color(const vmex_seg *s, char *buf, size_t n)
{
    if (_vmex_map_is_app(s->kind))
        _vmex_map_tag_color(s->tag, buf, n);
    else
        snprintf(buf, n, "%s", _vmex_map_region_color(s->kind));
}

/* ---------------------------------------------------------------- title */

/* The failed request: the note under the title and the marker (P->rq). */
static void request_note(pic *P, const vmex_svg_info *info, const vmex_stats *st, char *note, size_t n)
{
    const vmex_result *res = info->res;
    const vmex_layout *L = P->L;
    note[0] = '\0';
    if (!res || res->verdict == VMEX_OK || res->at < 0)
        return;
    char a[32], b[32], c[32];
    vmex_human_size(st->largest, a, sizeof a);
    vmex_human_size(res->req, b, sizeof b);
    vmex_human_size(st->free, c, sizeof c);
    if (res->verdict == VMEX_JETSAM) {
        char lim[32], fp[32];
        vmex_human_size(L->footprint_limit, lim, sizeof lim);
        vmex_human_size(st->footprint, fp, sizeof fp);
        snprintf(note, n, "footprint %s passed the jetsam limit %s at op %" PRId32, fp, lim, res->at);
        return;
    }
    snprintf(note, n, "largest hole %s < request %s, free total %s, margin %.3g", a, b, c, res->margin);
    req_mark *rq = &P->rq;
    rq->on = 1;
    rq->at = P->big >= 0 ? P->sv.v[P->big].s : L->floor;
    rq->end = P->big >= 0 ? P->sv.v[P->big].e : L->floor;
    rq->req = res->req;
    const char *kind = info->prog && (uint32_t)res->at < info->prog->nops
                           ? vmex_opkind_name(info->prog->ops[res->at].kind)
                           : "request";
    snprintf(rq->label, sizeof rq->label, "failed %s %s  (%s, op %" PRId32 ")", kind, b,
             vmex_class_name(res->verdict), res->at);
}

/* The title block; returns the y below it. */
static double draw_title(pic *P, const vmex_svg_info *info, const vmex_stats *st, double y)
{
    const vmex_result *res = info->res;
    const vmex_layout *L = P->L;
    char t[600], note[256];
    request_note(P, info, st, note, sizeof note);
    snprintf(t, sizeof t, "vmex: %s", info->file && *info->file ? info->file : "address space");
    text(P, SVG_PADX, y, NULL, 19, "#1e1e1e", 1, t);
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
    snprintf(t, sizeof t, "profile %s (iOS %s, %u GB%s) \xc2\xb7 entitlements %s \xc2\xb7 verdict ", L->profile, ver,
             L->ram_gb, L->jumbo ? ", jumbo map" : "", ents);
    vmex_svg_printf(&P->g, "<text x=\"%d\" y=\"%.1f\" font-size=\"13.5\" fill=\"#333\">", SVG_PADX, y);
    vmex_svg_esc(&P->g, t);
    vmex_svg_printf(&P->g, "<tspan font-weight=\"bold\" fill=\"%s\">",
                    res && res->verdict != VMEX_OK ? RED : "#2e7d32");
    vmex_svg_esc(&P->g, vd);
    vmex_svg_printf(&P->g, "</tspan></text>\n");
    y += 20;
    if (note[0]) {
        text(P, SVG_PADX, y, NULL, 13.5, RED, 1, note);
        y += 20;
    }
    char sz[32], f[32], lg[32], mp[32], fp[32];
    vmex_human_size(L->max_offset - L->floor, sz, sizeof sz);
    vmex_human_size(st->free, f, sizeof f);
    vmex_human_size(st->largest, lg, sizeof lg);
    vmex_human_size(st->mapped, mp, sizeof mp);
    vmex_human_size(st->footprint, fp, sizeof fp);
    snprintf(t, sizeof t,
             "0x%" PRIx64 " \xe2\x80\x93 0x%" PRIx64 " (%s) \xc2\xb7 free %s in %" PRIu32
             " holes \xc2\xb7 largest hole %s \xc2\xb7 mapped %s \xc2\xb7 footprint %s \xc2\xb7 %" PRIu32
             " entries%s",
             L->floor, L->max_offset, sz, f, st->holes, lg, mp, fp, st->entries,
             res && res->findings > 1 ? " \xc2\xb7 state at the end of the run" : "");
    text(P, SVG_PADX, y, NULL, 12, "#666", 0, t);
    return y + 26;
}

/* ---------------------------------------------------------------- a row */

/* Labels above the bar for fixed regions too narrow to hold one: a leader
 * line up from the region, the text to its right.  Lanes are assigned right
 * to left, so a leader never crosses a label: lower lanes only hold labels
 * that start further right.  Returns the number of lanes used. */
static int place_lanes(const pic *P, const row *w, lane_label *lab, int *nlab)
{
    int lanes = 0;
    *nlab = 0;
    for (size_t i = w->first; i < P->sv.n && P->sv.v[i].s < w->de && *nlab < MAX_LANE_LABELS; i++) {
        const vmex_seg *s = &P->sv.v[i];
        if (!_vmex_map_is_fixed(s->kind) || s->s < w->ds)
            continue;
        uint64_t e = s->e < w->de ? s->e : w->de;
        double x0 = ax(P, w, s->s), x1 = ax(P, w, e);
        if (x1 - x0 >= vmex_svg_text_width(_vmex_map_region_label(s->kind), 11) + 8)
            continue; /* fits inside */
        lane_label *l = &lab[(*nlab)++];
        char sz[32];
        vmex_human_size(s->e - s->s, sz, sizeof sz);
        snprintf(l->text, sizeof l->text, "%s %s", _vmex_map_region_label(s->kind), sz);
        l->x = (x0 + x1) / 2;
        if (x1 - x0 < 1)
            l->x = x0 + 0.5;
        l->w = vmex_svg_text_width(l->text, 10.5);
        l->lx = l->x + 3;
        if (l->lx + l->w > BAR_X + BAR_W)
            l->lx = l->x - 3 - l->w;   /* at the right edge: text to the left */
        l->lane = -1;
    }
    double lane_left[MAX_LANES];
    for (int k = 0; k < MAX_LANES; k++)
        lane_left[k] = 1e9;
    for (int n = *nlab - 1; n >= 0; n--) {
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
    return lanes;
}

/* One run of touching entries of one colour (pfirst..plast), with its
 * tooltip and a label inside when there is room. */
static void draw_run(pic *P, const row *w, const vmex_seg *pfirst, const vmex_seg *plast, uint32_t pcount,
                     double px0, double px1, const char *pcol)
{
    char d[200];
    if (pfirst == plast) {
        seg_desc(pfirst, d, sizeof d);
    } else {
        char sz[32];
        vmex_human_size(plast->e - pfirst->s, sz, sizeof sz);
        snprintf(d, sizeof d, "0x%" PRIx64 "-0x%" PRIx64 "  %" PRIu32 " entries in %s", pfirst->s, plast->e, pcount,
                 sz);
    }
    vmex_svg_printf(&P->g, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>", px0,
                    w->bar_y, px1 - px0, BAR_H, pcol);
    vmex_svg_esc(&P->g, d);
    vmex_svg_printf(&P->g, "</title></rect>\n");
    int fixed = _vmex_map_is_fixed(pfirst->kind);
    if (!fixed && pfirst != plast)
        return;
    char l1[64], sz[32];
    vmex_human_size(plast->e - pfirst->s, sz, sizeof sz);
    if (fixed) {
        snprintf(l1, sizeof l1, "%s", _vmex_map_region_label(pfirst->kind));
    } else {
        const char *tn = vmex_tag_name(pfirst->tag);
        if (tn)
            snprintf(l1, sizeof l1, "%s", tn);
        else
            snprintf(l1, sizeof l1, "tag %d", pfirst->tag);
    }
    double width = px1 - px0, cx = (px0 + px1) / 2;
    const char *fg = _vmex_map_text_on(pcol);
    if (width >= vmex_svg_text_width(l1, 11) + 8 && width >= vmex_svg_text_width(sz, 10.5) + 8) {
        text(P, cx, w->bar_y + BAR_H / 2 - 3, "middle", 11, fg, fixed, l1);
        text(P, cx, w->bar_y + BAR_H / 2 + 11, "middle", 10.5, fg, 0, sz);
    } else if (width >= vmex_svg_text_width(l1, 11) + 8) {
        text(P, cx, w->bar_y + BAR_H / 2 + 4, "middle", 11, fg, fixed, l1);
    }
}

/* The entries of a row, merged when they touch in pixel space. */
static void draw_entries(pic *P, const row *w)
{
    double dx1 = ax(P, w, w->de);
    double px0 = 0, px1 = -1;
    char pcol[16] = "", col[16];
    const vmex_seg *pfirst = NULL, *plast = NULL;
    uint32_t pcount = 0;
    for (size_t i = w->first;; i++) {
        const vmex_seg *s = i < P->sv.n && P->sv.v[i].s < w->de ? &P->sv.v[i] : NULL;
        double x0 = 0, x1 = 0;
        if (s && s->kind < 0)
            continue;
        if (s) {
            uint64_t a = s->s > w->ds ? s->s : w->ds, e = s->e < w->de ? s->e : w->de;
            x0 = ax(P, w, a);
            x1 = ax(P, w, e);
            if (x1 - x0 < 1) {
                x1 = x0 + 1;
                if (x1 > dx1) {
                    x1 = dx1;
                    x0 = x1 - 1;
                }
            }
            seg_color(s, col, sizeof col);
            if (_vmex_map_is_app(s->kind))
                P->seen_tag[s->tag & 0xff] = 1;
            else if (_vmex_map_is_fixed(s->kind))
                P->seen_kind[s->kind] = 1;
            if (pfirst && !strcmp(col, pcol) && x0 <= px1 + 0.05) {
                if (x1 > px1)
                    px1 = x1;
                plast = s;
                pcount += s->count;
                continue;
            }
        }
        if (pfirst)
            draw_run(P, w, pfirst, plast, pcount, px0, px1, pcol);
        if (!s)
            break;
        pfirst = plast = s;
        pcount = s->count;
        px0 = x0;
        px1 = x1;
        snprintf(pcol, sizeof pcol, "%s", col);
    }
}

/* Hole sizes, and the largest hole outlined. */
static void draw_holes(pic *P, const row *w)
{
    for (size_t i = w->first; i < P->sv.n && P->sv.v[i].s < w->de; i++) {
        const vmex_seg *s = &P->sv.v[i];
        if (s->kind >= 0)
            continue;
        int big = (long)i == P->big;
        uint64_t a = s->s > w->ds ? s->s : w->ds, e = s->e < w->de ? s->e : w->de;
        double x0 = ax(P, w, a), x1 = ax(P, w, e);
        char sz[32];
        vmex_human_size(s->e - s->s, sz, sizeof sz);
        if (big)
            vmex_svg_printf(&P->g,
                            "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"none\" stroke=\"" RED
                            "\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n",
                            x0, w->bar_y + 0.75, x1 - x0 < 1 ? 1 : x1 - x0, BAR_H - 1);
        char hlab[48];
        snprintf(hlab, sizeof hlab, "%s%s", big ? "largest hole " : "", sz);
        if (x1 - x0 < vmex_svg_text_width(hlab, 11) + 10)
            snprintf(hlab, sizeof hlab, "%s", sz);
        if (x1 - x0 < vmex_svg_text_width(hlab, 11) + 10)
            continue;
        vmex_svg_printf(&P->g,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"%s\"%s>"
                        "<tspan style=\"paint-order:stroke\" stroke=\"#ffffff\" stroke-width=\"3\">",
                        (x0 + x1) / 2, w->bar_y + BAR_H / 2 + 4, big ? RED : "#555",
                        big ? " font-weight=\"bold\"" : "");
        vmex_svg_esc(&P->g, hlab);
        vmex_svg_printf(&P->g, "</tspan><title>");
        char d[160];
        seg_desc(s, d, sizeof d);
        vmex_svg_esc(&P->g, d);
        vmex_svg_printf(&P->g, "</title></text>\n");
    }
}

/* The failed request, above the largest hole, at the same scale; shifted
 * left when it would run past the row's end. */
static void draw_request(pic *P, const row *w, double req_y)
{
    const req_mark *rq = &P->rq;
    double bar_y = w->bar_y;
    uint64_t he = rq->end < w->de ? rq->end : w->de;
    double hx0 = ax(P, w, rq->at), hx1 = ax(P, w, he);
    if (hx1 - hx0 < 1)
        hx1 = hx0 + 1;
    double wd = (double)rq->req * (double)BAR_W / (double)P->R;
    int clipped = 0;
    if (wd < 2)
        wd = 2;
    if (wd > BAR_W) {
        wd = BAR_W;
        clipped = 1;
    }
    double x0 = hx0;
    if (x0 + wd > BAR_X + BAR_W)
        x0 = BAR_X + BAR_W - wd;
    double by = req_y + 20;
    vmex_svg_printf(&P->g,
                    "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"18\" fill=\"" RED "\" fill-opacity=\"0.12\" "
                    "stroke=\"" RED "\" stroke-width=\"2\"%s><title>",
                    x0, by, wd, clipped ? " stroke-dasharray=\"6 3\"" : "");
    vmex_svg_esc(&P->g, rq->label);
    vmex_svg_printf(&P->g, "</title></rect>\n");
    /* a bracket over the hole it does not fit in, and a connector */
    double cx = (hx0 + hx1) / 2;
    if (cx < x0 + 1)
        cx = x0 + 1;
    vmex_svg_printf(&P->g,
                    "<path d=\"M%.2f %.1fV%.1fH%.2fV%.1f\" fill=\"none\" stroke=\"" RED "\" stroke-width=\"1.5\"/>\n",
                    hx0, bar_y - 1, bar_y - 6, hx1, bar_y - 1);
    vmex_svg_printf(&P->g,
                    "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"" RED "\" stroke-width=\"1\" "
                    "stroke-dasharray=\"3 2\"/>\n",
                    cx, by + 18, cx, bar_y - 6);
    char l2[160];
    snprintf(l2, sizeof l2, "%s%s", rq->label, clipped ? " (wider than a row)" : "");
    double tx = x0;
    const char *anchor = NULL;
    if (tx + vmex_svg_text_width(l2, 12) > BAR_X + BAR_W) {
        tx = BAR_X + BAR_W;
        anchor = "end";
    }
    text(P, tx, by - 6, anchor, 12, RED, 1, l2);
}

/* Address ticks under a row: the ends of the map first (they win over the
 * regular ticks), a label only where it does not clash with another. */
static void draw_ticks(pic *P, const row *w, double y, uint64_t step)
{
    const vmex_layout *L = P->L;
    double placed[64][2];
    int np = 0, nends = 0, nc = 0;
    uint64_t cand[64];
    if (w->ds == L->floor)
        cand[nc++] = w->ds;
    if (w->de == L->max_offset)
        cand[nc++] = w->de;
    nends = nc;
    for (uint64_t t = (w->ds + step - 1) / step * step; t <= w->de && nc < 60; t += step)
        if (t != L->floor && t != L->max_offset)
            cand[nc++] = t;
    for (int i = 0; i < nc; i++) {
        char lab[32];
        int end = i < nends;
        snprintf(lab, sizeof lab, "0x%" PRIx64, cand[i]);
        double x = ax(P, w, cand[i]), wd = vmex_svg_mono_width(lab, 10.5);
        double l = x - wd / 2;
        const char *anchor = "middle";
        if (l < 4) {
            l = x;
            anchor = "start";
        } else if (x + wd / 2 > SVG_W - 4) {
            l = x - wd;
            anchor = "end";
        }
        int clash = 0;
        for (int k = 0; k < np; k++)
            if (l < placed[k][1] + 8 && l + wd + 8 > placed[k][0])
                clash = 1;
        vmex_svg_line(&P->g, x, y, x, y + (end ? 8 : 5), end ? "#444" : "#999", 1, NULL);
        if (clash || np >= 64)
            continue;
        placed[np][0] = l;
        placed[np][1] = l + wd;
        np++;
        vmex_svg_text(&P->g, x, y + 20,
                      &(vmex_svg_font){.size = 10.5, .fill = end ? "#333" : "#666", .anchor = anchor, .mono = 1},
                      lab);
    }
}

/* Row r at y; returns the y below it. */
static double draw_row(pic *P, row *w, double y, int with_request, uint64_t step)
{
    lane_label lab[MAX_LANE_LABELS];
    int nlab;
    int lanes = place_lanes(P, w, lab, &nlab);
    double req_y = y;
    if (with_request)
        y += REQ_BAND;
    double lanes_y = y;
    y += lanes * LANE_H + (lanes ? 4 : 0);
    w->bar_y = y;
    double dx0 = ax(P, w, w->ds), dx1 = ax(P, w, w->de);
    /* background: the whole drawn range is a hole until painted */
    vmex_svg_printf(&P->g, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"url(#hole)\"/>\n", dx0,
                    w->bar_y, dx1 - dx0, BAR_H);
    draw_entries(P, w);
    draw_holes(P, w);
    vmex_svg_printf(&P->g,
                    "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" fill=\"none\" stroke=\"#777\" "
                    "stroke-width=\"1\"/>\n",
                    dx0, w->bar_y, dx1 - dx0, BAR_H);
    for (int k = 0; k < nlab; k++) {
        const lane_label *l = &lab[k];
        if (l->lane < 0)
            continue;   /* no room: the legend names it */
        double ty = lanes_y + (lanes - l->lane) * LANE_H - 4;
        vmex_svg_line(&P->g, l->x, ty - 8, l->x, w->bar_y, "#555", 0.8, NULL);
        text(P, l->lx, ty, NULL, 10.5, "#333", 0, l->text);
    }
    if (with_request)
        draw_request(P, w, req_y);
    y = w->bar_y + BAR_H;
    draw_ticks(P, w, y, step);
    return y + TICK_BAND + ROW_GAP;
}

/* ---------------------------------------------------------------- legend */

static double draw_legend(pic *P, double y)
{
    static const char *const swatch[] = {
        NULL,   /* a colour: below */
        "fill=\"url(#hole)\" stroke=\"#777\" stroke-width=\"0.5\"",
        "fill=\"url(#hole)\" stroke=\"" RED "\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"",
        "fill=\"" RED "\" fill-opacity=\"0.12\" stroke=\"" RED "\" stroke-width=\"2\"",
    };
    struct { char col[16]; char name[64]; int style; } items[64 + VMEX_R__COUNT + 3];
    int ni = 0;
    double x = SVG_PADX;
    y += 2;
    text(P, x, y, NULL, 12, "#333", 1, "legend");
    y += 10;
    for (int k = VMEX_R_BINARY; k < VMEX_R__COUNT; k++)
        if (P->seen_kind[k]) {
            snprintf(items[ni].col, sizeof items[ni].col, "%s", _vmex_map_region_color(k));
            snprintf(items[ni].name, sizeof items[ni].name, "%s", _vmex_map_region_label(k));
            items[ni++].style = 0;
        }
    for (int t = 0; t < 256 && ni < 64; t++)
        if (P->seen_tag[t]) {
            _vmex_map_tag_color(t, items[ni].col, sizeof items[ni].col);
            const char *tn = vmex_tag_name(t);
            if (tn)
                snprintf(items[ni].name, sizeof items[ni].name, "%s (%d)", tn, t);
            else
                snprintf(items[ni].name, sizeof items[ni].name, "tag %d", t);
            items[ni++].style = 0;
        }
    snprintf(items[ni].name, sizeof items[ni].name, "hole");
    items[ni++].style = 1;
    if (P->big >= 0) {
        snprintf(items[ni].name, sizeof items[ni].name, "largest hole");
        items[ni++].style = 2;
    }
    if (P->rq.on) {
        snprintf(items[ni].name, sizeof items[ni].name, "failed request (same scale)");
        items[ni++].style = 3;
    }
    for (int k = 0; k < ni; k++) {
        double w = 16 + 6 + vmex_svg_text_width(items[k].name, 11.5) + 18;
        if (x + w > SVG_W - SVG_PADX && x > SVG_PADX) {
            x = SVG_PADX;
            y += 22;
        }
        vmex_svg_printf(&P->g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"14\" ", x, y);
        if (items[k].style == 0)
            vmex_svg_printf(&P->g, "fill=\"%s\" stroke=\"#777\" stroke-width=\"0.5\"", items[k].col);
        else
            vmex_svg_printf(&P->g, "%s", swatch[items[k].style]);
        vmex_svg_printf(&P->g, "/>\n");
        text(P, x + 22, y + 11.5, NULL, 11.5, "#333", 0, items[k].name);
        x += w;
    }
    y += 30;
    text(P, SVG_PADX, y, NULL, 10.5, "#888", 0,
         "scale is linear; every mapping is drawn at least 1 px wide; hover for addresses");
    return y + 14;
}

/* ---------------------------------------------------------------- the picture */

int vmex_report_svg(const vmex_model *m, const vmex_layout *L, const vmex_svg_info *info, vmex_buf *outb)
{
    static const vmex_svg_info none;
    if (!info)
        info = &none;
    pic *P = calloc(1, sizeof *P);
    if (!P)
        return -1;
    vmex_buf body = {0};
    P->g.b = &body;
    P->L = L;
    if (_vmex_map_segs(m, L, 2, &P->sv) < 0) {
        free(P);
        return -1;
    }
    P->big = _vmex_map_largest_hole(&P->sv);
    vmex_stats st;
    vmex_model_stats(m, &st);

    /* rows: one when the map spans at most 4 GiB, else 4 GiB rows (or
     * wider, to keep at most MAX_ROWS), aligned so columns line up */
    uint64_t span = L->max_offset - L->floor, base;
    int nrows;
    if (span <= (4ull << 30)) {
        P->R = span ? span : 1;
        base = L->floor;
        nrows = 1;
    } else {
        P->R = 4ull << 30;
        for (;;) {
            base = L->floor / P->R * P->R;
            nrows = (int)((L->max_offset - base + P->R - 1) / P->R);
            if (nrows <= MAX_ROWS)
                break;
            P->R *= 2;
        }
    }
    /* tick step: a power of two giving 4..8 ticks per row */
    uint64_t step = VMEX_PAGE;
    while (P->R / step > 8)
        step *= 2;

    double y = draw_title(P, info, &st, 30);
    int rq_row = P->rq.on ? (int)((P->rq.at - base) / P->R) : -1;
    size_t first = 0;
    for (int r = 0; r < nrows && P->g.rc == 0; r++) {
        row w = {0};
        w.rs = base + (uint64_t)r * P->R;
        w.ds = w.rs > L->floor ? w.rs : L->floor;
        w.de = w.rs + P->R < L->max_offset ? w.rs + P->R : L->max_offset;
        if (w.de <= w.ds)
            continue;
        while (first < P->sv.n && P->sv.v[first].e <= w.ds)
            first++;
        w.first = first;
        y = draw_row(P, &w, y, r == rq_row, step);
    }
    y = draw_legend(P, y);

    int H = (int)ceil(y);
    vmex_svg doc = {.b = outb};
    vmex_svg_open(&doc, SVG_W, H, VMEX_SVG_FONT);
    vmex_svg_printf(&doc, "<defs><pattern id=\"hole\" patternUnits=\"userSpaceOnUse\" width=\"7\" height=\"7\" "
                          "patternTransform=\"rotate(45)\"><rect width=\"7\" height=\"7\" fill=\"#ffffff\"/>"
                          "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\" stroke=\"#e2e2e2\" stroke-width=\"2.5\"/>"
                          "</pattern></defs>\n"
                          "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                    SVG_W, H);
    int rc = P->g.rc | doc.rc;
    if (rc == 0 && vmex_buf_put(outb, body.p ? body.p : "", body.len) < 0)
        rc = -1;
    vmex_svg_close(&doc);
    rc |= doc.rc;
    vmex_buf_free(&body);
    free(P->sv.v);
    free(P);
    return rc ? -1 : 0;
}
