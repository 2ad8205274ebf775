/*
 * test_lists.c - the lists defined once (core/ops.def, core/classes.def)
 * against what is generated from them: every op and class, read from the
 * X-macro lists themselves, round-trips through its name, its enum value
 * and its attributes.  test_program.c pins the names by value (the byte
 * encoding depends on the order); this test needs no edit when an op or a
 * class is added.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"

typedef struct entry {
    int value;
    const char *name;
    int binds, uses;   /* ops */
    const char *desc;  /* classes */
} entry;

#define OP_ENTRY(E, name, binds, uses, places) {VMEX_OP_##E, name, binds, uses, NULL},
static const entry op_list[] = {VMEX_OPS(OP_ENTRY)};
#define CLASS_ENTRY(E, id, name, desc) {VMEX_##E, name, 0, 0, desc},
static const entry class_list[] = {VMEX_CLASSES(CLASS_ENTRY)};
static const entry finding_list[] = {VMEX_FINDING_CLASSES(CLASS_ENTRY)};
#define N(a) (int)(sizeof a / sizeof a[0])

/* a list holds every value of its enum once, in order, with distinct names */
static void assert_enum_list(const entry *e, int n, int count)
{
    assert_int_equal(n, count);
    for (int i = 0; i < n; i++) {
        assert_int_equal(e[i].value, i);
        assert_true(e[i].name[0] != 0);
        for (int j = 0; j < i; j++)
            if (!strcmp(e[i].name, e[j].name)) fail_msg("'%s' is in the list twice", e[i].name);
    }
}

static void test_ops(void **state)
{
    (void)state;
    assert_enum_list(op_list, N(op_list), VMEX_OP__COUNT);
    for (int i = 0; i < N(op_list); i++) {
        const entry *e = &op_list[i];
        assert_string_equal(vmex_opkind_name(e->value), e->name);
        assert_int_equal(vmex_opkind_parse(e->name), e->value);
        assert_int_equal(!!vmex_op_binds(e->value), e->binds);
        assert_int_equal(!!vmex_op_uses(e->value), e->uses);
    }
    /* outside the list */
    assert_string_equal(vmex_opkind_name(VMEX_OP__COUNT), "?");
    assert_string_equal(vmex_opkind_name(-1), "?");
    assert_int_equal(vmex_op_binds(VMEX_OP__COUNT) | vmex_op_uses(VMEX_OP__COUNT), 0);
    assert_int_equal(vmex_op_binds(-1) | vmex_op_uses(-1), 0);
    assert_int_equal(vmex_opkind_parse("?"), -1);
    assert_int_equal(vmex_opkind_parse(""), -1);
    assert_int_equal(vmex_opkind_parse("MMAP"), -1);
    assert_int_equal(vmex_opkind_parse("mmap "), -1);
    /* the requests the oracle judges, by hand: the four ops that ask for
     * address space of their size; none of the others, none outside */
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        assert_int_equal(vmex_op_places(k), k == VMEX_OP_MMAP || k == VMEX_OP_VM_ALLOCATE || k == VMEX_OP_MALLOC ||
                                                k == VMEX_OP_REALLOC);
    assert_int_equal(vmex_op_places(-1) | vmex_op_places(VMEX_OP__COUNT), 0);
}

static void test_ops_in_text(void **state)
{
    (void)state;
    /* every op parses by its name in .vmex text, and binds a name exactly
     * when the list says so */
    for (int i = 0; i < N(op_list); i++) {
        const entry *e = &op_list[i];
        char text[128];
        snprintf(text, sizeof text, "vmex 1\n%sh = mmap 1m\n%s%s%s%s\n", VMEX_OP_IS_JSC(e->value) ? "target jsc\n" : "",
                 e->binds ? "x = " : "", e->name,
                 e->uses ? " h" : "", e->value == VMEX_OP_CHECK ? " free >= 0" : e->binds ? " 16k" : "");
        vmex_program p;
        vmex_error err = {0};
        vmex_program_init(&p);
        if (vmex_parse(text, strlen(text), "t", &p, &err)) fail_msg("%s: %s", e->name, err.msg);
        assert_int_equal(p.nops, 2);
        assert_int_equal(p.ops[1].kind, e->value);
        assert_int_equal(p.ops[1].dst >= 0, e->binds);
        vmex_program_free(&p);
    }
}

static void test_classes(void **state)
{
    (void)state;
    assert_enum_list(class_list, N(class_list), VMEX_CLASS__COUNT);
    assert_int_equal(VMEX_OK, 0);
    assert_string_equal(class_list[0].name, "ok");
    for (int i = 0; i < N(class_list); i++) {
        const entry *e = &class_list[i];
        assert_string_equal(vmex_class_name(e->value), e->name);
        assert_int_equal(vmex_class_parse(e->name), e->value);
        assert_true(e->desc && e->desc[0]);
    }
    /* the finding classes: every class after ok */
    assert_int_equal(N(finding_list), VMEX_CLASS__COUNT - 1);
    for (int i = 0; i < N(finding_list); i++) assert_int_equal(finding_list[i].value, i + 1);
    assert_string_equal(vmex_class_name(VMEX_CLASS__COUNT), "?");
    assert_string_equal(vmex_class_name(-1), "?");
    assert_int_equal(vmex_class_parse("?"), -1);
    assert_int_equal(vmex_class_parse(""), -1);
}

static void test_class_list_text(void **state)
{
    (void)state;
    /* VMEX_CLASS_LIST is the names in order, ", " between them */
    char want[512] = "";
    for (int i = 0; i < N(class_list); i++) {
        if (i) strcat(want, ", ");
        strcat(want, class_list[i].name);
    }
    assert_string_equal(VMEX_CLASS_LIST, want);

    /* an expect line names every class in its error message, and takes each */
    static const char bad[] = "vmex 1\nexpect fine\n";
    vmex_program p;
    vmex_error err = {0};
    vmex_program_init(&p);
    assert_int_equal(vmex_parse(bad, strlen(bad), "t", &p, &err), -1);
    assert_non_null(strstr(err.msg, "(" VMEX_CLASS_LIST ")"));
    assert_int_equal(vmex_parse("vmex 1\nexpect\n", 14, "t", &p, &err), -1);
    assert_non_null(strstr(err.msg, VMEX_CLASS_LIST));
    for (int i = 0; i < N(class_list); i++) {
        char text[64];
        snprintf(text, sizeof text, "vmex 1\nexpect %s\n", class_list[i].name);
        if (vmex_parse(text, strlen(text), "t", &p, &err)) fail_msg("expect %s: %s", class_list[i].name, err.msg);
        assert_int_equal(p.expect, class_list[i].value);
    }
    vmex_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops),
        cmocka_unit_test(test_ops_in_text),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_class_list_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
