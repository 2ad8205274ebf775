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

/* ------------------------------------------------------------ driver */
vmex_importer *vmex_import_new(const vmex_import_opts *o, const char *file, vmex_program *out)
{
    vmex_importer *im = calloc(1, sizeof *im);
    if (!im)
        return NULL;
    im->p = out;
    vmex_program_reset(out);
    memset(&out->cfg, 0, sizeof out->cfg);
    if (o && o->profile)
        snprintf(out->cfg.profile, sizeof out->cfg.profile, "%s", o->profile);
    im->format = o ? o->format : VMEX_TRACE_AUTO;
    im->max_ops = o && o->max_ops && o->max_ops < VMEX_MAX_OPS ? o->max_ops : VMEX_MAX_OPS;
    im->page = IMP_LINUX_PAGE;
    snprintf(im->file, sizeof im->file, "%s", file ? file : "");
    return im;
}

void vmex_import_free(vmex_importer *im)
{
    if (!im)
        return;
    for (int k = 0; k < POOL__COUNT; k++) {
        free(im->pools[k].ids);
        free(im->pools[k].free);
    }
    for (size_t k = 0; k < im->npend; k++)
        free(im->pend[k].args);
    free(im->pend);
    free(im->h);
    free(im->pc);
    free(im->pids);
    free(im->heap);
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
    im->col0 = 0;
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

int vmex_import_finish(vmex_importer *im, vmex_import_stats *st, vmex_error *err)
{
    im->err = err;
    if (im->failed)
        return imp_fail(im, 0, "the importer stopped at an earlier error");
    im->col0 = 0;
    if (!im->nonblank) {
        im->line = 0;
        return imp_fail(im, 0, "empty trace");
    }
    im->st.dropped[VMEX_TD_UNFINISHED] += im->npend;
    im->st.format = im->format;
    if (st)
        *st = im->st;
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

int vmex_import_stream(FILE *f, const char *label, const vmex_import_opts *o, vmex_program *out,
                       vmex_import_stats *st, vmex_error *err)
{
    vmex_importer *im = vmex_import_new(o, label, out);
    size_t cap = 1 << 16, have = 0;
    char *buf = malloc(cap);
    int rc = 0, eof = 0;
    memset(err, 0, sizeof *err);
    if (!im || !buf)
        rc = vmex_error_nomem(err);
    while (!rc && !eof) {
        size_t got = fread(buf + have, 1, cap - have, f);
        have += got;
        if (got == 0) {
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
    if (!rc)
        rc = vmex_import_finish(im, st, err);
    vmex_import_free(im);
    if (rc)
        vmex_program_reset(out);
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
        rc |= vmex_buf_printf(out, "vmex import: %s (strace, pids %u: one address space), %" PRIu64 " lines\n",
                              source, st->pids, st->lines);
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
        rc |= vmex_buf_printf(out, "; other lines ignored: %" PRIu64 " (other syscalls, signals, exits)", st->other);
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
