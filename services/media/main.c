/* The media service: photo uploads (decoded, resized and stripped of metadata with libvips
 * in pb-media-convert, a process of its own per upload), content-addressed files in the media folder that nginx serves, signed URLs for
 * the private ones, and the resolve call other services make when photos are attached. */
#include "config.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "routes.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_UPLOAD (8L << 20) /* 8 MiB, as the gateway's client_max_body_size 8m */

static struct media_app app = {.limits = MEDIA_LIMITS_DEFAULT};

/* $PB_MEDIA_DIR, else $PB_HOME/media, else var/media (a malloc'd copy). */
static char *media_dir(void)
{
    const char *d = config_str("PB_MEDIA_DIR", NULL);
    if (d)
        return strdup(d);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/media", config_str("PB_HOME", "var"));
    return strdup(buf);
}

/* $PB_MEDIA_CONVERTER, else pb-media-convert beside this program (a malloc'd copy). */
static char *converter_path(void)
{
    const char *c = config_str("PB_MEDIA_CONVERTER", NULL);
    if (c)
        return strdup(c);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return strdup("pb-media-convert");
    self[n] = 0;
    char *slash = strrchr(self, '/');
    size_t dir = slash ? (size_t)(slash - self) + 1 : 0;
    char *p = malloc(dir + sizeof "pb-media-convert");
    if (p) {
        memcpy(p, self, dir);
        memcpy(p + dir, "pb-media-convert", sizeof "pb-media-convert");
    }
    return p;
}

static enum err init(struct svc *s)
{
    s->app = &app;
    app.wait_ms = config_long("PB_MEDIA_QUEUE_WAIT_MS", 10000, 0, 120000);
    app.user_timeout_ms = config_long("PB_MEDIA_USER_TIMEOUT_MS", 2000, 50, 30000);
    app.max_per_day = config_long("PB_MEDIA_MAX_PER_DAY", MEDIA_MAX_PER_DAY_DEFAULT, 1, 1000000);
    struct image_opts io = {
        .workers = (unsigned)config_long("PB_MEDIA_WORKERS", 2, 1, 64),
        .mem_mb = (unsigned long)config_long("PB_MEDIA_CONVERT_MEM_MB", 1024, 0, 65536),
        .cpu_s = (unsigned long)config_long("PB_MEDIA_CONVERT_CPU_S", 20, 0, 3600),
        .timeout_ms = config_long("PB_MEDIA_CONVERT_TIMEOUT_MS", 30000, 100, 600000),
    };
    if (!(app.dir = media_dir()) || !files_prepare(app.dir))
        return ERR_UNAVAILABLE;
    char *conv = converter_path();
    io.converter = conv;
    bool ok = conv && image_init(&io);
    free(conv);
    if (!ok)
        return ERR_INTERNAL;
    LOG_I("media: files in %s, %u image(s) processed at once", app.dir, io.workers);
    return ERR_OK;
}

static void fini(struct svc *s)
{
    (void)s;
    image_shutdown();
    free(app.dir);
    app.dir = NULL;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "media",
        .needs = SVC_DB | SVC_CACHE,
        .init = init,
        .routes = media_routes,
        .fini = fini,
        .max_body = MAX_UPLOAD,
    };
    return svc_main(argc, argv, &spec);
}
