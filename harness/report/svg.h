/*
 * svg.h - writing SVG: the one place that knows the markup.  The address
 * space picture (picture.c), the stress plot and the charts of `vmex plot`
 * (plot.c) draw through these primitives; whatever does not fit them (an
 * element with unusual attributes) goes through vmex_svg_printf with the
 * text escaped by vmex_svg_esc.
 *
 * Numbers are written with fixed precision (coordinates %.1f, sizes and
 * widths %g) so the same drawing is the same bytes: the golden SVGs of
 * tests/golden/ pin this.  Errors are sticky: the first failed write (no
 * memory, an element over 1 KiB) sets g->rc to -1 and the caller checks it
 * once at the end.
 */
#ifndef VMEX_SVG_H
#define VMEX_SVG_H

#include "vmex.h"

#define VMEX_SVG_FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define VMEX_SVG_MONO "DejaVu Sans Mono, Menlo, Consolas, monospace"

typedef struct vmex_svg {
    vmex_buf *b;
    int rc;            /* 0, or -1 after a failed write */
    int pts;           /* points of the open polyline */
} vmex_svg;

/* How a text is set.  Zero fields are left out of the markup. */
typedef struct vmex_svg_font {
    double size;
    const char *fill;
    const char *anchor;    /* "start", "middle", "end"; NULL: no attribute */
    int bold;
    int mono;              /* the monospace family */
    double rotate;         /* degrees around (x, y) */
    int halo;              /* a white outline, legible over lines */
} vmex_svg_font;

/* Raw markup, at most 1 KiB per call. */
void vmex_svg_printf(vmex_svg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text content or an attribute value, escaped (vmex_xml_str). */
void vmex_svg_esc(vmex_svg *g, const char *s);

/* The XML prolog and the <svg> element of a w x h picture in font family
 * `font`; vmex_svg_close ends it. */
void vmex_svg_open(vmex_svg *g, int w, int h, const char *font);
void vmex_svg_close(vmex_svg *g);

void vmex_svg_text(vmex_svg *g, double x, double y, const vmex_svg_font *f, const char *s);
/* dash: a stroke-dasharray ("6 4") or NULL */
void vmex_svg_line(vmex_svg *g, double x1, double y1, double x2, double y2, const char *stroke, double width,
                   const char *dash);
/* stroke NULL: no outline */
void vmex_svg_rect(vmex_svg *g, double x, double y, double w, double h, const char *fill, const char *stroke);
/* A polyline: open, one point per call, close.  opacity 0 or 1: opaque. */
void vmex_svg_poly_open(vmex_svg *g, const char *stroke, double width, const char *dash, double opacity);
void vmex_svg_poly_point(vmex_svg *g, double x, double y);
void vmex_svg_poly_close(vmex_svg *g);

/* ---------------------------------------------------------------- axes */
/* v in [0, vmax] mapped linearly onto [r0, r1] (r1 < r0 for a y axis) */
double vmex_svg_scale(double v, double vmax, double r0, double r1);
/* A tick step of 1, 2 or 5 times a power of ten that cuts [0, vmax] into
 * at most `intervals` intervals. */
uint64_t vmex_svg_step(uint64_t vmax, int intervals);
/* floor(log2(v)), 0 for v <= 1 */
int vmex_svg_ilog2(uint64_t v);
/* An estimate of a text's width in DejaVu Sans at `size`, a little
 * generous so that labels placed by it never overlap. */
double vmex_svg_text_width(const char *s, double size);
double vmex_svg_mono_width(const char *s, double size);

#endif
