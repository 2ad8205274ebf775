/*
 * file.c - opening, reading and walking inputs; telling text from binary
 * (file.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/file.h"
#include "core/utf8.h"

#define WALK_DEPTH 64       /* directories nested deeper are refused */

/* err cleared and naming path, with a message and a code */
__attribute__((format(printf, 4, 5)))
static void file_error(vmex_error *err, const char *path, int code, const char *fmt, ...)
{
    va_list ap;
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", path);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
}

/* ---------------------------------------------------------------- sets of files */

static uint64_t id_hash(uint64_t dev, uint64_t ino)
{
    uint64_t h = dev * 0x9e3779b97f4a7c15ull ^ ino;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

static size_t id_find(const vmex_idset *s, uint64_t dev, uint64_t ino1)
{
    size_t mask = s->cap - 1, i = (size_t)id_hash(dev, ino1) & mask;
    while (s->slot[2 * i + 1] && (s->slot[2 * i] != dev || s->slot[2 * i + 1] != ino1))
        i = (i + 1) & mask;
    return i;
}

int vmex_idset_has(const vmex_idset *s, const struct stat *st)
{
    if (!s->cap)
        return 0;
    size_t i = id_find(s, (uint64_t)st->st_dev, (uint64_t)st->st_ino + 1);
    return s->slot[2 * i + 1] != 0;
}

int vmex_idset_add(vmex_idset *s, const struct stat *st)
{
    if (vmex_idset_has(s, st))
        return 0;
    if (2 * (s->n + 1) > s->cap) {   /* at most half full */
        vmex_idset g = {calloc(2 * (s->cap ? s->cap * 2 : 64), sizeof(uint64_t)), 0, s->cap ? s->cap * 2 : 64};
        if (!g.slot)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[2 * i + 1]) {
                size_t j = id_find(&g, s->slot[2 * i], s->slot[2 * i + 1]);
                g.slot[2 * j] = s->slot[2 * i];
                g.slot[2 * j + 1] = s->slot[2 * i + 1];
            }
        g.n = s->n;
        free(s->slot);
        *s = g;
    }
    size_t i = id_find(s, (uint64_t)st->st_dev, (uint64_t)st->st_ino + 1);
    s->slot[2 * i] = (uint64_t)st->st_dev;
    s->slot[2 * i + 1] = (uint64_t)st->st_ino + 1;
    s->n++;
    return 1;
}

void vmex_idset_free(vmex_idset *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- inputs */

static vmex_idset inputs;   /* every regular file opened for reading */

int vmex_file_is_input(const struct stat *st) { return vmex_idset_has(&inputs, st); }

size_t vmex_file_inputs(void) { return inputs.n; }

int vmex_file_note_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return vmex_idset_add(&inputs, &st) < 0 ? -1 : 0;
}

const char *vmex_file_kind(const struct stat *st)
{
    switch (st->st_mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    default: return "not a file";
    }
}

FILE *vmex_file_open(const char *path, vmex_error *err)
{
    /* O_NONBLOCK: opening a FIFO does not wait for a writer; it is refused below */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0) {
        file_error(err, path, VMEX_E_IO, "cannot read: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        file_error(err, path, VMEX_E_IO, "cannot read: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        file_error(err, path, VMEX_E_INPUT, "cannot read: %s, not a regular file", vmex_file_kind(&st));
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    FILE *f = NULL;
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || !(f = fdopen(fd, "rb"))) {
        file_error(err, path, VMEX_E_IO, "cannot read: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (vmex_idset_add(&inputs, &st) < 0) {
        fclose(f);
        file_error(err, path, VMEX_E_NOMEM, "out of memory");
        return NULL;
    }
    return f;
}

int vmex_file_read(const char *path, size_t limit, char **data, size_t *len, vmex_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = vmex_file_open(path, err);
    if (!f)
        return -1;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int e = 0, big = 0, oom = 0;
    for (;;) {
        if (n == cap) {   /* room for limit + 1 bytes at most: one more says "too large" */
            size_t ncap = cap ? cap * 2 : 1 << 16;
            if (ncap > limit + 1)
                ncap = limit + 1;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                oom = 1;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t want = cap - n, got = fread(buf + n, 1, want, f);
        n += got;
        if (n > limit) {
            big = 1;
            break;
        }
        if (got < want) {
            if (ferror(f))
                e = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (oom || big || e) {
        free(buf);
        if (oom)
            file_error(err, path, VMEX_E_NOMEM, "out of memory");
        else if (e)
            file_error(err, path, VMEX_E_IO, "cannot read: %s", strerror(e));
        else if (limit >= (2u << 20) && limit % (1u << 20) == 0)
            file_error(err, path, VMEX_E_INPUT, "file too large (the limit is %zu MiB)", limit >> 20);
        else   /* a limit of 1 MiB reads "1024 KiB", as the workload reader always said */
            file_error(err, path, VMEX_E_INPUT, "file too large (the limit is %zu KiB)", limit >> 10);
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* ---------------------------------------------------------------- walking */

static int take(vmex_walk *w, const char *path, vmex_error *err)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        char **v = realloc(w->v, cap * sizeof *v);
        if (!v)
            return vmex_error_nomem(err);
        w->v = v;
        w->cap = cap;
    }
    if (!(w->v[w->n] = strdup(path)))
        return vmex_error_nomem(err);
    w->n++;
    return 0;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in dir but "." and hidden ones, sorted, into *names (*n). */
static int list_dir(const char *dir, char ***names, size_t *n, vmex_error *err)
{
    DIR *d = opendir(dir);
    *names = NULL;
    *n = 0;
    if (!d) {
        file_error(err, dir, VMEX_E_IO, "cannot open directory: %s", strerror(errno));
        return -1;
    }
    vmex_walk l = {0};
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while (rc == 0 && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && take(&l, e->d_name, err))
            rc = -1;
    if (rc == 0 && errno) {
        file_error(err, dir, VMEX_E_IO, "cannot read directory: %s", strerror(errno));
        rc = -1;
    }
    closedir(d);
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, cmp_name);
    *names = l.v;
    *n = l.n;
    if (rc) {
        for (size_t i = 0; i < l.n; i++)
            free(l.v[i]);
        free(l.v);
        *names = NULL;
        *n = 0;
    }
    return rc;
}

static int walk_dir(vmex_walk *w, const char *dir, vmex_walk_want want, int depth, vmex_error *err)
{
    if (depth > WALK_DEPTH) {
        file_error(err, dir, VMEX_E_INPUT, "directories nested too deeply (more than %d levels)", WALK_DEPTH);
        return -1;
    }
    char **names;
    size_t n;
    if (list_dir(dir, &names, &n, err))
        return -1;
    size_t dl = strlen(dir);
    int slash = dl && dir[dl - 1] == '/', rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = dl + strlen(names[i]) + 2;
        char *full = malloc(len);
        struct stat st;
        if (!full) {
            rc = vmex_error_nomem(err);
            break;
        }
        snprintf(full, len, "%s%s%s", dir, slash ? "" : "/", names[i]);
        if (stat(full, &st) != 0) {   /* a dangling or looping symlink: its open says so */
            if (!want || want(names[i]))
                rc = take(w, full, err);
        } else if (S_ISDIR(st.st_mode)) {
            int fresh = vmex_idset_add(&w->seen, &st);   /* 0: walked already (a cycle, or twice) */
            rc = fresh < 0 ? vmex_error_nomem(err) : fresh ? walk_dir(w, full, want, depth + 1, err) : 0;
        } else if (!want || want(names[i])) {
            int fresh = vmex_idset_add(&w->seen, &st);
            rc = fresh < 0 ? vmex_error_nomem(err) : fresh ? take(w, full, err) : 0;
        }
        free(full);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int vmex_walk_path(vmex_walk *w, const char *path, vmex_walk_want want, vmex_error *err)
{
    struct stat st;
    memset(err, 0, sizeof *err);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        /* not a directory: taken as given, once */
        int fresh = stat(path, &st) == 0 ? vmex_idset_add(&w->seen, &st) : 1;
        return fresh < 0 ? vmex_error_nomem(err) : fresh ? take(w, path, err) : 0;
    }
    int fresh = vmex_idset_add(&w->seen, &st);
    return fresh < 0 ? vmex_error_nomem(err) : fresh ? walk_dir(w, path, want, 0, err) : 0;
}

void vmex_walk_free(vmex_walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    vmex_idset_free(&w->seen);
    memset(w, 0, sizeof *w);
}

/* ---------------------------------------------------------------- formats */

int vmex_looks_like_text(const void *data, size_t n)
{
    const unsigned char *d = data;
    if (n == 0)
        return 0;
    if (n >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf)
        return 1;
    size_t i = 0;   /* the first word after blank and comment lines */
    for (;;) {
        while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r'))
            i++;
        if (i < n && d[i] == '#') {
            while (i < n && d[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    if (n - i >= 4 && !memcmp(d + i, "vmex", 4))
        return 1;
    if (d[0] < 0x09)
        return 0;
    size_t m = n < (64u << 10) ? n : (64u << 10), good = 0;
    for (i = 0; i < m;) {
        uint32_t cp;
        size_t k = vmex_utf8_len(d + i, m - i, &cp);
        if (k == 0) {
            i++;
            continue;
        }
        if (k > 1 || (cp >= 0x20 && cp < 0x7f) || cp == '\t' || cp == '\n' || cp == '\r')
            good += k;
        i += k;
    }
    return good * 10 >= m * 9;
}
