/* Configuration from environment variables (12-factor): typed getters with defaults and bounds. */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include <stdbool.h>

/* The variable's value, or def when it is unset or empty. Borrowed from the environment. */
const char *config_str(const char *name, const char *def);

/* An integer in [min, max]; def when unset. A malformed or out-of-range value is a fatal
 * configuration error: it is logged and the process exits with status 2. */
long config_long(const char *name, long def, long min, long max);

/* "1", "true", "yes", "on" (any case) are true; "0", "false", "no", "off" false; else fatal. */
bool config_bool(const char *name, bool def);

/* Read a whole small file (a secret or a key) named by the variable; NULL when the variable
 * is unset. Returns a malloc'd, NUL-terminated copy with trailing newlines removed, or exits
 * with status 2 when the file cannot be read. */
char *config_file(const char *name);

#endif
