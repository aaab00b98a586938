/* The media folder on disk ($PB_MEDIA_DIR): content-addressed files written atomically, so
 * any number of writers (threads, instances, hosts sharing the folder) may store the same
 * file at once and a reader never sees half of one. */
#ifndef PB_MEDIA_FILES_H
#define PB_MEDIA_FILES_H

#include "errors.h"

#include <stdbool.h>
#include <stddef.h>

/* Make root, root/public, root/private and root/tmp if missing (0755). false (logged) when
 * they cannot be made or written. */
bool files_prepare(const char *root);

/* Store buf as root/rel: written to a unique name under root/tmp, flushed to disk, then
 * renamed into place (folders made as needed, file mode 0644 so the gateway can serve it).
 * A file already there with the same size is left as it is: its name is the hash of its
 * content. ERR_OK, or ERR_UNAVAILABLE (logged) when the disk refuses. */
enum err files_put(const char *root, const char *rel, const void *buf, size_t len);

/* Whether root/rel is a regular file. */
bool files_exist(const char *root, const char *rel);

#endif
