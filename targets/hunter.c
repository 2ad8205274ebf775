/*
 * hunter.c - the hunting fuzz targets, one engine glue for all of them: each
 * target's own file (fuzz_xnu.c, fuzz_linux.c, fuzz_linux_diff.c) names
 * its target in vmex_hunter_this, and CMake links it with this file.
 *
 * Input: the binary program encoding (harness/fuzz/encode.c), run on the
 * hunter's target whatever the input's header says.  xnu: the profile and
 * entitlements come from VMEX_PROFILE and VMEX_ENTITLEMENTS (comma list),
 * else from the input's header, else ios16-3gb.  linux: VMEX_WINDOW and
 * VMEX_ALLOCATOR (and VMEX_THP_ALIGN, VMEX_MMAP_THRESHOLD, VMEX_RETAIN)
 * replace the header's settings; the executor runs outside this process,
 * so the front end may be sanitized.  The hunt policy comes from VMEX_HUNT
 * (default "frag:margin>=2,size>=1m"); crash and hang are always hunted.
 * The diff hunter runs linux-model and the kernel and hunts divergence.
 *
 * On a finding it prints "vmex-finding: <signature> margin=<m>" and
 * aborts from the class's own function.  The fragmentation state becomes
 * features (libFuzzer extra counters; AFL++ map), and the structure-aware
 * mutator works on programs (holes from linux-model on the linux
 * targets: running the kernel for every mutation would cost too much).
 * VMEX_PLAIN=1 switches both off (features and custom mutation), to
 * measure what they buy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/feedback.h"
#include "fuzz/fuzz.h"
#include "target.h"

const int vmex_target_takes_text = 0;

int vmex_target_accepts(const vmex_config *c)
{
    const vmex_hunter *h = &vmex_hunter_this;
    if (h->diff) {   /* a real kernel behind the model, and an allocator the model runs */
        int alloc = (c->set_mask >> VMEX_SET_ALLOCATOR & 1) ? (int)c->set[VMEX_SET_ALLOCATOR] : VMEX_ALLOC_KERNEL;
        return vmex_target_real_of(c->target) >= 0 && vmex_target_runs_allocator(vmex_target_model_of(c->target), alloc);
    }
    return c->target == h->target;
}

int vmex_target_expects(void) { return !vmex_hunter_this.diff; }

#if defined(VMEX_LIBFUZZER)
__attribute__((section("__libfuzzer_extra_counters"))) static uint8_t counters[VMEX_FEATURES];
#else
static uint8_t counters[VMEX_FEATURES];
#endif

static struct {
    int ready, plain;
    vmex_fuzz_env env;
    vmex_hunt hunt;
    vmex_model *model, *scratch, *real;
    vmex_program prog;
} g;

static void config_error(const char *what, const char *value)
{
    fprintf(stderr, "%s: error: %s%s%s%s\n", vmex_hunter_this.name, what, value ? " '" : "", value ? value : "",
            value ? "'" : "");
    exit(2);
}

static void setup(void)
{
    if (g.ready) return;
    g.ready = 1;
    vmex_error err = {0};
    if (vmex_fuzz_env_read(vmex_hunter_this.target, &g.env, &err)) config_error(err.msg, NULL);
    const char *s = getenv("VMEX_HUNT");
    if (vmex_hunt_parse(s && *s ? s : VMEX_DEFAULT_HUNT, &g.hunt, &err)) config_error(err.msg, s);
    s = getenv("VMEX_PLAIN");
    g.plain = s && *s && strcmp(s, "0");
    g.model = vmex_model_new(VMEX_STORE_FAST);
    g.scratch = vmex_model_new(VMEX_STORE_FAST);
    g.real = vmex_hunter_this.diff ? vmex_model_new(VMEX_STORE_FAST) : NULL;
    VMEX_FUZZ_ASSERT(g.model && g.scratch && (g.real || !vmex_hunter_this.diff), "out of memory");
    vmex_program_init(&g.prog);
}

/* The input's layout on this hunter's target; eff: the config it runs with. */
static int layout_of(const uint8_t *data, size_t size, vmex_layout *L, vmex_config *eff)
{
    return vmex_decode_layout_env(data, size, &g.env, L, eff);
}

/* Target linux cannot run on this machine (no executor, confinement
 * refused): not a bug of the input or the harness.  Said once, and the
 * process ends with 77, which ctest reads as a skip. */
static void backend_missing(const vmex_model *m)
{
    if (!vmex_model_unavailable(m)) return;
    fprintf(stderr, "%s: SKIP: the real backend cannot run here: %s\n", vmex_hunter_this.name, vmex_model_error(m));
    exit(77);
}

static void diff_input(const vmex_layout *L)
{
    vmex_diff d;
    if (vmex_diff_run(g.model, g.real, &g.prog, &d)) {
        backend_missing(g.real);
        fprintf(stderr, "%s: error: %s\n", vmex_hunter_this.name, d.error);
        vmex_harness_bug(__FILE__, __LINE__, "the diff could not run");
    }
    if (d.at < 0) return;
    const vmex_op *op = &g.prog.ops[d.at];
    fprintf(stderr, "%s: op %d (%s) differs: %s\n", vmex_hunter_this.name, d.at, vmex_opkind_name(op->kind),
            d.what);
    char sig[128];
    vmex_diff_signature(&g.prog, &d, sig, sizeof sig);
    vmex_report_finding(VMEX_DIVERGE, sig, 0);
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
    vmex_config eff;
    VMEX_FUZZ_ASSERT(layout_of(data, size, &L, &eff) == 0, "no layout for this input");
    VMEX_FUZZ_ASSERT(vmex_decode(data, size, &L, &g.prog) == 0, "decode failed");
    g.prog.cfg = eff;
    if (vmex_hunter_this.diff) {
        diff_input(&L);
        return 0;
    }

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
    if (vmex_model_run(g.model, &L, &g.prog, &o, &res)) {
        backend_missing(g.model);
        fprintf(stderr, "%s: error: %s\n", vmex_hunter_this.name, vmex_model_error(g.model));
        vmex_harness_bug(__FILE__, __LINE__, "the run failed");
    }
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
    if (vmex_mutation_layout(data, size, &g.env, &L))
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
    if (vmex_mutation_layout(d1, s1, &g.env, &L)) return 0;
    return vmex_crossover(d1, s1, d2, s2, out, max_out, seed, &L);
}
#endif
