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
 * (default "frag:margin>=2,size>=1m"; crash and hang of the real backend
 * are findings when it names them, as ci/fuzz's default for target linux
 * does).  The diff hunter runs linux-model and the kernel and hunts
 * divergence alone.  Every environment knob is read once, at setup.
 *
 * The finding is the oracle's (vmex_find_ex): the same function that vmex
 * minimize, vmex triage and vmex check use, so they agree with the fuzzer.
 *
 * A finding is a result, not a crash: it is recorded in the findings
 * folder VMEX_FINDINGS_DIR (harness/fuzz/findings.h: the best input of
 * each signature and its hits) and the target returns, so the engine
 * keeps fuzzing at full speed.  VMEX_FINDINGS=crash (or no
 * VMEX_FINDINGS_DIR at all: nothing is dropped silently) keeps "finding =
 * crash" for engines whose only channel is a crash (OSS-Fuzz/ClusterFuzz):
 * it prints "vmex-finding: <signature> margin=<m>" and an "ASSERTION
 * FAILED: vmex finding <signature>" line, which ClusterFuzz's stack
 * analyzer takes for the crash state, and aborts from the class's own
 * function (report_finding.c).  Only harness bugs crash otherwise.
 * Executions are counted for ci/fuzz's progress line (VMEX_STATS_DIR,
 * report_finding.c).
 *
 * The fragmentation state becomes features (libFuzzer extra counters;
 * AFL++ map), and the structure-aware mutator works on programs (holes
 * from linux-model on the linux targets: running the kernel for every
 * mutation would cost too much).  VMEX_PLAIN=1 switches both off
 * (features and custom mutation), to measure what they buy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/feedback.h"
#include "fuzz/findings.h"
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

/* What the environment decides, read once, at setup. */
typedef struct hunter_env {
    vmex_fuzz_env fuzz;   /* the layout: VMEX_PROFILE, VMEX_ENTITLEMENTS, VMEX_WINDOW, ... */
    vmex_hunt hunt;       /* VMEX_HUNT, else VMEX_DEFAULT_HUNT; the diff hunter hunts diverge alone */
    int plain;            /* VMEX_PLAIN: no features, no custom mutation */
    vmex_run_env run;     /* VMEX_EXEC_DIR, VMEX_HANG_MS */
    int crash;            /* VMEX_FINDINGS=crash, or no VMEX_FINDINGS_DIR: a finding aborts */
    const char *findings; /* VMEX_FINDINGS_DIR */
} hunter_env;

static struct {
    int ready;
    hunter_env env;
    vmex_model *model, *scratch, *real;
    vmex_program prog;
    vmex_findings *findings;
} g;

static void config_error(const char *what, const char *value)
{
    fprintf(stderr, "%s: error: %s%s%s%s\n", vmex_hunter_this.name, what, value ? " '" : "", value ? value : "",
            value ? "'" : "");
    exit(2);
}

static void read_env(hunter_env *e)
{
    vmex_error err = {0};
    if (vmex_fuzz_env_read(vmex_hunter_this.target, &e->fuzz, &err)) config_error(err.msg, NULL);
    const char *s = getenv("VMEX_HUNT");
    const char *def = vmex_target_has(vmex_hunter_this.target, VMEX_CAP_JSC) ? VMEX_DEFAULT_HUNT_JSC : VMEX_DEFAULT_HUNT;
    if (vmex_hunt_parse(s && *s ? s : def, &e->hunt, &err)) config_error(err.msg, s);
    if (vmex_hunter_this.diff) e->hunt = (vmex_hunt){1, {{VMEX_DIVERGE, 0, 0}}};
    s = getenv("VMEX_PLAIN");
    e->plain = s && *s && strcmp(s, "0");
    vmex_run_env_read(&e->run);
    s = getenv("VMEX_FINDINGS_DIR");
    e->findings = s && *s ? s : NULL;
    s = getenv("VMEX_FINDINGS");
    if (s && *s && strcmp(s, "crash") && strcmp(s, "record"))
        config_error("VMEX_FINDINGS is crash or record, not", s);
    if (s && !strcmp(s, "record") && !e->findings)
        config_error("VMEX_FINDINGS=record needs the folder in VMEX_FINDINGS_DIR", NULL);
    e->crash = (s && !strcmp(s, "crash")) || !e->findings;
}

/* At exit: the hits counted in memory reach the folder. */
static void at_exit(void)
{
    vmex_error err = {0};
    if (vmex_findings_close(g.findings, &err)) {
        fprintf(stderr, "%s: error: findings: ", vmex_hunter_this.name);
        vmex_error_print(&err, stderr);
    }
    g.findings = NULL;
}

static void setup(void)
{
    if (g.ready) return;
    g.ready = 1;
    read_env(&g.env);
    g.model = vmex_model_new(VMEX_STORE_FAST);
    g.scratch = vmex_model_new(VMEX_STORE_FAST);
    g.real = vmex_hunter_this.diff ? vmex_model_new(VMEX_STORE_FAST) : NULL;
    VMEX_FUZZ_ASSERT(g.model && g.scratch && (g.real || !vmex_hunter_this.diff), "out of memory");
    vmex_program_init(&g.prog);
    if (!g.env.crash) {
        vmex_error err = {0};
        if (!(g.findings = vmex_findings_open(g.env.findings, vmex_hunter_this.name, &err))) {
            fprintf(stderr, "%s: error: ", vmex_hunter_this.name);
            vmex_error_print(&err, stderr);
            exit(2);
        }
    }
    if (!g.env.crash) atexit(at_exit);
}

/* A hunted finding, recorded: the kept input changes when it is the best
 * of its signature, which is said on stderr; an I/O error ends the run. */
static void record(const uint8_t *data, size_t size, const vmex_result *res, const vmex_layout *L, const char *sig)
{
    vmex_finding_rec r = {.cls = res->verdict, .margin = res->margin, .ops = (uint32_t)res->at + 1,
                          .req = res->req};
    vmex_error err = {0};
    snprintf(r.signature, sizeof r.signature, "%s", sig);
    snprintf(r.profile, sizeof r.profile, "%s", L->profile);
    int rc = vmex_findings_add(g.findings, &r, data, size, &err);
    if (rc < 0) {
        fprintf(stderr, "%s: error: cannot record a finding: ", vmex_hunter_this.name);
        vmex_error_print(&err, stderr);
        exit(2);
    }
    if (rc) fprintf(stderr, "vmex-finding: %s margin=%.2f ops=%u (kept)\n", sig, r.margin, r.ops);
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    setup();
    return 0;
}

/* The input's first hunted finding, found by the oracle as minimize and
 * triage find it (vmex_find_ex); the run's state becomes features. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    vmex_target_count();
    vmex_layout L;
    vmex_config eff;
    VMEX_FUZZ_ASSERT(vmex_decode_layout_env(data, size, &g.env.fuzz, &L, &eff) == 0, "no layout for this input");
    VMEX_FUZZ_ASSERT(vmex_decode(data, size, &L, &g.prog) == 0, "decode failed");
    g.prog.cfg = eff;

    int features = !g.env.plain && !vmex_hunter_this.diff;   /* a diff's two runs make none */
    vmex_feedback fb;
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = &g.env.hunt;
    o.env = &g.env.run;
    if (features) {
        memset(counters, 0, sizeof counters);
        vmex_feedback_begin(&fb, counters, g.model, &L);
        o.on_op = vmex_feedback_op;
        o.ctx = &fb;
    }
    vmex_result res;
    vmex_diff d;
    char sig[128];
    int found = vmex_find_ex(g.model, &g.real, &L, &g.prog, &o, &d, &res, sig, sizeof sig);
    if (found < 0) {
        backend_missing(g.model);
        fprintf(stderr, "%s: error: %s\n", vmex_hunter_this.name, vmex_model_error(g.model));
        vmex_harness_bug(__FILE__, __LINE__, vmex_hunter_this.diff ? "the diff could not run" : "the run failed");
    }
    if (features) {
        vmex_feedback_end(&fb, &res);
#if defined(VMEX_AFL)
        vmex_afl_features(counters, sizeof counters);
#endif
    }
    if (!found) return 0;
    if (!g.env.crash) {
        record(data, size, &res, &L, sig);
        return 0;
    }
    if (d.at >= 0)
        fprintf(stderr, "%s: op %d (%s) differs: %s\n", vmex_hunter_this.name, d.at,
                vmex_opkind_name(g.prog.ops[d.at].kind), d.what);
    vmex_report_finding(res.verdict, sig, res.margin);
}

#if defined(VMEX_LIBFUZZER)
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    setup();
    if (g.env.plain) return LLVMFuzzerMutate(data, size, max_size);
    /* Every other call, libFuzzer's byte-level mutators work on the ops
     * (decoding is total, and the header block stays as it is): their raw
     * speed and the structure-aware mutations complement each other. */
    size_t hdr = size >= 2 ? 2 + (size_t)data[1] : size;
    if ((seed & 1) && hdr < size && hdr < max_size)
        return hdr + LLVMFuzzerMutate(data + hdr, size - hdr, max_size - hdr);
    vmex_layout L;
    if (vmex_mutation_layout(data, size, &g.env.fuzz, &L))
        return LLVMFuzzerMutate(data, size, max_size);
    return vmex_mutate(data, size, max_size, seed, &L, g.scratch);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max_out, unsigned int seed)
{
    setup();
    if (g.env.plain) { /* byte splice, as a stand-in for libFuzzer's own crossover */
        size_t a = s1 ? seed % (s1 + 1) : 0, b = s2 ? (seed / 7) % (s2 + 1) : 0, n = 0;
        for (size_t i = 0; i < a && n < max_out; i++) out[n++] = d1[i];
        for (size_t i = b; i < s2 && n < max_out; i++) out[n++] = d2[i];
        return n;
    }
    vmex_layout L;
    if (vmex_mutation_layout(d1, s1, &g.env.fuzz, &L)) return 0;
    return vmex_crossover(d1, s1, d2, s2, out, max_out, seed, &L);
}
#endif
