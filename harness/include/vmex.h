/*
 * vmex.h - the public API of vmex, a fuzzing and stress harness for
 * virtual-memory exhaustion.
 *
 * The program (a list of ops over named handles, plus a config header) is
 * the single currency: the text format (.vmex), the fuzzer's byte encoding,
 * the minimizer, the reports and the CLI all speak it.  A program runs on a
 * model (the XNU vm_map of an iOS app) and the oracle classifies every
 * failed mapping request.
 *
 * Nothing here allocates on the run path except vmex_model_new() and
 * program growth; a model is reset to its pristine layout for every run.
 */
#ifndef VMEX_H
#define VMEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- limits */
#define VMEX_PAGE        0x4000ull            /* 16 KiB: every current iOS device (PAGE_MAX_SHIFT 14) */
#define VMEX_NAME_MAX    32                   /* names are at most 31 chars */
#define VMEX_MAX_VALUE   (1ull << 48)         /* sizes, addresses, offsets: < 256 TiB */
#define VMEX_MAX_OPS     (1u << 22)           /* a program has at most this many ops (4M) */

/* ---------------------------------------------------------------- errors */
/* What kind of failure an error is; the CLI maps them to exit statuses. */
enum vmex_errcode {
    VMEX_E_INPUT = 0,     /* bad input: a file, an option, a setting (exit 2) */
    VMEX_E_UNAVAILABLE,   /* cannot run here: no executor, confinement refused */
    VMEX_E_NOMEM,         /* out of memory */
    VMEX_E_IO,            /* reading or writing a file failed */
    VMEX_E_INTERNAL       /* a broken invariant (a bug in vmex) */
};
typedef struct vmex_error {
    char file[256];     /* "" when not about a file */
    int line, col;      /* 1-based; 0 when not applicable */
    char msg[256];
    int code;           /* enum vmex_errcode; vmex_error_set leaves it as it was */
} vmex_error;

/* "FILE:LINE:COL: error: MSG" (parts omitted when unknown) */
void vmex_error_print(const vmex_error *e, FILE *to);
void vmex_error_set(vmex_error *e, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---------------------------------------------------------------- ops */
/* The ops, their names and which of them bind or use a handle: one list,
 * core/ops.def (VMEX_OPS). */
#include "core/ops.def"
#define VMEX_OP_ENUM_(E, name, binds, uses, places) VMEX_OP_##E,
enum vmex_opkind {
    VMEX_OPS(VMEX_OP_ENUM_)   /* VMEX_OP_MMAP = 0, VMEX_OP_VM_ALLOCATE, ... */
    VMEX_OP__COUNT
};
#undef VMEX_OP_ENUM_
/* the ops of target jsc (VMEX_JSC_OPS) are VMEX_OP_FIRST_JSC and after */
#define VMEX_OP_FIRST_JSC VMEX_OP_ARRAYBUFFER
#define VMEX_OP_IS_JSC(k) ((k) >= VMEX_OP_FIRST_JSC && (k) < VMEX_OP__COUNT)
#define VMEX_JSC_MAX_COUNT 1000000u       /* objects and props make at most this many */
#define VMEX_JSC_MAX_EVAL  (64ull << 20)  /* eval of at most this many bytes of source */
const char *vmex_opkind_name(int kind);          /* "mmap", ... */
int vmex_opkind_parse(const char *s);            /* kind or -1 */
int vmex_op_binds(int kind);                      /* op may carry "NAME =" */
int vmex_op_uses(int kind);                       /* op names an earlier handle */
int vmex_op_places(int kind);                     /* op asks for address space of its size */

enum vmex_prot { VMEX_PROT_RW = 0, VMEX_PROT_NONE, VMEX_PROT_R, VMEX_PROT_RX };
const char *vmex_prot_name(int prot);             /* "rw", "none", "r", "rx" */

/* op flags */
#define VMEX_F_HINT      0x0001u   /* mmap: hint ADDR in op.addr */
#define VMEX_F_FIXED     0x0002u   /* mmap/vm_allocate: fixed ADDR in op.addr */
#define VMEX_F_NORESERVE 0x0004u
#define VMEX_F_JIT       0x0008u
#define VMEX_F_SHARED    0x0010u
#define VMEX_F_RANGE     0x0020u   /* munmap/touch: OFFSET LENGTH in op.off/op.len */
#define VMEX_F_ALIGN     0x0040u   /* align A in op.align */
#define VMEX_F_TAG       0x0080u   /* tag N in op.tag */
#define VMEX_F_PROT      0x0100u   /* prot given explicitly */
#define VMEX_F_TRY       0x0200u   /* the app handles failure (a fallback follows):
                                      a failed request is recorded, never a finding */

enum vmex_metric { VMEX_M_FREE = 0, VMEX_M_LARGEST, VMEX_M_MAPPED, VMEX_M_FOOTPRINT, VMEX_M__COUNT };
const char *vmex_metric_name(int m);
enum vmex_cmp { VMEX_CMP_GE = 0, VMEX_CMP_LE };

typedef struct vmex_op {
    uint8_t  kind;      /* enum vmex_opkind */
    uint8_t  prot;      /* enum vmex_prot (mmap) */
    uint8_t  tag;       /* VM tag (mmap), 0..255 */
    uint8_t  metric;    /* check: enum vmex_metric */
    uint8_t  cmp;       /* check: enum vmex_cmp */
    uint8_t  pad_;
    uint16_t flags;     /* VMEX_F_* */
    int32_t  dst;       /* name id bound by this op, -1 if none */
    int32_t  src;       /* name id used by this op, -1 if none */
    uint32_t line;      /* source line in a .vmex file, 0 if none */
    uint64_t size;      /* request size (bytes); check: the threshold */
    uint64_t addr;      /* hint or fixed address */
    uint64_t align;     /* alignment (power of two) when VMEX_F_ALIGN */
    uint64_t off, len;  /* sub-range when VMEX_F_RANGE */
} vmex_op;

/* ---------------------------------------------------------------- config */
enum vmex_target { VMEX_TARGET_XNU = 0, VMEX_TARGET_LINUX_MODEL, VMEX_TARGET_LINUX, VMEX_TARGET_JSC,
                   VMEX_TARGET__COUNT };
const char *vmex_target_name(int t);

/* Entitlements, as a bit set.  Names are the short forms; the full
 * com.apple.developer.kernel.* / com.apple.security.cs.* names parse too. */
#define VMEX_ENT_JIT            0x1u  /* dynamic-codesigning (MAP_JIT allowed) */
#define VMEX_ENT_EXTENDED_VA    0x2u  /* extended-virtual-addressing */
#define VMEX_ENT_INCREASED_MEM  0x4u  /* increased-memory-limit */
#define VMEX_ENT_DEBUG_MEM      0x8u  /* increased-debugging-memory-limit */
#define VMEX_ENT_HARDENED_HEAP  0x10u /* hardened-heap: split user ranges on iOS 26 (docs/xnu-model.md §8) */
#define VMEX_ENT_BROWSER_ENGINE 0x20u /* web-browser-engine: split user ranges from iOS 17.4 */
#define VMEX_ENT__COUNT         6
const char *vmex_ent_name(int bit_index);
int vmex_ent_parse(const char *s, uint32_t *bit);   /* 0 ok, -1 unknown */

/* `set KEY VALUE` keys: one option table (see core/config.c). */
enum vmex_setkey {
    VMEX_SET_SLIDE = 0,        /* ASLR slide (page multiple) */
    VMEX_SET_BINARY,           /* main binary size */
    VMEX_SET_DYLD,             /* dyld size */
    VMEX_SET_NANO,             /* nano malloc region on/off */
    VMEX_SET_MALLOC_ENTROPY,   /* entropic-range random r, 0..127 */
    VMEX_SET_FOOTPRINT_LIMIT,  /* jetsam limit (bytes) */
    /* linux targets */
    VMEX_SET_WINDOW,           /* the address window's size (2 MiB multiple) */
    VMEX_SET_ALLOCATOR,        /* enum vmex_allocator: who serves malloc/realloc/free */
    VMEX_SET_THP_ALIGN,        /* enum vmex_thp: linux-model's 2 MiB alignment rule */
    VMEX_SET_MMAP_THRESHOLD,   /* glibc M_MMAP_THRESHOLD; 0 = glibc's dynamic default */
    VMEX_SET_RETAIN,           /* jemalloc opt.retain (default on, as jemalloc ships on Linux) */
    /* xnu, appended (the encoding carries key numbers) */
    VMEX_SET_XZONE,            /* xzone malloc on/off (default per era, docs/xnu-model.md §8) */
    VMEX_SET_JIT_SLIDE,        /* iOS 11-13: the first random MAP_JIT pick, bytes above min_offset */
    VMEX_SET_DATA_SLIDE,       /* split user ranges: the data range's random offset (32 MiB steps) */
    VMEX_SET__COUNT
};
/* 1 when `set KEY` means something on target t (xnu keys on xnu, the
 * window and allocator keys on the linux targets). */
int vmex_set_applies(int key, int target);

enum vmex_allocator { VMEX_ALLOC_KERNEL = 0, VMEX_ALLOC_GLIBC, VMEX_ALLOC_JEMALLOC, VMEX_ALLOC_MIMALLOC,
                      VMEX_ALLOC__COUNT };
const char *vmex_allocator_name(int a);          /* "kernel", "glibc", ... */
enum vmex_thp { VMEX_THP_AUTO = 0, VMEX_THP_ON, VMEX_THP_OFF };
const char *vmex_set_name(int key);
int vmex_set_lookup(const char *name);                   /* key or -1 */
/* parse a value for key; on error returns -1 with a message in err->msg */
int vmex_set_parse(int key, const char *text, uint64_t *out, vmex_error *err);
/* print a value as it would be written in a .vmex file */
void vmex_set_format(int key, uint64_t v, char *buf, size_t n);

typedef struct vmex_config {
    uint8_t  target;                     /* enum vmex_target */
    char     profile[32];                /* "" = default profile */
    uint32_t ents;                       /* VMEX_ENT_* */
    uint32_t set_mask;                   /* bit k: set[k] was given */
    uint64_t set[VMEX_SET__COUNT];
} vmex_config;

/* ---------------------------------------------------------------- verdicts */
/* The classes, their names and what each means: one list, core/classes.def
 * (VMEX_CLASSES: VMEX_OK = 0, then the finding classes VMEX_FRAG, ...). */
#include "core/classes.def"
#define VMEX_CLASS_ENUM_(E, id, name, desc) VMEX_##E,
enum vmex_class {
    VMEX_CLASSES(VMEX_CLASS_ENUM_)   /* VMEX_OK = 0, VMEX_FRAG, ... */
    VMEX_CLASS__COUNT
};
#undef VMEX_CLASS_ENUM_
const char *vmex_class_name(int c);
int vmex_class_parse(const char *s);              /* class or -1 */
/* "ok, frag, exhausted, ...": every class name, one string literal (messages) */
#define VMEX_CLASS_NAME_(E, id, name, desc) name
#define VMEX_CLASS_NEXT_NAME_(E, id, name, desc) ", " name
#define VMEX_CLASS_LIST VMEX_CLASS_OK(VMEX_CLASS_NAME_) VMEX_FINDING_CLASSES(VMEX_CLASS_NEXT_NAME_)

/* ---------------------------------------------------------------- program */
typedef struct vmex_program {
    vmex_config cfg;
    vmex_op    *ops;
    uint32_t    nops, ops_cap;
    char      (*names)[VMEX_NAME_MAX];
    uint32_t    nnames, names_cap;
    uint32_t   *name_index;   /* open-addressing hash of names (id + 1), private */
    uint32_t    name_index_cap;
    int8_t      expect;       /* enum vmex_class, -1 when no expect line */
    int32_t     expect_at;    /* 0-based op index, -1 when not given */
} vmex_program;

void vmex_program_init(vmex_program *p);
void vmex_program_free(vmex_program *p);
void vmex_program_reset(vmex_program *p);          /* empty, keeps buffers */
int  vmex_program_copy(vmex_program *dst, const vmex_program *src);
/* append an op (copied); returns its index or -1 (too many ops / no memory) */
int  vmex_program_add(vmex_program *p, const vmex_op *op);
/* find or create a name; returns its id or -1 */
int  vmex_program_name(vmex_program *p, const char *name);
int  vmex_program_find_name(const vmex_program *p, const char *name);
/* 1 when both programs are the same for every purpose of a replay */
int  vmex_program_equal(const vmex_program *a, const vmex_program *b);
void vmex_op_init(vmex_op *op, int kind);

/* ---------------------------------------------------------------- text */
/* A growable, always NUL-terminated buffer; the functions return 0 or -1. */
typedef struct vmex_buf { char *p; size_t len, cap; } vmex_buf;
void vmex_buf_free(vmex_buf *b);
int  vmex_buf_printf(vmex_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  vmex_buf_put(vmex_buf *b, const void *s, size_t n);

/* Parse .vmex text into `out`, which must be initialized (its contents are
 * replaced, its buffers kept).  `file` only labels errors.  Returns 0, or -1
 * with err filled (line and column of the offending token) and out reset. */
int vmex_parse(const char *text, size_t len, const char *file, vmex_program *out, vmex_error *err);
int vmex_parse_file(const char *path, vmex_program *out, vmex_error *err);

/* Print as .vmex text that parses back to the same program.  op_comment,
 * when non-NULL, gives a comment for op i (or NULL); header, when non-NULL,
 * is printed as leading comment lines. */
typedef const char *(*vmex_comment_fn)(void *ctx, uint32_t i);
int vmex_print(const vmex_program *p, vmex_buf *out, const char *header,
               vmex_comment_fn op_comment, void *ctx);
/* one op as text, without comment or newline */
int vmex_print_op(const vmex_program *p, const vmex_op *op, vmex_buf *out);

/* Sizes as text: the largest binary suffix (t, g, m, k) that divides the
 * value exactly, else decimal ("16k", "1g", "16385").  Parsing accepts
 * decimal or 0x hex with an optional k/m/g/t suffix (also K M G T).
 * Returns 0, -1 for junk, or -2 when the value is >= VMEX_MAX_VALUE: then
 * *out holds the value when it fits in 64 bits (so never 0), and 0 when it
 * overflowed 64 bits. */
void vmex_format_size(uint64_t v, char *buf, size_t n);
int  vmex_parse_number(const char *s, size_t n, uint64_t *out);

/* ---------------------------------------------------------------- profiles */
typedef struct vmex_region {
    uint64_t start, end;
    uint8_t  kind;           /* enum vmex_region_kind */
    uint8_t  tag, prot;      /* the VM tag and enum vmex_prot of the entry */
} vmex_region;
enum vmex_region_kind {
    VMEX_R_APP = 0,          /* an app mapping (mmap, vm_allocate) */
    VMEX_R_MALLOC,           /* a region or large block of the libmalloc model */
    VMEX_R_BINARY, VMEX_R_DYLD, VMEX_R_STACK, VMEX_R_SHARED, VMEX_R_NANO,
    VMEX_R_GUARD,            /* permanent PROT_NONE around a split map's data range (and xzone's
                                pointer ranges inside them): never usable by the app */
    VMEX_R__COUNT
};
const char *vmex_region_name(int kind);

/* A resolved profile: everything a run needs to build the pristine layout. */
typedef struct vmex_layout {
    char     profile[32];    /* canonical name, e.g. "ios16-3gb" */
    int      era;            /* model/ios.c: 11, 12 (12..17.3), 174 (17.4..18) */
    uint32_t version_x10;    /* 110, 120, ..., 174, 180 */
    uint32_t ram_gb;         /* nominal RAM */
    uint32_t ents;           /* entitlements in force */
    int      jumbo;          /* 63 GiB map granted */
    uint64_t min_offset, max_offset, floor;   /* floor = max(min_offset, page) */
    uint64_t shared_size;
    uint64_t slide;
    uint64_t footprint_limit, footprint_warn;
    uint32_t malloc_entropy;
    int      nano;           /* nano region present */
    uint32_t nregions;
    vmex_region regions[16]; /* pristine fixed regions, by address */
    uint64_t pristine_free, pristine_largest;
    /* what differs between targets */
    uint8_t  target;         /* enum vmex_target */
    uint64_t page;           /* 16k on xnu, 4k on linux */
    uint64_t base;           /* 0 on xnu; linux: the window's base (min_offset) */
    /* linux targets: the window [base, base + window) */
    uint64_t window;
    uint8_t  allocator;      /* enum vmex_allocator */
    uint8_t  thp;            /* linux-model: 1 when the 2 MiB rule applies (auto resolved) */
    uint8_t  retain;         /* jemalloc: opt.retain */
    uint64_t mmap_threshold; /* glibc: 0 = dynamic */
    /* xnu: what the era, the entitlements and the newer settings change (docs/xnu-model.md §8) */
    uint64_t phys_page;      /* the page a touch dirties: 4 KiB on A7/A8 (ios11/12 1 GB), else page */
    uint32_t tiny_blocks;    /* libmalloc's NUM_TINY_BLOCKS: 64520 before iOS 13, then 64504 */
    uint8_t  xzone;          /* xzone malloc instead of the magazine allocator */
    uint8_t  jit_random;     /* iOS 11-13: MAP_JIT at a random address, one JIT mapping a process */
    uint8_t  ranges;         /* split user ranges: default [min_offset, default_end), data
                                [data_min, data_max), the rest above default_end guard */
    uint8_t  large_to_data;  /* split ranges, iOS 18+: any request of 1 GiB or more goes to data */
    uint64_t jit_slide;      /* the first JIT pick's offset above min_offset (before the modulo) */
    uint64_t default_end, data_min, data_max;
    uint32_t nptr;           /* xzone with split ranges: its pointer ranges in the guard */
    uint64_t ptr_min[2], ptr_max[2];
} vmex_layout;

/* The linux window's base: above the 2-30 TiB range mimalloc uses for its
 * aligned hints and below PIE executables (~85 TiB), 1 GiB aligned. */
#define VMEX_LINUX_BASE 0x300000000000ull
/* Its largest size, which `set window` accepts and the executor confines
 * to: [48 TiB, 64 TiB), below PIE executables. */
#define VMEX_LINUX_WINDOW_MAX (16ull << 40)
#define VMEX_LINUX_PAGE 0x1000ull
/* Does this kernel place 2 MiB-multiple anonymous maps 2 MiB aligned
 * (kernels >= 6.7)?  Probed once per process (two 2 MiB maps). */
int vmex_linux_thp_probe(void);

#define VMEX_DEFAULT_PROFILE "ios16-3gb"
/* Resolve a config (its profile, entitlements and set values).  A non-NULL
 * profile overrides cfg->profile; extra_ents are added.  Returns 0 or -1. */
int vmex_layout_resolve(const vmex_config *cfg, const char *profile, uint32_t extra_ents,
                        vmex_layout *out, vmex_error *err);
/* canonical profile names, in order; returns the count */
size_t vmex_profile_list(const char **names, size_t max);
int vmex_profile_valid(const char *name);
/* the published sources a profile's release is modelled from ("xnu-12377,
 * libmalloc-792.41.1"; docs/xnu-model.md), "" for an unknown name */
const char *vmex_profile_source(const char *name);

/* ---------------------------------------------------------------- backends */
/* Each target is run by a backend: xnu and linux-model are models (they
 * run op by op), linux runs on the real kernel.  What a caller needs to
 * know about a target it asks here, not by naming the target. */
enum vmex_cap {
    VMEX_CAP_DEVICE = 1u << 0,  /* an iOS device: profile, entitlements, the device's `set` keys,
                                   libmalloc, a footprint limit (jetsam) */
    VMEX_CAP_WINDOW = 1u << 1,  /* a Linux address window [base, base + window): the window's
                                   `set` keys; addresses read from the base */
    VMEX_CAP_STEPS  = 1u << 2,  /* runs op by op (vmex_model_start/step): a model */
    VMEX_CAP_REAL   = 1u << 3,  /* the real kernel and allocators: a failed request is judged
                                   against what the program holds (opres.live); crash and hang;
                                   may be unavailable on this machine */
    VMEX_CAP_JSC    = 1u << 4,  /* JavaScriptCore runs in the window: the ops VMEX_OP_IS_JSC, and
                                   of the `set` keys only the window's size */
    VMEX_CAP_ALLOCATORS = 1u << 5   /* `set allocator` and the allocators' keys (thp-align,
                                       mmap-threshold, retain) */
};
/* 1 when target t has every capability in caps (0 for an unknown t) */
int vmex_target_has(int t, unsigned caps);
/* The target whose model runs t's programs op by op: t itself for a
 * model, linux-model for linux (the mutator's holes, vmex diff's model
 * side); -1 for an unknown t. */
int vmex_target_model_of(int t);
/* The real kernel a model of t is checked against (vmex diff's real
 * side): linux for linux-model and linux; -1 when there is none (xnu). */
int vmex_target_real_of(int t);
/* 1 when malloc on target t may be served by allocator a (enum
 * vmex_allocator): linux-model models the kernel alone. */
int vmex_target_runs_allocator(int t, int a);

/* ---------------------------------------------------------------- runs */
typedef struct vmex_stats {
    uint64_t free, largest, mapped, footprint;
    uint32_t entries, holes;
} vmex_stats;

enum vmex_status { VMEX_ST_OK = 0, VMEX_ST_FAILED, VMEX_ST_SKIPPED };
enum vmex_reason {
    VMEX_WHY_NONE = 0,
    VMEX_WHY_NOSPACE,     /* no hole fits (classified by the oracle) */
    VMEX_WHY_OCCUPIED,    /* fixed without overwrite on a used range, or over a
                             pristine region or malloc's memory */
    VMEX_WHY_RANGE,       /* fixed outside [min_offset, max_offset) or unaligned */
    VMEX_WHY_JIT,         /* MAP_JIT without the JIT entitlement */
    VMEX_WHY_UNBOUND,     /* names a handle that failed or was released */
    VMEX_WHY_KIND,        /* free of a mapping, munmap of a malloc block, ... */
    VMEX_WHY_NOTMAPPED,   /* touch of an unmapped page */
    VMEX_WHY_BADRANGE,    /* OFFSET LENGTH outside the handle's range */
    VMEX_WHY_CHECK,       /* a check line did not hold */
    VMEX_WHY_JETSAM,      /* this touch passed the footprint limit */
    VMEX_WHY_ERRNO,       /* linux: the kernel or allocator failed otherwise (errno in value) */
    VMEX_WHY_CRASH,       /* linux: the executor died in this op */
    VMEX_WHY_HANG,        /* linux: the executor did not finish this op in time */
    VMEX_WHY_JIT_ONCE,    /* iOS 11-13: a second MAP_JIT mapping (KERN_INVALID_ARGUMENT) */
    VMEX_WHY_RANGEERROR,  /* jsc: JavaScript threw a RangeError (out of memory) */
    VMEX_WHY_THROW,       /* jsc: JavaScript threw another exception */
    VMEX_WHY_TARGET,      /* the op does not run on this target (a jsc op elsewhere) */
    VMEX_WHY_JIT_FLAGS,   /* MAP_JIT with MAP_FIXED or MAP_SHARED (mmap: EINVAL) */
    VMEX_WHY__COUNT
};
const char *vmex_reason_text(int why);

typedef struct vmex_opres {
    uint32_t i;           /* op index */
    uint8_t  status;      /* enum vmex_status */
    uint8_t  why;         /* enum vmex_reason */
    uint8_t  cls;         /* enum vmex_class for a failed request, else VMEX_OK */
    uint8_t  finding;     /* 1 when this op is a finding */
    uint8_t  warn;        /* 1 when this op first reached the memory-warning level */
    uint64_t addr;        /* where it landed (mapping and malloc ops) */
    uint64_t size;        /* bytes requested, rounded as the model rounds them */
    uint64_t req;         /* the VA request that failed (region size for malloc) */
    double   margin;      /* free_total / req for a failed request */
    uint64_t value;       /* check: the measured value; linux: errno / signal */
    uint64_t live;        /* linux: bytes the program holds after this op */
    /* jsc: the window at a JavaScriptCore outcome (range-error, pas-panic, gc-abort) */
    uint64_t kfree, klargest;   /* unmapped bytes of the window and its largest hole (the kernel's view) */
    uint64_t pas_free;          /* libpas's free bytes in the pages it holds (pas_all_heaps_get_num_free_bytes;
                                   0 after a crash: its heap lock may be held) */
    uint64_t pas_mapped;        /* bytes libpas got from the kernel (pas_page_malloc_num_allocated_bytes) */
    char     frame[48];         /* the top frame of a crash ("WTF::fastZeroedMalloc"), "" */
} vmex_opres;

typedef struct vmex_result {
    uint8_t  verdict;     /* enum vmex_class of the first finding, VMEX_OK if none */
    int32_t  at;          /* op index of the first finding, -1 */
    double   margin;      /* of the first finding */
    uint64_t req;         /* request size of the first finding */
    uint8_t  req_kind;    /* op kind of the first finding */
    uint32_t findings;    /* number of findings (more than 1 only with keep_going) */
    uint32_t checks_failed;
    int32_t  first_check_failed;
    uint32_t ops_run, ops_failed, ops_skipped;
    int32_t  warn_at;     /* op index that reached the memory warning, -1 */
    vmex_stats st;        /* the state at the end of the run */
    char     frame[48];   /* jsc: the top frame of the first finding when it crashed ("" otherwise) */
} vmex_result;

/* A hunt policy: which failed requests are findings.  Text form (the
 * VMEX_HUNT variable, `--hunt`): clauses separated by ';', each
 * CLASS[:COND[,COND]...] with COND one of margin>=X (a decimal), size>=SIZE.
 * Example: "frag:margin>=2,size>=1m;jetsam".  size defaults to 1m (0 for jetsam). */
#define VMEX_HUNT_MAX 8
typedef struct vmex_hunt {
    uint32_t n;
    struct { uint8_t cls; double min_margin; uint64_t min_size; } c[VMEX_HUNT_MAX];
} vmex_hunt;
/* The default hunts, defined here only (scripts ask `vmex hunt --default`):
 * fuzzing; fuzzing the real backend, which adds its own classes (the
 * allocator crashed or hung); and vmex stress, which also stops at running
 * out of address space and at jetsam. */
#define VMEX_DEFAULT_HUNT        "frag:margin>=2,size>=1m"
#define VMEX_DEFAULT_HUNT_LINUX  VMEX_DEFAULT_HUNT ";crash;hang"
#define VMEX_DEFAULT_HUNT_STRESS VMEX_DEFAULT_HUNT ";exhausted;jetsam"
/* target jsc: JavaScriptCore's crashes (a RangeError is a finding only when a hunt names it) */
#define VMEX_DEFAULT_HUNT_JSC    "pas-panic;gc-abort;crash;hang"
/* The hunt target t (enum vmex_target) runs with when none is given:
 * VMEX_DEFAULT_HUNT_JSC on jsc, _LINUX on linux, else VMEX_DEFAULT_HUNT. */
const char *vmex_default_hunt(int t);
int  vmex_hunt_parse(const char *text, vmex_hunt *h, vmex_error *err);   /* 0 or -1 */
void vmex_hunt_format(const vmex_hunt *h, char *buf, size_t n);
/* does the hunt take this failed request (class, margin, request size)? */
int  vmex_hunt_match(const vmex_hunt *h, int cls, double margin, uint64_t req);

/* A finding's signature: a stable text of class, op kind, log2 size class
 * of the request and profile, e.g. "frag-mmap-2p27-ios16-3gb" (safe as a
 * file name).  Returns the length. */
int vmex_signature(int cls, int op_kind, uint64_t req, const char *profile, char *buf, size_t n);
/* The signature of a run's first finding (res->findings > 0) on a layout
 * of that profile: vmex_signature, and for JavaScriptCore's classes "frag"
 * or "exhausted" after the class and the crash's top frame at the end
 * ("pas-panic-frag-props-2p25-jsc-256m-WTF.StringImpl.create"). */
int vmex_result_signature(const vmex_result *res, const char *profile, char *buf, size_t n);

/* What the environment decides about runs on the real kernel, read once,
 * at the edge (a command's main, a fuzz target's setup), by
 * vmex_run_env_read, and handed to runs in vmex_runopts.env. */
typedef struct vmex_run_env {
    char     exec_dir[4096];  /* VMEX_EXEC_DIR: where the executors are; "" = next to this
                                 program, else one level up */
    uint32_t hang_ms;         /* VMEX_HANG_MS: an op that takes longer is a hang (default 10000) */
} vmex_run_env;
#define VMEX_DEFAULT_HANG_MS 10000
void vmex_run_env_read(vmex_run_env *e);

typedef struct vmex_runopts {
    uint64_t large;                   /* requests below this are not findings (default 1 MiB) */
    const vmex_hunt *hunt;            /* when set, it decides what is a finding instead of `large` */
    int      keep_going;              /* do not stop at the first finding */
    void   (*on_op)(void *ctx, const vmex_op *op, const vmex_opres *r);
    void    *ctx;
    const vmex_run_env *env;          /* NULL: this process's environment, read once on first use */
} vmex_runopts;
#define VMEX_DEFAULT_LARGE (1ull << 20)
void vmex_runopts_init(vmex_runopts *o);

typedef struct vmex_model vmex_model;
enum vmex_store_kind { VMEX_STORE_FAST = 0, VMEX_STORE_NAIVE };
vmex_model *vmex_model_new(int store_kind);
void vmex_model_free(vmex_model *m);
/* Reset to the pristine layout and run the whole program.  On target
 * linux the program runs on the real kernel in an executor process the
 * model starts on first use and keeps (vmex_model_free ends it); on_op is
 * called after the run.  Returns 0, or -1 (vmex_model_error says why). */
int vmex_model_run(vmex_model *m, const vmex_layout *L, const vmex_program *p,
                   const vmex_runopts *o, vmex_result *res);
/* Incremental runs (stress runs, long traces): reset to the pristine
 * layout with nslots handle slots (op dst/src index them), then apply ops
 * one at a time; r->finding follows o (hunt or large threshold).  No
 * allocation per op. */
int  vmex_model_start(vmex_model *m, const vmex_layout *L, uint32_t nslots);
void vmex_model_step(vmex_model *m, const vmex_op *op, uint32_t i, const vmex_runopts *o, vmex_opres *r);
/* 1 when the last run returned -1 because target linux cannot run on this
 * machine (its executor is not built, or cannot start or confine itself):
 * callers that replay many programs skip it with vmex_model_error's reason. */
int vmex_model_unavailable(const vmex_model *m);
/* Why the last run or start returned -1 (target linux: the executor). */
const char *vmex_model_error(const vmex_model *m);
/* Current state (after a run). */
void vmex_model_stats(const vmex_model *m, vmex_stats *st);
/* Walk map entries in address order: cb(start, end, region kind, tag, prot). */
typedef void (*vmex_entry_fn)(void *ctx, uint64_t start, uint64_t end, int kind, int tag, int prot);
void vmex_model_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx);

/* Target jsc: the mmap and munmap calls JavaScriptCore itself made (never
 * the program's own ops, nor the C library's malloc): the executor's
 * start-up first (op VMEX_JSC_STARTUP: JavaScriptCore's one-time
 * reservations, made before confining, outside the window), then those of
 * the last run of m (op VMEX_JSC_CONTEXT while the run's context is made,
 * then the op's index).  Copies at most max into out; returns how many
 * there are (0 when m has not run target jsc). */
#define VMEX_JSC_STARTUP (-2)
#define VMEX_JSC_CONTEXT (-1)
#define VMEX_JSC_MAX_CALLS 8192u   /* kept per run (the executor counts the rest) */
typedef struct vmex_jsc_call {
    int32_t  op;
    int      unmap;           /* 1: munmap */
    int      prot, flags;     /* mmap's PROT_* and MAP_* */
    int      err;             /* errno when it failed, else 0 */
    uint64_t len, addr;       /* addr: where it went (0 on failure), or what munmap unmapped */
} vmex_jsc_call;
size_t vmex_jsc_calls(const vmex_model *m, vmex_jsc_call *out, size_t max);

/* vmex diff: a linux program on linux-model and on the real kernel (the
 * kernel as allocator), every op, compared op by op and then the end
 * states.  model and real are two models (real keeps its executor). */
typedef struct vmex_diff {
    int32_t at;               /* the first op that differs, -1 when they agree */
    int end_state;            /* every op agreed, the end states did not */
    char what[320];           /* how they differ */
    vmex_opres model, real;   /* the two outcomes of op `at` */
    vmex_stats model_state, real_state;
    vmex_layout Lmodel, Lreal;
    char error[320];          /* why vmex_diff_run returned -1 */
} vmex_diff;
int vmex_diff_run(vmex_model *model, vmex_model *real, const vmex_program *p, vmex_diff *d);
/* the signature of a divergence (d->at >= 0): class diverge, the op, the
 * model's request, the real side's profile */
void vmex_diff_signature(const vmex_program *p, const vmex_diff *d, char *sig, size_t n);

/* The first hunted finding of p on L, as fuzzers, vmex minimize and vmex
 * triage see it: its result and signature.  A hunt with class diverge first
 * runs a linux program through vmex_diff_run (*real is made on first use
 * and kept; the caller frees it); a divergence is the finding, else the
 * program runs on L under the hunt (not when the hunt names diverge alone:
 * no run can find more).  1 found, 0 none, -1 the run failed
 * (vmex_model_error). */
int vmex_find(vmex_model *m, vmex_model **real, const vmex_layout *L, const vmex_program *p, const vmex_hunt *h,
              vmex_result *res, char *sig, size_t n);
/* vmex_find under run options: o->hunt is the policy, o->on_op sees every
 * op of the run (a fuzzer's features); d, when non-NULL, receives the diff
 * of a diverge hunt (d->at >= 0: the divergence found).  Allocates nothing
 * but the diff's. */
int vmex_find_ex(vmex_model *m, vmex_model **real, const vmex_layout *L, const vmex_program *p,
                 const vmex_runopts *o, vmex_diff *d, vmex_result *res, char *sig, size_t n);

/* 1 when the program's result matches its expect and check lines */
int vmex_result_matches(const vmex_program *p, const vmex_result *r);

#ifdef __cplusplus
}
#endif
#endif
