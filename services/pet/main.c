/* The pet service: pets, vaccination records, care instructions, provider read grants. */
#include "config.h"
#include "routes.h"
#include "rules.h"

static struct pet_app app;

static enum err init(struct svc *s)
{
    s->app = &app;
    app.max_pets = config_long("PB_PET_MAX_PER_OWNER", PET_MAX_PER_OWNER_DEFAULT, 1, 1000000);
    return ERR_OK;
}

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "pet",
        /* Redis also serves svc_auth_or_reply's revocation check, not only the pet cache */
        .needs = SVC_DB | SVC_CACHE,
        .init = init,
        .routes = pet_routes,
    };
    return svc_main(argc, argv, &spec);
}
