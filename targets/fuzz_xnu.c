/*
 * fuzz_xnu - programs on the XNU model, hunting fragmentation.
 *
 * Input: the binary program encoding (harness/encode.c).  The profile and
 * entitlements come from VMEX_PROFILE and VMEX_ENTITLEMENTS (comma list),
 * else from the input's header, else ios16-3gb.  The hunt policy comes
 * from VMEX_HUNT (default "frag:margin>=2,size>=1m").
 *
 * On a hunted finding it prints "vmex-finding: <signature> margin=<m>" and
 * aborts from the class's own function.  The fragmentation state becomes
 * features (libFuzzer extra counters; AFL++ map), and the structure-aware
 * mutator works on programs.  VMEX_PLAIN=1 switches both off (features
 * and custom mutation), to measure what they buy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback.h"
#include "fuzz.h"
#include "target.h"

const int vmex_target_takes_text = 0;
const int vmex_target_hunts = 1;

#if defined(VMEX_LIBFUZZER)
__attribute__((section("__libfuzzer_extra_counters"))) static uint8_t counters[VMEX_FEATURES];
#else
static uint8_t counters[VMEX_FEATURES];
#endif

static struct {
    int ready, plain;
    char profile[32];
    uint32_t ents;
    vmex_hunt hunt;
    vmex_model *model, *scratch;
    vmex_program prog;
} g;

static void config_error(const char *what, const char *value)
{
    fprintf(stderr, "fuzz_xnu: error: %s '%s'\n", what, value);
    exit(2);
}

static void setup(void)
{
    if (g.ready) return;
    g.ready = 1;
    const char *s = getenv("VMEX_PROFILE");
    if (s && *s) {
        if (!vmex_profile_valid(s)) config_error("unknown profile in VMEX_PROFILE:", s);
        snprintf(g.profile, sizeof g.profile, "%s", s);
    }
    s = getenv("VMEX_ENTITLEMENTS");
    if (s && *s) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", s);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            uint32_t bit;
            if (vmex_ent_parse(tok, &bit)) config_error("unknown entitlement in VMEX_ENTITLEMENTS:", tok);
            g.ents |= bit;
        }
    }
    vmex_error err = {0};
    s = getenv("VMEX_HUNT");
    if (vmex_hunt_parse(s && *s ? s : VMEX_DEFAULT_HUNT, &g.hunt, &err)) config_error(err.msg, s);
    s = getenv("VMEX_PLAIN");
    g.plain = s && *s && strcmp(s, "0");
    g.model = vmex_model_new(VMEX_STORE_FAST);
    g.scratch = vmex_model_new(VMEX_STORE_FAST);
    VMEX_FUZZ_ASSERT(g.model && g.scratch, "out of memory");
    vmex_program_init(&g.prog);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    vmex_layout L;
    VMEX_FUZZ_ASSERT(vmex_decode_layout(data, size, g.profile[0] ? g.profile : NULL, g.ents, &L) == 0,
                     "no layout for this input");
    VMEX_FUZZ_ASSERT(vmex_decode(data, size, &L, &g.prog) == 0, "decode failed");

    vmex_feedback fb;
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = &g.hunt;
    if (!g.plain) {
        memset(counters, 0, sizeof counters);
        vmex_feedback_begin(&fb, counters, g.model, &L);
        o.on_op = vmex_feedback_op;
        o.ctx = &fb;
    }
    vmex_result res;
    VMEX_FUZZ_ASSERT(vmex_model_run(g.model, &L, &g.prog, &o, &res) == 0, "run failed");
    if (!g.plain) {
        vmex_feedback_end(&fb, &res);
#if defined(VMEX_AFL)
        vmex_afl_features(counters, sizeof counters);
#endif
    }
    if (res.findings) {
        char sig[128];
        vmex_signature(res.verdict, res.req_kind, res.req, L.profile, sig, sizeof sig);
        vmex_report_finding(res.verdict, sig, res.margin);
    }
    return 0;
}

#if defined(VMEX_LIBFUZZER)
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    setup();
    if (g.plain) return LLVMFuzzerMutate(data, size, max_size);
    /* Every other call, libFuzzer's byte-level mutators work on the ops
     * (decoding is total, and the header block stays as it is): their raw
     * speed and the structure-aware mutations complement each other. */
    size_t hdr = size >= 2 ? 2 + (size_t)data[1] : size;
    if ((seed & 1) && hdr < size && hdr < max_size)
        return hdr + LLVMFuzzerMutate(data + hdr, size - hdr, max_size - hdr);
    vmex_layout L;
    if (vmex_decode_layout(data, size, g.profile[0] ? g.profile : NULL, g.ents, &L))
        return LLVMFuzzerMutate(data, size, max_size);
    return vmex_mutate(data, size, max_size, seed, &L, g.scratch);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max_out, unsigned int seed)
{
    setup();
    if (g.plain) { /* byte splice, as a stand-in for libFuzzer's own crossover */
        size_t a = s1 ? seed % (s1 + 1) : 0, b = s2 ? (seed / 7) % (s2 + 1) : 0, n = 0;
        for (size_t i = 0; i < a && n < max_out; i++) out[n++] = d1[i];
        for (size_t i = b; i < s2 && n < max_out; i++) out[n++] = d2[i];
        return n;
    }
    vmex_layout L;
    if (vmex_decode_layout(d1, s1, g.profile[0] ? g.profile : NULL, g.ents, &L)) return 0;
    return vmex_crossover(d1, s1, d2, s2, out, max_out, seed, &L);
}
#endif
