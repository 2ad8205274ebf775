/*
 * import.h - turning recorded memory traces into vmex programs: the
 * vmex-trace format written by libvmex-record.so (harness/recorder), and
 * strace output of mmap/munmap/mremap/brk (`strace -e
 * trace=mmap,munmap,mremap,brk`, with or without -f, -t, -T, -y, -i).
 *
 * The importer reads a trace one line at a time (vmex_import_line), so a
 * trace of any length streams through; the program it builds is capped at
 * max_ops ops (VMEX_MAX_OPS by default): the calls after that point are
 * counted as truncated, the rest of the trace is still checked.  Errors
 * carry the line and column (FILE:LINE:COL: error: ...).
 *
 * The translation (README "Real traces" has the full table):
 *   malloc, calloc, posix_memalign & co -> malloc (alignment dropped)
 *   realloc -> realloc (same name), free -> free
 *   mmap -> mmap with prot, shared, noreserve (MAP_POPULATE adds a touch);
 *     MAP_FIXED inside a traced mapping: the range is already counted,
 *     dropped; elsewhere: placed freely (Linux addresses mean nothing on
 *     the iOS layout)
 *   munmap -> munmap NAME (whole) or munmap NAME OFF LEN, rounded inward
 *     to 16 KiB pages (the model's page); a piece inside one page drops
 *   mremap -> munmap of the old range + mmap of the new size
 *   brk (strace) -> each growth of the break is a new mapping h<k> of the
 *     growth, a shrink unmaps from the top
 *   failed calls (NULL, MAP_FAILED, -1 ENOMEM) are dropped: they failed
 *     on Linux, and replaying a request the app did not get would leave a
 *     mapping it never used.
 * Names: b<k> malloc blocks, m<k> mappings, h<k> heap growths; a released
 * name is given out again (last released first), so a program needs no
 * more names than were live at once.
 */
#ifndef VMEX_IMPORT_H
#define VMEX_IMPORT_H

#include "vmex.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vmex_trace_format { VMEX_TRACE_AUTO = 0, VMEX_TRACE_RECORD, VMEX_TRACE_STRACE, VMEX_TRACE__COUNT };
const char *vmex_trace_format_name(int f);        /* "auto", "vmex-trace", "strace" */
int vmex_trace_format_parse(const char *s);        /* a format, or -1 */

/* The calls a trace holds, per kind. */
enum vmex_tcall {
    VMEX_TC_MALLOC = 0, VMEX_TC_CALLOC, VMEX_TC_ALIGNED, VMEX_TC_REALLOC, VMEX_TC_FREE,
    VMEX_TC_MMAP, VMEX_TC_MUNMAP, VMEX_TC_MREMAP, VMEX_TC_BRK,
    VMEX_TC__COUNT
};
const char *vmex_tcall_name(int k);                /* "malloc", ..., "brk" */

/* Why a call did not become an op. */
enum vmex_tdrop {
    VMEX_TD_FAILED = 0,    /* it failed in the trace */
    VMEX_TD_INPLACE,       /* MAP_FIXED inside a traced mapping: VA unchanged */
    VMEX_TD_SUBPAGE,       /* a munmap piece inside one 16 KiB page */
    VMEX_TD_UNKNOWN,       /* strace: munmap/mremap of memory no traced call mapped */
    VMEX_TD_NOCHANGE,      /* strace: brk that did not move the break (queries) */
    VMEX_TD_UNFINISHED,    /* strace: <unfinished ...> never resumed */
    VMEX_TD_TRUNCATED,     /* after the program reached max_ops */
    VMEX_TD__COUNT
};

typedef struct vmex_import_stats {
    int format;                        /* the format read (never AUTO) */
    char prog[64];                     /* the traced program ("" for strace) */
    long pid;                          /* its pid (strace: 0) */
    uint64_t lines;                    /* lines read */
    uint64_t calls[VMEX_TC__COUNT];    /* calls in the trace, failed ones too */
    uint64_t dropped[VMEX_TD__COUNT];
    uint64_t ops[VMEX_OP__COUNT];      /* ops written, per kind */
    uint64_t aligned;                  /* aligned allocations (alignment dropped) */
    uint64_t fixed_moved;              /* MAP_FIXED mappings placed freely */
    uint64_t file_maps;                /* file-backed mmaps (counted by length) */
    uint64_t rwx;                      /* rwx mappings imported as rw */
    uint64_t unknown_realloc;          /* realloc of a pointer the recorder never saw -> malloc */
    uint64_t heap_grows, heap_shrinks; /* strace brk translation */
    uint64_t other;                    /* strace: lines of other syscalls, signals, exits */
    uint32_t pids;                     /* strace: distinct pids (-f) */
    int complete;                      /* vmex-trace: the end line was seen */
    uint64_t rec_unknown_free, rec_unknown_munmap, rec_untracked;   /* from the end line */
    int truncated_line;                /* first line not imported (max_ops), 0 if none */
    uint64_t live_blocks, live_block_bytes, peak_block_bytes;
    uint64_t live_maps, live_map_bytes, peak_map_bytes;
} vmex_import_stats;

typedef struct vmex_import_opts {
    int format;            /* VMEX_TRACE_*; AUTO: "vmex-trace 1" on the first line, else strace */
    uint32_t max_ops;      /* 0: VMEX_MAX_OPS */
    const char *profile;   /* written as the program's profile line, or NULL (none) */
} vmex_import_opts;

typedef struct vmex_importer vmex_importer;

/* A new importer writing into out (initialized by the caller; reset here).
 * file only labels errors.  NULL when out of memory. */
vmex_importer *vmex_import_new(const vmex_import_opts *o, const char *file, vmex_program *out);
/* One line, without its newline (a trailing CR is ignored).  0, or -1 with
 * err set (then the importer must only be freed). */
int vmex_import_line(vmex_importer *im, const char *s, size_t n, vmex_error *err);
/* The end of the trace: 0 and the stats, or -1 with err. */
int vmex_import_finish(vmex_importer *im, vmex_import_stats *st, vmex_error *err);
void vmex_import_free(vmex_importer *im);

/* A whole trace in memory / in a file.  0, or -1 with err set and out reset. */
int vmex_import(const char *text, size_t len, const char *file, const vmex_import_opts *o,
                vmex_program *out, vmex_import_stats *st, vmex_error *err);
int vmex_import_file(const char *path, const vmex_import_opts *o, vmex_program *out,
                     vmex_import_stats *st, vmex_error *err);
/* The same from an open stream (label names it in errors). */
int vmex_import_stream(FILE *f, const char *label, const vmex_import_opts *o, vmex_program *out,
                       vmex_import_stats *st, vmex_error *err);

/* The comment block for the imported program's head (lines without "# "):
 * source, calls per kind, ops, what was dropped and why, live and peak
 * bytes.  0 or -1 (out of memory). */
int vmex_import_header(const vmex_import_stats *st, const char *source, vmex_buf *out);

#ifdef __cplusplus
}
#endif
#endif
