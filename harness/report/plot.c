/*
 * plot.c - the plot of a stress run (plot.h), drawn with svg.c.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/fmt.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/svg.h"

#define C_FREE    "#4e79a7"
#define C_LARGEST "#f28e2b"
#define C_FRAG    "#59a14f"
#define C_FOOT    "#b07aa1"
#define C_FIND    "#c0392b"

static const char *hs(uint64_t v, char *buf, size_t n)
{
    vmex_human_size(v, buf, n);
    return buf;
}
static const char *hc(uint64_t v, char *buf, size_t n)
{
    vmex_human_count(v, buf, n);
    return buf;
}
static const char *gr(uint64_t v, char *buf, size_t n)
{
    vmex_grouped(v, buf, n);
    return buf;
}
#define HS(v) hs((v), (char[32]){0}, 32)
#define HC(v) hc((v), (char[32]){0}, 32)
#define GR(v) gr((v), (char[40]){0}, 40)

/* ---------------------------------------------------------------- the plot */

typedef struct plot {
    vmex_svg g;
    double x0, x1, y0, y1;   /* the bytes panel */
    double fy0, fy1;         /* the fragmentation strip below it */
    uint64_t xmax;
    int lmin, lmax;          /* the y axis: log2 of bytes, from 2^lmin to 2^lmax */
} plot;

static void text(plot *p, double x, double y, const char *anchor, double size, const char *fill, int bold,
                 double rot, int halo, const char *s)
{
    vmex_svg_text(&p->g, x, y,
                  &(vmex_svg_font){.size = size, .fill = fill, .anchor = anchor, .bold = bold, .rotate = rot,
                                   .halo = halo},
                  s);
}

static double px(const plot *p, uint64_t ops)
{
    return vmex_svg_scale((double)ops, (double)p->xmax, p->x0, p->x1);
}

/* bytes on a log scale: the largest hole against a request is what matters,
 * from megabytes up to the gigabytes of free space; 0 sits on the axis */
static double py(const plot *p, uint64_t v)
{
    double l = v ? log2((double)v) : p->lmin;
    if (l < p->lmin)
        l = p->lmin;
    return vmex_svg_scale(l - p->lmin, p->lmax - p->lmin, p->y1, p->y0);
}

static double pyf(const plot *p, double frag)
{
    return vmex_svg_scale(frag, 1, p->fy1, p->fy0);
}

/* field 0 free, 1 largest, 2 footprint, 3 fragmentation */
static void series(plot *p, const vmex_stress *X, int field, const char *color, double width)
{
    vmex_svg_poly_open(&p->g, color, width, NULL, field == 3 ? 0.75 : 1);
    for (size_t i = 0; i < X->ns; i++) {
        const vmex_stress_sample *s = &X->s[i];
        double y = field == 0 ? py(p, s->free) : field == 1 ? py(p, s->largest)
                 : field == 2 ? py(p, s->footprint) : pyf(p, vmex_stress_frag(s->free, s->largest));
        vmex_svg_poly_point(&p->g, px(p, s->ops), y);
    }
    vmex_svg_poly_close(&p->g);
}

static void hline(plot *p, double x0, double x1, double y, const char *color, double w, const char *dash)
{
    vmex_svg_line(&p->g, x0, y, x1, y, color, w, dash);
}

static void vline(plot *p, double x, double y0, double y1, const char *color, double w, const char *dash)
{
    vmex_svg_line(&p->g, x, y0, x, y1, color, w, dash);
}

/* The y axis: powers of two from below the smallest hole or request (at
 * least a page, at most 2^24 below the top) to above the most free space;
 * returns the tick step, every 1, 2 or 4 powers. */
static int y_axis(plot *p, const vmex_stress *X, int reqline, int limline, int foot)
{
    const vmex_stress_finding *f = &X->f;
    uint64_t ymax = 1, ymin = UINT64_MAX, fmax = 0;
    for (size_t i = 0; i < X->ns; i++) {
        const vmex_stress_sample *s = &X->s[i];
        if (s->free > ymax) ymax = s->free;
        if (s->footprint > fmax) fmax = s->footprint;
        if (s->largest && s->largest < ymin) ymin = s->largest;
    }
    if (reqline) {
        if (f->r.req > ymax) ymax = f->r.req;
        if (f->r.req < ymin) ymin = f->r.req;
    }
    if (foot && fmax > ymax) ymax = fmax;
    if (limline && X->L.footprint_limit > ymax) ymax = X->L.footprint_limit;
    p->lmax = vmex_svg_ilog2(ymax) + 1;
    p->lmin = ymin == UINT64_MAX ? p->lmax - 8 : vmex_svg_ilog2(ymin) - 1;
    if (p->lmin < 14) p->lmin = 14;
    if (p->lmin > p->lmax - 4) p->lmin = p->lmax - 4;
    if (p->lmin < p->lmax - 24) p->lmin = p->lmax - 24;
    int lstep = p->lmax - p->lmin <= 8 ? 1 : p->lmax - p->lmin <= 16 ? 2 : 4;
    p->lmin -= p->lmin % lstep;
    return lstep;
}

/* the three lines over the panels: the run, the finding, the worst */
static void titles(plot *p, const vmex_stress *X)
{
    const vmex_stress_finding *f = &X->f;
    char ents[160], line[512], mg[32];
    vmex_ents_text(X->L.ents, ents, sizeof ents);
    snprintf(line, sizeof line, "vmex stress: %s on %s%s%s, seed %" PRIu64, X->w->name, X->L.profile,
             X->L.ents ? " + " : "", X->L.ents ? ents : "", X->seed);
    text(p, p->x0, 30, "start", 17, "#222", 1, 0, 0, line);
    if (f->found) {
        snprintf(mg, sizeof mg, "%.2f", f->r.margin);
        if (f->r.cls == VMEX_JETSAM)
            snprintf(line, sizeof line, "jetsam at op %s: a touch took the footprint to %s (limit %s)", GR(f->at),
                     HS(f->r.value), HS(X->L.footprint_limit));
        else
            snprintf(line, sizeof line, "%s at op %s: %s %s from '%s' failed with %s free, largest hole %s (margin %s)",
                     vmex_class_name(f->r.cls), GR(f->at), vmex_opkind_name(f->op.kind), HS(f->r.req), f->origin,
                     HS(f->st.free), HS(f->st.largest), mg);
    } else {
        snprintf(line, sizeof line, "no finding in %s ops (hunt %s)", GR(X->ops_run), X->hunt_text);
    }
    text(p, p->x0, 52, "start", 13, f->found ? C_FIND : "#2e7d32", 0, 0, 0, line);
    snprintf(line, sizeof line, "worst fragmentation %.3f at op %s (free %s, largest %s); %s samples, one every %s ops",
             X->worst < 0 ? 0 : X->worst, GR(X->worst_at), HS(X->worst_st.free), HS(X->worst_st.largest), GR(X->ns),
             GR(X->every));
    text(p, p->x0, 71, "start", 12, "#555", 0, 0, 0, line);
}

/* grids, ticks, frames and axis captions */
static void axes(plot *p, int lstep)
{
    char line[64];
    uint64_t xstep = vmex_svg_step(p->xmax, 8);   /* 1, 2 or 5 x 10^k, at most 8 intervals */
    for (int l = p->lmin; l <= p->lmax; l += lstep) {
        double y = py(p, 1ull << l);
        hline(p, p->x0, p->x1, y, l > p->lmin ? "#e6e6e6" : "#999999", 1, NULL);
        text(p, p->x0 - 8, y + 4, "end", 12, "#333", 0, 0, 0, HS(1ull << l));
    }
    for (int k = 0; k <= 2; k++) {
        double y = pyf(p, k / 2.0);
        hline(p, p->x0, p->x1, y, k ? "#e6e6e6" : "#999999", 1, NULL);
        snprintf(line, sizeof line, "%d%%", k * 50);
        text(p, p->x0 - 8, y + 4, "end", 12, C_FRAG, 0, 0, 0, line);
    }
    for (uint64_t v = 0; v <= p->xmax; v += xstep) {
        double x = px(p, v);
        vline(p, x, p->y0, p->y1, v ? "#eeeeee" : "#999999", 1, NULL);
        vline(p, x, p->fy0, p->fy1, v ? "#eeeeee" : "#999999", 1, NULL);
        vline(p, x, p->fy1, p->fy1 + 5, "#999999", 1, NULL);
        text(p, x, p->fy1 + 20, "middle", 12, "#333", 0, 0, 0, HC(v));
        if (xstep > p->xmax - v)
            break;
    }
    vmex_svg_rect(&p->g, p->x0, p->y0, p->x1 - p->x0, p->y1 - p->y0, "none", "#999999");
    vmex_svg_rect(&p->g, p->x0, p->fy0, p->x1 - p->x0, p->fy1 - p->fy0, "none", "#999999");
    text(p, (p->x0 + p->x1) / 2, p->fy1 + 42, "middle", 13, "#333", 0, 0, 0, "ops run");
    text(p, 24, (p->y0 + p->y1) / 2, "middle", 13, "#333", 0, -90, 0, "bytes (log scale)");
    text(p, 24, (p->fy0 + p->fy1) / 2, "middle", 12, C_FRAG, 0, -90, 0, "fragmentation");
    text(p, p->x1, p->fy0 - 5, "end", 11.5, C_FRAG, 0, 0, 0, "1 - largest/free");
}

/* the finding: a line through both panels, a dot on the largest hole */
static void finding(plot *p, const vmex_stress *X)
{
    const vmex_stress_finding *f = &X->f;
    char line[512];
    double x = px(p, f->at + 1);
    vline(p, x, p->y0, p->fy1, C_FIND, 1.8, "6 4");
    if (f->r.cls != VMEX_JETSAM)
        vmex_svg_printf(&p->g, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"" C_FIND "\"/>\n", x,
                        py(p, f->st.largest));
    if (f->r.cls == VMEX_JETSAM)
        snprintf(line, sizeof line, "jetsam at op %s", GR(f->at));
    else
        snprintf(line, sizeof line, "%s at op %s: %s %s", vmex_class_name(f->r.cls), GR(f->at),
                 vmex_opkind_name(f->op.kind), HS(f->r.req));
    int left = x > (p->x0 + p->x1) / 2;
    text(p, left ? x - 7 : x + 7, p->y0 + 18, left ? "end" : "start", 13, C_FIND, 1, 0, 1, line);
}

static void legend(plot *p, int foot, int found, double H)
{
    struct { const char *label, *color; double w; int show; } items[] = {
        {"free (sum of holes)", C_FREE, 2.2, 1},
        {"largest hole", C_LARGEST, 2.2, 1},
        {"footprint (dirty)", C_FOOT, 1.6, foot},
        {"fragmentation", C_FRAG, 1.2, 1},
    };
    double lx = p->x0, ly = H - 22;
    for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
        if (!items[k].show)
            continue;
        hline(p, lx, lx + 26, ly - 4, items[k].color, items[k].w + 0.8, NULL);
        text(p, lx + 32, ly, "start", 12.5, "#333", 0, 0, 0, items[k].label);
        lx += 48 + 7.2 * (double)strlen(items[k].label);
    }
    if (found) {
        vline(p, lx + 13, ly - 12, ly + 3, C_FIND, 1.8, "6 4");
        text(p, lx + 24, ly, "start", 12.5, "#333", 0, 0, 0, "first finding");
    }
}

int vmex_stress_plot(const vmex_stress *X, vmex_buf *out)
{
    const int W = 960, H = 580;
    plot p = {{out, 0, 0}, 96, 868, 92, 372, 392, 462, X->ops_run ? X->ops_run : 1, 0, 1};
    const vmex_stress_finding *f = &X->f;
    uint64_t fmax = 0;
    for (size_t i = 0; i < X->ns; i++)
        if (X->s[i].footprint > fmax)
            fmax = X->s[i].footprint;
    int reqline = f->found && f->r.cls != VMEX_JETSAM;
    int limline = f->found && f->r.cls == VMEX_JETSAM;
    int foot = limline || fmax >= X->L.footprint_limit / 2;   /* jetsam is near */
    int lstep = y_axis(&p, X, reqline, limline, foot);

    vmex_svg_open(&p.g, W, H, VMEX_SVG_FONT);
    vmex_svg_printf(&p.g, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", W, H);
    titles(&p, X);
    axes(&p, lstep);
    /* reference lines, then the series */
    char line[512];
    if (reqline) {
        double y = py(&p, f->r.req);
        hline(&p, p.x0, p.x1, y, C_FIND, 1.2, "2 3");
        snprintf(line, sizeof line, "request %s", HS(f->r.req));
        text(&p, p.x0 + 6, y - 5, "start", 12, C_FIND, 0, 0, 1, line);
    }
    if (limline) {
        double y = py(&p, X->L.footprint_limit);
        hline(&p, p.x0, p.x1, y, C_FOOT, 1.2, "2 3");
        snprintf(line, sizeof line, "jetsam limit %s", HS(X->L.footprint_limit));
        text(&p, p.x0 + 6, y - 5, "start", 12, C_FOOT, 0, 0, 1, line);
    }
    series(&p, X, 3, C_FRAG, 1.2);
    if (foot)
        series(&p, X, 2, C_FOOT, 1.6);
    series(&p, X, 0, C_FREE, 2.2);
    series(&p, X, 1, C_LARGEST, 2.2);
    if (f->found)
        finding(&p, X);
    legend(&p, foot, f->found, H);
    vmex_svg_close(&p.g);
    return p.g.rc ? -1 : 0;
}
