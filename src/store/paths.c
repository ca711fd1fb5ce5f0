/*
 * paths.c — where the files of an index live: the updates folder beside
 * it ("<index>.upd", ty_upd_dir), a file in a folder (ty_upd_path), and a
 * new temporary file beside a path for an atomic replace (ty_file_tmp:
 * "<path>.tmp.XXXXXX", created exclusively, 0666 less the umask, or the
 * mode of the file it will replace), and the atomic replace itself
 * (ty_store_write_atomic: temporary file, fsync, rename, fsync of the
 * folder: ty_sync_dir). The lowest file of the store: the
 * writers (write.c, manifest.c, shards_write.c) and the readers of a sharded
 * index all name their files through it.
 */
#include "store/format.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *ty_upd_dir(const char *path) {
    if (!path) return NULL;
    size_t n = strlen(path);
    char *d = ty_malloc(n + sizeof ".upd");
    if (!d) return NULL;
    memcpy(d, path, n);
    memcpy(d + n, ".upd", sizeof ".upd");
    return d;
}

/* dir + "/" + name, malloc'd. */
char *ty_upd_path(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = ty_malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

int ty_file_tmp(const char *path, int *fd, char **tmp, char *err, size_t errlen) {
    static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    *fd = -1;
    *tmp = NULL;
    size_t n = strlen(path);
    char *t = ty_malloc(n + sizeof ".tmp.XXXXXX");
    if (!t) {
        ty_seterr(err, errlen, "%s: out of memory", path);
        return TENYO_ERR_NOMEM;
    }
    memcpy(t, path, n);
    memcpy(t + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    struct stat st;
    int keep = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    uint64_t x = ty_fnv1a_std(&t, sizeof t) ^ (uint64_t)getpid() << 32 ^ (uint64_t)(ty_now() * 1e9);
    int f = -1;
    for (int tries = 0; f < 0 && tries < 100; tries++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        for (int i = 0; i < 6; i++) t[n + 5 + i] = al[(x >> (16 + 7 * i)) % (sizeof al - 1)];
        /* 0666: the kernel takes the umask off (a mkstemp file is 0600) */
        f = open(t, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f < 0 && errno != EEXIST) break;
    }
    if (f < 0) {
        ty_seterr(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(errno));
        free(t);
        return TENYO_ERR_IO;
    }
    if (keep && fchmod(f, st.st_mode & 07777) != 0) {
        ty_seterr(err, errlen, "%s: cannot set the mode of %s: %s", path, t, strerror(errno));
        close(f);
        unlink(t);
        free(t);
        return TENYO_ERR_IO;
    }
    *fd = f;
    *tmp = t;
    return TENYO_OK;
}

int ty_sync_dir(const char *dir, char *err, size_t errlen) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
        ty_seterr(err, errlen, "%s: cannot sync directory: %s", dir, strerror(errno));
        if (fd >= 0) close(fd);
        return TENYO_ERR_IO;
    }
    close(fd);
    return TENYO_OK;
}

/* Write p[0..n) to dir/name atomically: temporary file, fsync, rename, fsync
 * of the directory (TENYO_ERR_UNSYNCED when only that last step failed: the
 * new file is in place). */
static int write_atomic(const char *dir, const char *name, const void *p, size_t n,
                        char *err, size_t errlen) {
    char *path = ty_upd_path(dir, name), *tmp = NULL;
    int fd = -1, rc = TENYO_ERR_NOMEM;
    if (!path) goto done;
    rc = ty_file_tmp(path, &fd, &tmp, err, errlen);
    if (rc) goto done;
    rc = TENYO_ERR_IO;
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) goto fail_errno;
        off += (size_t)w;
    }
    if (fsync(fd) != 0) goto fail_errno;
    if (close(fd) != 0) {
        fd = -1;
        goto fail_errno;
    }
    fd = -1;
    if (rename(tmp, path) != 0) goto fail_errno;
    free(tmp);
    tmp = NULL;
    rc = ty_sync_dir(dir, err, errlen);
    if (rc) rc = TENYO_ERR_UNSYNCED;
    goto done;
fail_errno:
    ty_seterr(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    rc = TENYO_ERR_IO;
done:
    if (fd >= 0) close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(path);
    return rc;
}

int ty_store_write_atomic(const char *dir, const char *name, const void *p, size_t n,
                          char *err, size_t errlen) {
    return write_atomic(dir, name, p, n, err, errlen);
}
