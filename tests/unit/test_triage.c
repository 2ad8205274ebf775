/*
 * test_triage.c - tests of triage (report/triage.c): inputs grouped by the
 * signature of their first hunted finding (two shipped reproducers, a copy
 * of the first, a program without a finding), the shortest input of a
 * group as its example, known signatures, the minimized reproducer's
 * header, the table and triage.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"
#include "report/triage.h"

#define R VMEX_SOURCE_DIR "/reproducers/"

static void load(vmex_triage_input *in, const char *path)
{
    vmex_error err = {0};
    memset(in, 0, sizeof *in);
    in->path = strdup(path);
    vmex_program_init(&in->p);
    assert_int_equal(vmex_parse_file(path, &in->p, &err), 0);
    assert_int_equal(vmex_layout_resolve(&in->p.cfg, NULL, 0, &in->L, &err), 0);
}

static void load_text(vmex_triage_input *in, const char *path, const char *text)
{
    vmex_error err = {0};
    memset(in, 0, sizeof *in);
    in->path = strdup(path);
    vmex_program_init(&in->p);
    assert_int_equal(vmex_parse(text, strlen(text), path, &in->p, &err), 0);
    assert_int_equal(vmex_layout_resolve(&in->p.cfg, NULL, 0, &in->L, &err), 0);
}

static void test_groups(void **state)
{
    (void)state;
    vmex_triage_input ins[4];
    vmex_hunt h;
    vmex_error err = {0};
    vmex_triage t;
    assert_int_equal(vmex_hunt_parse("frag:margin>=2,size>=1m", &h, &err), 0);
    /* frag-mmap-2p27 (the 128m mmap at op 70 fails), with one more op after it */
    load(&ins[0], R "frag-64m-alternate-ios16-3gb.vmex");
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_MMAP);
    op.size = 16384;
    assert_true(vmex_program_add(&ins[0].p, &op) >= 0);
    load(&ins[1], R "malloc-large-churn-ios16-3gb.vmex");     /* frag-malloc-2p30, 73 ops */
    load_text(&ins[2], "ok.vmex", "vmex 1\nprofile ios16-3gb\na = mmap 64m\n");
    load(&ins[3], R "frag-64m-alternate-ios16-3gb.vmex");     /* the first one's finding in 71 ops */
    assert_int_equal(vmex_triage_group_inputs(ins, 4, &h, &t), 0);
    assert_int_equal(t.inputs, 4);
    assert_int_equal(t.clean, 1);
    assert_int_equal(t.flaky_inputs, 0);
    assert_int_equal(t.ngroups, 2);
    assert_string_equal(t.groups[0].sig, "frag-mmap-2p27-ios16-3gb");
    assert_int_equal(t.groups[0].inputs, 2);
    assert_int_equal(t.groups[0].best, 3);
    assert_int_equal(t.groups[0].ops_before, 71);
    assert_string_equal(t.groups[1].sig, "frag-malloc-2p30-ios16-3gb");
    assert_int_equal(t.groups[1].cls, VMEX_FRAG);
    assert_true(t.groups[1].margin > 2.08 && t.groups[1].margin < 2.09);   /* 2139/1024 */

    char *sigs[1] = {"frag-malloc-2p30-ios16-3gb"}, *files[1] = {"known.vmex"};
    vmex_triage_mark_known(&t, sigs, files, 1);
    assert_false(t.groups[0].known);
    assert_true(t.groups[1].known);
    assert_string_equal(t.groups[1].known_as, "known.vmex");

    assert_int_equal(vmex_triage_minimize(&t, 1, ins, &h), 0);
    assert_non_null(t.groups[1].text);
    assert_true(t.groups[1].ops_after >= 1 && t.groups[1].ops_after < 73);
    assert_non_null(strstr(t.groups[1].text, "# vmex triage: frag-malloc-2p30-ios16-3gb, margin "));
    assert_non_null(strstr(t.groups[1].text, "malloc-large-churn-ios16-3gb.vmex: 73 ops -> "));
    assert_non_null(strstr(t.groups[1].text, "\n# known as known.vmex\n"));
    assert_non_null(strstr(t.groups[1].text, "\nprofile ios16-3gb\n"));
    t.groups[1].minimized = 1;
    snprintf(t.groups[1].out, sizeof t.groups[1].out, "d/%s.vmex", t.groups[1].sig);

    vmex_buf b = {0};
    assert_int_equal(vmex_triage_table(&t, "d", &b), 0);
    assert_non_null(strstr(b.p, "\nfrag-mmap-2p27-ios16-3gb"));
    assert_non_null(strstr(b.p, "4 inputs: 2 signatures, 1 without a finding, 0 flaky, 0 unreadable; reproducers in d/\n"));
    b.len = 0;
    assert_int_equal(vmex_triage_json(&t, ins, &h, &b), 0);
    assert_non_null(strstr(b.p, "{\"inputs\":4,\"clean\":1,\"flaky_inputs\":0,\"unreadable\":0,"
                                "\"hunt\":\"frag:margin>=2,size>=1m\",\"signatures\":["));
    assert_non_null(strstr(b.p, "\"reproducer\":\"d/frag-malloc-2p30-ios16-3gb.vmex\",\"known_as\":\"known.vmex\"}"));
    assert_non_null(strstr(b.p, "\"ops_before\":71,\"ops_after\":null,"));
    vmex_buf_free(&b);
    vmex_triage_free(&t);
    for (int i = 0; i < 4; i++) {
        vmex_program_free(&ins[i].p);
        free(ins[i].path);
    }
}

/* Signatures come out the worst first, whatever order the inputs came
 * in: frag before exhausted, a higher margin first. */
static void test_order(void **state)
{
    vmex_triage_input ins[3];
    vmex_hunt h;
    vmex_error err = {0};
    vmex_triage t;
    assert_int_equal(vmex_hunt_parse("frag:margin>=2;exhausted", &h, &err), 0);
    /* exhausted, margin 1883/898 (test_ceiling.c) */
    load_text(&ins[0], "a.vmex", "vmex 1\nprofile ios16-3gb\na = mmap 1g\nb = mmap 898m\n");
    /* frag, margin 2651/1024 (test_ceiling.c) */
    load_text(&ins[1], "b.vmex", "vmex 1\nprofile ios16-3gb\na = mmap 256m hint 0x140000000\nb = mmap 1g\n");
    load(&ins[2], R "frag-64m-alternate-ios16-3gb.vmex");     /* frag, margin 11.2 */
    assert_int_equal(vmex_triage_group_inputs(ins, 3, &h, &t), 0);
    assert_int_equal(t.ngroups, 3);
    assert_string_equal(t.groups[0].sig, "frag-mmap-2p27-ios16-3gb");
    assert_int_equal(t.groups[0].best, 2);
    assert_true(t.groups[0].margin > 11);
    assert_string_equal(t.groups[1].sig, "frag-mmap-2p30-ios16-3gb");
    assert_int_equal(t.groups[1].best, 1);
    assert_true(t.groups[1].margin == 2651.0 / 1024.0);
    assert_int_equal(t.groups[1].req, 1ull << 30);
    assert_string_equal(t.groups[2].sig, "exhausted-mmap-2p29-ios16-3gb");
    assert_int_equal(t.groups[2].best, 0);
    vmex_triage_free(&t);
    for (int i = 0; i < 3; i++) {
        vmex_program_free(&ins[i].p);
        free(ins[i].path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
