/*
 * cli_triage_report.h - `vmex triage REPORT...`: crash reports from the
 * field, the other kind of input of `vmex triage` (cli_triage_report.c;
 * cli_triage.c hands them over).
 */
#ifndef VMEX_CLI_TRIAGE_REPORT_H
#define VMEX_CLI_TRIAGE_REPORT_H

#include "cli/cli.h"

typedef struct cli_report_opts {
    const char *dir;               /* -o DIR: the reconstructions go there (optional) */
    const char *html;              /* --html FILE */
    const char *profile;           /* --profile P: instead of the device's */
    const char *bad_opt;           /* an option given that does not apply to crash reports, or NULL */
} cli_report_opts;

/* How many of paths are crash reports (told by content): all of them, or
 * 0 when none is; -1 (reported) when some are and some are not, or one
 * cannot be read. */
int cli_report_inputs(const cli_pathv *paths);
/* Triage the crash reports paths: the verdict of each on stdout, the
 * page, the reconstructions.  The exit status (0, or 2 when nothing is
 * written). */
int cli_triage_reports(const cli_pathv *paths, const cli_report_opts *o);

#endif
