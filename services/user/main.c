/* The user service: accounts, credentials, profiles, provider verification status, tokens. */
#include "config.h"
#include "consumers.h"
#include "events.h"
#include "log.h"
#include "routes.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct user_app app;

static enum err init(struct svc *s)
{
    s->app = &app;
    app.private_pem = config_file("PB_JWT_PRIVATE_KEY_FILE");
    if (!app.private_pem) {
        LOG_E("user: PB_JWT_PRIVATE_KEY_FILE is required (the user service signs access tokens)");
        return ERR_INTERNAL;
    }
    app.access_ttl_s = config_long("PB_ACCESS_TTL_S", 900, 10, 86400);
    app.refresh_ttl_s = config_long("PB_REFRESH_TTL_S", 30L * 86400, 60, 365L * 86400);
    app.login_max_fails_user = config_long("PB_LOGIN_MAX_FAILS_USER", 5, 1, 1000000);
    app.login_max_fails_ip = config_long("PB_LOGIN_MAX_FAILS_IP", 100, 1, 1000000);
    app.login_window_s = config_long("PB_LOGIN_WINDOW_S", 900, 1, 86400);
    app.login_delay_s = config_long("PB_LOGIN_DELAY_S", 30, 1, 86400);
    app.sessions_max = config_long("PB_SESSIONS_MAX", ACCOUNT_SESSIONS_MAX, 1, 1000);
    /* Argon2id, libsodium's "interactive" cost unless configured */
    app.pwhash_ops = (unsigned long long)config_long("PB_PWHASH_OPS", (long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                     (long)crypto_pwhash_OPSLIMIT_MIN, 10);
    app.pwhash_mem = (size_t)config_long("PB_PWHASH_MEM_KIB", (long)(crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024), 8,
                                         1024L * 1024) * 1024;
    if (crypto_pwhash_str(app.dummy_hash, "not-a-password", 14, app.pwhash_ops, app.pwhash_mem) != 0)
        return ERR_NO_MEMORY;
    return store_init(s);
}

/* Serving also publishes (the outbox relay) and consumes events; the create-admin command does not. */
static enum err init_serving(struct svc *s)
{
    enum err e = init(s);
    if (e == ERR_OK && (events_relay_start(s) != 0 || consumers_start(s) != 0))
        e = ERR_INTERNAL;
    return e;
}

static void fini(struct svc *s)
{
    (void)s;
    free(app.private_pem);
    app.private_pem = NULL;
}

/* `pb-user create-admin`: make sure the admin account from PB_ADMIN_USER / PB_ADMIN_PASSWORD
 * exists with that password. Idempotent; used by `make up`. */
static int command(struct svc *s, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "create-admin") != 0) {
        fprintf(stderr, "usage: pb-user [create-admin]\n");
        return 2;
    }
    if (init(s) != ERR_OK)
        return 1;
    const char *user = config_str("PB_ADMIN_USER", "admin"), *pw = config_str("PB_ADMIN_PASSWORD", NULL);
    const char *why;
    char hash[crypto_pwhash_STRBYTES];
    bool created = false;
    int rc = 1;
    if (!pw || (why = account_password_problem(pw, user))) {
        LOG_E("create-admin: PB_ADMIN_PASSWORD %s", pw ? why : "is required");
        goto done;
    }
    if ((why = account_username_problem(user))) {
        LOG_E("create-admin: PB_ADMIN_USER %s", why);
        goto done;
    }
    if (crypto_pwhash_str(hash, pw, strlen(pw), app.pwhash_ops, app.pwhash_mem) != 0)
        goto done;
    if (store_admin_upsert(s, user, hash, &created) != ERR_OK) {
        LOG_E("create-admin: could not store the admin account (is the username taken by a non-admin?)");
        goto done;
    }
    LOG_I("create-admin: admin account '%s' %s", user, created ? "created" : "updated");
    rc = 0;
done:
    fini(s);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "user",
        .needs = SVC_DB | SVC_CACHE | SVC_BUS,
        .init = init_serving,
        .routes = user_routes,
        .fini = fini,
        .command = command,
    };
    return svc_main(argc, argv, &spec);
}
