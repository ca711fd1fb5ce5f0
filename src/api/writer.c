/*
 * writer.c — tenyo_writer: writing a new base file (tenyo index) as one of
 * the index's writers.
 *
 * Every writer of an index — a new base over an existing path, add, delete,
 * rebuild, check --repair — takes the same lock, "<real path>.upd/LOCK"
 * (store/manifest.c, ty_wlock), without waiting: a second writer is refused
 * at once with TENYO_ERR_BUSY. Without it for `tenyo index`, an `add`
 * running while a new base replaced the old one would commit a segment
 * for the old base (ignored as stale: its documents lost although it
 * reported them added), and a `rebuild` could replace the new base with
 * the rebuilt old one. The lock is taken before any input is read, so the
 * loser learns at once, not after an hour of tokenizing.
 *
 * Identity is the real path (symbolic links resolved once, ty_real_path):
 * the base is written to, and its updates looked for beside, the file a
 * link points to, so a link and its target are one index, and the link
 * stays a link.
 *
 * What may be replaced. A path that is not a regular file (a FIFO, a
 * device, a directory) is refused, --force or not: rename(2) would replace
 * the node itself by a regular file. A regular file that is neither empty
 * nor a tenyo index (its first 8 bytes are not "TENYOIDX") is refused
 * unless TENYO_WRITE_FORCE: otherwise `tenyo index -o corpus.jsonl
 * corpus.jsonl` would turn the corpus into an index. (That an input file is named as
 * the output is the caller's to check: only it knows the inputs; the CLI
 * compares device and inode numbers.) An empty file is accepted: mktemp
 * makes one for the caller to fill.
 *
 * A writer of a new path that ends without writing removes the lock's
 * directory again (when the lock is all it holds).
 *
 * The same rule for the files a command writes that are not an index
 * (tenyo_output_check: bench's tables and picture, eval's candidates): never
 * a tenyo index, a sharded index's manifest, a file of an index's update
 * directory, or a path under a writer's lock, --force or not; a regular
 * file that is neither empty nor of the command's own kind (it begins as
 * the command's output begins) only with TENYO_WRITE_FORCE. A terminal,
 * /dev/null or a pipe is written to, never replaced: allowed.
 *
 * Commit: the base is written atomically (store/write.c: temporary file, fsync,
 * rename, fsync of the directory), then the old base's updates are dropped
 * under the same lock. A failed directory sync after the rename returns
 * TENYO_ERR_UNSYNCED, and then the updates are kept: the old base might
 * come back after a crash, and they are stale for the new one (ignored).
 */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct tenyo_writer {
    ty_wlock lock;            /* held from open to free */
};

void tenyo_writer_free(tenyo_writer *w) {
    if (!w) return;
    /* a new index that was never written leaves no "<path>.upd/" behind
     * (only when the lock file is all it holds) */
    struct stat st;
    if (w->lock.fd >= 0 && stat(w->lock.path, &st) != 0 && errno == ENOENT) {
        char *lp = ty_upd_path(w->lock.dir, "LOCK");
        if (lp && unlink(lp) == 0) rmdir(w->lock.dir);
        free(lp);
    }
    ty_wlock_release(&w->lock);
    free(w);
}

const char *tenyo_writer_path(const tenyo_writer *w) { return w ? w->lock.path : ""; }

/* 1 when the file at real path p is an index: a base or shard (its magic)
 * or a sharded index's manifest. */
static int index_file(const char *p) {
    char magic[8] = {0};
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    ssize_t n = fd >= 0 ? pread(fd, magic, sizeof magic, 0) : -1;
    if (fd >= 0) close(fd);
    if (n == (ssize_t)sizeof magic && memcmp(magic, "TENYOIDX", 8) == 0) return 1;
    return ty_shards_sniff(p) == 1;
}

/* What is at the real path p: 0 nothing or a file that may be replaced,
 * else a status with the message. */
static int replaceable(const char *p, const char *asked, unsigned flags, char *err,
                       size_t errlen) {
    struct stat st;
    if (stat(p, &st) != 0) {
        if (errno == ENOENT) return TENYO_OK;
        ty_seterr(err, errlen, "%s: %s", asked, strerror(errno));
        return TENYO_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        ty_seterr(err, errlen, "%s: not a regular file (%s); refusing to replace it by an index",
                  asked, S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO"
                      : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "special");
        return TENYO_ERR_ARG;
    }
    if (st.st_size == 0 || (flags & TENYO_WRITE_FORCE) || index_file(p)) return TENYO_OK;
    ty_seterr(err, errlen, "%s: exists and is not a tenyo index; refusing to overwrite it "
              "(--force replaces it)", asked);
    return TENYO_ERR_ARG;
}

int tenyo_writer_open(const char *path, unsigned flags, tenyo_writer **out, char *err,
                      size_t errlen) {
    if (!path || !*path || !out) return TENYO_ERR_ARG;
    *out = NULL;
    tenyo_writer *w = ty_calloc(1, sizeof *w);
    if (!w) return TENYO_ERR_NOMEM;
    w->lock.fd = -1;
    char *real = NULL;
    /* checked before the lock (which creates "<path>.upd/") and again under
     * it: nothing is created beside a file that may not be replaced */
    int rc = ty_real_path(path, &real, err, errlen);
    if (!rc) rc = replaceable(real, path, flags, err, errlen);
    free(real);
    if (!rc) rc = ty_wlock_take(path, &w->lock, err, errlen);
    if (!rc) rc = replaceable(w->lock.path, path, flags, err, errlen);
    if (rc) {
        tenyo_writer_free(w);
        return rc;
    }
    ty_wlock_collect(&w->lock);
    *out = w;
    return TENYO_OK;
}

int tenyo_writer_commit(tenyo_writer *w, tenyo_builder *b, tenyo_build_stats *st, char *err,
                        size_t errlen) {
    if (!w || !b || w->lock.fd < 0) return TENYO_ERR_ARG;
    int rc = tenyo_builder_write(b, w->lock.path, st);
    if (rc) {
        ty_seterr(err, errlen, "%s", tenyo_builder_error(b));
        return rc; /* TENYO_ERR_UNSYNCED: in place; the updates are kept */
    }
    /* the shard files of a sharded index it replaced are no longer named */
    ty_shards_collect(w->lock.path);
    /* updates made to the base that was just replaced no longer apply */
    return ty_upd_drop(w->lock.dir, err, errlen);
}

/* ================================================== other output files */

/* 1 when the file at p is locked by another process (flock: a writer at
 * work), else 0. */
static int locked(const char *p) {
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    int busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* drops our shared lock, if we got it */
    return busy;
}

/* 1 when real path p is in an index's update directory ("<index>.upd/"),
 * there or not: its writers' files, which a writer's collection removes. */
static int in_upd(const char *p) {
    const char *slash = strrchr(p, '/');
    size_t dl = slash ? (size_t)(slash - p) : 0;
    return dl >= 4 && memcmp(p + dl - 4, ".upd", 4) == 0;
}

int tenyo_output_check(const char *path, const char *own, unsigned flags, char *err,
                       size_t errlen) {
    if (!path || !*path) {
        ty_seterr(err, errlen, "no output path");
        return TENYO_ERR_ARG;
    }
    char *real = NULL, *dir = NULL, *lk = NULL;
    int rc = ty_real_path(path, &real, err, errlen);
    if (rc) return rc;
    /* an index being written there (its lock held), the file there or not */
    dir = ty_upd_dir(real);
    lk = dir ? ty_upd_path(dir, "LOCK") : NULL;
    struct stat st;
    if (!dir || !lk) rc = TENYO_ERR_NOMEM;
    else if (locked(lk)) {
        ty_seterr(err, errlen, "%s: a writer of the index there is at work (%s is locked); "
                  "refusing to write it", path, lk);
        rc = TENYO_ERR_ARG;
    } else if (in_upd(real)) {
        ty_seterr(err, errlen, "%s: in an index's update directory; refusing to write there",
                  path);
        rc = TENYO_ERR_ARG;
    } else if (stat(real, &st) != 0) {
        if (errno != ENOENT) {
            ty_seterr(err, errlen, "%s: %s", path, strerror(errno));
            rc = TENYO_ERR_IO;
        }
    } else if (S_ISDIR(st.st_mode)) {
        ty_seterr(err, errlen, "%s: is a directory", path);
        rc = TENYO_ERR_ARG;
    } else if (!S_ISREG(st.st_mode)) {
        /* a terminal, /dev/null, a pipe: written to, nothing replaced */
    } else if (index_file(real)) {
        ty_seterr(err, errlen, "%s: is a tenyo index; refusing to overwrite it (--force or not)",
                  path);
        rc = TENYO_ERR_ARG;
    } else if (locked(real)) {
        ty_seterr(err, errlen, "%s: locked by another process; refusing to overwrite it", path);
        rc = TENYO_ERR_ARG;
    } else if (st.st_size && !(flags & TENYO_WRITE_FORCE)) {
        size_t ol = own ? strlen(own) : 0;
        char *head = ol ? ty_calloc(1, ol) : NULL;
        int fd = head ? open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
        ssize_t n = fd >= 0 ? pread(fd, head, ol, 0) : -1;
        if (fd >= 0) close(fd);
        if (!(ol && n == (ssize_t)ol && memcmp(head, own, ol) == 0)) {
            ty_seterr(err, errlen, "%s: exists and is not a file this command wrote; refusing "
                      "to overwrite it (--force replaces it)", path);
            rc = TENYO_ERR_ARG;
        }
        free(head);
    }
    free(lk);
    free(dir);
    free(real);
    return rc;
}
