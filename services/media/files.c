/* Content-addressed files in the media folder: atomic writes by temporary name and rename. */
#include "files.h"
#include "auth.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return true;
    LOG_E("media: cannot create %s: %s", path, strerror(errno));
    return false;
}

bool files_prepare(const char *root)
{
    static const char *const SUB[] = {"public", "private", "tmp"};
    char path[PATH_MAX];
    /* the root's parents too (PB_HOME/media in a fresh home) */
    snprintf(path, sizeof path, "%s", root);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (!make_dir(path))
                return false;
            *p = '/';
        }
    if (!make_dir(path))
        return false;
    for (size_t i = 0; i < sizeof SUB / sizeof *SUB; i++) {
        snprintf(path, sizeof path, "%s/%s", root, SUB[i]);
        if (!make_dir(path))
            return false;
    }
    snprintf(path, sizeof path, "%s/tmp", root);
    if (access(path, W_OK) != 0) {
        LOG_E("media: %s is not writable: %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool files_exist(const char *root, const char *rel)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool write_all(int fd, const unsigned char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Flush a folder's entries (the rename) to disk; a failure only weakens durability. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

enum err files_put(const char *root, const char *rel, const void *buf, size_t len)
{
    char final[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX], rnd[AUTH_SID_LEN + 1];
    struct stat st;
    int fd = -1;
    if (snprintf(final, sizeof final, "%s/%s", root, rel) >= (int)sizeof final)
        return ERR_INTERNAL;
    if (stat(final, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len)
        return ERR_OK; /* the same content under its hash: already stored */
    /* the two levels below root: "<public|private>/<2 hex>" */
    snprintf(dir, sizeof dir, "%s", final);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return ERR_INTERNAL;
    *slash = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        LOG_E("media: cannot create %s: %s", dir, strerror(errno));
        return ERR_UNAVAILABLE;
    }
    auth_random_hex(rnd);
    snprintf(tmp, sizeof tmp, "%s/tmp/%s.part", root, rnd);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        LOG_E("media: cannot create %s: %s", tmp, strerror(errno));
        return ERR_UNAVAILABLE;
    }
    /* the mode given to open is reduced by the umask: the gateway's workers must read it */
    if (!write_all(fd, buf, len) || fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        LOG_E("media: cannot write %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        LOG_E("media: cannot write %s: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    /* atomic: a concurrent writer of the same name renames identical bytes over it */
    if (rename(tmp, final) != 0) {
        LOG_E("media: cannot rename %s to %s: %s", tmp, final, strerror(errno));
        goto fail;
    }
    sync_dir(dir);
    return ERR_OK;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return ERR_UNAVAILABLE;
}
