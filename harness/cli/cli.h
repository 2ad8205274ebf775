/*
 * cli.h - what the files of the vmex command share: one file per command
 * (cli_<command>.c), each a table of its options and a function that
 * parses them, calls the library and prints.
 *
 * Output: standard output is buffered (cli_outf) and written once by
 * cli_finish(), which turns a failed write into exit status 2, so an error
 * found on the way leaves no partial output; errors go to stderr as
 * "vmex: error: ...".  Files are staged and written at the end, atomically
 * (FILE.tmp.PID, then rename), and only when the command ends well.  Exit status: 0 ok, 1 a finding or a failed check, 2 a usage
 * or input error.
 *
 * Options (cli_opt.c): a command's cli_command names its options; getopt_long
 * parses them from that table (whole names only, no abbreviations), and
 * the same table prints the command's help (`vmex help CMD`, `vmex CMD
 * --help`) and its part of `vmex help`.  Adding a command: a file with its
 * cli_command and function, a declaration below, one line in the table of
 * cli.c.
 */
#ifndef VMEX_CLI_H
#define VMEX_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "vmex.h"
#include "core/file.h"   /* vmex_walk: cli_pathv */
#include "report/triage.h"   /* vmex_triage_input: what cli_load fills */

/* ---------------------------------------------------------------- output (cli_out.c) */

void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the buffer behind cli_outf, for the library's writers */
vmex_buf *cli_out(void);
/* rc of a write into cli_out(): nonzero makes cli_finish fail (no memory) */
void cli_outb(int rc);
/* Write the buffered output; returns the exit status to use. */
int  cli_finish(int status);
/* Drop the buffered output and the staged files (an error: nothing is written). */
void cli_discard(void);

/* ---------------------------------------------------------------- files (cli_write.c)
 * Files are staged and written when the command ends well (cli_finish,
 * or main): exit 0 or 1 writes them all, each to FILE.tmp.PID renamed into
 * place; exit 2 writes none.  Staging refuses at once what cannot work: a
 * directory, a missing or unwritable folder, an input of the command (by
 * device and inode), a path written twice.  Each returns 0 or -1 (reported). */
int  cli_write_atomic(const char *path, const char *data, size_t len);
/* mkdir -p at the commit, checked now */
int  cli_make_dirs(const char *path);
/* mkdir -p now, for what must exist before the command's work (a database
 * the command opens); 0 or -1 (reported) */
int  cli_make_dirs_now(const char *path);
/* remove a stale output of an earlier run at the commit */
int  cli_remove_output(const char *path);
/* write everything staged; 0 or -1 (reported: nothing of it is left) */
int  cli_files_commit(void);
void cli_files_discard(void);
/* the end of a command with this exit status: commits (0, 1) or discards;
 * the status to exit with (2 when the commit failed) */
int  cli_files_end(int status);
/* numbers as text into a temporary, for a format's arguments: HS(v) a
 * size ("1.5g"), HC(v) a count ("12.3k"), GR(v) digits grouped ("1,234") */
const char *cli_hs(uint64_t v, char *buf, size_t n);
const char *cli_hc(uint64_t v, char *buf, size_t n);
const char *cli_gr(uint64_t v, char *buf, size_t n);
#define HS(v) cli_hs((v), (char[32]){0}, 32)
#define HC(v) cli_hc((v), (char[32]){0}, 32)
#define GR(v) cli_gr((v), (char[40]){0}, 40)

/* ---------------------------------------------------------------- options (cli_opt.c) */
typedef struct cli_opt {
    const char *name;       /* the long name, without "--" (NULL: short only) */
    char short_name;        /* a one-letter name ('o'), or 0 */
    const char *arg;        /* the value's name in the help ("SIZE"); NULL: a flag */
    const char *help;       /* what it does; '\n' continues on another line */
} cli_opt;

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);  /* argv[0] is the command's name */
    const char *usage;      /* "run [OPTIONS] FILE..."; '\n' for another form */
    const char *summary;    /* what it does; '\n' continues on another line */
    const cli_opt *opts;    /* ends with a zeroed entry; NULL: none */
    int prefixed;           /* unknown options said as "CMD: unknown option '...'" */
    int nbrief;             /* `vmex help` says the first nbrief options as ... */
    const char *brief;      /* ... this one line (options shared with another command) */
} cli_command;

/* Define command NAME: declares int cli_cmd_NAME(int argc, char **argv)
 * and defines its cli_command cli_NAME_cmd with the other fields given. */
#define CLI_COMMAND(NAME, ...)                      \
    int cli_cmd_##NAME(int argc, char **argv);      \
    const cli_command cli_##NAME##_cmd = {.name = #NAME, .run = cli_cmd_##NAME, __VA_ARGS__}

enum { CLI_DONE = -1, CLI_ARG = -2, CLI_BAD = -3, CLI_HELP = -4 };
#define CLI_MAX_OPTS 24

typedef struct cli_args {
    const cli_command *cmd;
    int argc;
    char **argv;
    int rest;               /* after "--": operands only */
    struct option *lo;      /* getopt_long's table, made from cmd->opts */
    char shorts[4 + 2 * CLI_MAX_OPTS];
} cli_args;

/* Start parsing argv (argv[0] is the command).  0, or -1 out of memory. */
int  cli_args_init(cli_args *a, const cli_command *cmd, int argc, char **argv);
void cli_args_free(cli_args *a);
/* The next argument: an option's index in cmd->opts with *val its value
 * (NULL for a flag), CLI_ARG with *val an operand, CLI_HELP for --help,
 * CLI_BAD (reported: unknown, abbreviated or without its value), or
 * CLI_DONE. */
int  cli_next(cli_args *a, const char **val);
/* `vmex help CMD`: the command's help on stdout; returns the exit status. */
int  cli_help(const cli_command *cmd);
/* A command's entry in `vmex help`. */
int  cli_help_entry(const cli_command *cmd, vmex_buf *b);

int  cli_parse_size(const char *opt, const char *text, uint64_t *v, int allow_zero);
int  cli_parse_ent(const char *text, uint32_t *ents, uint32_t *order, int *norder);
/* A comma list of profiles ("all": every canonical one), each checked by
 * resolving it; added to list[*n]. */
#define CLI_MAX_PROFILES 256
int  cli_parse_profiles(const char *text, const char **list, int *n);
/* a known profile, or reported */
int  cli_check_profile(const char *name);
/* A whole number > 0 (decimal digits) at most max for option opt. */
int  cli_parse_count(const char *opt, const char *v, uint64_t *out, uint64_t max);

/* ---------------------------------------------------------------- paths (cli_input.c) */
/* paths (core/file.h: a walk's list; v, n and cap as in any vector) */
typedef vmex_walk cli_pathv;
int  cli_pathv_add(cli_pathv *pv, const char *s);
void cli_pathv_free(cli_pathv *pv);
int  cli_ends_with(const char *s, const char *suf);
/* *.vmex under dir, recursively, sorted (vmex_walk_path: symlinks
 * followed, every directory and file once, hidden names skipped) */
int  cli_collect_dir(const char *dir, cli_pathv *out, int depth);
/* path, or every file under it (not hidden, not triage.json or AFL++'s
 * README.txt), as cli_collect_dir */
int  cli_collect_all(const char *path, cli_pathv *out, int depth);
/* a whole file, at most 64 MiB; 0 or -1 (reported) */
int  cli_read_file(const char *path, uint8_t **data, size_t *n);

/* ---------------------------------------------------------------- fuzzing inputs (cli_input.c) */
/* The options of minimize, triage and convert that say how a crash file
 * is decoded and what counts as a finding: first in their tables. */
enum { CLI_FUZZ_PROFILE, CLI_FUZZ_ENT, CLI_FUZZ_HUNT, CLI_FUZZ_TARGET, CLI_FUZZ__COUNT };
#define CLI_FUZZ_OPTS                                                                                  \
    {"profile", 0, "P", "decode and run on profile P (as the fuzz run had it)"},                       \
    {"entitlement", 0, "E", "add an entitlement (repeatable; as the fuzz run had them)"},              \
    {"hunt", 0, "POLICY", "what is a finding (default: $VMEX_HUNT, else the target's: vmex hunt --default --for T)"}, \
    {"target", 0, "T", "decode crash files as the fuzz target of target T does\n"                     \
                       "(fuzz_linux: linux), with its VMEX_* variables"}

#define CLI_FUZZ_BRIEF "--profile P, --entitlement E, --hunt POLICY, --target T\nas for minimize"

typedef struct cli_fuzz {
    const char *profile;
    uint32_t ents;
    int target;             /* --target: decode binary inputs as that hunter does, -1 by their header */
    vmex_hunt hunt;
    const char *hunt_text;
} cli_fuzz;

/* Option k (< CLI_FUZZ__COUNT) with value v.  0, or -1 (reported). */
int  cli_fuzz_opt(cli_fuzz *c, int k, const char *v);
/* The hunt policy: --hunt, else $VMEX_HUNT, else the default.  0 or -1 (reported). */
/* c->hunt from --hunt, else $VMEX_HUNT, else the default hunt of
 * --target (cli_fuzz_hunt) or of target (cli_fuzz_hunt_for: a loaded
 * program's).  0, or -1 (reported). */
int  cli_fuzz_hunt(cli_fuzz *c);
/* The workload file W names: W itself, else corpora/workloads/W.vmexw for a
 * bare name that exists there (vmex stress --workload, vmex diff
 * --scenario).  Always 0. */
int  cli_workload_path(const char *arg, char *path, size_t n);
/* vmex diff --target jsc (cli_diff_jsc.c): each FILE's JavaScriptCore calls
 * against the scenario; 0 all agree, 1 one differs, 2 (reported). */
int  cli_diff_jsc(char *const *files, size_t nfiles, const char *scenario, int json);
int  cli_fuzz_hunt_for(cli_fuzz *c, int target);
int  cli_fuzz_hunt_given(const cli_fuzz *c);   /* 1: --hunt or $VMEX_HUNT */
/* Load a binary or text program and its layout.  0 or -1 (reported). */
int  cli_load(const char *path, const cli_fuzz *c, vmex_triage_input *in);
void cli_unload(vmex_triage_input *in);

/* ---------------------------------------------------------------- the commands */
extern const cli_command cli_run_cmd, cli_check_cmd, cli_probe_cmd, cli_profiles_cmd, cli_minimize_cmd,
    cli_triage_cmd, cli_convert_cmd, cli_import_cmd, cli_stress_cmd, cli_diff_cmd, cli_bench_cmd, cli_plot_cmd,
    cli_targets_cmd, cli_classes_cmd, cli_hunt_cmd, cli_findings_cmd;
/* cli_bench.c: executions per second of VMEX_BENCH_NPROGS programs run in turn
 * on target for about `seconds` (0 with *why when it cannot run) */
#define VMEX_BENCH_NPROGS 8
double _vmex_bench_measure(vmex_model *m, vmex_program *progs, int target, double seconds, const char **why);
/* bench_jsc.c: `vmex bench --jsc` */
int _vmex_bench_jsc(int json, double seconds);

/* `vmex triage --store FILE [--run ID]` (cli_findings_io.c): record t's
 * groups in the findings store.  0 or -1 (reported). */
int cli_findings_record_triage(const char *store, const char *run, const vmex_triage *t,
                               const vmex_triage_input *ins);
/* Before anything is written: the store is one (or not there yet) and has
 * run ID.  0 or -1 (reported). */
int cli_findings_store_ok(const char *store, const char *run);

#endif
