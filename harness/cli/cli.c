/*
 * cli.c - main() of the `vmex` command: run, check, probe, profiles, bench,
 * help and version.
 *
 * Exit status: 0 ok / all passed, 1 a finding or a failed check or expect,
 * 2 a usage or input error (or a failed write).  Everything meant for
 * standard output is formatted into one buffer and written at the end, so
 * an error found on the way leaves no partial output; files are written to
 * FILE.tmp.PID and renamed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "cli/cli.h"
#include "report/report.h"

/* append a string literal */
#define PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

#define VMEX_VERSION "0.1.0"
#define MAX_PROFILES 256

static vmex_buf g_out;      /* everything for standard output */
static int g_oom;

/* ---------------------------------------------------------------- output */

void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    fputs("vmex: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_outf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_outf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        g_oom = 1;
        return;
    }
    char small[512], *p = (size_t)n < sizeof small ? small : malloc((size_t)n + 1);
    if (!p) {
        g_oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (vmex_buf_put(&g_out, p, (size_t)n) < 0)
        g_oom = 1;
    if (p != small)
        free(p);
}

void cli_outb(int rc)
{
    if (rc)
        g_oom = 1;
}

/* Write the buffered output; returns the exit status to use. */
int cli_finish(int status)
{
    if (g_oom) {
        cli_errorf("out of memory");
        vmex_buf_free(&g_out);
        return 2;
    }
    if (g_out.len && fwrite(g_out.p, 1, g_out.len, stdout) != g_out.len)
        status = -1;
    vmex_buf_free(&g_out);
    if (fflush(stdout) != 0 || ferror(stdout))
        status = -1;
    if (status < 0) {
        cli_errorf("writing standard output: %s", strerror(errno ? errno : EIO));
        return 2;
    }
    return status;
}

/* Write all of data to fd; 0 or an errno. */
static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        off += (size_t)w;
    }
    return 0;
}

/* Write data to path atomically: path.tmp.PID, then rename.  A path that
 * is a device or a pipe (-o /dev/null, a FIFO) is written in place: a
 * rename would replace it. */
int cli_write_atomic(const char *path, const char *data, size_t len)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            cli_errorf("cannot write '%s': %s", path, strerror(EISDIR));
            return -1;
        }
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        int err = fd < 0 ? errno : write_all(fd, data, len);
        if (fd >= 0 && close(fd) != 0 && !err)
            err = errno;
        if (err) {
            cli_errorf("cannot write '%s': %s", path, strerror(err));
            return -1;
        }
        return 0;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        cli_errorf("out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        cli_errorf("cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int err = write_all(fd, data, len);
    if (close(fd) != 0 && !err)
        err = errno;
    if (!err && rename(tmp, path) != 0)
        err = errno;
    if (err) {
        unlink(tmp);
        cli_errorf("cannot write '%s': %s", path, strerror(err));
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* FILE with ".IDX" inserted before the extension of its last component. */
static void indexed_path(const char *path, int idx, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        snprintf(buf, n, "%s.%d", path, idx);
    else
        snprintf(buf, n, "%.*s.%d%s", (int)(dot - path), path, idx, dot);
}

/* ---------------------------------------------------------------- options */

/* --name VALUE or --name=VALUE.  Returns 1 when argv[*i] is this option
 * (then *val is set, or *bad when the value is missing), else 0. */
int cli_value_opt(int argc, char **argv, int *i, const char *name, const char **val, int *bad)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        if (!**val) {
            cli_errorf("option '%s' needs a value", name);
            *bad = 1;
        }
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_errorf("option '%s' needs a value", name);
        *bad = 1;
        return 1;
    }
    *val = argv[++*i];
    return 1;
}

int cli_parse_size(const char *opt, const char *text, uint64_t *v, int allow_zero)
{
    int rc = vmex_parse_number(text, strlen(text), v);
    if (rc == -2 || (rc == 0 && *v >= VMEX_MAX_VALUE)) {
        cli_errorf("size '%s' for %s is too large (the limit is 256t)", text, opt);
        return -1;
    }
    if (rc != 0) {
        cli_errorf("bad size '%s' for %s (use e.g. 1m, 16k, 0x4000)", text, opt);
        return -1;
    }
    if (!allow_zero && *v == 0) {
        cli_errorf("%s must not be 0", opt);
        return -1;
    }
    return 0;
}

int cli_parse_ent(const char *text, uint32_t *ents, uint32_t *order, int *norder)
{
    /* a comma list is accepted too */
    const char *p = text;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char name[128];
        if (n == 0 || n >= sizeof name) {
            cli_errorf("bad entitlement '%s'", text);
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        uint32_t bit;
        if (vmex_ent_parse(name, &bit) != 0) {
            char known[256] = "";
            for (int k = 0; k < VMEX_ENT__COUNT; k++) {
                strncat(known, k ? ", " : "", sizeof known - strlen(known) - 1);
                strncat(known, vmex_ent_name(k), sizeof known - strlen(known) - 1);
            }
            cli_errorf("unknown entitlement '%s' (known: %s)", name, known);
            return -1;
        }
        if (!(*ents & bit)) {
            *ents |= bit;
            order[(*norder)++] = bit;
        }
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

/* Add the comma list of profiles in text ("all" = every canonical one);
 * each is checked by resolving it. */
int cli_parse_profiles(const char *text, const char **list, int *n)
{
    const char *p = text;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == 0 || len >= 32) {
            cli_errorf("bad profile list '%s'", text);
            return -1;
        }
        if (len == 3 && !strncmp(p, "all", 3)) {
            const char *names[MAX_PROFILES];
            size_t k = vmex_profile_list(names, MAX_PROFILES);
            for (size_t j = 0; j < k && j < MAX_PROFILES; j++) {
                if (*n >= MAX_PROFILES) {
                    cli_errorf("too many profiles");
                    return -1;
                }
                list[(*n)++] = names[j];
            }
        } else {
            static char store[MAX_PROFILES][32];    /* canonical names */
            char name[32];
            memcpy(name, p, len);
            name[len] = '\0';
            vmex_config cfg;
            memset(&cfg, 0, sizeof cfg);
            vmex_layout L;
            vmex_error err;
            memset(&err, 0, sizeof err);
            if (vmex_layout_resolve(&cfg, name, 0, &L, &err) != 0) {
                cli_errorf("%s", err.msg);
                return -1;
            }
            if (*n >= MAX_PROFILES) {
                cli_errorf("too many profiles");
                return -1;
            }
            snprintf(store[*n], sizeof store[*n], "%s", L.profile);
            list[*n] = store[*n];
            (*n)++;
        }
        if (!c)
            break;
        p = c + 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- help */

static const char usage_text[] =
    "usage: vmex COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "vmex stresses virtual address spaces: a .vmex program of mapping ops runs on\n"
    "a model of an iOS app's XNU vm_map (target xnu), on Linux's placement\n"
    "(target linux-model) or on the real kernel and allocators in a confined\n"
    "window (target linux), and every failed request is classified (vmex classes).\n"
    "\n"
    "commands:\n"
    "  run [OPTIONS] FILE...     run programs, print every op and the verdict\n"
    "      --json                JSON Lines: one object per op, then one per run\n"
    "      --map                 print the address space after the run (not with --json)\n"
    "      --svg FILE            draw the address space (FILE.N.svg for several runs)\n"
    "      --keep-going          do not stop at the first finding\n"
    "      --large SIZE          smaller failed requests are not findings (default 1m)\n"
    "      --profile P[,P...]    override the profile; a list (or 'all') prints a\n"
    "                            what-if table, one row per profile\n"
    "      --entitlement E       add an entitlement (repeatable); with a profile list\n"
    "                            every subset of the given entitlements gets a row\n"
    "  check PATH...             replay .vmex files (directories: *.vmex, recursively)\n"
    "                            against their expect and check lines\n"
    "  probe [OPTIONS]           how much fits: vm_allocate CHUNK until one fails\n"
    "      --profile P           the device (default " VMEX_DEFAULT_PROFILE ")\n"
    "      --entitlement E       add an entitlement (repeatable)\n"
    "      --chunk SIZE          the request size (default 1m)\n"
    "      --json                one JSON object\n"
    "  profiles [--json]         list the device profiles and their address spaces\n"
    "  minimize IN [-o OUT]      shrink a crash file or .vmex to a small reproducer\n"
    "                            of the same finding (signature)\n"
    "      --profile P, --entitlement E, --hunt POLICY (as the fuzz run had them)\n"
    "      --target T            decode crash files as the fuzz target of target T\n"
    "                            does (fuzz_linux: linux), with its VMEX_* variables\n"
    "  triage INPUT... -o DIR    replay findings twice, group by signature, minimize\n"
    "                            one per signature into DIR/<signature>.vmex,\n"
    "                            write DIR/triage.json\n"
    "      --known DIR           mark signatures that a reproducer there already has\n"
    "      --profile P, --entitlement E, --hunt POLICY, --target T\n"
    "  convert IN OUT            binary program <-> .vmex text (by IN's content)\n"
    "      --profile P, --entitlement E, --target T (for binary input)\n"
    "  import TRACE [-o OUT]     a recorded trace (libvmex-record.so, or strace -e\n"
    "                            trace=mmap,munmap,mremap,brk) to a .vmex program\n"
    "      --profile P           write a profile line\n"
    "      --format F            auto (default), vmex-trace or strace\n"
    "      --max-ops N           import at most N ops (default and limit 4194304)\n"
    "  stress --workload W       run a workload (corpora/workloads/*.vmexw) on the model,\n"
    "                            sample free/largest/fragmentation, stop at the first\n"
    "                            finding; writes series.csv, plot.svg, summary.json and\n"
    "                            finding.vmex into --out DIR (runs/stress-W-SEED)\n"
    "      --ops N | --seconds S the run's length (default 1000000 ops)\n"
    "      --seed N, --profile P, --entitlement E, --target xnu, --json\n"
    "      --hunt POLICY         default " VMEX_DEFAULT_HUNT_STRESS "\n"
    "      --sample N, --window K  sample every N ops; K ops in finding.vmex (2000)\n"
    "  diff [--json] FILE...     run linux programs on linux-model and on the real\n"
    "                            kernel; report the first op where they disagree\n"
    "      --random N            N random programs instead (--seed S, --bytes B,\n"
    "                            --window W, -o DIR for the ones that diverge)\n"
    "  bench [--json] [--live N] measure the model's speed\n"
    "  bench --linux [--json] [--seconds S] [--ops N]\n"
    "                            executions/s of random N-op programs (default 1000)\n"
    "                            on target linux, per allocator, and on linux-model\n"
    "  targets [--json] [NAME...]\n"
    "                            the fuzz targets: backend, input, what they hunt\n"
    "  classes [--json]          the verdict classes and what each means\n"
    "  hunt --default [--for stress|TARGET]\n"
    "                            a default hunt policy: of fuzzing, of stress, of a\n"
    "                            fuzz target\n"
    "  hunt POLICY               a hunt policy checked and written in full\n"
    "  help, --help              this text\n"
    "  --version                 print the version\n"
    "\n"
    "sizes: decimal or 0x hex with an optional k/m/g/t suffix (binary units).\n"
    "entitlements: dynamic-codesigning, extended-virtual-addressing,\n"
    "  increased-memory-limit, increased-debugging-memory-limit (or the full\n"
    "  com.apple.developer.kernel.* names).\n"
    "hunt policies: CLASS[:margin>=X,size>=SIZE][;...], default " VMEX_DEFAULT_HUNT "\n"
    "exit status: 0 ok, 1 a finding or a failed check/expect (minimize: no finding,\n"
    "  triage: a new signature), 2 usage or input error.\n";

/* ---------------------------------------------------------------- helpers */

static void margin_text(double m, char *buf, size_t n)
{
    if (!isfinite(m))
        snprintf(buf, n, "inf");
    else if (m >= 100)
        snprintf(buf, n, "%.0f", m);
    else
        snprintf(buf, n, "%.3g", m);
}

static const char *hs(uint64_t v, char *buf, size_t n)
{
    vmex_human_size(v, buf, n);
    return buf;
}

#define HS(v) hs((v), (char[32]){0}, 32)

static int is_placing(int kind)
{
    return kind == VMEX_OP_MMAP || kind == VMEX_OP_VM_ALLOCATE || kind == VMEX_OP_MALLOC ||
           kind == VMEX_OP_REALLOC;
}

/* One op's outcome as text, after "-> ". */
static void outcome_text(vmex_buf *b, const vmex_op *op, const vmex_opres *r, const vmex_layout *L,
                         const vmex_model *m)
{
    int rc = 0;
    if (r->status == VMEX_ST_OK) {
        if (is_placing(op->kind))
            rc |= vmex_buf_printf(b, "0x%012" PRIx64, r->addr);
        else if (op->kind == VMEX_OP_CHECK)
            rc |= vmex_buf_printf(b, "ok (%s %s)", vmex_metric_name(op->metric), HS(r->value));
        else
            rc |= vmex_buf_printf(b, "ok");
    } else if (r->status == VMEX_ST_SKIPPED) {
        rc |= vmex_buf_printf(b, "skipped: %s", vmex_reason_text(r->why));
    } else if (r->cls == VMEX_JETSAM) {
        rc |= vmex_buf_printf(b, "FAILED jetsam: %s (footprint %s, limit %s)", vmex_reason_text(r->why),
                              HS(r->value), HS(L->footprint_limit));
    } else if (vmex_target_has(L->target, VMEX_CAP_JSC) &&
               (r->cls == VMEX_RANGE_ERROR || r->cls == VMEX_PAS_PANIC || r->cls == VMEX_GC_ABORT)) {
        /* JavaScriptCore's outcomes (real/jsc.c): what the window held */
        char mg[32];
        margin_text(r->margin, mg, sizeof mg);
        rc |= vmex_buf_printf(b, "FAILED %s: %s", vmex_class_name(r->cls), vmex_reason_text(r->why));
        if (r->value) rc |= vmex_buf_printf(b, " (signal %d)", (int)r->value);
        if (r->frame[0]) rc |= vmex_buf_printf(b, " in %s", r->frame);
        rc |= vmex_buf_printf(b, " (req %s, held %s of %s, margin %s; kernel: free %s, largest %s; libpas: mapped %s",
                              HS(r->req), HS(r->live), HS(L->window), mg, HS(r->kfree), HS(r->klargest),
                              HS(r->pas_mapped));
        if (r->cls == VMEX_RANGE_ERROR) rc |= vmex_buf_printf(b, ", free in its pages %s", HS(r->pas_free));
        rc |= vmex_buf_printf(b, ")%s", r->finding ? "" : "  [not hunted: not a finding]");
    } else if (vmex_target_has(L->target, VMEX_CAP_REAL) && (r->cls == VMEX_CRASH || r->cls == VMEX_HANG)) {
        rc |= vmex_buf_printf(b, "FAILED %s: %s", vmex_class_name(r->cls), vmex_reason_text(r->why));
        if (r->value) rc |= vmex_buf_printf(b, " (signal %d)", (int)r->value);
        if (r->frame[0]) rc |= vmex_buf_printf(b, " in %s", r->frame);
    } else if (vmex_target_has(L->target, VMEX_CAP_REAL) && r->cls != VMEX_OK) {
        /* the real side is judged against what the program holds (linux.c) */
        char mg[32];
        margin_text(r->margin, mg, sizeof mg);
        rc |= vmex_buf_printf(b, "FAILED %s: %s (req %s, held %s of %s, margin %s)%s", vmex_class_name(r->cls),
                              vmex_reason_text(r->why), HS(r->req), HS(r->live), HS(L->window), mg,
                              r->finding ? "" : "  [below --large: not a finding]");
    } else if (r->why == VMEX_WHY_NOSPACE || r->cls != VMEX_OK) {
        vmex_stats st;
        vmex_model_stats(m, &st);
        char mg[32];
        margin_text(r->margin, mg, sizeof mg);
        rc |= vmex_buf_printf(b, "FAILED %s: %s (req %s, free %s, largest %s, margin %s)%s",
                              vmex_class_name(r->cls), vmex_reason_text(r->why), HS(r->req), HS(st.free),
                              HS(st.largest), mg, r->finding ? "" : "  [below --large: not a finding]");
    } else if (r->why == VMEX_WHY_CHECK) {
        rc |= vmex_buf_printf(b, "FAILED check: %s is %s, not %s %s", vmex_metric_name(op->metric),
                              HS(r->value), op->cmp == VMEX_CMP_LE ? "<=" : ">=", HS(op->size));
    } else {
        rc |= vmex_buf_printf(b, "FAILED: %s", vmex_reason_text(r->why));
    }
    if (r->warn)
        rc |= vmex_buf_printf(b, "  (memory warning: footprint reached %s)", HS(L->footprint_warn));
    cli_outb(rc);
}

/* ---------------------------------------------------------------- run */

typedef struct run_ctx {
    const vmex_program *p;
    const vmex_layout *L;
    const vmex_model *m;
    int json;
    int width;               /* of the op index column */
    int opw;                 /* of the op text column */
    uint32_t calls;
    int32_t check_at;        /* first failed check and its measured value */
    uint64_t check_value;
    vmex_buf tmp;
} run_ctx;

static void on_op(void *vctx, const vmex_op *op, const vmex_opres *r)
{
    run_ctx *c = vctx;
    c->calls++;
    if (op->kind == VMEX_OP_CHECK && r->status == VMEX_ST_FAILED && c->check_at < 0) {
        c->check_at = (int32_t)r->i;
        c->check_value = r->value;
    }
    if (c->json < 0)
        return;   /* quiet */
    if (c->json) {
        cli_outb(vmex_json_op(&g_out, c->p, op, r));
        return;
    }
    c->tmp.len = 0;
    if (vmex_print_op(c->p, op, &c->tmp) != 0)
        cli_outb(-1);
    cli_outf("%*" PRIu32 "  %-*s -> ", c->width, r->i, c->opw, c->tmp.p ? c->tmp.p : "");
    c->tmp.len = 0;
    outcome_text(&c->tmp, op, r, c->L, c->m);
    cli_outf("%s\n", c->tmp.p ? c->tmp.p : "");
}

static int digits(uint32_t n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* width of the op text column: the longest op, within [16, 40] */
static int op_width(const vmex_program *p, vmex_buf *tmp)
{
    int w = 16;
    for (uint32_t i = 0; i < p->nops && w < 40; i++) {
        tmp->len = 0;
        if (vmex_print_op(p, &p->ops[i], tmp) == 0 && (int)tmp->len > w)
            w = (int)tmp->len;
    }
    return w > 40 ? 40 : w;
}

static void verdict_text(const vmex_result *r, const vmex_program *p, char *buf, size_t n)
{
    if (r->verdict == VMEX_OK || r->at < 0) {
        snprintf(buf, n, "ok");
        return;
    }
    char mg[32];
    margin_text(r->margin, mg, sizeof mg);
    if (r->verdict == VMEX_JETSAM)
        snprintf(buf, n, "jetsam at %" PRId32 " (touch passed the footprint limit)", r->at);
    else
        snprintf(buf, n, "%s at %" PRId32 " (%s %s, margin %s)", vmex_class_name(r->verdict), r->at,
                 vmex_opkind_name(r->req_kind), HS(r->req), mg);
    (void)p;
}

static void state_text(const vmex_stats *st)
{
    cli_outf("state: free %s in %" PRIu32 " holes, largest %s, mapped %s, footprint %s, entries %" PRIu32 "\n",
         HS(st->free), st->holes, HS(st->largest), HS(st->mapped), HS(st->footprint), st->entries);
}

/* the final JSON object of a run, with "svg" when a picture was written */
static void json_final(const vmex_result *res, const vmex_layout *L, const char *file, const char *svgpath)
{
    vmex_buf e = {0};
    if (svgpath)
        cli_outb(PUTS(&e, "\"svg\":") | vmex_json_str(&e, svgpath));
    cli_outb(vmex_json_result(&g_out, res, L, file, e.p));
    vmex_buf_free(&e);
}

typedef struct row {
    const char *file, *profile;
    uint32_t ents;
    vmex_result res;
} row;

static int cmd_run(int argc, char **argv)
{
    int json = 0, map = 0, keep_going = 0, bad = 0;
    const char *svg = NULL, *v;
    uint64_t large = VMEX_DEFAULT_LARGE;
    const char *profiles[MAX_PROFILES];
    int nprof = 0, nent = 0, dashdash = 0;
    uint32_t ents = 0, ent_order[VMEX_ENT__COUNT];
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) {
        cli_errorf("out of memory");
        return 2;
    }
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (dashdash || a[0] != '-' || !a[1]) {
            files[nfiles++] = a;
        } else if (!strcmp(a, "--")) {
            dashdash = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--map")) {
            map = 1;
        } else if (!strcmp(a, "--keep-going")) {
            keep_going = 1;
        } else if (cli_value_opt(argc, argv, &i, "--svg", &v, &bad)) {
            if (!bad && strlen(v) > 4000) {
                cli_errorf("--svg path is too long");
                bad = 1;
            } else if (!bad) {
                svg = v;
            }
        } else if (cli_value_opt(argc, argv, &i, "--large", &v, &bad)) {
            if (!bad && cli_parse_size("--large", v, &large, 1))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--profile", &v, &bad)) {
            if (!bad && cli_parse_profiles(v, profiles, &nprof))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--entitlement", &v, &bad)) {
            if (!bad && cli_parse_ent(v, &ents, ent_order, &nent))
                bad = 1;
        } else {
            cli_errorf("unknown option '%s' for 'vmex run' (see 'vmex help')", a);
            bad = 1;
        }
    }
    if (!bad && nfiles == 0) {
        cli_errorf("'vmex run' needs at least one FILE (see 'vmex help')");
        bad = 1;
    }
    if (!bad && json && map) {
        cli_errorf("--map and --json cannot be combined (the map is text; --svg draws it)");
        bad = 1;
    }
    if (bad) {
        free(files);
        return 2;
    }
    int whatif = nprof > 1;

    /* parse every file and resolve every layout first: an input error
     * leaves no partial output */
    vmex_program *progs = calloc((size_t)nfiles, sizeof *progs);
    if (!progs) {
        cli_errorf("out of memory");
        free(files);
        return 2;
    }
    int status = 0;
    for (int f = 0; f < nfiles; f++)
        vmex_program_init(&progs[f]);
    /* entitlement sets: every subset of the given ones in what-if mode */
    uint32_t sets[1u << VMEX_ENT__COUNT];
    int nsets = 0;
    if (whatif) {
        for (uint32_t s = 0; s < (1u << nent); s++) {
            uint32_t e = 0;
            for (int k = 0; k < nent; k++)
                if (s & (1u << k))
                    e |= ent_order[k];
            sets[nsets++] = e;
        }
    } else {
        sets[nsets++] = ents;
    }
    int nprof_eff = nprof ? nprof : 1;
    for (int f = 0; f < nfiles && !status; f++) {
        vmex_error err;
        memset(&err, 0, sizeof err);
        if (vmex_parse_file(files[f], &progs[f], &err) != 0) {
            if (err.line > 0)
                vmex_error_print(&err, stderr);     /* FILE:LINE:COL: error: ... */
            else
                cli_errorf("%s: %s", files[f], err.msg);  /* cannot read, too large */
            status = 2;
            break;
        }
        for (int p = 0; p < nprof_eff && !status; p++)
            for (int s = 0; s < nsets && !status; s++) {
                vmex_layout L;
                memset(&err, 0, sizeof err);
                if (vmex_layout_resolve(&progs[f].cfg, nprof ? profiles[p] : NULL, sets[s], &L, &err) != 0) {
                    snprintf(err.file, sizeof err.file, "%s", files[f]);
                    vmex_error_print(&err, stderr);
                    status = 2;
                }
            }
    }
    vmex_model *m = NULL;
    if (!status && !(m = vmex_model_new(VMEX_STORE_FAST))) {
        cli_errorf("out of memory");
        status = 2;
    }

    int nruns = nfiles * nprof_eff * nsets, runidx = 0;
    row *rows = whatif ? calloc((size_t)nruns, sizeof *rows) : NULL;
    vmex_buf maps = {0}, svgs = {0};
    run_ctx c;
    memset(&c, 0, sizeof c);
    if (whatif && !rows && !status) {
        cli_errorf("out of memory");
        status = 2;
    }
    int finding = 0;
    for (int f = 0; f < nfiles && status != 2; f++) {
        const vmex_program *prog = &progs[f];
        for (int p = 0; p < nprof_eff && status != 2; p++)
            for (int s = 0; s < nsets && status != 2; s++, runidx++) {
                vmex_layout L;
                vmex_error err;
                memset(&err, 0, sizeof err);
                if (vmex_layout_resolve(&prog->cfg, nprof ? profiles[p] : NULL, sets[s], &L, &err) != 0) {
                    vmex_error_print(&err, stderr);
                    status = 2;
                    break;
                }
                vmex_runopts o;
                vmex_runopts_init(&o);
                o.large = large;
                o.keep_going = keep_going;
                o.on_op = on_op;
                o.ctx = &c;
                c.p = prog;
                c.L = &L;
                c.m = m;
                c.json = whatif ? -1 : json;
                c.width = digits(prog->nops ? prog->nops - 1 : 0);
                if (c.width < 3)
                    c.width = 3;
                c.opw = whatif || json ? 0 : op_width(prog, &c.tmp);
                c.calls = 0;
                c.check_at = -1;
                char ents_txt[160];
                vmex_ents_text(L.ents, ents_txt, sizeof ents_txt);
                if (!whatif && !json && L.target != VMEX_TARGET_XNU)
                    cli_outf("%s%s: %s, %" PRIu32 " ops\n", runidx ? "\n" : "", files[f], L.profile, prog->nops);
                else if (!whatif && !json)
                    cli_outf("%s%s: profile %s, entitlements %s, %" PRIu32 " ops\n", runidx ? "\n" : "", files[f],
                         L.profile, ents_txt, prog->nops);
                vmex_result res;
                if (vmex_model_run(m, &L, prog, &o, &res) != 0) {
                    cli_errorf("%s: the run failed: %s", files[f], vmex_model_error(m));
                    status = 2;
                    break;
                }
                if (res.verdict != VMEX_OK || res.checks_failed)
                    finding = 1;

                /* the picture */
                char svgpath[4096] = "";
                if (svg) {
                    if (nruns > 1)
                        indexed_path(svg, runidx, svgpath, sizeof svgpath);
                    else
                        snprintf(svgpath, sizeof svgpath, "%s", svg);
                    vmex_buf pic = {0};
                    vmex_svg_info info = {files[f], prog, &res};
                    if (vmex_report_svg(m, &L, &info, &pic) != 0) {
                        cli_errorf("out of memory");
                        status = 2;
                    } else if (cli_write_atomic(svgpath, pic.p, pic.len) != 0) {
                        status = 2;
                    }
                    vmex_buf_free(&pic);
                    if (status == 2)
                        break;
                }

                if (whatif) {
                    rows[runidx].file = files[f];
                    rows[runidx].profile = nprof ? profiles[p] : L.profile;
                    rows[runidx].ents = L.ents;
                    rows[runidx].res = res;
                    if (json)
                        json_final(&res, &L, files[f], svg ? svgpath : NULL);
                    if (map && !json) {
                        cli_outb(vmex_buf_printf(&maps, "\n%s:\n", files[f]));
                        cli_outb(vmex_report_map(m, &L, &maps));
                    }
                    if (svg && !json)
                        cli_outb(vmex_buf_printf(&svgs, "svg %s: %s, %s, entitlements %s\n", svgpath, files[f],
                                             L.profile, ents_txt));
                    continue;
                }

                if (json) {
                    json_final(&res, &L, files[f], svg ? svgpath : NULL);
                    continue;
                }
                if (c.calls < prog->nops)
                    cli_outf("  ... stopped at the first finding: %" PRIu32 " op%s not run (--keep-going runs them)\n",
                         prog->nops - c.calls, prog->nops - c.calls == 1 ? "" : "s");
                char vd[200];
                verdict_text(&res, prog, vd, sizeof vd);
                cli_outf("verdict: %s", vd);
                if (res.findings > 1)
                    cli_outf(", %" PRIu32 " findings", res.findings);
                cli_outf("\n");
                if (res.checks_failed)
                    cli_outf("checks: %" PRIu32 " failed, the first at op %" PRId32 "\n", res.checks_failed,
                         res.first_check_failed);
                if (prog->expect >= 0) {
                    char ex[64];
                    if (prog->expect_at >= 0)
                        snprintf(ex, sizeof ex, "%s at %" PRId32, vmex_class_name(prog->expect), prog->expect_at);
                    else
                        snprintf(ex, sizeof ex, "%s", vmex_class_name(prog->expect));
                    cli_outf("expect: %s: %s\n", ex, vmex_result_matches(prog, &res) ? "matches" : "DOES NOT MATCH");
                }
                if (res.warn_at >= 0)
                    cli_outf("memory warning at op %" PRId32 " (warning level %s, jetsam limit %s)\n", res.warn_at,
                         HS(L.footprint_warn), HS(L.footprint_limit));
                state_text(&res.st);
                if (map) {
                    cli_outf("\n");
                    cli_outb(vmex_report_map(m, &L, &g_out));
                }
                if (svg)
                    cli_outf("svg: %s\n", svgpath);
            }
    }

    if (whatif && status != 2 && !json) {
        /* the what-if table */
        int wf = 4, wp = 7, we = 12;
        for (int i = 0; i < nruns; i++) {
            char et[160];
            vmex_ents_text(rows[i].ents, et, sizeof et);
            int l = (int)strlen(rows[i].file);
            if (l > wf) wf = l;
            l = (int)strlen(rows[i].profile);
            if (l > wp) wp = l;
            l = (int)strlen(et);
            if (l > we) we = l;
        }
        int showfile = nfiles > 1;
        if (!showfile)
            cli_outf("%s\n", files[0]);
        if (showfile)
            cli_outf("%-*s  ", wf, "file");
        cli_outf("%-*s  %-*s  %-9s  %6s  %7s  %8s  %8s\n", wp, "profile", we, "entitlements", "verdict", "at",
             "margin", "free", "largest");
        int bad_rows = 0;
        for (int i = 0; i < nruns; i++) {
            const vmex_result *r = &rows[i].res;
            char et[160], at[16] = "-", mg[32] = "-";
            vmex_ents_text(rows[i].ents, et, sizeof et);
            int hit = r->verdict != VMEX_OK && r->at >= 0;
            if (hit) {
                snprintf(at, sizeof at, "%" PRId32, r->at);
                margin_text(r->margin, mg, sizeof mg);
            }
            if (hit || r->checks_failed)
                bad_rows++;
            if (showfile)
                cli_outf("%-*s  ", wf, rows[i].file);
            cli_outf("%-*s  %-*s  %-9s  %6s  %7s  %8s  %8s%s\n", wp, rows[i].profile, we, et,
                 vmex_class_name(r->verdict), at, mg, HS(r->st.free), HS(r->st.largest),
                 r->checks_failed ? "  (check failed)" : "");
        }
        cli_outf("%d of %d runs %s\n", bad_rows, nruns, bad_rows == 1 ? "fails" : "fail");
        if (svgs.len)
            cli_outb(vmex_buf_put(&g_out, svgs.p, svgs.len));
        if (maps.len)
            cli_outb(vmex_buf_put(&g_out, maps.p, maps.len));
    }

    vmex_buf_free(&maps);
    vmex_buf_free(&svgs);
    vmex_buf_free(&c.tmp);
    free(rows);
    vmex_model_free(m);
    for (int f = 0; f < nfiles; f++)
        vmex_program_free(&progs[f]);
    free(progs);
    free(files);
    if (status == 2) {
        vmex_buf_free(&g_out);
        return 2;
    }
    return cli_finish(finding ? 1 : 0);
}

/* ---------------------------------------------------------------- check */

int cli_pathv_add(cli_pathv *pv, const char *s)
{
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 64;
        char **v = realloc(pv->v, cap * sizeof *v);
        if (!v)
            return -1;
        pv->v = v;
        pv->cap = cap;
    }
    if (!(pv->v[pv->n] = strdup(s)))
        return -1;
    pv->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n > k && !strcmp(s + n - k, suf);
}

/* *.vmex under dir, recursively, in sorted order (symlinked directories
 * are not followed, so there are no cycles). */
int cli_collect_dir(const char *dir, cli_pathv *out, int depth)
{
    if (depth > 64) {
        cli_errorf("'%s': directories nested too deeply", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        cli_errorf("cannot open directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    cli_pathv names = {0};
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (cli_pathv_add(&names, e->d_name)) {
            cli_errorf("out of memory");
            rc = -1;
            break;
        }
    }
    if (!rc && errno) {
        cli_errorf("cannot read directory '%s': %s", dir, strerror(errno));
        rc = -1;
    }
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.n && !rc; i++) {
        size_t len = strlen(dir) + strlen(names.v[i]) + 2;
        char *full = malloc(len);
        if (!full) {
            cli_errorf("out of memory");
            rc = -1;
            break;
        }
        int slash = dir[0] && dir[strlen(dir) - 1] == '/';
        snprintf(full, len, "%s%s%s", dir, slash ? "" : "/", names.v[i]);
        struct stat st;
        if (lstat(full, &st) != 0) {
            cli_errorf("cannot open '%s': %s", full, strerror(errno));
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = cli_collect_dir(full, out, depth + 1);
        } else if (cli_ends_with(names.v[i], ".vmex")) {
            if (cli_pathv_add(out, full)) {
                cli_errorf("out of memory");
                rc = -1;
            }
        }
        free(full);
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
    return rc;
}

static void error_text(const vmex_error *e, char *buf, size_t n)
{
    /* vmex_error_print's format, into a string */
    size_t len = 0;
    buf[0] = '\0';
#define APPEND(...) do { int k_ = snprintf(buf + len, n - len, __VA_ARGS__); \
        if (k_ > 0) len = (size_t)k_ < n - len ? len + (size_t)k_ : n - 1; } while (0)
    if (e->file[0])
        APPEND("%s:", e->file);
    if (e->line > 0) {
        APPEND("%d:", e->line);
        if (e->col > 0)
            APPEND("%d:", e->col);
    }
    APPEND("%serror: %s", (e->file[0] || e->line > 0) ? " " : "", e->msg);
#undef APPEND
}

static int cmd_check(int argc, char **argv)
{
    cli_pathv files = {0};
    int bad = 0, dashdash = 0, npaths = 0, bad_inputs = 0;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (!dashdash && !strcmp(a, "--")) {
            dashdash = 1;
            continue;
        }
        if (!dashdash && a[0] == '-' && a[1]) {
            cli_errorf("unknown option '%s' for 'vmex check' (see 'vmex help')", a);
            bad = 1;
            break;
        }
        npaths++;
        struct stat st;
        if (stat(a, &st) != 0) {
            cli_errorf("cannot open '%s': %s", a, strerror(errno));
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (cli_collect_dir(a, &files, 0))
                bad = 1;
        } else if (cli_pathv_add(&files, a)) {
            cli_errorf("out of memory");
            bad = 1;
        }
    }
    if (!bad && npaths == 0) {
        cli_errorf("'vmex check' needs at least one PATH (see 'vmex help')");
        bad = 1;
    }
    vmex_model *m = NULL, *real = NULL;   /* real: the kernel side of `expect diverge` */
    if (!bad && !(m = vmex_model_new(VMEX_STORE_FAST))) {
        cli_errorf("out of memory");
        bad = 1;
    }
    unsigned passed = 0, failed = 0, skipped = 0;
    vmex_program prog;
    vmex_program_init(&prog);
    for (size_t i = 0; i < files.n && !bad; i++) {
        const char *path = files.v[i];
        vmex_error err;
        memset(&err, 0, sizeof err);
        vmex_program_reset(&prog);
        char et[600];
        vmex_layout L;
        int unreadable = vmex_parse_file(path, &prog, &err) != 0;
        if (!unreadable && vmex_layout_resolve(&prog.cfg, NULL, 0, &L, &err) != 0) {
            snprintf(err.file, sizeof err.file, "%s", path);
            unreadable = 1;
        }
        if (unreadable) {   /* bad input: reported in the table and on stderr, exit 2 */
            error_text(&err, et, sizeof et);
            cli_outf("FAIL %s: %s\n", path, et);
            vmex_error_print(&err, stderr);
            failed++;
            bad_inputs++;
            continue;
        }
        run_ctx c;
        memset(&c, 0, sizeof c);
        c.json = -1;
        c.check_at = -1;
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.on_op = on_op;
        o.ctx = &c;
        vmex_result r;
        int run_rc;
        if (prog.expect == VMEX_DIVERGE) {   /* an open model bug: model and kernel still disagree */
            vmex_hunt dh = {1, {{VMEX_DIVERGE, 0, 0}}};
            char sig[128];
            run_rc = vmex_find(m, &real, &L, &prog, &dh, &r, sig, sizeof sig) < 0;
        } else {
            /* a RangeError is a finding only when hunted: its expect line hunts it */
            static const vmex_hunt rh = {1, {{VMEX_RANGE_ERROR, 0, 0}}};
            if (prog.expect == VMEX_RANGE_ERROR) o.hunt = &rh;
            run_rc = vmex_model_run(m, &L, &prog, &o, &r);
        }
        if (run_rc && vmex_model_unavailable(m)) {   /* not this program's fault: said, not failed */
            cli_outf("SKIP %s: %s\n", path, vmex_model_error(m));
            skipped++;
            continue;
        }
        if (run_rc) {
            cli_errorf("%s: the run failed: %s", path, vmex_model_error(m));
            bad = 1;
            break;
        }
        char got[64], mg[32];
        margin_text(r.margin, mg, sizeof mg);
        if (r.verdict != VMEX_OK && r.at >= 0)
            snprintf(got, sizeof got, "%s at %" PRId32, vmex_class_name(r.verdict), r.at);
        else
            snprintf(got, sizeof got, "%s", vmex_class_name(r.verdict));
        if (vmex_result_matches(&prog, &r)) {
            passed++;
            if (r.verdict != VMEX_OK && r.at >= 0)
                cli_outf("PASS %s  (verdict %s, margin %s)\n", path, got, mg);
            else
                cli_outf("PASS %s  (verdict %s)\n", path, got);
            continue;
        }
        failed++;
        int want = prog.expect >= 0 ? prog.expect : VMEX_OK;
        if (r.verdict != want || (prog.expect_at >= 0 && r.at != prog.expect_at)) {
            char ex[64];
            if (prog.expect_at >= 0)
                snprintf(ex, sizeof ex, "%s at %" PRId32, vmex_class_name(want), prog.expect_at);
            else
                snprintf(ex, sizeof ex, "%s", vmex_class_name(want));
            cli_outf("FAIL %s: expected %s%s, got %s\n", path, ex, prog.expect < 0 ? " (no expect line)" : "", got);
        } else if (r.checks_failed) {
            vmex_buf t = {0};
            const vmex_op *op = c.check_at >= 0 ? &prog.ops[c.check_at] : NULL;
            if (op)
                cli_outb(vmex_print_op(&prog, op, &t));
            cli_outf("FAIL %s: %" PRIu32 " check%s failed, the first at op %" PRId32 "%s%s%s", path, r.checks_failed,
                 r.checks_failed == 1 ? "" : "s", r.first_check_failed, op ? " (" : "", op && t.p ? t.p : "",
                 op ? "" : "\n");
            if (op) {
                if (op->line)
                    cli_outf(", line %" PRIu32, op->line);
                cli_outf(": measured %s)\n", HS(c.check_value));
            }
            vmex_buf_free(&t);
        } else {
            cli_outf("FAIL %s: got %s\n", path, got);
        }
    }
    vmex_program_free(&prog);
    vmex_model_free(m);
    vmex_model_free(real);
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    if (bad) {
        vmex_buf_free(&g_out);
        return 2;
    }
    if (skipped)   /* target linux could not run here */
        cli_outf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
    else
        cli_outf("%u passed, %u failed\n", passed, failed);
    return cli_finish(bad_inputs ? 2 : failed ? 1 : 0);
}

/* ---------------------------------------------------------------- probe */

static void count_ok(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    uint64_t *c = ctx;
    if (r->status == VMEX_ST_OK) {
        c[0]++;
        c[1] += r->size;
    }
    (void)op;
}

static int cmd_probe(int argc, char **argv)
{
    int json = 0, bad = 0, nent = 0, nprof = 0;
    uint32_t ents = 0, order[VMEX_ENT__COUNT];
    uint64_t chunk = 1ull << 20;
    const char *profiles[MAX_PROFILES], *v;
    for (int i = 1; i < argc && !bad; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (cli_value_opt(argc, argv, &i, "--profile", &v, &bad)) {
            if (!bad && cli_parse_profiles(v, profiles, &nprof))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--entitlement", &v, &bad)) {
            if (!bad && cli_parse_ent(v, &ents, order, &nent))
                bad = 1;
        } else if (cli_value_opt(argc, argv, &i, "--chunk", &v, &bad)) {
            if (!bad && cli_parse_size("--chunk", v, &chunk, 0))
                bad = 1;
        } else if (a[0] == '-') {
            cli_errorf("unknown option '%s' for 'vmex probe' (see 'vmex help')", a);
            bad = 1;
        } else {
            cli_errorf("'vmex probe' takes no FILE argument ('%s')", a);
            bad = 1;
        }
    }
    if (bad)
        return 2;
    if (nprof == 0)
        profiles[nprof++] = VMEX_DEFAULT_PROFILE;

    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_program prog;
    vmex_program_init(&prog);
    if (!m) {
        cli_errorf("out of memory");
        return 2;
    }
    int status = 0;
    for (int k = 0; k < nprof && !status; k++) {
        vmex_layout L;
        vmex_error err;
        memset(&err, 0, sizeof err);
        vmex_program_reset(&prog);
        memset(&prog.cfg, 0, sizeof prog.cfg);
        if (vmex_layout_resolve(&prog.cfg, profiles[k], ents, &L, &err) != 0) {
            cli_errorf("%s", err.msg);
            status = 2;
            break;
        }
        uint64_t pchunk = VMEX_ALIGN_UP(chunk, VMEX_PAGE);
        uint64_t need = L.pristine_free / pchunk + 1;
        if (need > VMEX_MAX_OPS) {
            uint64_t min = VMEX_ALIGN_UP(L.pristine_free / (VMEX_MAX_OPS - 1) + 1, VMEX_PAGE);
            cli_errorf("--chunk %s is too small for %s: the probe would need %" PRIu64
                   " ops (a program has at most %u); use --chunk %s or more",
                   HS(chunk), L.profile, need, VMEX_MAX_OPS, HS(min));
            status = 2;
            break;
        }
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_VM_ALLOCATE);
        op.size = chunk;
        for (uint64_t i = 0; i < need; i++)
            if (vmex_program_add(&prog, &op) < 0) {
                cli_errorf("out of memory");
                status = 2;
                break;
            }
        if (status)
            break;
        uint64_t counts[2] = {0, 0};
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.large = 0;
        o.keep_going = 0;
        o.on_op = count_ok;
        o.ctx = counts;
        vmex_result r;
        if (vmex_model_run(m, &L, &prog, &o, &r) != 0) {
            cli_errorf("the run failed: %s", vmex_model_error(m));
            status = 2;
            break;
        }
        if (json) {
            cli_outb(PUTS(&g_out, "{\"profile\":"));
            cli_outb(vmex_json_str(&g_out, L.profile));
            cli_outb(PUTS(&g_out, ",\"entitlements\":["));
            int first = 1;
            for (int b = 0; b < VMEX_ENT__COUNT; b++)
                if (L.ents & (1u << b)) {
                    cli_outb(vmex_buf_printf(&g_out, "%s", first ? "" : ","));
                    cli_outb(vmex_json_str(&g_out, vmex_ent_name(b)));
                    first = 0;
                }
            cli_outf("],\"chunk\":%" PRIu64 ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"min_offset\":%" PRIu64
                 ",\"max_offset\":%" PRIu64 ",\"free_left\":%" PRIu64 ",\"largest_left\":%" PRIu64
                 ",\"entries\":%" PRIu32 "}\n",
                 chunk, counts[0], counts[1], L.min_offset, L.max_offset, r.st.free, r.st.largest, r.st.entries);
        } else {
            char et[160];
            vmex_ents_text(L.ents, et, sizeof et);
            cli_outf("%s (entitlements %s): 0x%012" PRIx64 "-0x%012" PRIx64 ", usable %s\n", L.profile, et,
                 L.min_offset, L.max_offset, HS(L.pristine_free));
            cli_outf("  %" PRIu64 " x vm_allocate %s%s%s%s = %s before the first failure\n", counts[0], HS(chunk),
                 pchunk != chunk ? " (" : "", pchunk != chunk ? HS(pchunk) : "",
                 pchunk != chunk ? " after page rounding)" : "", HS(counts[1]));
            cli_outf("  left: free %s in %" PRIu32 " holes, largest %s\n", HS(r.st.free), r.st.holes,
                 HS(r.st.largest));
        }
    }
    vmex_program_free(&prog);
    vmex_model_free(m);
    if (status) {
        vmex_buf_free(&g_out);
        return status;
    }
    return cli_finish(0);
}

/* ---------------------------------------------------------------- profiles */

static int cmd_profiles(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            cli_errorf("unknown argument '%s' for 'vmex profiles' (see 'vmex help')", argv[i]);
            return 2;
        }
    }
    const char *names[MAX_PROFILES];
    size_t n = vmex_profile_list(names, MAX_PROFILES);
    if (n > MAX_PROFILES)
        n = MAX_PROFILES;
    if (!json)
        cli_outf("%-14s  %-14s  %-14s  %7s  %7s  %-14s  %7s  %9s\n", "profile", "min_offset", "max_offset", "usable",
             "largest", "jumbo max", "jumbo", "footprint");
    for (size_t i = 0; i < n; i++) {
        vmex_config cfg;
        memset(&cfg, 0, sizeof cfg);
        snprintf(cfg.profile, sizeof cfg.profile, "%s", names[i]);
        vmex_layout L, J;
        vmex_error err;
        memset(&err, 0, sizeof err);
        if (vmex_layout_resolve(&cfg, NULL, 0, &L, &err) != 0) {
            cli_errorf("profile '%s': %s", names[i], err.msg);
            vmex_buf_free(&g_out);
            return 2;
        }
        int jumbo = vmex_layout_resolve(&cfg, NULL, VMEX_ENT_EXTENDED_VA, &J, &err) == 0 && J.jumbo;
        if (json) {
            cli_outb(PUTS(&g_out, "{\"profile\":"));
            cli_outb(vmex_json_str(&g_out, L.profile));
            cli_outf(",\"version_x10\":%" PRIu32 ",\"ram_gb\":%" PRIu32 ",\"min_offset\":%" PRIu64
                 ",\"max_offset\":%" PRIu64 ",\"usable\":%" PRIu64 ",\"largest\":%" PRIu64
                 ",\"shared_size\":%" PRIu64 ",\"footprint_limit\":%" PRIu64 ",\"footprint_warn\":%" PRIu64,
                 L.version_x10, L.ram_gb, L.min_offset, L.max_offset, L.pristine_free, L.pristine_largest,
                 L.shared_size, L.footprint_limit, L.footprint_warn);
            if (jumbo)
                cli_outf(",\"jumbo_max_offset\":%" PRIu64 ",\"jumbo_usable\":%" PRIu64 ",\"jumbo_largest\":%" PRIu64
                     "}\n", J.max_offset, J.pristine_free, J.pristine_largest);
            else
                cli_outf(",\"jumbo_max_offset\":null,\"jumbo_usable\":null,\"jumbo_largest\":null}\n");
        } else {
            char jm[32] = "-", ju[32] = "-";
            if (jumbo) {
                snprintf(jm, sizeof jm, "0x%012" PRIx64, J.max_offset);
                vmex_human_size(J.pristine_free, ju, sizeof ju);
            }
            cli_outf("%-14s  0x%012" PRIx64 "  0x%012" PRIx64 "  %7s  %7s  %-14s  %7s  %9s\n", L.profile, L.min_offset,
                 L.max_offset, HS(L.pristine_free), HS(L.pristine_largest), jm, ju, HS(L.footprint_limit));
        }
    }
    if (!json)
        cli_outf("jumbo: the map with extended-virtual-addressing (iOS 14+), '-' when not granted\n");
    return cli_finish(0);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    /* a file size limit must give a clean error, not a killed process */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    int rc;
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "probe"))
        return cmd_probe(argc - 1, argv + 1);
    if (!strcmp(cmd, "profiles"))
        return cmd_profiles(argc - 1, argv + 1);
    if (!strcmp(cmd, "minimize"))
        return cli_cmd_minimize(argc - 1, argv + 1);
    if (!strcmp(cmd, "convert"))
        return cli_cmd_convert(argc - 1, argv + 1);
    if (!strcmp(cmd, "triage"))
        return cli_cmd_triage(argc - 1, argv + 1);
    if (!strcmp(cmd, "import"))
        return cli_cmd_import(argc - 1, argv + 1);
    if (!strcmp(cmd, "diff"))
        return cli_cmd_diff(argc - 1, argv + 1);
    if (!strcmp(cmd, "stress")) return cli_cmd_stress(argc - 1, argv + 1);
    if (!strcmp(cmd, "targets")) return cli_cmd_targets(argc - 1, argv + 1);
    if (!strcmp(cmd, "classes")) return cli_cmd_classes(argc - 1, argv + 1);
    if (!strcmp(cmd, "hunt")) return cli_cmd_hunt(argc - 1, argv + 1);
    if (!strcmp(cmd, "bench")) {
        rc = _vmex_bench_main(argc - 1, argv + 1);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            cli_errorf("writing standard output: %s", strerror(errno ? errno : EIO));
            return 2;
        }
        return rc;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2 && strcmp(cmd, "help") != 0) {
            cli_errorf("'%s' takes no arguments", cmd);
            return 2;
        }
        cli_outf("%s", usage_text);
        return cli_finish(0);
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        cli_outf("vmex %s\n", VMEX_VERSION);
        return cli_finish(0);
    }
    if (cmd[0] == '-')
        cli_errorf("unknown option '%s' (see 'vmex help')", cmd);
    else
        cli_errorf("unknown command '%s' (see 'vmex help')", cmd);
    return 2;
}
