/*
 * fuzz.h - the fuzzer's side of vmex (internal, not installed): the
 * versioned byte encoding of a program (the format: codec.h; decode.c,
 * encode.c, and env.c for the environment it decodes under) and the
 * structure-aware mutator (mutate.c).  The libFuzzer and AFL++ glue, the
 * replay engine and the CLI share them.
 *
 * Invariants: decoding is total (every byte string is a program); the
 * encoder is canonical (encode(decode(encode(p))) == encode(p) byte for
 * byte); the mutator and the crossover always return a canonical encoding
 * that fits the size they are given.  Nothing here has global state: every
 * call is deterministic in its arguments.
 */
#ifndef VMEX_FUZZ_H
#define VMEX_FUZZ_H

#include "vmex.h"

#ifdef __cplusplus
extern "C" {
#endif

/* the newest version of the byte encoding (codec.h); the encoder writes 1
 * whenever a program needs nothing of 2 */
#define VMEX_ENCODING_VERSION 2

/* ---------------------------------------------------------------- encoding */

/* The layout a binary input runs on; it also scales the input's compact
 * sizes and addresses, so decode and encode must be given the same one.
 * The profile is the first of: env_profile (VMEX_PROFILE; NULL or "" for
 * none), the profile in the input's header, VMEX_DEFAULT_PROFILE.  The
 * header's `set` values apply.  Entitlements: env_ents alone when
 * env_profile names the device (a fuzz run decides what the device has),
 * else the header's plus env_ents.
 * Returns 0, or -1 when env_profile is not a profile. */
int vmex_decode_layout(const uint8_t *data, size_t n, const char *env_profile, uint32_t env_ents,
                       vmex_layout *L);

/* What a fuzz run's environment decides, over the input's header.  target
 * >= 0 forces the target (each fuzz target runs one); -1 lets the header
 * decide.  xnu: the profile and entitlements (VMEX_PROFILE,
 * VMEX_ENTITLEMENTS); linux: set values (VMEX_WINDOW, VMEX_ALLOCATOR,
 * VMEX_THP_ALIGN, VMEX_MMAP_THRESHOLD, VMEX_RETAIN) replace the header's. */
typedef struct vmex_fuzz_env {
    int target;
    char profile[32];
    uint32_t ents;
    uint32_t set_mask;
    uint64_t set[VMEX_SET__COUNT];
} vmex_fuzz_env;
/* Read the environment; 0, or -1 with err naming the variable. */
int vmex_fuzz_env_read(int target, vmex_fuzz_env *e, vmex_error *err);
/* vmex_decode_layout under e; eff (when non-NULL) receives the config the
 * input runs with, which a reproducer of it must carry. */
int vmex_decode_layout_env(const uint8_t *data, size_t n, const vmex_fuzz_env *e, vmex_layout *L,
                           vmex_config *eff);

/* The layout the mutator decodes, encodes and runs its scratch model with:
 * the input's, but linux-model for target linux (the same window and
 * scales; holes without a round trip to the executor). */
int vmex_mutation_layout(const uint8_t *data, size_t n, const vmex_fuzz_env *e, vmex_layout *L);

/* Only the header's config (target, profile, entitlements, set values). */
void vmex_decode_config(const uint8_t *data, size_t n, vmex_config *cfg);

/* Decode bytes into `out` (initialized; its contents are replaced).  Never
 * fails for the input's sake: every byte string is a valid program (it
 * prints as .vmex text that parses back to it).  L: see vmex_decode_layout;
 * NULL means the default profile.  Returns 0, or -1 out of memory. */
int vmex_decode(const uint8_t *data, size_t n, const vmex_layout *L, vmex_program *out);

/* Append the canonical encoding of p to `out`.  Everything that affects a
 * replay is kept (config, ops, expect); uses of a handle that is not live
 * at that point cannot be expressed and are dropped (see codec.h).
 * Returns 0, or -1 out of memory. */
int vmex_encode(const vmex_program *p, const vmex_layout *L, vmex_buf *out);

/* vmex_encode for the mutator: offs (p->nops entries, when non-NULL)
 * receives the offset in `out` where op i starts, or SIZE_MAX when the op
 * was dropped.  The encoding of a prefix of p is a prefix of p's encoding
 * (up to the header's expect_at). */
int _vmex_encode_offsets(const vmex_program *p, const vmex_layout *L, vmex_buf *out, size_t *offs);

/* ---------------------------------------------------------------- mutator */

enum vmex_mutation {
    VMEX_MUT_INSERT = 0,     /* a new op (often an mmap sized after a hole) */
    VMEX_MUT_DELETE,         /* an op or a run of ops */
    VMEX_MUT_DUPLICATE,      /* an op or a run, with fresh handles */
    VMEX_MUT_SWAP,           /* two ops */
    VMEX_MUT_SIZE_LOG,       /* a size x/÷ 2^k or +- a little */
    VMEX_MUT_SIZE_POW2,      /* a size snapped to a power of two */
    VMEX_MUT_SIZE_EDGE,      /* a size one page around a power of two */
    VMEX_MUT_SIZE_HOLE,      /* a size snapped to a hole of the map at that op */
    VMEX_MUT_RETARGET,       /* a use names another live handle */
    VMEX_MUT_FLAGS,          /* align, hint, fixed, tag, prot, ... */
    VMEX_MUT_MALLOC_CLASS,   /* a malloc size across a class boundary */
    VMEX_MUT_RANGE,          /* munmap/touch of a head, tail or middle */
    VMEX_MUT_SPLICE,         /* a run of ops of another input (crossover) */
    VMEX_MUT_SHRINK,         /* ops dropped to fit max_size */
    VMEX_MUT__COUNT
};
const char *vmex_mutation_name(int m);

/* What the calls did, summed over calls (a debug and test hook). */
typedef struct vmex_mutate_stats {
    uint64_t calls, changed;           /* calls; those whose output differs from the input */
    uint64_t applied[VMEX_MUT__COUNT]; /* mutations applied, by kind */
} vmex_mutate_stats;

/* Mutate the input in data[0, size) (any bytes) into a canonical encoding
 * of at most max_size bytes, written to data (which has room for
 * max(size, max_size) bytes).  One or a few mutations; the header is kept
 * (the config, the expect class, and expect_at as an index, dropped when
 * it falls past the last op).  When max_size < size, ops are dropped until
 * it fits (crash minimization).  L: the input's layout (vmex_decode_layout;
 * NULL: the default profile's).  scratch (NULL: no hole-based mutations) is
 * a model the mutator runs prefixes of the program on.  Deterministic in
 * (input, max_size, seed, L).  Returns the new size: never 0 unless
 * max_size cannot hold even the header (or out of memory). */
size_t vmex_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, const vmex_layout *L,
                   vmex_model *scratch);
size_t vmex_mutate_ex(uint8_t *data, size_t size, size_t max_size, unsigned seed, const vmex_layout *L,
                      vmex_model *scratch, vmex_mutate_stats *st);

/* Cross two inputs: d1's header and ops with a run of d2's ops spliced in
 * (or d1's prefix and d2's suffix); handles d2's run uses but does not bind
 * are mapped to handles of d1 live at that point.  Both are decoded with L
 * (d1's layout; NULL: the default).  Writes at most max_out bytes to out;
 * returns the size (0 only when max_out cannot hold d1's header). */
size_t vmex_crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                      size_t max_out, unsigned seed, const vmex_layout *L);
size_t vmex_crossover_ex(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                         size_t max_out, unsigned seed, const vmex_layout *L, vmex_mutate_stats *st);

#ifdef __cplusplus
}
#endif
#endif
