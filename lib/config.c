/* Environment-backed configuration getters. */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *config_str(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

long config_long(const char *name, long def, long min, long max)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max) {
        LOG_E("config: %s=%s is not an integer in [%ld, %ld]", name, v, min, max);
        exit(2);
    }
    return n;
}

bool config_bool(const char *name, bool def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return true;
        if (strcasecmp(v, no[i]) == 0)
            return false;
    }
    LOG_E("config: %s=%s is not a boolean", name, v);
    exit(2);
}

char *config_file(const char *name)
{
    const char *path = getenv(name);
    if (!path || !*path)
        return NULL;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f)
        goto fail;
    buf = malloc(65536);
    if (!buf)
        goto fail;
    size_t n = fread(buf, 1, 65535, f);
    if (ferror(f))
        goto fail;
    fclose(f);
    buf[n] = 0;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    return buf;
fail:
    LOG_E("config: cannot read %s=%s: %s", name, path, strerror(errno));
    free(buf);
    if (f)
        fclose(f);
    exit(2);
}
