/*
 * cli.h - helpers shared by the files of the vmex command (cli*.c).
 *
 * Standard output is buffered (cli_outf) and written once by cli_finish(),
 * which turns a failed write into exit status 2; errors go to stderr as
 * "vmex: error: ...".  Files are written atomically (FILE.tmp.PID, then
 * rename).
 */
#ifndef VMEX_CLI_H
#define VMEX_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "vmex.h"

void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_outb(int rc);
int  cli_finish(int status);
int  cli_write_atomic(const char *path, const char *data, size_t len);
/* --name VALUE or --name=VALUE: 1 when argv[*i] is this option */
int  cli_value_opt(int argc, char **argv, int *i, const char *name, const char **val, int *bad);
int  cli_parse_size(const char *opt, const char *text, uint64_t *v, int allow_zero);
int  cli_parse_ent(const char *text, uint32_t *ents, uint32_t *order, int *norder);
int  cli_ends_with(const char *s, const char *suf);

typedef struct cli_pathv {
    char **v;
    size_t n, cap;
} cli_pathv;
int  cli_pathv_add(cli_pathv *pv, const char *s);
/* *.vmex under dir, recursively, sorted */
int  cli_collect_dir(const char *dir, cli_pathv *out, int depth);

/* cli_fuzz.c */
int cli_cmd_minimize(int argc, char **argv);
int cli_cmd_convert(int argc, char **argv);
int cli_cmd_triage(int argc, char **argv);

/* cli_diff.c */
int cli_cmd_diff(int argc, char **argv);
/* cli_import.c */
int cli_cmd_import(int argc, char **argv);

/* cli_stress.c */
int cli_cmd_stress(int argc, char **argv);

/* cli_lists.c: vmex targets, vmex classes, vmex hunt */
int cli_cmd_targets(int argc, char **argv);
int cli_cmd_classes(int argc, char **argv);
int cli_cmd_hunt(int argc, char **argv);

/* bench.c: `vmex bench [--json]` (argv[0] is "bench"); returns an exit status */
int _vmex_bench_main(int argc, char **argv);
/* bench.c: executions per second of VMEX_BENCH_NPROGS programs run in turn
 * on target for about `seconds` (0 with *why when it cannot run) */
#define VMEX_BENCH_NPROGS 8
double _vmex_bench_measure(vmex_model *m, vmex_program *progs, int target, double seconds, const char **why);
/* bench_jsc.c: `vmex bench --jsc` */
int _vmex_bench_jsc(int json, double seconds);

#endif
