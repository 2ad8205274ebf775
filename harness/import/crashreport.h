/*
 * crashreport.h - iOS crash reports from the field, in three steps:
 *
 *   1. vmex_report_parse: a report's text into one struct of facts
 *      (vmex_report).  Three formats, told apart by content
 *      (vmex_report_detect): the .ips of iOS 15 and later (a one-line JSON
 *      header, then a JSON body; bug_type 309), the legacy .crash text of
 *      iOS 14 and earlier (also inside an .ips with bug_type 109), and
 *      jetsam event reports (bug_type 298).
 *   2. vmex_report_to_program: the facts into a vmex program that rebuilds
 *      the address space at the crash (profile, layout settings, one mapping
 *      per VM-summary region, the VM-region-info regions at their
 *      addresses, then the failing request), with a header comment that
 *      states every choice (reconstruct.c).
 *   3. vmex_report_verdict: address-space exhaustion, fragmentation, a
 *      jetsam (footprint) kill, or not a memory crash, with the evidence,
 *      the largest hole at the crash and the what-if across entitlements
 *      and neighbouring devices (crash_verdict.c).
 *
 * docs/crash-reports.md describes the formats and the choices.  Every
 * error is a vmex_error with code VMEX_E_INPUT and, where it applies, the
 * file, line and column; reports vmex cannot model (32-bit devices, macOS,
 * tvOS, watchOS, visionOS, the simulator) are refused with a message that
 * says why.  JSON is read with json-c.
 */
#ifndef VMEX_CRASHREPORT_H
#define VMEX_CRASHREPORT_H

#include <stdio.h>

#include "vmex.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vmex_device;

/* ---------------------------------------------------------------- facts */
enum vmex_report_format {
    VMEX_REPORT_NONE = 0,     /* not a crash report (a trace, strace, anything else) */
    VMEX_REPORT_IPS,          /* .ips JSON crash report, bug_type 309 */
    VMEX_REPORT_CRASH,        /* legacy .crash text (or an .ips with bug_type 109) */
    VMEX_REPORT_JETSAM,       /* jetsam event report, bug_type 298 */
    VMEX_REPORT__COUNT
};
const char *vmex_report_format_name(int f);        /* "none", "ips", "crash", "jetsam" */
/* The format of a text, from its first lines; VMEX_REPORT_NONE when it is
 * not a report (so importers can fall back to traces and strace). */
int vmex_report_detect(const char *text, size_t len);

/* What is kept of a report, at most (the rest is counted in notes). */
#define VMEX_REPORT_MAX_FILE     (64u << 20)   /* bytes of a report file */
#define VMEX_REPORT_MAX_IMAGES   4096
#define VMEX_REPORT_MAX_ROWS     512
#define VMEX_REPORT_MAX_REGIONS  256
#define VMEX_REPORT_MAX_FRAMES   512
#define VMEX_REPORT_COUNT_MAX    1000000000000000000ull   /* a region count past it is read as it (checked: D3) */

typedef struct vmex_report_image {
    uint64_t base, size;       /* size: what the report gives (the __TEXT range) */
    char name[64];
} vmex_report_image;

/* One row of the VM summary ("VM_ALLOCATE  7.1G  90"). */
typedef struct vmex_report_row {
    char type[48];             /* "VM_ALLOCATE", "MALLOC_TINY", "CG raster data" */
    uint64_t size;             /* virtual size in bytes (K/M/G suffixes read; a plain number is bytes) */
    uint64_t count;            /* region count as written (not capped here), at most VMEX_REPORT_COUNT_MAX */
    uint8_t unitless;          /* the size had no unit */
    uint32_t line, col;        /* where the row is */
} vmex_report_row;

/* One region of the VM region info ("MALLOC_TINY 1059c4000-105ac4000 ..."). */
typedef struct vmex_report_region {
    char type[48];
    uint64_t start, end;
    uint8_t prot;              /* enum vmex_prot (rwx reads as rw) */
    uint8_t fault;             /* the "--->" line: the region of the faulting address */
    uint32_t line, col;
} vmex_report_region;

typedef struct vmex_report_frame {
    char image[64];
    char symbol[160];
    uint8_t crashed;           /* 1: the crashed thread; 0: the last exception backtrace */
} vmex_report_frame;

typedef struct vmex_report {
    int format;                /* enum vmex_report_format */
    int bug_type;              /* 309, 109, 298; 0 for a bare .crash */
    char file[256];            /* as given to the parser */
    char os[80];               /* "iPhone OS 16.0 (20A362)" */
    uint32_t os_major, os_minor, os_patch;
    char model[32];            /* "iPhone14,2" */
    uint32_t model_line, model_col;
    char process[64];
    char cpu[24];              /* "ARM-64" */
    char exc_type[48];         /* "EXC_CRASH" */
    char exc_signal[24];       /* "SIGABRT" */
    char exc_subtype[160];     /* "KERN_INVALID_ADDRESS at 0x10" */
    char exc_codes[96];
    char exc_message[256];
    char termination[256];     /* namespace, code, indicator and reasons, as one line */
    char asi[1024];            /* application specific information, " | " between entries */
    uint64_t fault_addr;
    int has_fault_addr;
    vmex_report_image *images;
    uint32_t nimages, images_total;   /* kept, and as many as the report lists */
    int32_t main_image, dyld_image;   /* indexes into images, -1 when not found */
    uint64_t shared_base, shared_size;
    int has_shared;
    int has_summary;           /* a VM summary table was found */
    vmex_report_row *rows;
    uint32_t nrows;
    int has_regions;           /* a VM region info block was found */
    vmex_report_region *regions;
    uint32_t nregions;
    vmex_report_frame *frames;
    uint32_t nframes;
    /* jetsam (bug_type 298), and EXC_RESOURCE memory-limit crashes */
    char jetsam_reason[48];    /* "per-process-limit", "vm-pageshortage", ... "" when none */
    uint64_t footprint, peak;  /* bytes: resident pages at the kill, the lifetime peak */
    uint64_t limit;            /* bytes; 0 when the report does not say */
    uint32_t page_size;        /* jetsam: the report's page size */
    uint32_t jetsam_processes; /* jetsam: processes listed */
    char jetsam_states[64];    /* jetsam: the killed process's states ("frontmost") */
    vmex_buf notes;            /* what was read with a caveat, one line each (no "# ") */
} vmex_report;

void vmex_report_init(vmex_report *r);
void vmex_report_free(vmex_report *r);
/* Parse a report into r (initialized by the caller; its contents are
 * replaced).  file only labels errors.  Returns 0, or -1 with err set
 * (code VMEX_E_INPUT, or VMEX_E_NOMEM). */
int vmex_report_parse(const char *text, size_t len, const char *file, vmex_report *r, vmex_error *err);
/* The same from a file (at most VMEX_REPORT_MAX_FILE bytes; VMEX_E_IO when
 * it cannot be read). */
int vmex_report_parse_file(const char *path, vmex_report *r, vmex_error *err);
/* The first bytes of a stream, at most cap, into head (*n of them): what
 * vmex_report_detect needs to tell a report from a trace (64 KiB hold
 * the lines it looks at).  0, or -1 (err: a read error; label names it). */
#define VMEX_REPORT_HEAD (64u << 10)
int vmex_report_head(FILE *f, char *head, size_t cap, size_t *n, const char *label, vmex_error *err);
/* A report from a stream of which head[0..nhead) was read already. */
int vmex_report_parse_stream(FILE *f, const char *label, const char *head, size_t nhead, vmex_report *r,
                             vmex_error *err);

/* ---------------------------------------------------------------- program */
/* The failing request at the end of a reconstructed program. */
enum vmex_req_kind {
    VMEX_REQ_NONE = 0,
    VMEX_REQ_PROBE,            /* no request named: the largest allocation that still fits */
    VMEX_REQ_PAS,              /* pas_panic_on_out_of_memory_error: a 32 MiB libpas chunk */
    VMEX_REQ_DART,             /* Dart's "Failed to reserve region": its halving reservations */
    VMEX_REQ_MALLOC,           /* libmalloc's "mach_vm_map(size=N) failed": that malloc */
    VMEX_REQ_FOOTPRINT,        /* a jetsam kill: the footprint, touched */
    VMEX_REQ__COUNT
};
const char *vmex_req_kind_name(int k);             /* "none", "probe", "libpas chunk", ... */

typedef struct vmex_recon_opts {
    const char *profile;       /* --profile: used instead of the device table and the era; NULL */
} vmex_recon_opts;

typedef struct vmex_recon {
    char profile[32];          /* the profile the program names */
    uint32_t ents;             /* the entitlements the program names (inferred from the report) */
    const struct vmex_device *device;   /* the report's device; NULL when --profile stood in for it */
    int stand_in;              /* the profile stands in for a newer iOS that vmex has no profile of */
    int32_t req_at;            /* the first op of the failing request, -1 when there is none */
    uint32_t req_ops;          /* its ops: a chain of fallbacks stops at the first that fits */
    int req_kind;              /* enum vmex_req_kind */
    uint64_t req_size;         /* the request that failed (the last of a chain) */
    uint32_t estimated;        /* mappings placed by estimate (VM summary rows) */
    uint32_t fixed;            /* mappings at their real addresses (VM region info) */
    uint64_t estimated_bytes, fixed_bytes;
    uint64_t footprint, limit; /* jetsam: what the program touches, and the limit it sets (0: none) */
    vmex_buf header;           /* the header comment, lines without "# " */
    vmex_buf comment_text;     /* the op comments, NUL-separated */
    uint32_t *comment_at;      /* per op: offset + 1 into comment_text, 0 for none */
    uint32_t comment_cap;
} vmex_recon;

void vmex_recon_init(vmex_recon *rc);
void vmex_recon_free(vmex_recon *rc);
/* A vmex_comment_fn for vmex_print: ctx is the vmex_recon. */
const char *vmex_recon_comment(void *ctx, uint32_t i);

/* Reconstruct the address space at the crash as a program (out must be
 * initialized; it is replaced).  rc (initialized) receives the header and
 * the op comments; print with
 *   vmex_print(out, &text, rc->header.p, vmex_recon_comment, rc).
 * Returns 0, or -1 with err (an unknown model without o->profile, an iOS
 * older than every profile, a bad --profile). */
int vmex_report_to_program(const vmex_report *r, const vmex_recon_opts *o, vmex_program *out,
                           vmex_recon *rc, vmex_error *err);

/* ---------------------------------------------------------------- verdict */
enum vmex_cause {
    VMEX_CAUSE_NOT_MEMORY = 0, /* nothing in the report points at memory */
    VMEX_CAUSE_EXHAUSTED,      /* address-space exhaustion: the request is bigger than all free space */
    VMEX_CAUSE_FRAG,           /* fragmentation: enough free space, no hole big enough */
    VMEX_CAUSE_JETSAM,         /* a jetsam kill: the footprint passed the limit */
    VMEX_CAUSE_UNDETERMINED,   /* a memory crash the reconstruction does not reproduce */
    VMEX_CAUSE__COUNT
};
const char *vmex_cause_name(int c);                /* "address-space exhaustion", ... */

#define VMEX_VERDICT_EVIDENCE 10
#define VMEX_VERDICT_ROWS     12   /* 3 profiles x 4 entitlement sets */

/* One scenario of the what-if: the request on a profile with entitlements. */
typedef struct vmex_whatif {
    char profile[32];
    uint32_t ents;
    char device[48];           /* a device of that RAM class running that iOS, "" when none */
    uint8_t crash_device;      /* the report's own device */
    uint8_t base;              /* the report's own entitlements: the crash as it happened */
    uint8_t cls;               /* enum vmex_class of the request there; VMEX_OK: it fits */
    uint8_t fixed;             /* the crash would not have happened here */
    uint32_t misfits;          /* mappings of the reconstruction that did not fit either */
    uint64_t free_before, largest_before;   /* at the request */
    uint64_t free_after;       /* after it (when it fits) */
    uint64_t limit;            /* jetsam: the footprint limit there */
    char says[400];            /* the row in words */
} vmex_whatif;

typedef struct vmex_verdict {
    int cause;                 /* enum vmex_cause */
    char headline[256];        /* one sentence */
    uint32_t nevidence;
    char evidence[VMEX_VERDICT_EVIDENCE][256];
    char profile[32];
    uint32_t ents;
    int has_state;             /* the fields below were measured on the model */
    uint64_t free_at_crash, largest_at_crash, request;
    uint64_t pristine_free, pristine_largest;
    uint32_t nrows;
    vmex_whatif rows[VMEX_VERDICT_ROWS];
} vmex_verdict;

/* The verdict of a parsed report and its reconstruction (p and rc from
 * vmex_report_to_program).  Runs the model: the reconstruction op by op,
 * then the request, on the report's device and on each what-if scenario.
 * Returns 0, or -1 with err (out of memory, a model that cannot run). */
int vmex_report_verdict(const vmex_report *r, const vmex_recon *rc, const vmex_program *p, vmex_verdict *v,
                        vmex_error *err);
/* The verdict as text for people: the headline, the evidence, the largest
 * hole, the what-if table and its sentences.  0 or -1 (out of memory). */
int vmex_report_verdict_text(const vmex_verdict *v, vmex_buf *out);

#ifdef __cplusplus
}
#endif
#endif
