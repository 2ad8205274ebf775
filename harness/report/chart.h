/*
 * chart.h - charts of a CSV table, drawn with svg.h: a line chart (one
 * line per series) and a histogram.  `vmex plot` draws them; ci/report.py
 * calls it for the nightly report's progress charts and margins, so the
 * project has one SVG writer.
 */
#ifndef VMEX_CHART_H
#define VMEX_CHART_H

#include "vmex.h"

/* A CSV table: a header line of column names, then rows of fields. */
typedef struct vmex_table {
    char *text;                 /* the fields, NUL-terminated in place */
    char **cols;                /* column names */
    size_t ncols;
    char **cells;               /* row r, column c: cells[r * ncols + c] */
    size_t nrows;
} vmex_table;

/* Parse CSV (no quoting: a field holds no comma, quote or newline; blank
 * lines are skipped; CRLF is accepted).  0, or -1 with err located at the
 * offending line (a row with the wrong number of fields, a quote). */
int  vmex_table_parse(const char *text, size_t len, const char *file, vmex_table *t, vmex_error *err);
void vmex_table_free(vmex_table *t);
/* the index of column `name`, or -1 */
int  vmex_table_col(const vmex_table *t, const char *name);

typedef struct vmex_chart {
    const char *title;
    const char *x, *y;          /* line chart: the columns of x and y */
    const char *series;         /* line chart: the column that names each line (NULL: one line) */
    const char *xunit;          /* appended to the x tick labels ("s") */
    const char *value;          /* histogram: the column of values */
    int bins;                   /* histogram: number of bins (0: 10) */
    const char *xlabel;         /* histogram: the caption under the axis */
    const char *empty;          /* what an empty chart says (NULL: "no data") */
} vmex_chart;

/* A line chart, 640 wide: one polyline per series in the order they first
 * appear, a legend of two columns under it.  0, or -1 with err (a missing
 * column, a field that is not a number, out of memory). */
int vmex_chart_lines(const vmex_table *t, const vmex_chart *c, vmex_buf *out, vmex_error *err);
/* A histogram of one column in equal-width bins, counts over the bars and
 * the bins' centres under them. */
int vmex_chart_histogram(const vmex_table *t, const vmex_chart *c, vmex_buf *out, vmex_error *err);

#endif
