/* Seeds many published listings through the public API (and the internal approval API), the
 * way real providers and admins would make them: for benchmarks. Prints the ids to stdout.
 *   pb-seed-listings <count> [threads]
 * Environment: PB_GATEWAY (http://127.0.0.1:8080), PB_USER_URL, PB_BOARDING_URL,
 * PB_INTERNAL_TOKEN_FILE, PB_SEED_PROVIDERS (20). */
#include "config.h"
#include "httpc.h"
#include "ids.h"
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct city {
    const char *name;
    double lat, lng;
    const char *districts[4];
};

static const struct city CITIES[] = {
    {"北京", 39.9042, 116.4074, {"朝阳区", "海淀区", "东城区", "丰台区"}},
    {"上海", 31.2304, 121.4737, {"徐汇区", "浦东新区", "静安区", "长宁区"}},
    {"广州", 23.1291, 113.2644, {"天河区", "越秀区", "海珠区", "番禺区"}},
    {"深圳", 22.5431, 114.0579, {"南山区", "福田区", "罗湖区", "宝安区"}},
    {"成都", 30.5728, 104.0668, {"武侯区", "锦江区", "青羊区", "高新区"}},
    {"杭州", 30.2741, 120.1551, {"西湖区", "滨江区", "拱墅区", "上城区"}},
};
static const char *const ADJ[] = {"阳光", "温馨", "快乐", "萌宠", "安心", "田园", "城市", "森林"};

struct provider {
    char token[2048];
};

static struct provider *providers;
static int nproviders, total, done_count;
static const char *gateway, *user_url, *boarding_url;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *ids_out;

static bool post(const char *url, json_t *body, const char *token, struct httpc_resp *out, long want)
{
    char auth[2100];
    const char *h[2] = {NULL, NULL};
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h[0] = auth;
    }
    enum err e = httpc_request("POST", url, body, h, 10000, out);
    json_decref(body);
    if (e != ERR_OK || out->status != want) {
        fprintf(stderr, "POST %s: %ld %s\n", url, out->status, out->body ? out->body : "(no answer)");
        return false;
    }
    return true;
}

static bool make_provider(int i, struct provider *p, long run)
{
    char url[512], name[64];
    struct httpc_resp r;
    snprintf(name, sizeof name, "seed%ld_%d", run, i);
    snprintf(url, sizeof url, "%s/api/v1/auth/register", gateway);
    bool ok = post(url, json_pack("{s:s,s:s,s:s,s:s}", "username", name, "password", "seed-password-1", "role",
                                  "provider", "display_name", "种子提供者"),
                   NULL, &r, 201);
    char id[32] = "";
    if (ok)
        snprintf(id, sizeof id, "%s", json_string_value(json_object_get(r.json, "id")));
    httpc_resp_free(&r);
    snprintf(url, sizeof url, "%s/internal/v1/users/%s/approve", user_url, id);
    ok = ok && post(url, json_pack("{s:s}", "reason", "seed"), NULL, &r, 200);
    httpc_resp_free(&r);
    snprintf(url, sizeof url, "%s/api/v1/auth/login", gateway);
    ok = ok && post(url, json_pack("{s:s,s:s}", "username", name, "password", "seed-password-1"), NULL, &r, 200);
    if (ok)
        snprintf(p->token, sizeof p->token, "%s", json_string_value(json_object_get(r.json, "access_token")));
    httpc_resp_free(&r);
    return ok;
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 17u;
    for (;;) {
        pthread_mutex_lock(&mu);
        int n = done_count < total ? done_count++ : -1;
        pthread_mutex_unlock(&mu);
        if (n < 0)
            break;
        const struct city *c = &CITIES[n % 6];
        char title[128], url[512];
        snprintf(title, sizeof title, "%s%s宠物之家 %d", c->districts[rand_r(&seed) % 4], ADJ[rand_r(&seed) % 8], n);
        double dlat = ((double)(rand_r(&seed) % 2000) - 1000) / 1000.0 * 0.12; /* ~±13 km */
        double dlng = ((double)(rand_r(&seed) % 2000) - 1000) / 1000.0 * 0.14;
        json_t *species = json_array();
        unsigned mask = 1u + (unsigned)(rand_r(&seed) % 7);
        static const char *const sp[] = {"dog", "cat", "other"};
        for (int k = 0; k < 3; k++)
            if (mask & (1u << k))
                json_array_append_new(species, json_string(sp[k]));
        json_t *body = json_pack(
            "{s:s,s:s,s:s,s:s,s:s,s:f,s:f,s:o,s:f,s:i,s:i,s:[s,s],s:s}", "title", title, "description",
            "独立寄养空间，每日遛狗两次，提供护理日志与照片，欢迎提前参观。", "city", c->name, "district",
            c->districts[n % 4], "address", "某某路 1 号", "lat", c->lat + dlat, "lng", c->lng + dlng, "species", species,
            "max_weight_kg", 5.0 + rand_r(&seed) % 40, "capacity", 1 + rand_r(&seed) % 6, "price_per_night_fen",
            3000 + (rand_r(&seed) % 370) * 100, "amenities", "空调", "监控", "house_rules", "需疫苗证明");
        struct httpc_resp r;
        snprintf(url, sizeof url, "%s/api/v1/listings", gateway);
        if (!post(url, body, providers[n % nproviders].token, &r, 201)) {
            httpc_resp_free(&r);
            exit(1);
        }
        char id[32];
        snprintf(id, sizeof id, "%s", json_string_value(json_object_get(r.json, "id")));
        httpc_resp_free(&r);
        snprintf(url, sizeof url, "%s/internal/v1/listings/%s/approve", boarding_url, id);
        if (!post(url, json_pack("{}"), NULL, &r, 200))
            exit(1);
        httpc_resp_free(&r);
        pthread_mutex_lock(&mu);
        fprintf(ids_out, "%s\n", id);
        pthread_mutex_unlock(&mu);
    }
    httpc_cleanup_thread();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pb-seed-listings <count> [threads]\n");
        return 2;
    }
    log_init("seed", "warn");
    total = atoi(argv[1]);
    int threads = argc > 2 ? atoi(argv[2]) : 8;
    gateway = config_str("PB_GATEWAY", "http://127.0.0.1:8080");
    user_url = config_str("PB_USER_URL", "http://127.0.0.1:8081");
    boarding_url = config_str("PB_BOARDING_URL", "http://127.0.0.1:8083");
    nproviders = (int)config_long("PB_SEED_PROVIDERS", 20, 1, 10000);
    char *token = config_file("PB_INTERNAL_TOKEN_FILE");
    httpc_init(token);
    ids_out = stdout;
    providers = calloc((size_t)nproviders, sizeof *providers);
    long run = (long)time(NULL);
    for (int i = 0; i < nproviders; i++)
        if (!make_provider(i, &providers[i], run))
            return 1;
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    free(t);
    free(providers);
    free(token);
    httpc_cleanup();
    return 0;
}
