/* The user service's request bodies (services/user/routes.c) with its pure rules
 * (services/user/account.c): the first byte picks the schema, the rest is the body.
 *   0  POST /auth/register   1  POST /auth/login   2  PATCH /users/me (nested details)
 *   3  an admin's account search q (account_search_keys) and the login keys
 * Each schema reads the fields the route reads, with the same limits and problem checks
 * (keep them in step with routes.c). Properties: whatever passes the checks is what the rules
 * accept (a valid username, password, phone, email), and login keys fit or say they do not. */
#include "account.h"
#include "fuzz.h"
#include "jv.h"

static const char *const ROLES_PUBLIC[] = {"owner", "provider", NULL};
static const char *const LANGS[] = {"zh", "en", NULL};

static void patch_text(struct jv *v, const char *key, size_t max, unsigned flags, bool *set, const char **val)
{
    if (jv_is_null(v, key)) {
        *set = true;
        *val = NULL;
    } else if (jv_str(v, key, flags, 1, max, val)) {
        *set = true;
    }
}

static void reg(struct jv *v)
{
    const char *username = NULL, *password = NULL, *display = NULL, *phone = "", *email = "", *why;
    int role = 0, li = 0;
    if (jv_str(v, "username", JV_REQUIRED, 1, 64, &username) && (why = account_username_problem(username)))
        jv_fail(v, "username", why);
    if (jv_str(v, "password", JV_REQUIRED, 1, 1024, &password) && (why = account_password_problem(password, username)))
        jv_fail(v, "password", why);
    jv_enum(v, "role", JV_REQUIRED, ROLES_PUBLIC, &role);
    jv_str(v, "display_name", JV_REQUIRED, 1, 32, &display);
    if (jv_str(v, "phone", 0, 1, 16, &phone) && (why = account_phone_problem(phone)))
        jv_fail(v, "phone", why);
    if (jv_str(v, "email", 0, 1, 254, &email) && (why = account_email_problem(email)))
        jv_fail(v, "email", why);
    jv_enum(v, "lang", 0, LANGS, &li);
    if (!jv_failed(v)) {
        char key[320];
        FUZZ_CHECK(!account_username_problem(username) && !account_password_problem(password, username));
        FUZZ_CHECK(!*phone || !account_phone_problem(phone));
        FUZZ_CHECK(!*email || !account_email_problem(email));
        FUZZ_CHECK(account_login_key(LOGIN_USERNAME, username, key, sizeof key));
        FUZZ_CHECK(!*phone || account_login_key(LOGIN_PHONE, phone, key, sizeof key));
        FUZZ_CHECK(!*email || account_login_key(LOGIN_EMAIL, email, key, sizeof key));
    }
}

static void login(struct jv *v)
{
    const char *name = NULL, *password = NULL;
    char key[320];
    jv_str(v, "username", JV_REQUIRED, 1, 254, &name);
    jv_str(v, "password", JV_REQUIRED, 1, 1024, &password);
    if (!jv_failed(v) && account_login_key(LOGIN_USERNAME, name, key, sizeof key))
        FUZZ_CHECK(key[0] == 'u' && key[1] == ':' && strlen(key) == strlen(name) + 2);
}

static void me_patch(struct jv *v)
{
    static const char *const D[] = {"bio", "address", "emergency_contact", NULL};
    struct jv dv;
    const char *display = NULL, *phone = NULL, *email = NULL, *bio, *address, *emergency, *pw = NULL, *cur_pw,
               *why;
    bool set_phone = false, set_email = false, set_bio = false, set_address = false, set_emergency = false;
    int li;
    jv_str(v, "display_name", 0, 1, 32, &display);
    jv_enum(v, "lang", 0, LANGS, &li);
    patch_text(v, "phone", 16, 0, &set_phone, &phone);
    if (phone && (why = account_phone_problem(phone)))
        jv_fail(v, "phone", why);
    patch_text(v, "email", 254, 0, &set_email, &email);
    if (email && (why = account_email_problem(email)))
        jv_fail(v, "email", why);
    if (jv_obj(v, "details", 0, D, &dv)) {
        patch_text(&dv, "bio", 1000, JV_MULTILINE, &set_bio, &bio);
        patch_text(&dv, "address", 200, 0, &set_address, &address);
        patch_text(&dv, "emergency_contact", 100, 0, &set_emergency, &emergency);
    }
    if (jv_str(v, "password", 0, 1, 1024, &pw)) {
        if (!jv_str(v, "current_password", JV_REQUIRED, 1, 1024, &cur_pw))
            ; /* recorded as required */
        else if ((why = account_password_problem(pw, NULL)))
            jv_fail(v, "password", why);
    }
}

static void search(const char *q)
{
    char like[1100], exact[320];
    if (account_search_keys(q, like, sizeof like, exact, sizeof exact)) {
        FUZZ_CHECK(strncmp(like, "u:", 2) == 0 && like[strlen(like) - 1] == '%');
        FUZZ_CHECK(!*exact || exact[0] == 'p' || exact[0] == 'e');
    }
    /* small buffers: false, never an overflow */
    char small_like[8], small_exact[4];
    (void)account_search_keys(q, small_like, sizeof small_like, small_exact, sizeof small_exact);
    (void)account_status_parse(q);
    (void)account_action_parse(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const F_REGISTER[] = {"username", "password", "role", "display_name", "phone",
                                             "email",    "lang",     NULL};
    static const char *const F_LOGIN[] = {"username", "password", NULL};
    static const char *const F_PATCH[] = {"display_name", "phone", "email", "lang", "details", "password",
                                          "current_password", NULL};
    if (size < 1)
        return 0;
    unsigned schema = data[0] % 4;
    if (schema == 3) {
        char *q = fuzz_cstr(data + 1, size - 1);
        search(q);
        free(q);
        return 0;
    }
    const char *const *allowed = schema == 0 ? F_REGISTER : schema == 1 ? F_LOGIN : F_PATCH;
    struct jv v;
    char msg[256];
    if (jv_parse(&v, (const char *)data + 1, size - 1, allowed, msg, sizeof msg) == JV_PARSED) {
        if (schema == 0)
            reg(&v);
        else if (schema == 1)
            login(&v);
        else
            me_patch(&v);
    }
    jv_free(&v);
    return 0;
}
