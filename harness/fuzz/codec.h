/*
 * codec.h - the fuzzer's byte encoding of a program, versions 1 and 2: the format
 * (below) and what its decoder (decode.c) and canonical encoder (encode.c)
 * share: the fixed-point scales of sizes and addresses, the live-handle
 * set, the header's rules.  The environment a fuzz run decodes under is
 * env.c.  Not installed; the API is fuzz.h.
 *
 * Layout (integers little-endian):
 *
 *   byte 0    version: 2 (below), else 1 (any other value decodes as 1)
 *   byte 1    H, the length of the header block
 *   header block, H bytes:
 *     target     u8   enum vmex_target (0 xnu, 1 linux-model, 2 linux; v2 also
 *                     3 jsc); other values decode as xnu
 *     profile    u8   index into vmex_profile_list() (ios16-3gb is 42); 0xFF,
 *                     or any index past the list: none (the environment or the
 *                     default decides).  The order of that list is part of v1.
 *     ents       u8   VMEX_ENT_* bits 0-3 (the four of v1; bits 4-7 ignored)
 *     set_mask   u8   bit k: `set` key k (enum vmex_setkey) is given (unknown bits ignored)
 *     values     u64  one per key of set_mask, in key order; a value that
 *                     `set KEY` would reject drops the key
 *     expect     u8   enum vmex_class (v1: up to diverge, 8; v2: every class); 0xFF
 *                     or unknown: none
 *     expect_at  u32  op index (of the decoded ops); 0xFFFFFFFF, an index past
 *                     the last op, or no expect: none
 *     set_mask_hi u8  bit k: `set` key 8 + k is given; its values (u64, in key
 *                     order) follow.  Written only when such a key is set
 *                     or ents_hi follows.
 *     ents_hi    u8   bit k: entitlement 4 + k (VMEX_ENT_HARDENED_HEAP,
 *                     VMEX_ENT_BROWSER_ENGINE, ...; unknown bits ignored).
 *                     Written only when such an entitlement is given.
 *     A field not wholly inside the block (H may be short, the input may end)
 *     takes its default (none, 0), so the empty input is the empty default
 *     program.  Bytes of the block past these fields are ignored (room for
 *     later fields).  The canonical encoder writes all fields: H = 9 + 8 x keys
 *     (+ 1 for set_mask_hi when a key >= 8 is set or ents_hi is written,
 *     + 1 for ents_hi when an entitlement >= 4 is given).  A key that does not
 *     apply to the target (or to its allocator) is dropped.
 *   ops, from byte 2 + H to the end of the input, one after another.
 *
 * An op is an opcode byte, kind in bits 0-2 (enum vmex_opkind) and flags
 * F0..F4 in bits 3-7, then its arguments in the order listed:
 *
 *   0 mmap         F0 align, F1 tag, F2 hint, F3 fixed (F2+F3: fixed), F4 ext byte
 *                  [ext] SIZE [ADDR if hint/fixed] [ALIGN] [TAG]
 *                  ext: bits 0-1 prot, bit 2 prot given (else prot is rw and
 *                  bits 0-1 are ignored), 3 noreserve, 4 jit, 5 shared, 6 try,
 *                  7 anonymous (binds no handle)
 *   1 vm_allocate  F0 align, F1 tag, F2 fixed, F3 try, F4 anonymous
 *                  SIZE [ADDR if fixed] [ALIGN] [TAG]
 *   2 malloc       F0 try, F1 anonymous (F2-F4 ignored)   MSIZE
 *   3 realloc      F0 try, F1 anonymous (F2-F4 ignored)   HANDLE MSIZE
 *   4 free         (F0-F4 ignored)                        HANDLE
 *   5 munmap       F0 range (F1-F4 ignored)               HANDLE [OFFSET LENGTH]
 *   6 touch        F0 range (F1-F4 ignored)               HANDLE [OFFSET LENGTH]
 *   7 check        F0-F1 metric (enum vmex_metric), F2 <= (else >=) (F3-F4 ignored)   SIZE
 *
 *   SIZE    u16 v.  v <= 0xFFFE: pages = round(2^(v/65534 x log2(M))), M =
 *           max_offset / page of the layout, clamped to [1, M] (v = 0xFFFE is
 *           M exactly); size = pages x 16k: log-uniform from one page to
 *           max_offset.  Computed in fixed point, never with floating point,
 *           so it is the same everywhere: log2(M) in Q32, the exponent
 *           v x log2(M) / 65534 in Q32 (truncated), 2^fraction as the product
 *           of the Q31 constants 2^(2^-i) of the fraction's set bits (each
 *           step truncated), rounded to pages.  v = 0xFFFF: a u64 exact value follows, clamped to
 *           [1, 2^48 - 1] (check: [0, 2^48 - 1]).
 *   MSIZE   u16 v.  0: 0 bytes; 1..0xFFFE: round(2^((v-1)/65533 x 26)) bytes,
 *           log-uniform from 1 byte to 64 MiB; 0xFFFF: u64 exact, clamped
 *           to [0, 2^48 - 1].
 *   ADDR    u16 v.  v <= 0xFFFE: floor + ((max_offset - floor) x v / 65535)
 *           rounded down to a page; 0xFFFF: u64 exact, clamped to [0, 2^48 - 1].
 *   ALIGN   u8 a: alignment 2^((a + 14) mod 48): 0 = 16k, 2 = 64k, 6 = 1m,
 *           16 = 1g, 34 = 1 byte.
 *   TAG     u8, the VM tag.
 *   HANDLE  LEB128 (at most 10 bytes), taken modulo the number of live
 *           handles at this op, counting back from the newest (0 = the most
 *           recently bound live handle).  Live: bound by mmap, vm_allocate,
 *           malloc or realloc (not anonymous), not yet consumed by free,
 *           munmap without a range, or realloc.  With no live handle the op
 *           decodes to nothing (its bytes are still consumed).
 *   OFFSET  LEB128 u: even: (u/2) pages; odd: (u-1)/2 bytes.
 *   LENGTH  LEB128 u: even: (u/2 + 1) pages; odd: (u-1)/2 + 1 bytes.
 *           Both clamped to [0 or 1, 2^48 - 1].
 *
 * Version 2 (byte 0 is 2): the header as in v1, and every op is a kind byte
 * (enum vmex_opkind; one past the last op decodes to nothing, its two bytes
 * consumed) followed by the opcode byte of v1 whose kind bits (0-2) are
 * ignored (the encoder writes 0).  The ops of v1 take the same flags and
 * arguments; the JavaScriptCore ops (VMEX_JSC_OPS) decode to nothing unless
 * the target runs them (jsc):
 *
 *   8 arraybuffer, 9 string, 10 array, 13 eval
 *                  F1 anonymous                           MSIZE (eval: at most 64 MiB)
 *   11 objects, 12 props
 *                  F1 anonymous                           COUNT
 *   14 release     (F0-F4 ignored)                        HANDLE
 *   15 gc          (F0-F4 ignored)
 *
 *   COUNT   LEB128, clamped to VMEX_JSC_MAX_COUNT.
 *
 * The encoder writes v1 whenever the program needs nothing of v2 (its
 * target and expect class are v1's), so v1 inputs and their goldens are
 * untouched; a JavaScriptCore op on a target that does not run it is dropped.
 *
 * Decoded names are h0, h1, ... in binding order; anonymous ops bind none.
 * Decoding stops at VMEX_MAX_OPS ops.  The layout (vmex_decode_layout)
 * scales SIZE and ADDR only: exact escapes and everything else do not
 * depend on it.
 *
 * The canonical encoder writes the shortest of these forms that decodes to
 * exactly the same value, and only canonical flag bits.  What a program can
 * hold but v1 cannot express is normalized:
 *   - a use of a name that is not live at that point (a second `munmap a`,
 *     a `free` after the handle's realloc, a name whose last binding op was
 *     itself dropped) is dropped; a binding op dropped that way leaves its
 *     name unbound, as the model does.  expect_at then moves to the next op
 *     kept (the last kept op when none follows, none when no op is kept);
 *   - names are renamed h0, h1, ... (a name bound twice becomes two handles);
 *   - a profile is written as the listed profile of the same version and RAM
 *     ("ios16.0-3gb" -> "ios16-3gb"), an unknown one as none;
 *   - flags that do not apply to the op kind (which the parser rejects) are
 *     dropped, as are a target this build cannot run and invalid values.
 */
#ifndef VMEX_CODEC_H
#define VMEX_CODEC_H

#include "vmex.h"

/* the format's constants (only the codec's files include this header) */
#define ESC       0xFFFFu
#define CODE_MAX  0xFFFEu
#define MSIZE_LG  26u                          /* malloc sizes up to 2^26 = 64 MiB */
#define MAXV      (VMEX_MAX_VALUE - 1)
#define HDR_NONE8 0xFFu
/* the entitlements of the ents byte; the later ones are in ents_hi */
#define HDR_ENTS_LO 4
#define HDR_ENTS_LO_MASK ((1u << HDR_ENTS_LO) - 1)
#define HDR_ENTS_ALL ((1u << VMEX_ENT__COUNT) - 1)
#define HDR_NONE32 0xFFFFFFFFu
/* what v1 carries: the targets before jsc, the classes up to diverge */
#define VMEX_CODEC_V1_TARGETS VMEX_TARGET_JSC
#define VMEX_CODEC_V1_CLASSES (VMEX_DIVERGE + 1)

/* opcode flag bits */
#define F0 0x08u
#define F1 0x10u
#define F2 0x20u
#define F3 0x40u
#define F4 0x80u
/* mmap ext byte */
#define X_PROT      0x04u
#define X_NORESERVE 0x08u
#define X_JIT       0x10u
#define X_SHARED    0x20u
#define X_TRY       0x40u
#define X_ANON      0x80u

/* ---------------------------------------------------------------- scales */
/* log2(m) in Q32 for m >= 1 (truncated) */
uint64_t codec_log2_q32(uint64_t m);

typedef struct scale {
    uint64_t pages;      /* max_offset in pages, >= 1 */
    uint64_t lg;         /* log2(pages), Q32 */
    uint64_t floor, span;
    uint64_t *sizes;         /* codec_size_of_code's pages by code, filled as asked (shared by equal scales), or NULL */
    /* the encoder's memo of its last size and malloc size lookups */
    uint64_t memo_size, memo_msize;
    uint32_t memo_code, memo_mcode;
    int memo_ok, memo_mok;
} scale;
void codec_scale_init(scale *s, const vmex_layout *L);
/* the value of a code (SIZE, MSIZE, ADDR) */
uint64_t codec_size_of_code(const scale *s, uint32_t v);
uint64_t codec_msize_of_code(uint32_t v);
uint64_t codec_addr_of_code(const scale *s, uint32_t v);

static inline uint64_t codec_clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---------------------------------------------------------------- live handles */
/* The live handles, numbered in binding order: a Fenwick tree of alive
 * bits, so "the k-th live handle" and "how many are newer" are O(log n). */
typedef struct hset {
    uint32_t *t;         /* 1-based */
    uint32_t cap, top, created, nlive;
    uint32_t small[256];
} hset;
int hset_init(hset *h, size_t cap);                /* 0, or -1 out of memory */
void hset_free(hset *h);
void hset_add(hset *h, uint32_t i, int delta);
uint32_t hset_prefix(const hset *h, uint32_t i);   /* live handles in [0, i) */
uint32_t hset_kth(const hset *h, uint32_t k);      /* the k-th live handle (0 = oldest), k < nlive */
int hset_alive(const hset *h, uint32_t i);
int32_t hset_bind(hset *h);                        /* a new live handle; -1 when full */

/* ---------------------------------------------------------------- header */
/* a target this build decodes (others decode as xnu) */
int codec_target_runs(int t);
/* may the config (its target and keys decoded so far) take set KEY v? */
int codec_set_key_ok(const vmex_config *c, int key, uint64_t v);
/* does this (kept) use consume its handle? */
int codec_consumes(const vmex_op *op);
/* the layout of the default profile (L NULL in the API) */
int codec_default_layout(vmex_layout *L);

#endif
