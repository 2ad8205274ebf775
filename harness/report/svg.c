/*
 * svg.c - writing SVG (svg.h): the elements every picture uses, escaping,
 * and the arithmetic of axes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/svg.h"

void vmex_svg_printf(vmex_svg *g, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp || vmex_buf_put(g->b, tmp, (size_t)n) < 0)
        g->rc = -1;
}

void vmex_svg_esc(vmex_svg *g, const char *s)
{
    if (vmex_xml_str(g->b, s) < 0)
        g->rc = -1;
}

void vmex_svg_open(vmex_svg *g, int w, int h, const char *font)
{
    vmex_svg_printf(g,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                    "font-family=\"%s\">\n",
                    w, h, w, h, font);
}

void vmex_svg_close(vmex_svg *g)
{
    vmex_svg_printf(g, "</svg>\n");
}

void vmex_svg_text(vmex_svg *g, double x, double y, const vmex_svg_font *f, const char *s)
{
    vmex_svg_printf(g, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%g\" fill=\"%s\"", x, y, f->size, f->fill);
    if (f->anchor)
        vmex_svg_printf(g, " text-anchor=\"%s\"", f->anchor);
    if (f->bold)
        vmex_svg_printf(g, " font-weight=\"bold\"");
    if (f->mono)
        vmex_svg_printf(g, " font-family=\"" VMEX_SVG_MONO "\"");
    if (f->rotate != 0)
        vmex_svg_printf(g, " transform=\"rotate(%g %.1f %.1f)\"", f->rotate, x, y);
    if (f->halo)
        vmex_svg_printf(g, " stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\"");
    vmex_svg_printf(g, ">");
    vmex_svg_esc(g, s);
    vmex_svg_printf(g, "</text>\n");
}

static void dash_attr(vmex_svg *g, const char *dash)
{
    if (dash)
        vmex_svg_printf(g, " stroke-dasharray=\"%s\"", dash);
}

void vmex_svg_line(vmex_svg *g, double x1, double y1, double x2, double y2, const char *stroke, double width,
                   const char *dash)
{
    vmex_svg_printf(g, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%g\"", x1,
                    y1, x2, y2, stroke, width);
    dash_attr(g, dash);
    vmex_svg_printf(g, "/>\n");
}

void vmex_svg_rect(vmex_svg *g, double x, double y, double w, double h, const char *fill, const char *stroke)
{
    vmex_svg_printf(g, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"", x, y, w, h, fill);
    if (stroke)
        vmex_svg_printf(g, " stroke=\"%s\"", stroke);
    vmex_svg_printf(g, "/>\n");
}

void vmex_svg_poly_open(vmex_svg *g, const char *stroke, double width, const char *dash, double opacity)
{
    vmex_svg_printf(g, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" stroke-linejoin=\"round\"", stroke,
                    width);
    dash_attr(g, dash);
    if (opacity > 0 && opacity < 1)
        vmex_svg_printf(g, " stroke-opacity=\"%g\"", opacity);
    vmex_svg_printf(g, " points=\"");
    g->pts = 0;
}

void vmex_svg_poly_point(vmex_svg *g, double x, double y)
{
    vmex_svg_printf(g, "%s%.1f,%.1f", g->pts++ ? " " : "", x, y);
}

void vmex_svg_poly_close(vmex_svg *g)
{
    vmex_svg_printf(g, "\"/>\n");
}

/* ---------------------------------------------------------------- axes */

double vmex_svg_scale(double v, double vmax, double r0, double r1)
{
    return r0 + (r1 - r0) * v / vmax;
}

/* ceil(a / b), without the overflow of (a + b - 1) / b */
static uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

uint64_t vmex_svg_step(uint64_t vmax, int intervals)
{
    uint64_t n = (uint64_t)(intervals > 0 ? intervals : 1);
    for (uint64_t dec = 1;; dec *= 10) {
        if (ceil_div(vmax, dec) <= n)
            return dec;
        if (ceil_div(vmax, 2 * dec) <= n)
            return 2 * dec;
        if (ceil_div(vmax, 5 * dec) <= n || dec > UINT64_MAX / 50)
            return 5 * dec;   /* the second case: no larger step fits in 64 bits */
    }
}

int vmex_svg_ilog2(uint64_t v)
{
    int l = 0;
    while (l < 63 && (2ull << l) <= v)
        l++;
    return l;
}

double vmex_svg_text_width(const char *s, double size)
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

double vmex_svg_mono_width(const char *s, double size)
{
    return (double)strlen(s) * size * 0.61;
}
