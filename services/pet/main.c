/* The pet service: pets, vaccination records, care instructions, provider read grants. */
#include "routes.h"

int main(int argc, char **argv)
{
    static const struct svc_spec spec = {
        .name = "pet",
        /* Redis also serves svc_auth_or_reply's revocation check, not only the pet cache */
        .needs = SVC_DB | SVC_CACHE,
        .routes = pet_routes,
    };
    return svc_main(argc, argv, &spec);
}
