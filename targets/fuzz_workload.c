/*
 * fuzz_workload - the .vmexw workload parser and the stress generator.
 *
 * Any input must parse or fail with a located error.  A workload that
 * parses must run: 300 ops of it on its profile's model, hunting nothing,
 * never stuck (a workload the parser accepts but the generator cannot
 * draw from is a parser bug, issue "Hard to break" D11).
 */
#include "lang/workload.h"
#include "stress/stress.h"
#include "text_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vmex_workload w;
    vmex_error err;
    if (vmex_workload_parse((const char *)data, size, "input", &w, &err)) {
        text_target_refused(&err, 1);
        return 0;
    }
    vmex_stress S;
    memset(&S, 0, sizeof S);
    S.w = &w;
    S.seed = 1;
    S.ops = 300;
    S.window = VMEX_STRESS_DEFAULT_WINDOW;
    if (vmex_layout_resolve(&w.cfg, NULL, 0, &S.L, &err)) {   /* parse-checked: resolves */
        text_target_refused(&err, 0);
        return 0;
    }
    if (vmex_stress_start(&S, &err) == 0) {
        int rc = vmex_stress_run(&S, &err);
        VMEX_FUZZ_ASSERT(rc == 0 || err.code == VMEX_E_NOMEM, "a workload that parses got stuck");
    }
    vmex_stress_free(&S);
    return 0;
}
