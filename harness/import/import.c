/*
 * import.c - recorded traces to vmex programs (import.h): the driver.  A
 * trace streams through one line at a time to the reader of its format
 * (trace.c: vmex-trace; strace.c: strace), which translates each call
 * (translate.c); then the stats become the program's header comment.  The
 * translation rules are in import.h; the formats in
 * import/recorder/record.c and the README ("Real traces").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/file.h"
#include "core/fmt.h"
#include "import/importer.h"

/* ------------------------------------------------------------ names */
static const char *const format_names[VMEX_TRACE__COUNT] = {"auto", "vmex-trace", "strace"};
static const char *const tcall_names[VMEX_TC__COUNT] = {"malloc", "calloc", "aligned", "realloc", "free",
                                                        "mmap",   "munmap", "mremap",  "brk"};

const char *vmex_trace_format_name(int f)
{
    return f >= 0 && f < VMEX_TRACE__COUNT ? format_names[f] : "?";
}

int vmex_trace_format_parse(const char *s)
{
    for (int f = 0; f < VMEX_TRACE__COUNT; f++)
        if (!strcmp(s, format_names[f]))
            return f;
    return -1;
}

const char *vmex_tcall_name(int k)
{
    return k >= 0 && k < VMEX_TC__COUNT ? tcall_names[k] : "?";
}

static const char *const began_names[VMEX_SPACE__COUNT] = {"first process", "fork", "new pid", "execve",
                                                           "exec (brk)"};

const char *vmex_space_began_name(int b)
{
    return b >= 0 && b < VMEX_SPACE__COUNT ? began_names[b] : "?";
}

/* ------------------------------------------------------------ address spaces */
static void space_free(imp_space *a)
{
    if (!a)
        return;
    for (int k = 0; k < POOL__COUNT; k++) {
        free(a->pools[k].ids);
        free(a->pools[k].free);
    }
    free(a->h);
    _vmex_ivt_free(&a->pieces);
    free(a->heap);
    free(a->members);
    vmex_program_free(&a->p);
    free(a);
}

int imp_space_add(vmex_importer *im)
{
    imp_space *a = calloc(1, sizeof *a);
    if (!a || imp_grow((void **)&im->sp, &im->spcap, im->nsp + 1, sizeof *im->sp)) {
        free(a);
        return -1;
    }
    vmex_program_init(&a->p);
    _vmex_ivt_init(&a->pieces);
    if (im->o.profile)
        snprintf(a->p.cfg.profile, sizeof a->p.cfg.profile, "%s", im->o.profile);
    a->st.space = (uint32_t)im->nsp;
    a->st.space_line = im->line;
    im->sp[im->nsp] = a;
    return (int)im->nsp++;
}

static uint64_t space_calls(const imp_space *a)
{
    uint64_t n = 0;
    for (int k = 0; k < VMEX_TC__COUNT; k++)
        n += a->st.calls[k];
    return n;
}

/* ------------------------------------------------------------ driver */
vmex_importer *vmex_import_new(const vmex_import_opts *o, const char *file, vmex_program *out)
{
    vmex_importer *im = calloc(1, sizeof *im);
    if (!im)
        return NULL;
    if (o)
        im->o = *o;
    im->out = out;
    if (out)
        vmex_program_reset(out);
    im->format = im->o.format;
    im->max_ops = im->o.max_ops && im->o.max_ops < VMEX_MAX_OPS ? im->o.max_ops : VMEX_MAX_OPS;
    im->page = IMP_LINUX_PAGE;
    snprintf(im->file, sizeof im->file, "%s", file ? file : "");
    /* the first address space (a vmex-trace's only one) */
    if (imp_space_add(im) < 0) {
        vmex_import_free(im);
        return NULL;
    }
    im->a = im->sp[0];
    return im;
}

void vmex_import_free(vmex_importer *im)
{
    if (!im)
        return;
    for (size_t k = 0; k < im->nsp; k++)
        space_free(im->sp[k]);
    free(im->sp);
    imp_pids_free(im);
    free(im->comb);
    free(im->carry);
    free(im);
}

int vmex_import_line(vmex_importer *im, const char *s, size_t n, vmex_error *err)
{
    im->err = err;
    if (im->failed)
        return imp_fail(im, 0, "the importer stopped at an earlier error");
    im->line++;
    im->st.lines++;
    im->nseg = 0;
    if (n && s[n - 1] == '\r')
        n--;
    if (n > IMP_LINE_LIMIT)
        return imp_fail(im, IMP_LINE_LIMIT + 1, "line longer than %u bytes", IMP_LINE_LIMIT);
    const char *nul = memchr(s, '\0', n);
    if (nul)
        return imp_fail(im, (int)(nul - s) + 1, "binary data (a NUL byte): not a trace");
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    if (k == n && !im->nonblank)
        return 0;   /* leading blank lines */
    im->nonblank = 1;
    if (im->format == VMEX_TRACE_AUTO) {
        im->format = n - k >= 10 && !memcmp(s + k, "vmex-trace", 10) ? VMEX_TRACE_RECORD : VMEX_TRACE_STRACE;
        im->detected = 1;
    }
    return im->format == VMEX_TRACE_RECORD ? imp_trace_line(im, s, n) : imp_strace_line(im, s, n);
}

/* The log's totals into every address space's stats; the empty ones
 * (no call) left out, unless all are.  Returns how many are kept. */
static uint32_t finish_stats(vmex_importer *im)
{
    uint32_t kept = 0;
    uint64_t pend = imp_pids_finish(im);
    for (size_t k = 0; k < im->nsp; k++)
        kept += space_calls(im->sp[k]) > 0;
    uint32_t idx = 0;
    for (size_t k = 0; k < im->nsp; k++) {
        imp_space *a = im->sp[k];
        if (kept && !space_calls(a))
            continue;
        vmex_import_stats *t = &a->st;
        t->format = im->format;
        snprintf(t->prog, sizeof t->prog, "%s", im->st.prog);
        t->pid = im->st.pid;
        t->lines = im->st.lines;
        t->other = im->st.other;
        t->pids = im->st.pids;
        t->complete = im->st.complete;
        t->rec_unknown_free = im->st.rec_unknown_free;
        t->rec_unknown_munmap = im->st.rec_unknown_munmap;
        t->rec_untracked = im->st.rec_untracked;
        t->spaces = kept ? kept : 1;
        t->space = idx++;
        pidrec *r = imp_pid_find(im, t->space_pid);
        t->space_seq = r ? ++r->kept : 1;   /* counted over the kept ones only */
        t->newpids = im->newpids;
        t->guessed = im->guessed;
        if (k == 0)
            t->dropped[VMEX_TD_UNFINISHED] += pend;   /* of pids that never made a call */
        if (!kept)
            break;
    }
    return kept ? kept : 1;
}

static int finish_check(vmex_importer *im, vmex_error *err)
{
    im->err = err;
    im->nseg = 0;
    im->begun = 0;
    if (im->failed)
        return imp_fail(im, 0, "the importer stopped at an earlier error");
    if (!im->nonblank) {
        im->line = 0;
        return imp_fail(im, 0, "empty trace");
    }
    return 0;
}

int vmex_import_finish_set(vmex_importer *im, vmex_import_set *set, vmex_error *err)
{
    memset(set, 0, sizeof *set);
    if (finish_check(im, err))
        return -1;
    uint32_t n = finish_stats(im);
    set->v = calloc(n, sizeof *set->v);
    if (!set->v)
        return imp_oom(im);
    int any = 0;
    for (size_t k = 0; k < im->nsp; k++)
        any |= space_calls(im->sp[k]) > 0;
    for (size_t k = 0; k < im->nsp && set->n < n; k++) {
        imp_space *a = im->sp[k];
        if (any ? !space_calls(a) : k > 0)
            continue;                            /* an address space without calls */
        set->v[set->n].p = a->p;
        set->v[set->n].st = a->st;
        set->v[set->n].pids = a->members;
        a->members = NULL;
        vmex_program_init(&a->p);
        set->n++;
    }
    return 0;
}

void vmex_import_set_free(vmex_import_set *set)
{
    for (uint32_t k = 0; set->v && k < set->n; k++) {
        vmex_program_free(&set->v[k].p);
        free(set->v[k].pids);
    }
    free(set->v);
    memset(set, 0, sizeof *set);
}

int vmex_import_set_pick(const vmex_import_set *set, long pid, uint32_t seq, const char *file, vmex_error *err)
{
    int first = -1, count = 0, at = -1;
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    for (uint32_t k = 0; k < set->n; k++) {
        const vmex_import_stats *t = &set->v[k].st;
        if (t->space_pid != pid)
            continue;
        count++;
        if (first < 0)
            first = (int)k;
        if (t->space_seq == seq)
            at = (int)k;
    }
    for (uint32_t k = 0; count == 0 && !seq && k < set->n; k++)
        for (uint32_t i = 0; set->v[k].pids && i < set->v[k].st.space_pids; i++)
            if (set->v[k].pids[i] == pid)
                return (int)k;                   /* a thread: the address space it ran in */
    if (count == 0) {
        vmex_error_set(err, 0, 0, "pid %ld ran in no address space with calls in this trace", pid);
        err->code = VMEX_E_INPUT;
        return -1;
    }
    if (seq == 0 && count == 1)
        return first;
    if (seq == 0 || at < 0) {
        vmex_buf b = {0};
        for (uint32_t k = 0; k < set->n; k++)
            if (set->v[k].st.space_pid == pid)
                vmex_buf_printf(&b, "%s%ld:%u (%s, line %d)", b.len ? ", " : "", pid, set->v[k].st.space_seq,
                                set->v[k].st.space_exe[0] ? set->v[k].st.space_exe
                                                          : vmex_space_began_name(set->v[k].st.space_began),
                                set->v[k].st.space_line);
        vmex_error_set(err, 0, 0, "pid %ld %s %d address spaces (it exec'd): pick one with --pid %s",
                       pid, seq ? "has no such address space; it has" : "has", count, b.p ? b.p : "?");
        vmex_buf_free(&b);
        err->code = VMEX_E_INPUT;
        return -1;
    }
    return at;
}

int vmex_import_finish(vmex_importer *im, vmex_import_stats *st, vmex_error *err)
{
    vmex_import_set set;
    if (vmex_import_finish_set(im, &set, err))
        return -1;
    int k = 0;
    if (im->o.pid && (k = vmex_import_set_pick(&set, im->o.pid, im->o.pid_seq, im->file, err)) < 0) {
        vmex_import_set_free(&set);
        return -1;
    }
    if (st)
        *st = set.v[k].st;
    if (im->out) {
        vmex_program_free(im->out);
        *im->out = set.v[k].p;
        vmex_program_init(&set.v[k].p);
    }
    vmex_import_set_free(&set);
    return 0;
}

int vmex_import(const char *text, size_t len, const char *file, const vmex_import_opts *o, vmex_program *out,
                vmex_import_stats *st, vmex_error *err)
{
    vmex_importer *im = vmex_import_new(o, file, out);
    if (!im) {
        memset(err, 0, sizeof *err);
        return vmex_error_nomem(err);
    }
    int rc = 0;
    size_t i = 0;
    while (i < len && !rc) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - text) - i : len - i;
        rc = vmex_import_line(im, text + i, n, err);
        i += n + 1;
    }
    if (!rc)
        rc = vmex_import_finish(im, st, err);
    vmex_import_free(im);
    if (rc)
        vmex_program_reset(out);
    return rc;
}

/* Every line of head[0..nhead) and then of f into im.  0, or -1 with err. */
static int feed_stream(vmex_importer *im, FILE *f, const char *label, const char *head, size_t nhead,
                       vmex_error *err)
{
    size_t cap = 1 << 16, have = 0;
    while (cap < nhead)
        cap *= 2;
    char *buf = malloc(cap);
    int rc = 0, eof = 0;
    if (!buf)
        return vmex_error_nomem(err);
    if (nhead)
        memcpy(buf, head, nhead);
    have = nhead;
    while (!rc && !eof) {
        size_t got = have < cap ? fread(buf + have, 1, cap - have, f) : 0;
        have += got;
        if (got == 0 && have < cap) {
            if (ferror(f)) {
                snprintf(err->file, sizeof err->file, "%s", label);
                vmex_error_set(err, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
                err->code = VMEX_E_IO;
                rc = -1;
                break;
            }
            eof = 1;
        }
        size_t i = 0;
        for (;;) {
            char *nl = memchr(buf + i, '\n', have - i);
            if (!nl)
                break;
            size_t n = (size_t)(nl - buf) - i;
            if ((rc = vmex_import_line(im, buf + i, n, err)))
                break;
            i += n + 1;
        }
        if (rc)
            break;
        memmove(buf, buf + i, have - i);
        have -= i;
        if (eof && have) {   /* a last line without a newline */
            rc = vmex_import_line(im, buf, have, err);
            have = 0;
        } else if (have == cap) {
            if (cap > IMP_LINE_LIMIT) {   /* reports the over-long line */
                rc = vmex_import_line(im, buf, have, err);
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                rc = vmex_error_nomem(err);
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    free(buf);
    return rc;
}

int vmex_import_stream(FILE *f, const char *label, const vmex_import_opts *o, vmex_program *out,
                       vmex_import_stats *st, vmex_error *err)
{
    vmex_importer *im = vmex_import_new(o, label, out);
    memset(err, 0, sizeof *err);
    int rc = im ? feed_stream(im, f, label, NULL, 0, err) : vmex_error_nomem(err);
    if (!rc)
        rc = vmex_import_finish(im, st, err);
    vmex_import_free(im);
    if (rc)
        vmex_program_reset(out);
    return rc;
}

int vmex_import_stream_set(FILE *f, const char *label, const char *head, size_t nhead, const vmex_import_opts *o,
                           vmex_import_set *set, vmex_error *err)
{
    vmex_importer *im = vmex_import_new(o, label, NULL);
    memset(err, 0, sizeof *err);
    memset(set, 0, sizeof *set);
    int rc = im ? feed_stream(im, f, label, head, nhead, err) : vmex_error_nomem(err);
    if (!rc)
        rc = vmex_import_finish_set(im, set, err);
    vmex_import_free(im);
    return rc;
}

int vmex_import_file(const char *path, const vmex_import_opts *o, vmex_program *out, vmex_import_stats *st,
                     vmex_error *err)
{
    FILE *f = vmex_file_open(path, err);
    if (!f) {
        vmex_program_reset(out);
        return -1;
    }
    int rc = vmex_import_stream(f, path, o, out, st, err);
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------ header */
static const char *hsz(uint64_t v, char *buf)
{
    vmex_human_size(v, buf, 32);
    return buf;
}

/* The strace lines of the header: the log, and which address space of it
 * this program is. */
static int space_header(const vmex_import_stats *st, const char *source, vmex_buf *out)
{
    int rc = vmex_buf_printf(out, "vmex import: %s (strace), %" PRIu64 " lines: %u pid%s in %u address space%s\n",
                             source, st->lines, st->pids, st->pids == 1 ? "" : "s", st->spaces,
                             st->spaces == 1 ? "" : "s");
    if (st->spaces > 1 || st->space_began != VMEX_SPACE_FIRST) {
        rc |= vmex_buf_printf(out, "address space %u of %u: ", st->space + 1, st->spaces);
        if (st->space_pid)
            rc |= vmex_buf_printf(out, "pid %ld", st->space_pid);
        else
            rc |= vmex_buf_printf(out, "the process without a pid prefix");
        if (st->space_seq > 1)
            rc |= vmex_buf_printf(out, " (its address space %u)", st->space_seq);
        rc |= vmex_buf_printf(out, "%s%s from line %d (%s), %u pid%s\n", st->space_exe[0] ? " running " : "",
                              st->space_exe, st->space_line, vmex_space_began_name(st->space_began), st->space_pids,
                              st->space_pids == 1 ? "" : "s");
    }
    if (st->pids > 1)
        rc |= vmex_buf_printf(out, "address spaces: a pid has its own unless a traced clone with CLONE_VM made it\n"
                                   "  (a thread); an execve, or a brk(NULL) answered with another break, begins a new one\n");
    if (st->newpids)
        rc |= vmex_buf_printf(out, "note (%u): pids no traced clone made, each taken as a process of its own (trace "
                                   "clone and clone3 to keep threads together)\n", st->newpids);
    if (st->guessed)
        rc |= vmex_buf_printf(out, "note (%u): children whose first call came before their clone returned, placed by "
                                   "the flags of the latest unfinished clone\n", st->guessed);
    return rc;
}

int vmex_import_header(const vmex_import_stats *st, const char *source, vmex_buf *out)
{
    int rc = 0;
    char a[32], b[32];
    if (st->format == VMEX_TRACE_RECORD)
        rc |= vmex_buf_printf(out, "vmex import: %s (vmex-trace 1 of %s, pid %ld), %" PRIu64 " lines%s\n", source,
                              st->prog[0] ? st->prog : "?", st->pid, st->lines,
                              st->complete ? "" : "; no end line: the process did not exit normally, the trace may "
                                                  "miss its last calls");
    else
        rc |= space_header(st, source, out);
    rc |= vmex_buf_printf(out, "calls:");
    int any = 0;
    for (int k = 0; k < VMEX_TC__COUNT; k++)
        if (st->calls[k]) {
            rc |= vmex_buf_printf(out, "%s %s %" PRIu64, any ? "," : "", vmex_tcall_name(k), st->calls[k]);
            any = 1;
        }
    if (!any)
        rc |= vmex_buf_printf(out, " none");
    if (st->other)
        rc |= vmex_buf_printf(out, "; other lines %signored: %" PRIu64 " (other syscalls, signals, exits)",
                              st->spaces > 1 ? "of the log " : "", st->other);
    uint64_t nops = 0;
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        nops += st->ops[k];
    rc |= vmex_buf_printf(out, "\nops: %" PRIu64, nops);
    any = 0;
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        if (st->ops[k]) {
            rc |= vmex_buf_printf(out, "%s%s %" PRIu64, any ? ", " : " (", vmex_opkind_name(k), st->ops[k]);
            any = 1;
        }
    rc |= vmex_buf_printf(out, "%s\n", any ? ")" : "");
    static const char *const why[VMEX_TD__COUNT] = {
        "failed in the trace (not replayed: the app never had that memory)",
        "MAP_FIXED inside a traced mapping (its range was already counted)",
        "munmap pieces inside one 16 KiB page (the model's page stays mapped)",
        "munmap/mremap of memory no traced call mapped",
        "brk calls that did not move the break (the first one sets the baseline)",
        "calls <unfinished ...> and never resumed",
        "calls after the program reached its op limit (truncated)",
    };
    for (int k = 0; k < VMEX_TD__COUNT; k++)
        if (st->dropped[k])
            rc |= vmex_buf_printf(out, "dropped (%" PRIu64 "): %s\n", st->dropped[k], why[k]);
    if (st->truncated_line)
        rc |= vmex_buf_printf(out, "truncated: the trace from line %d on is not imported\n", st->truncated_line);
    if (st->aligned)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): aligned allocations became plain mallocs (alignment dropped)\n",
                              st->aligned);
    if (st->unknown_realloc)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): reallocs of blocks the recorder never saw became mallocs\n",
                              st->unknown_realloc);
    if (st->fixed_moved)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): MAP_FIXED mappings placed freely (Linux addresses mean "
                                   "nothing on the iOS layout)\n", st->fixed_moved);
    if (st->file_maps)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): file-backed mappings, counted as mappings of their length\n",
                              st->file_maps);
    if (st->rwx)
        rc |= vmex_buf_printf(out, "note (%" PRIu64 "): rwx mappings imported as rw\n", st->rwx);
    if (st->heap_grows || st->heap_shrinks)
        rc |= vmex_buf_printf(out, "note: brk moved the break up %" PRIu64 "x and down %" PRIu64
                                   "x: each growth is a mapping h<k>, a shrink unmaps from the top\n",
                              st->heap_grows, st->heap_shrinks);
    if (st->rec_unknown_free || st->rec_unknown_munmap || st->rec_untracked)
        rc |= vmex_buf_printf(out, "recorder: frees of memory it never saw %" PRIu64 ", munmaps of it %" PRIu64
                                   ", untracked calls %" PRIu64 " (left out of the trace)\n",
                              st->rec_unknown_free, st->rec_unknown_munmap, st->rec_untracked);
    rc |= vmex_buf_printf(out, "live at the end: malloc %s in %" PRIu64 " blocks, mappings %s in %" PRIu64
                               "; peak: malloc %s, mappings %s",
                          hsz(st->live_block_bytes, a), st->live_blocks, hsz(st->live_map_bytes, b), st->live_maps,
                          hsz(st->peak_block_bytes, (char[32]){0}), hsz(st->peak_map_bytes, (char[32]){0}));
    return rc ? -1 : 0;
}
