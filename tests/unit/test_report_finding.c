/*
 * test_report_finding.c - how a fuzz target dies (targets/report_finding.c,
 * compiled into this test): in crash mode a finding aborts from its
 * class's own function with a "vmex-finding:" line and the assertion line
 * ClusterFuzz reads; a class that is no finding class (ok, or a value
 * outside the enum) is a harness bug, said as such, never a finding.  And
 * the executions every target counts for ci/fuzz's progress line.
 *
 * Each call runs in a child: it aborts.  The child's SIGABRT handler
 * passes found_class (the class whose function aborted, 0 for none) back
 * through a pipe; its stderr comes back through another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include "../../targets/report_finding.c"

static int class_pipe = -1;

static void on_abort(int sig)
{
    int c = found_class;
    if (write(class_pipe, &c, sizeof c) != sizeof c) _exit(3);
    _exit(sig == SIGABRT ? 42 : 4);
}

typedef struct outcome {
    int aborted;      /* the child ended through abort() */
    int found;        /* found_class at the abort */
    char err[512];    /* what it wrote on stderr */
} outcome;

static outcome report(int cls)
{
    int cp[2], ep[2];
    assert_int_equal(pipe(cp), 0);
    assert_int_equal(pipe(ep), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(cp[0]);
        close(ep[0]);
        dup2(ep[1], 2);
        class_pipe = cp[1];
        signal(SIGABRT, on_abort);
        vmex_report_finding(cls, "sig-of-the-test", 1.5);
    }
    close(cp[1]);
    close(ep[1]);
    outcome o = {0};
    o.found = -1;
    size_t len = 0;
    ssize_t r;
    while (len < sizeof o.err - 1 && (r = read(ep[0], o.err + len, sizeof o.err - 1 - len)) > 0) len += (size_t)r;
    o.err[len] = 0;
    if (read(cp[0], &o.found, sizeof o.found) != sizeof o.found) o.found = -1;
    close(cp[0]);
    close(ep[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    o.aborted = WIFEXITED(st) && WEXITSTATUS(st) == 42;
    return o;
}

static void test_every_finding_class(void **state)
{
    (void)state;
    for (int c = VMEX_OK + 1; c < VMEX_CLASS__COUNT; c++) {
        outcome o = report(c);
        assert_true(o.aborted);
        if (o.found != c) fail_msg("class %s aborted from class %d's function", vmex_class_name(c), o.found);
        assert_string_equal(o.err, "vmex-finding: sig-of-the-test margin=1.50\n"
                                   "ASSERTION FAILED: vmex finding sig-of-the-test\n");
    }
}

/* ok and values outside the enum are harness bugs (once, every one of them
 * came out as a jetsam finding) */
static void test_not_a_finding_class(void **state)
{
    (void)state;
    static const int bad[] = {VMEX_OK, VMEX_CLASS__COUNT, VMEX_CLASS__COUNT + 1, 255, -1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        outcome o = report(bad[i]);
        assert_true(o.aborted);
        if (o.found != 0) fail_msg("class %d aborted from class %d's function", bad[i], o.found);
        if (!strstr(o.err, "vmex-harness-bug: ") || strstr(o.err, "vmex-finding"))
            fail_msg("class %d: stderr '%s'", bad[i], o.err);
        char cls[32];
        snprintf(cls, sizeof cls, "class %d", bad[i]);
        assert_non_null(strstr(o.err, cls));
    }
}

/* Three processes count 1000, 2000 and 3000 executions into one
 * VMEX_STATS_DIR/execs: it holds 6000 once they have exited. */
static void test_count(void **state)
{
    (void)state;
    char dir[] = "/tmp/vmex-test-execs-XXXXXX", path[64], text[32] = "";
    assert_non_null(mkdtemp(dir));
    for (int k = 1; k <= 3; k++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("VMEX_STATS_DIR", dir, 1);
            for (int i = 0; i < 1000 * k; i++) vmex_target_count();
            exit(0);   /* the count reaches the file at exit */
        }
    }
    for (int k = 0; k < 3; k++) {
        int st;
        assert_true(wait(&st) > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    snprintf(path, sizeof path, "%s/execs", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "6000\n");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_finding_class),
        cmocka_unit_test(test_not_a_finding_class),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
