/*
 * lock.c — the one writer of a file that holds an analyst's decisions (a
 * worksheet, a senses file), for a read, change and save: tenyo_lock wraps
 * the store's lock beside a file (ty_file_lock: an exclusive flock on
 * "<real path>.lock", left there, since removing a lock file races with
 * its next taker), and under it removes the temporary files a killed
 * writer of the file left. The worksheet's taker checks the output rule
 * first (worksheet.c); the senses file's takes it as it is (senses.c).
 */
#include "stages.h"
#include "store/store.h"

#include <stdlib.h>
#include <unistd.h>

struct tenyo_lock {
    int fd; /* "<real path>.lock", flock'd exclusively */
};

int ty_lock_take(const char *path, const char *real, unsigned wait_ms, const char *what,
                 tenyo_lock **out, char *err, size_t errlen) {
    int fd = -1;
    int rc = ty_file_lock(path, real, wait_ms, what, &fd, err, errlen);
    tenyo_lock *l = rc ? NULL : ty_calloc(1, sizeof *l);
    if (!rc && !l) {
        close(fd);
        return TENYO_ERR_NOMEM;
    }
    if (rc) return rc;
    l->fd = fd;
    ty_file_tmp_collect(real); /* what a killed writer left: ours now */
    *out = l;
    return TENYO_OK;
}

void tenyo_lock_free(tenyo_lock *l) {
    if (!l) return;
    close(l->fd); /* drops the flock */
    free(l);
}
