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
 * A strace log of several processes is one program per address space
 * (vmex_import_set, below).
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
    uint32_t pids;                     /* strace: distinct pids (-f) in the log */
    /* strace: the address spaces of the log (one program each) and which
     * one this is */
    uint32_t spaces;                   /* address spaces with calls in the log */
    uint32_t space;                    /* this one's index, 0-based, in the order they began */
    long space_pid;                    /* the pid that began it (0: lines without a pid prefix) */
    uint32_t space_seq;                /* 1: the pid's first address space, 2 after its first exec, ... */
    uint32_t space_pids;               /* pids that ran in it (a process and its threads) */
    int space_began;                   /* enum vmex_space_began */
    int space_line;                    /* the line of its first call */
    char space_exe[48];                /* what the execve that began it ran ("" when not traced) */
    uint32_t newpids;                  /* pids not seen created by a traced clone: one address space each */
    uint32_t guessed;                  /* children whose first call came before their clone returned */
    int complete;                      /* vmex-trace: the end line was seen */
    uint64_t rec_unknown_free, rec_unknown_munmap, rec_untracked;   /* from the end line */
    int truncated_line;                /* first line not imported (max_ops), 0 if none */
    uint64_t live_blocks, live_block_bytes, peak_block_bytes;
    uint64_t live_maps, live_map_bytes, peak_map_bytes;
} vmex_import_stats;

/* How an address space of a strace log began. */
enum vmex_space_began {
    VMEX_SPACE_FIRST = 0,  /* the first process of the log */
    VMEX_SPACE_FORK,       /* a child of a traced clone/fork without CLONE_VM */
    VMEX_SPACE_NEWPID,     /* a pid no traced clone made: taken as a process of its own */
    VMEX_SPACE_EXEC,       /* a successful execve */
    VMEX_SPACE_BRK,        /* a brk(NULL) answered with another break than the current one: an exec */
    VMEX_SPACE__COUNT
};
const char *vmex_space_began_name(int b);         /* "first process", "fork", ... */

typedef struct vmex_import_opts {
    int format;            /* VMEX_TRACE_*; AUTO: "vmex-trace 1" on the first line, else strace */
    uint32_t max_ops;      /* 0: VMEX_MAX_OPS (per address space) */
    const char *profile;   /* written as the program's profile line, or NULL (none) */
    long pid;              /* strace: the address space of this pid (0: the first address space) */
    uint32_t pid_seq;      /* ... its pid_seq-th (1, 2 after an exec, ...); 0: its only one */
} vmex_import_opts;

typedef struct vmex_importer vmex_importer;

/* A new importer writing into out (initialized by the caller; reset here;
 * NULL when the caller takes every address space with
 * vmex_import_finish_set).  file only labels errors.  NULL when out of
 * memory. */
vmex_importer *vmex_import_new(const vmex_import_opts *o, const char *file, vmex_program *out);
/* One line, without its newline (a trailing CR is ignored).  0, or -1 with
 * err set (then the importer must only be freed). */
int vmex_import_line(vmex_importer *im, const char *s, size_t n, vmex_error *err);
/* The end of the trace: the program of the first address space (or the
 * one o->pid names) into out, 0 and its stats, or -1 with err. */
int vmex_import_finish(vmex_importer *im, vmex_import_stats *st, vmex_error *err);
void vmex_import_free(vmex_importer *im);

/* ---------------------------------------------------------------- address spaces
 * A strace log of several processes (strace -f) holds several address
 * spaces:
 *   - a pid is an address space of its own unless the log shows that it
 *     shares one: a clone or clone3 with CLONE_VM (a thread; vfork) made
 *     it.  A pid that appears without a traced clone is a process of its
 *     own (counted in newpids: where clone is not traced, threads are
 *     split);
 *   - a successful execve, or a brk(NULL) whose answer differs from the
 *     address space's current break, begins a new address space for that
 *     pid (an exec), never heap growth;
 *   - lines without a pid prefix belong to the process that is alone
 *     (strace prefixes only while two or more are traced).
 * Address spaces without any call are left out; a log without calls
 * gives one empty program. */
typedef struct vmex_import_space {
    vmex_program p;
    vmex_import_stats st;
    long *pids;                        /* the pids that ran in it (st.space_pids of them) */
} vmex_import_space;

typedef struct vmex_import_set {
    vmex_import_space *v;              /* in the order they began */
    uint32_t n;
} vmex_import_set;

/* The end of the trace: every address space into set (empty; the caller
 * frees it with vmex_import_set_free).  0, or -1 with err. */
int vmex_import_finish_set(vmex_importer *im, vmex_import_set *set, vmex_error *err);
void vmex_import_set_free(vmex_import_set *set);
/* The index of the address space pid began (its seq-th; 0: its only one),
 * or of the one it ran in (a thread), in set; or -1 with err saying why
 * (not in the log; several: which). */
int vmex_import_set_pick(const vmex_import_set *set, long pid, uint32_t seq, const char *file, vmex_error *err);
/* A whole stream into set; head[0..nhead) is what was read of it already
 * (to tell a trace from a crash report).  0, or -1 with err. */
int vmex_import_stream_set(FILE *f, const char *label, const char *head, size_t nhead, const vmex_import_opts *o,
                           vmex_import_set *set, vmex_error *err);

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
