/*
 * chart.c - a CSV table and the charts of it (chart.h), drawn with svg.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "report/chart.h"
#include "report/plot.h"
#include "report/svg.h"

#define PALETTE_N 10
static const char *const palette[PALETTE_N] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                               "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

static int fail(vmex_error *err, int code, int line, const char *msg, const char *what)
{
    err->code = code;
    vmex_error_set(err, line, 0, "%s%s%s%s", msg, what ? " '" : "", what ? what : "", what ? "'" : "");
    return -1;
}

/* ---------------------------------------------------------------- the table */

/* Split line s (NUL-terminated) at commas into out[0..max); the count. */
static size_t split(char *s, char **out, size_t max)
{
    size_t n = 0;
    for (;;) {
        char *c = strchr(s, ',');
        if (n < max)
            out[n] = s;
        n++;
        if (!c)
            return n;
        *c = '\0';
        s = c + 1;
    }
}

int vmex_table_parse(const char *text, size_t len, const char *file, vmex_table *t, vmex_error *err)
{
    memset(t, 0, sizeof *t);
    snprintf(err->file, sizeof err->file, "%s", file);
    size_t lines = 1, cap;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    t->text = malloc(len + 1);
    if (!t->text)
        return fail(err, VMEX_E_NOMEM, 0, "out of memory", NULL);
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    char *p = t->text;
    for (int line = 1; *p; line++) {
        char *nl = strchr(p, '\n'), *next = nl ? nl + 1 : p + strlen(p);
        if (nl)
            *nl = '\0';
        if (nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        if (strchr(p, '"')) {
            vmex_table_free(t);
            return fail(err, VMEX_E_INPUT, line, "quoted fields are not supported", NULL);
        }
        if (*p && !t->cols) {   /* the header */
            t->ncols = 1;
            for (const char *q = p; (q = strchr(q, ',')); q++)
                t->ncols++;
            cap = lines * t->ncols;
            t->cols = calloc(t->ncols, sizeof *t->cols);
            t->cells = calloc(cap ? cap : 1, sizeof *t->cells);
            if (!t->cols || !t->cells) {
                vmex_table_free(t);
                return fail(err, VMEX_E_NOMEM, 0, "out of memory", NULL);
            }
            split(p, t->cols, t->ncols);
        } else if (*p) {
            if (split(p, t->cells + t->nrows * t->ncols, t->ncols) != t->ncols) {
                vmex_table_free(t);
                return fail(err, VMEX_E_INPUT, line, "the row does not have as many fields as the header", NULL);
            }
            t->nrows++;
        }
        p = next;
    }
    if (!t->cols) {
        vmex_table_free(t);
        return fail(err, VMEX_E_INPUT, 1, "no header line", NULL);
    }
    return 0;
}

void vmex_table_free(vmex_table *t)
{
    free(t->text);
    free(t->cols);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

int vmex_table_col(const vmex_table *t, const char *name)
{
    for (size_t c = 0; name && c < t->ncols; c++)
        if (!strcmp(t->cols[c], name))
            return (int)c;
    return -1;
}

/* Column `name` of every row as numbers into v (nrows of them). */
static int numbers(const vmex_table *t, const char *name, double *v, vmex_error *err)
{
    int c = vmex_table_col(t, name);
    if (c < 0)
        return fail(err, VMEX_E_INPUT, 1, "no column", name);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = t->cells[r * t->ncols + (size_t)c];
        char *end;
        v[r] = strtod(s, &end);
        if (end == s || *end || !isfinite(v[r]))
            return fail(err, VMEX_E_INPUT, (int)r + 2, "not a number:", s);
        if (fabs(v[r]) > 0x1p53)   /* the axes count in whole steps: a larger value never ends them */
            return fail(err, VMEX_E_INPUT, (int)r + 2, "number out of range (at most 2^53):", s);
    }
    return 0;
}

/* ---------------------------------------------------------------- line chart */

#define W  640
#define H  260
#define ML 60
#define MR 10
#define MT 24
#define MB 34

static void title(vmex_svg *g, const char *s, double x)
{
    if (s)
        vmex_svg_text(g, x, 16, &(vmex_svg_font){.size = 13, .fill = "#222", .bold = 1}, s);
}

static const char *count(double v, char *buf, size_t n)
{
    vmex_human_count((uint64_t)llround(v), buf, n);
    return buf;
}

/* y grid with tick labels every `step` up to ymax; x ticks under the axis */
static void grid(vmex_svg *g, double xmax, double ymax, uint64_t xstep, uint64_t ystep, const char *xunit)
{
    char lab[48], num[32];
    vmex_svg_font small = {.size = 10, .fill = "#333", .anchor = "end"};
    for (double y = 0; y <= ymax + 0.5; y += (double)ystep) {
        double py = vmex_svg_scale(y, ymax, H - MB, MT);
        vmex_svg_line(g, ML, py, W - MR, py, "#dddddd", 1, NULL);
        vmex_svg_text(g, ML - 4, py + 3, &small, count(y, num, sizeof num));
    }
    small.anchor = "middle";
    for (double x = 0; x <= xmax + 0.5; x += (double)xstep) {
        snprintf(lab, sizeof lab, "%s%s", count(x, num, sizeof num), xunit ? xunit : "");
        vmex_svg_text(g, vmex_svg_scale(x, xmax, ML, W - MR), H - MB + 14, &small, lab);
    }
    vmex_svg_line(g, ML, H - MB, W - MR, H - MB, "#444444", 1, NULL);
    vmex_svg_line(g, ML, MT, ML, H - MB, "#444444", 1, NULL);
}

/* the series' names in order of first appearance, as row indexes */
static size_t series_of(const vmex_table *t, int sc, size_t *first)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        size_t k = 0;
        while (k < n && sc >= 0 && strcmp(t->cells[first[k] * t->ncols + (size_t)sc], t->cells[r * t->ncols + (size_t)sc]))
            k++;
        if (k == n && (sc >= 0 || n == 0))
            first[n++] = r;
    }
    return n;
}

int vmex_chart_lines(const vmex_table *t, const vmex_chart *c, vmex_buf *out, vmex_error *err)
{
    int sc = c->series ? vmex_table_col(t, c->series) : -1;
    if (c->series && sc < 0)
        return fail(err, VMEX_E_INPUT, 1, "no column", c->series);
    double *x = malloc((t->nrows + 1) * sizeof *x), *y = malloc((t->nrows + 1) * sizeof *y);
    size_t *first = malloc((t->nrows + 1) * sizeof *first);
    int rc = -1;
    if (!x || !y || !first) {
        fail(err, VMEX_E_NOMEM, 0, "out of memory", NULL);
        goto done;
    }
    if (numbers(t, c->x ? c->x : "x", x, err) || numbers(t, c->y ? c->y : "y", y, err))
        goto done;
    double xmax = 1, ymax = 1;
    for (size_t r = 0; r < t->nrows; r++) {
        xmax = x[r] > xmax ? x[r] : xmax;
        ymax = y[r] > ymax ? y[r] : ymax;
    }
    uint64_t xstep = vmex_svg_step((uint64_t)ceil(xmax), 4), ystep = vmex_svg_step((uint64_t)ceil(ymax), 4);
    xmax = ceil(xmax / (double)xstep) * (double)xstep;   /* the axes end on a tick */
    ymax = ceil(ymax / (double)ystep) * (double)ystep;
    size_t ns = t->nrows ? series_of(t, sc, first) : 0;
    int height = H + 18 * (int)((ns + 1) / 2);
    vmex_svg g = {.b = out};
    vmex_svg_open(&g, W, height, VMEX_SVG_FONT);
    vmex_svg_rect(&g, 0, 0, W, height, "#ffffff", NULL);
    title(&g, c->title, ML);
    grid(&g, xmax, ymax, xstep, ystep, c->xunit);
    if (!ns)
        vmex_svg_text(&g, ML + 10, H / 2, &(vmex_svg_font){.size = 12, .fill = "#555"}, c->empty ? c->empty : "no data");
    for (size_t k = 0; k < ns; k++) {
        const char *color = palette[k % PALETTE_N];
        const char *name = sc >= 0 ? t->cells[first[k] * t->ncols + (size_t)sc] : (c->y ? c->y : "y");
        vmex_svg_poly_open(&g, color, 2, NULL, 1);
        for (size_t r = first[k]; r < t->nrows; r++)
            if (sc < 0 || !strcmp(t->cells[r * t->ncols + (size_t)sc], name))
                vmex_svg_poly_point(&g, vmex_svg_scale(x[r], xmax, ML, W - MR), vmex_svg_scale(y[r], ymax, H - MB, MT));
        vmex_svg_poly_close(&g);
        double lx = ML + (double)(k % 2) * (W - ML) / 2, ly = H + 4 + 18 * (double)(k / 2);
        vmex_svg_rect(&g, lx, ly + 4, 12, 4, color, NULL);
        vmex_svg_text(&g, lx + 16, ly + 9, &(vmex_svg_font){.size = 10, .fill = "#333"}, name);
    }
    vmex_svg_close(&g);
    rc = g.rc ? fail(err, VMEX_E_NOMEM, 0, "out of memory", NULL) : 0;
done:
    free(x);
    free(y);
    free(first);
    return rc;
}

/* ---------------------------------------------------------------- histogram */

int vmex_chart_histogram(const vmex_table *t, const vmex_chart *c, vmex_buf *out, vmex_error *err)
{
    const int h = 240, mt = 34;
    int nb = c->bins > 0 ? c->bins : 10, rc = -1;
    double *v = malloc((t->nrows + 1) * sizeof *v);
    unsigned *counts = calloc((size_t)nb, sizeof *counts);
    if (!v || !counts) {
        fail(err, VMEX_E_NOMEM, 0, "out of memory", NULL);
        goto done;
    }
    if (numbers(t, c->value ? c->value : "value", v, err))
        goto done;
    vmex_svg g = {.b = out};
    vmex_svg_open(&g, W, h, VMEX_SVG_FONT);
    vmex_svg_rect(&g, 0, 0, W, h, "#ffffff", NULL);
    title(&g, c->title, 50);
    if (!t->nrows) {
        vmex_svg_text(&g, 50, h / 2, &(vmex_svg_font){.size = 12, .fill = "#555"}, c->empty ? c->empty : "no data");
    } else {
        double lo = v[0], hi = v[0], bw = (W - 50 - MR) / (double)nb;
        unsigned cmax = 1;
        for (size_t r = 0; r < t->nrows; r++) {
            lo = v[r] < lo ? v[r] : lo;
            hi = v[r] > hi ? v[r] : hi;
        }
        double width = hi > lo ? (hi - lo) / nb : 1.0;
        for (size_t r = 0; r < t->nrows; r++) {
            int b = (int)((v[r] - lo) / width);
            counts[b < nb ? b : nb - 1]++;
        }
        for (int b = 0; b < nb; b++)
            cmax = counts[b] > cmax ? counts[b] : cmax;
        for (int b = 0; b < nb; b++) {
            char lab[32];
            double x = 50 + b * bw, bh = (h - mt - MB) * (double)counts[b] / cmax;
            vmex_svg_printf(&g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7fb5\" "
                                "stroke=\"#ffffff\"/>\n", x, h - MB - bh, bw, bh);
            if (counts[b]) {
                snprintf(lab, sizeof lab, "%u", counts[b]);
                vmex_svg_text(&g, x + bw / 2, h - MB - bh - 3, &(vmex_svg_font){.size = 10, .fill = "#333", .anchor = "middle"}, lab);
            }
            snprintf(lab, sizeof lab, "%.2f", lo + (b + 0.5) * width);
            vmex_svg_text(&g, x + bw / 2, h - MB + 12, &(vmex_svg_font){.size = 9, .fill = "#333", .anchor = "middle"}, lab);
        }
        vmex_svg_line(&g, 50, h - MB, W - MR, h - MB, "#444444", 1, NULL);
        if (c->xlabel)
            vmex_svg_text(&g, (W + 50) / 2.0, h - 6, &(vmex_svg_font){.size = 10, .fill = "#333", .anchor = "middle"}, c->xlabel);
    }
    vmex_svg_close(&g);
    rc = g.rc ? fail(err, VMEX_E_NOMEM, 0, "out of memory", NULL) : 0;
done:
    free(v);
    free(counts);
    return rc;
}
