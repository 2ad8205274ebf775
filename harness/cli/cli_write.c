/*
 * cli_write.c - the one way the vmex command writes files (cli.h).
 *
 * A command stages what it writes: every file (cli_write_atomic), every
 * directory to make (cli_make_dirs) and every stale output to remove
 * (cli_remove_output).  Nothing touches the disk until the command ends
 * well (exit 0 or 1): cli_finish, or main for a command that does not call
 * it, commits them all; an exit 2 discards them.  So a run that fails
 * leaves nothing behind: no folder, no half of its outputs.
 *
 * Staging checks what can be checked at once, so that an error comes
 * before the work, and a refused output ends the command with 2 whatever
 * else it did (nothing is written): the path is not a directory, its folder exists (or is
 * staged) and can be written, it is not staged twice, and it is not one of
 * the command's inputs (core/file.h notes every input by device and inode,
 * so a symlink or a hard link to an input is caught too).  The commit
 * checks the inputs again (an input read after the output was staged),
 * makes the directories, writes every file to FILE.tmp.PID, and only when
 * all of them are complete renames them into place; on any failure it
 * removes its temporary files and the directories it made.  A device or a
 * FIFO (-o /dev/null, a pipe) and anything under /dev or /proc
 * (/dev/stdout) is written in place, appended, never replaced; a FIFO that
 * finds no reader within 5 s is an error, not a wait for ever.  A symlink
 * to a file stays a symlink: its target is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/file.h"

#define FIFO_WAIT_MS 5000   /* how long a FIFO output may go without a reader */

enum { K_FILE, K_DIR, K_REMOVE };

typedef struct staged {
    int kind;
    char *path;             /* as given, for messages and the write */
    char *norm;             /* normalized, to compare */
    char *data;
    size_t len;
    char *real;             /* a symlink's target: written there, the link kept; NULL: path */
    char *tmp;              /* the commit's temporary file, while it exists */
    int inplace;            /* a device, a FIFO, /dev/stdout: written where it is (appended) */
} staged;

static struct {
    staged *v;
    size_t n, cap;
    int refused;            /* an output was refused: the command ends with 2, writing nothing */
} S;

/* ---------------------------------------------------------------- paths */

/* path with repeated and trailing slashes and leading "./" dropped; NULL
 * out of memory */
static char *normalize(const char *path)
{
    char *s = malloc(strlen(path) + 2), *o = s;
    if (!s)
        return NULL;
    while (path[0] == '.' && path[1] == '/') {
        path += 2;
        while (*path == '/')
            path++;
    }
    for (const char *p = path; *p; p++)
        if (*p != '/' || o == s || o[-1] != '/')
            *o++ = *p;
    while (o - s > 1 && o[-1] == '/')
        o--;
    if (o == s)
        *o++ = '.';
    *o = '\0';
    return s;
}

/* the folder of a normalized path, into buf */
static void parent_of(const char *norm, char *buf, size_t n)
{
    const char *slash = strrchr(norm, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == norm)
        snprintf(buf, n, "/");
    else
        snprintf(buf, n, "%.*s", (int)(slash - norm), norm);
}

/* a staged directory is dir or below it: dir will exist after the commit */
static int staged_dir_covers(const char *dir)
{
    size_t k = strlen(dir);
    for (size_t i = 0; i < S.n; i++)
        if (S.v[i].kind == K_DIR && !strncmp(S.v[i].norm, dir, k) && (S.v[i].norm[k] == '\0' || S.v[i].norm[k] == '/'))
            return 1;
    return 0;
}

static staged *find_staged(const char *norm, int kind)
{
    for (size_t i = 0; i < S.n; i++)
        if (S.v[i].kind == kind && !strcmp(S.v[i].norm, norm))
            return &S.v[i];
    return NULL;
}

static staged *stage(int kind, const char *path, char *norm)
{
    if (S.n == S.cap) {
        size_t cap = S.cap ? S.cap * 2 : 16;
        staged *v = realloc(S.v, cap * sizeof *v);
        if (!v)
            return NULL;
        S.v = v;
        S.cap = cap;
    }
    staged *s = &S.v[S.n];
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path)))
        return NULL;
    s->kind = kind;
    s->norm = norm;
    S.n++;
    return s;
}

/* The folder that will hold norm can be written into: it exists and is a
 * writable directory, or a staged directory will make it.  0 or -1 (reported). */
static int folder_ok(const char *path, const char *norm)
{
    char dir[4096];
    struct stat st;
    parent_of(norm, dir, sizeof dir);
    if (stat(dir, &st) != 0) {
        int e = errno;
        if (e == ENOENT && staged_dir_covers(dir))
            return 0;
        cli_errorf("cannot write '%s': %s", path, strerror(e));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_errorf("cannot write '%s': %s", path, strerror(ENOTDIR));
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        cli_errorf("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* An existing path that would be written: not a directory, not an input.
 * 0 or -1 (reported). */
static int target_ok(const char *path, const struct stat *st, const char *what)
{
    if (S_ISDIR(st->st_mode)) {
        cli_errorf("cannot %s '%s': %s", what, path, strerror(EISDIR));
        return -1;
    }
    if (S_ISREG(st->st_mode) && vmex_file_is_input(st)) {
        cli_errorf("refusing to %s '%s': it is an input of this command", what, path);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- staging */

/* a path of the system's own files (/dev/stdout, /proc/self/fd/1): written in place */
static int system_path(const char *norm) { return !strncmp(norm, "/dev/", 5) || !strncmp(norm, "/proc/", 6); }

static int write_staged(const char *path, const char *data, size_t len);

int cli_write_atomic(const char *path, const char *data, size_t len)
{
    int rc = write_staged(path, data, len);
    S.refused |= rc != 0;
    return rc;
}

static int write_staged(const char *path, const char *data, size_t len)
{
    char *norm = normalize(path);
    struct stat st;
    int exists;
    if (!norm) {
        cli_errorf("out of memory");
        return -1;
    }
    if (!path[0] || strlen(path) > 4000) {
        cli_errorf("bad output path '%.64s'", path);
        goto bad;
    }
    exists = stat(path, &st) == 0;
    if (!exists && (errno != ENOENT || system_path(norm))) {   /* no new files in /dev or /proc */
        cli_errorf("cannot write '%s': %s", path, strerror(errno));
        goto bad;
    }
    if ((exists && target_ok(path, &st, "write")) || folder_ok(path, norm))
        goto bad;
    for (size_t i = 0; i < S.n; i++) {
        struct stat o;
        if (S.v[i].kind == K_FILE &&
            (!strcmp(S.v[i].norm, norm) ||
             (exists && stat(S.v[i].path, &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino))) {
            cli_errorf("'%s' would be written twice by this command", path);
            goto bad;
        }
    }
    staged *s = stage(K_FILE, path, norm);
    if (!s || !(s->data = malloc(len ? len : 1))) {
        cli_errorf("out of memory");
        return -1;
    }
    memcpy(s->data, data, len);
    s->len = len;
    /* /dev/stdout, /dev/fd/N and the like are never replaced, whatever they name */
    s->inplace = exists && (!S_ISREG(st.st_mode) || system_path(norm));
    struct stat lst;
    if (exists && !s->inplace && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) &&
        !(s->real = realpath(path, NULL))) {   /* a symlink stays one: its target is written */
        cli_errorf("cannot write '%s': %s", path, strerror(errno));
        S.n--;
        free(s->path);
        free(s->data);
        goto bad;
    }
    return 0;
bad:
    free(norm);
    return -1;
}

static int dirs_staged(const char *path);

int cli_make_dirs(const char *path)
{
    int rc = dirs_staged(path);
    S.refused |= rc != 0;
    return rc;
}

static int dirs_staged(const char *path)
{
    char *norm = normalize(path), *p;
    if (!norm || !(p = strdup(norm))) {
        free(norm);
        cli_errorf("out of memory");
        return -1;
    }
    /* every existing prefix a directory; the first missing one's folder writable */
    int rc = 0;
    size_t n = strlen(p);
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        struct stat st;
        p[i] = '\0';
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                cli_errorf("cannot create '%s': '%s' is not a directory", path, p);
                rc = -1;
            }
        } else if (errno != ENOENT) {
            cli_errorf("cannot create '%s': %s", path, strerror(errno));
            rc = -1;
        } else {
            char dir[4096];
            parent_of(p, dir, sizeof dir);
            if (!staged_dir_covers(dir) && access(dir, W_OK | X_OK) != 0) {
                cli_errorf("cannot create '%s': %s", path, strerror(errno));
                rc = -1;
            }
            break;   /* the rest is made by the commit */
        }
        p[i] = c;
    }
    free(p);
    if (rc == 0 && !find_staged(norm, K_DIR)) {
        if (!stage(K_DIR, path, norm)) {
            cli_errorf("out of memory");
            return -1;
        }
        return 0;
    }
    free(norm);
    return rc;
}

int cli_remove_output(const char *path)
{
    char *norm = normalize(path);
    if (!norm || !stage(K_REMOVE, path, norm)) {
        free(norm);
        cli_errorf("out of memory");
        S.refused = 1;
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the commit */

/* Write all of data to fd; 0 or an errno. */
static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        off += (size_t)w;
    }
    return 0;
}

/* mkdir -p, each directory made noted in made (for the rollback); 0 or an errno */
static int make_dirs(const char *norm, cli_pathv *made)
{
    char tmp[4096];
    size_t n = strlen(norm);
    if (n >= sizeof tmp)
        return ENAMETOOLONG;
    memcpy(tmp, norm, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0777) == 0) {
            if (cli_pathv_add(made, tmp))
                return ENOMEM;
        } else if (errno != EEXIST) {
            return errno;
        }
        tmp[i] = c;
    }
    struct stat st;
    return stat(norm, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

/* A file in place (a device or a FIFO); 0 or an errno.  A FIFO nobody
 * reads (ENXIO) is waited for FIFO_WAIT_MS, not forever. */
static int write_in_place(const staged *s)
{
    int fd, err;
    for (int waited = 0;; waited += 10) {   /* O_APPEND: /dev/stdout may be a file already written to */
        fd = open(s->path, O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0 || errno != ENXIO || waited >= FIFO_WAIT_MS)
            break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (fd < 0)
        return errno == ENXIO ? EPIPE : errno;
    int fl = fcntl(fd, F_GETFL);
    err = fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? errno : write_all(fd, s->data, s->len);
    if (close(fd) != 0 && !err)
        err = errno;
    return err;
}

/* A file to its temporary; 0 or an errno. */
static int write_tmp(staged *s)
{
    const char *to = s->real ? s->real : s->path;
    size_t n = strlen(to) + 32;
    if (!(s->tmp = malloc(n)))
        return ENOMEM;
    snprintf(s->tmp, n, "%s.tmp.%ld", to, (long)getpid());
    int fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666), err;
    if (fd < 0) {
        err = errno;
        free(s->tmp);
        s->tmp = NULL;
        return err;
    }
    err = write_all(fd, s->data, s->len);
    if (close(fd) != 0 && !err)
        err = errno;
    return err;
}

static void release(void)
{
    for (size_t i = 0; i < S.n; i++) {
        free(S.v[i].path);
        free(S.v[i].norm);
        free(S.v[i].data);
        free(S.v[i].real);
        free(S.v[i].tmp);
    }
    free(S.v);
    memset(&S, 0, sizeof S);
}

int cli_files_commit(void)
{
    cli_pathv made = {0};
    const staged *bad = NULL;
    int err = 0;
    for (size_t i = 0; i < S.n && !err; i++) {   /* an input read since it was staged */
        struct stat st;
        if (S.v[i].kind != K_DIR && stat(S.v[i].path, &st) == 0 &&
            target_ok(S.v[i].path, &st, S.v[i].kind == K_FILE ? "write" : "remove")) {
            release();
            return -1;
        }
    }
    for (size_t i = 0; i < S.n && !err; i++)
        if (S.v[i].kind == K_DIR && (err = make_dirs(S.v[i].norm, &made)))
            bad = &S.v[i];
    for (size_t i = 0; i < S.n && !err; i++)
        if (S.v[i].kind == K_FILE && !S.v[i].inplace && (err = write_tmp(&S.v[i])))
            bad = &S.v[i];
    for (size_t i = 0; i < S.n && !err; i++)
        if (S.v[i].kind == K_FILE && S.v[i].inplace && (err = write_in_place(&S.v[i])))
            bad = &S.v[i];
    for (size_t i = 0; i < S.n && !err; i++)
        if (S.v[i].tmp) {
            if (rename(S.v[i].tmp, S.v[i].real ? S.v[i].real : S.v[i].path) != 0) {
                err = errno;
                bad = &S.v[i];
            } else {
                free(S.v[i].tmp);
                S.v[i].tmp = NULL;
            }
        }
    if (err) {   /* undo: no temporary file, no directory of ours, is left */
        cli_errorf("cannot %s '%s': %s", bad->kind == K_DIR ? "create" : "write", bad->path, strerror(err));
        for (size_t i = 0; i < S.n; i++)
            if (S.v[i].tmp)
                unlink(S.v[i].tmp);
        for (size_t i = made.n; i-- > 0;)
            rmdir(made.v[i]);
    } else {
        for (size_t i = 0; i < S.n; i++)
            if (S.v[i].kind == K_REMOVE)
                unlink(S.v[i].path);
    }
    cli_pathv_free(&made);
    release();
    return err ? -1 : 0;
}

void cli_files_discard(void) { release(); }

int cli_files_end(int status)
{
    if (S.refused) {   /* said when it was refused; nothing of the rest is written */
        release();
        return 2;
    }
    if (!S.n)
        return status;
    if (status != 0 && status != 1) {
        release();
        return status;
    }
    return cli_files_commit() ? 2 : status;
}

int cli_make_dirs_now(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) {
        cli_errorf("bad directory '%s'", path);
        return -1;
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        struct stat st;
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            cli_errorf("cannot create '%s': %s", tmp, strerror(errno));
            return -1;
        }
        if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_errorf("cannot create '%s': '%s' is not a directory", path, tmp);
            return -1;
        }
        tmp[i] = c;
    }
    return 0;
}
