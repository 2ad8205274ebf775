/*
 * cli_plot.c - `vmex plot CSV`: a line chart (or a histogram) of a CSV
 * table as SVG, drawn by report/chart.c with the SVG writer the pictures
 * use.  ci/report.py draws the nightly report's charts with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/file.h"
#include "report/chart.h"

enum { O_OUTPUT, O_TITLE, O_X, O_Y, O_SERIES, O_XUNIT, O_HISTOGRAM, O_BINS, O_XLABEL, O_EMPTY };
static const cli_opt opts[] = {
    [O_OUTPUT] = {"output", 'o', "OUT", "write the SVG to OUT (default: standard output)"},
    [O_TITLE] = {"title", 0, "TEXT", "the chart's title"},
    [O_X] = {"x", 0, "COL", "the column of x (default x)"},
    [O_Y] = {"y", 0, "COL", "the column of y (default y)"},
    [O_SERIES] = {"series", 0, "COL", "the column naming each line (default: series, if there)"},
    [O_XUNIT] = {"xunit", 0, "U", "appended to the x tick labels"},
    [O_HISTOGRAM] = {"histogram", 0, "COL", "a histogram of column COL instead"},
    [O_BINS] = {"bins", 0, "N", "the histogram's bins (default 10)"},
    [O_XLABEL] = {"xlabel", 0, "TEXT", "the caption under the histogram"},
    [O_EMPTY] = {"empty", 0, "TEXT", "what a chart without rows says (default: no data)"},
    {0},
};

CLI_COMMAND(plot, .usage = "plot [OPTIONS] CSV [-o OUT]", .opts = opts,
            .summary = "draw a CSV table (\"-\": standard input) as an SVG line\n"
                       "chart or histogram");

typedef struct args {
    vmex_chart c;
    const char *in, *out;
    int histogram;
} args;

/* The options.  0, 1 (--help, printed: *status), -1 (reported). */
static int parse(int argc, char **argv, args *a, int *status)
{
    cli_args p;
    const char *v;
    uint64_t bins;
    int k = CLI_DONE, bad = cli_args_init(&p, &cli_plot_cmd, argc, argv);
    while (!bad && (k = cli_next(&p, &v)) != CLI_DONE && k != CLI_HELP) {
        switch (k) {
        case CLI_BAD: bad = 1; break;
        case O_OUTPUT: a->out = v; break;
        case O_TITLE: a->c.title = v; break;
        case O_X: a->c.x = v; break;
        case O_Y: a->c.y = v; break;
        case O_SERIES: a->c.series = v; break;
        case O_XUNIT: a->c.xunit = v; break;
        case O_XLABEL: a->c.xlabel = v; break;
        case O_EMPTY: a->c.empty = v; break;
        case O_HISTOGRAM:
            a->c.value = v;
            a->histogram = 1;
            break;
        case O_BINS:
            bad = cli_parse_count("--bins", v, &bins, 100) != 0;
            a->c.bins = (int)bins;
            break;
        default:   /* CLI_ARG */
            if (a->in) {
                cli_errorf("'vmex plot' takes one CSV");
                bad = 1;
            }
            a->in = v;
        }
    }
    cli_args_free(&p);
    if (k == CLI_HELP) {
        *status = cli_help(&cli_plot_cmd);
        return 1;
    }
    if (!bad && !a->in) {
        cli_errorf("'vmex plot' needs a CSV file (see 'vmex help plot')");
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* The CSV text of path ("-": standard input).  0 or -1 (reported). */
static int read_input(const char *path, vmex_buf *text)
{
    if (strcmp(path, "-")) {
        uint8_t *data;
        size_t n;
        if (cli_read_file(path, &data, &n))
            return -1;
        text->p = (char *)data;
        text->len = text->cap = n;
        return 0;
    }
    char chunk[65536];
    size_t n;
    vmex_file_note_fd(0);   /* stdin from a file is an input too: -o cannot name it */
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        if (vmex_buf_put(text, chunk, n)) {
            cli_errorf("out of memory");
            return -1;
        }
    if (ferror(stdin)) {
        cli_errorf("<stdin>: cannot read");
        return -1;
    }
    return 0;
}

int cli_cmd_plot(int argc, char **argv)
{
    args a;
    int status = 2;
    memset(&a, 0, sizeof a);
    int pr = parse(argc, argv, &a, &status);
    if (pr)
        return pr > 0 ? status : 2;
    vmex_buf text = {0}, svg = {0};
    vmex_table t;
    vmex_error err = {0};
    if (read_input(a.in, &text)) {
        vmex_buf_free(&text);
        return 2;
    }
    if (vmex_table_parse(text.p ? text.p : "", text.len, strcmp(a.in, "-") ? a.in : "<stdin>", &t, &err)) {
        vmex_error_print(&err, stderr);
        vmex_buf_free(&text);
        return 2;
    }
    if (!a.histogram && !a.c.series && vmex_table_col(&t, "series") >= 0)
        a.c.series = "series";
    int rc = a.histogram ? vmex_chart_histogram(&t, &a.c, &svg, &err) : vmex_chart_lines(&t, &a.c, &svg, &err);
    if (rc) {
        vmex_error_print(&err, stderr);
    } else if (a.out) {
        status = cli_write_atomic(a.out, svg.p, svg.len) ? 2 : 0;
    } else {
        cli_outb(vmex_buf_put(cli_out(), svg.p, svg.len));
        status = 0;
    }
    vmex_table_free(&t);
    vmex_buf_free(&text);
    vmex_buf_free(&svg);
    return status == 2 ? 2 : cli_finish(status);
}
