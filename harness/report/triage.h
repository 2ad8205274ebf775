/*
 * triage.h - triage of fuzzing findings (`vmex triage`): replay every
 * input twice, group the inputs by the signature of their first hunted
 * finding, mark the groups a known reproducer already has, minimize one
 * input per group, and report the groups as a text table, as triage.json
 * and as one self-contained HTML page.
 *
 * An input is replayed on a fresh model and on one shared model that ran
 * the inputs before it: a finding that changes between the two (or one
 * that comes and goes) makes its group flaky, which is reported and never
 * minimized from a moving target.  Reading and writing files is the
 * caller's: inputs come loaded, reproducers go out as text.
 */
#ifndef VMEX_TRIAGE_H
#define VMEX_TRIAGE_H

#include "vmex.h"

/* An input: a program and the layout it runs on. */
typedef struct vmex_triage_input {
    char *path;
    vmex_program p;
    vmex_layout L;
    int binary;                 /* decoded from a crash file */
    int version;                /* of a binary input: its encoding version (codec.h) */
} vmex_triage_input;

typedef struct vmex_triage_group {
    char sig[128];
    int cls, flaky, known, inputs;
    double margin;              /* the highest of its inputs' */
    uint64_t req;               /* the failed request's bytes, of that input */
    size_t best;                /* the input with the fewest ops */
    uint32_t ops_before, ops_after;
    char known_as[512];         /* the known reproducer's file */
    char out[768];              /* where its reproducer was written */
    int minimized;              /* out holds it */
    char *text;                 /* the reproducer's text (minimized) */
} vmex_triage_group;

typedef struct vmex_triage {
    vmex_triage_group *groups;
    size_t ngroups;
    size_t inputs, clean, flaky_inputs, unreadable;
} vmex_triage;

/* The signature of p's first hunted finding into sig (sig[0] '\0' when
 * there is none); 1 found, 0 none.  real: the kernel side of a diverge
 * hunt, made on first use (vmex_find). */
int  vmex_triage_signature(vmex_model *m, vmex_model **real, const vmex_program *p, const vmex_layout *L,
                           const vmex_hunt *h, char *sig, size_t n, vmex_result *res);

/* Replay ins[0..n) twice each and group them into t, the worst first:
 * by class (core/classes.def order, frag first), then margin, then
 * request size, both descending, then signature.  0, or -1 out of memory. */
int  vmex_triage_group_inputs(const vmex_triage_input *ins, size_t n, const vmex_hunt *h, vmex_triage *t);
/* Mark the groups whose signature is sigs[k] known as files[k]. */
void vmex_triage_mark_known(vmex_triage *t, char *const *sigs, char *const *files, size_t n);
/* Minimize group g's shortest input (not for flaky groups): its annotated
 * text into the group (text, ops_after).  0, 1 no finding on minimizing,
 * -1 out of memory. */
int  vmex_triage_minimize(vmex_triage *t, size_t g, const vmex_triage_input *ins, const vmex_hunt *h);
void vmex_triage_free(vmex_triage *t);

/* Make p self-contained: the target and what it ran on (xnu: the profile
 * and entitlements; linux: the window and allocator, which a crash file
 * has from the fuzz environment). */
void vmex_pin_layout(vmex_program *p, const vmex_layout *L);

/* The table of `vmex triage`, with the summary line naming dir. */
int  vmex_triage_table(const vmex_triage *t, const char *dir, vmex_buf *out);
/* triage.json */
int  vmex_triage_json(const vmex_triage *t, const vmex_triage_input *ins, const vmex_hunt *h, vmex_buf *out);
/* One self-contained page: per signature the reproducer, the address
 * space at the failure and the what-if verdicts over whatif[0..nwhatif) x
 * {none, extended-virtual-addressing} (whatif.h).  0, or -1 out of memory. */
int  vmex_triage_html(const vmex_triage *t, const vmex_triage_input *ins, const vmex_hunt *h,
                      const char *const *whatif, int nwhatif, vmex_buf *out);

#endif
