/* Parsing the Prometheus text format of /metrics and the interval figures of two scrapes. */
#include "sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------- one line ---------- */

static bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
static bool blank(char c) { return c == ' ' || c == '\t'; }

/* Read a name at *p (metric names may hold ':', label names may not). */
static bool read_name(const char **p, const char *end, char *out, size_t cap, bool colon_ok)
{
    size_t n = 0;
    const char *q = *p;
    if (q >= end || !name_start(*q) || (!colon_ok && *q == ':'))
        return false;
    while (q < end && name_char(*q) && (colon_ok || *q != ':')) {
        if (n + 1 >= cap)
            return false;
        out[n++] = *q++;
    }
    out[n] = 0;
    *p = q;
    return true;
}

/* Read a quoted label value at *p (the opening quote included), unescaping it. */
static bool read_quoted(const char **p, const char *end, char *out, size_t cap)
{
    const char *q = *p;
    size_t n = 0;
    if (q >= end || *q != '"')
        return false;
    for (q++; q < end && *q != '"'; q++) {
        char c = *q;
        if (c == '\\') {
            if (++q >= end || (*q != 'n' && *q != '\\' && *q != '"'))
                return false;
            c = *q == 'n' ? '\n' : *q; /* \\ and \" stand for themselves */
        }
        if (n + 1 >= cap)
            return false;
        out[n++] = c;
    }
    if (q >= end)
        return false; /* unterminated */
    out[n] = 0;
    *p = q + 1;
    return true;
}

static bool read_labels(const char **p, const char *end, struct sample_series *out)
{
    const char *q = *p + 1; /* after '{' */
    for (;;) {
        while (q < end && blank(*q))
            q++;
        if (q < end && *q == '}')
            break;
        if (out->nlabels == SAMPLE_MAX_LABELS)
            return false;
        struct sample_series *o = out; /* shorter lines below */
        if (!read_name(&q, end, o->labels[o->nlabels].name, sizeof o->labels[0].name, false))
            return false;
        while (q < end && blank(*q))
            q++;
        if (q >= end || *q++ != '=')
            return false;
        while (q < end && blank(*q))
            q++;
        if (!read_quoted(&q, end, o->labels[o->nlabels].value, sizeof o->labels[0].value))
            return false;
        o->nlabels++;
        while (q < end && blank(*q))
            q++;
        if (q < end && *q == ',') {
            q++;
            continue; /* a trailing comma before '}' is allowed */
        }
        if (q < end && *q == '}')
            break;
        return false;
    }
    *p = q + 1;
    return true;
}

/* Read a number token (a float, NaN, +Inf, -Inf) that ends at whitespace or the line's end. */
static bool read_number(const char **p, const char *end, double *out)
{
    const char *q = *p;
    char tok[64];
    size_t n = 0;
    while (q < end && !blank(*q)) {
        if (n + 1 >= sizeof tok)
            return false;
        tok[n++] = *q++;
    }
    tok[n] = 0;
    if (n == 0)
        return false;
    char *stop = NULL;
    double v = strtod(tok, &stop);
    if (stop != tok + n)
        return false;
    *out = v;
    *p = q;
    return true;
}

bool sample_parse_line(const char *line, size_t len, struct sample_series *out)
{
    const char *p = line, *end = line + len;
    memset(out, 0, sizeof *out);
    while (p < end && blank(*p))
        p++;
    if (p == end || *p == '#')
        return false;
    if (!read_name(&p, end, out->name, sizeof out->name, true))
        return false;
    const char *after = p;
    while (p < end && blank(*p))
        p++;
    if (p < end && *p == '{') {
        if (!read_labels(&p, end, out))
            return false;
        after = p;
        while (p < end && blank(*p))
            p++;
    }
    if (p == after)
        return false; /* the value follows whitespace */
    if (!read_number(&p, end, &out->value))
        return false;
    while (p < end && blank(*p))
        p++;
    if (p < end) { /* an optional timestamp: an integer (milliseconds) */
        if (*p == '-' || *p == '+')
            p++;
        const char *digits = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == digits)
            return false;
        while (p < end && blank(*p))
            p++;
    }
    return p == end;
}

const char *sample_label(const struct sample_series *s, const char *name)
{
    for (size_t i = 0; i < s->nlabels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

/* ---------- a whole scrape ---------- */

/* The scrapers' and health checkers' own routes: not traffic of the platform. */
static bool own_route(const char *route)
{
    return route && (strcmp(route, "/metrics") == 0 || strcmp(route, "/healthz") == 0 || strcmp(route, "/readyz") == 0);
}

static bool one_of(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

/* Results of lib/aside.c: answered from Redis (hits) or loaded from the database (misses).
 * "bypass" (the cache is switched off) and "writeback_skipped" (counted besides a miss) are
 * neither. */
static const char *const HITS[] = {"hit", "hit_negative", "hit_after_wait", "stale", NULL};
static const char *const MISSES[] = {"miss", "refresh", "redis_down", "wait_timeout", NULL};

static void add_bucket(struct sample *s, double le, double v)
{
    size_t i = 0;
    while (i < s->nbuckets && s->le[i] < le)
        i++;
    if (i < s->nbuckets && s->le[i] == le) {
        s->cum[i] += v;
        return;
    }
    if (s->nbuckets == SAMPLE_MAX_BUCKETS) {
        s->skipped++;
        return;
    }
    memmove(&s->le[i + 1], &s->le[i], (s->nbuckets - i) * sizeof s->le[0]);
    memmove(&s->cum[i + 1], &s->cum[i], (s->nbuckets - i) * sizeof s->cum[0]);
    s->le[i] = le;
    s->cum[i] = v;
    s->nbuckets++;
}

static void add_consumer(struct sample *s, const char *name, double v)
{
    if (!name)
        return;
    for (size_t i = 0; i < s->nconsumers; i++)
        if (strcmp(s->consumers[i].name, name) == 0) {
            s->consumers[i].pending = v;
            return;
        }
    if (s->nconsumers == SAMPLE_MAX_CONSUMERS || strlen(name) >= sizeof s->consumers[0].name)
        return;
    struct sample_consumer *c = &s->consumers[s->nconsumers++];
    strcpy(c->name, name); /* length checked above */
    c->pending = v;
}

static void add_series(struct sample *s, const struct sample_series *x)
{
    const char *route = sample_label(x, "route");
    if (strcmp(x->name, "pb_http_requests_total") == 0 && !own_route(route)) {
        const char *status = sample_label(x, "status");
        s->requests += x->value;
        if (status && status[0] == '5')
            s->errors += x->value;
    } else if (strcmp(x->name, "pb_http_request_duration_seconds_bucket") == 0 && !own_route(route)) {
        const char *le = sample_label(x, "le");
        char *stop = NULL;
        double bound = le ? strtod(le, &stop) : NAN;
        if (!le || !stop || *stop || isnan(bound))
            s->skipped++;
        else if (isinf(bound))
            s->inf += x->value;
        else
            add_bucket(s, bound, x->value);
    } else if (strcmp(x->name, "pb_cache_requests_total") == 0) {
        const char *result = sample_label(x, "result");
        if (one_of(result, HITS))
            s->cache_hits += x->value;
        else if (one_of(result, MISSES))
            s->cache_misses += x->value;
    } else if (strcmp(x->name, "pb_outbox_pending") == 0) {
        s->has_outbox = true;
        s->outbox_pending = x->value;
    } else if (strcmp(x->name, "pb_outbox_oldest_pending_seconds") == 0) {
        s->outbox_oldest_s = x->value;
    } else if (strcmp(x->name, "pb_events_consumer_pending") == 0) {
        add_consumer(s, sample_label(x, "consumer"), x->value);
    }
}

bool sample_parse(const char *text, size_t len, struct sample *out)
{
    memset(out, 0, sizeof *out);
    struct sample_series *x = malloc(sizeof *x);
    if (!x)
        return false;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (sample_parse_line(p, n, x)) {
            out->series++;
            add_series(out, x);
        } else {
            const char *q = p;
            while (q < p + n && blank(*q))
                q++;
            if (q < p + n && *q != '#')
                out->skipped++;
        }
        p = nl ? nl + 1 : end;
    }
    free(x);
    return out->series > 0;
}

/* ---------- two scrapes ---------- */

double sample_quantile(double q, const double *le, const double *cum, size_t n, double total)
{
    if (!(total > 0) || !(q > 0) || !(q < 1))
        return NAN;
    double rank = q * total;
    for (size_t i = 0; i < n; i++) {
        if (cum[i] < rank)
            continue;
        double lower = i ? le[i - 1] : 0, below = i ? cum[i - 1] : 0;
        if (cum[i] <= below)
            return le[i];
        return lower + (le[i] - lower) * (rank - below) / (cum[i] - below);
    }
    return n ? le[n - 1] : NAN;
}

static bool same_buckets(const struct sample *a, const struct sample *b)
{
    if (a->nbuckets != b->nbuckets)
        return false;
    for (size_t i = 0; i < a->nbuckets; i++)
        if (a->le[i] != b->le[i] || b->cum[i] < a->cum[i])
            return false;
    return true;
}

static double ratio(double part, double whole) { return whole > 0 ? part / whole : NAN; }

bool sample_rates(const struct sample *prev, const struct sample *cur, double seconds, struct sample_rates *out)
{
    if (!(seconds > 0))
        return false;
    bool reset = cur->requests < prev->requests || cur->errors < prev->errors || cur->inf < prev->inf ||
                 cur->cache_hits < prev->cache_hits || cur->cache_misses < prev->cache_misses;
    bool buckets_reset = reset || !same_buckets(prev, cur);
    /* a histogram that starts to exist (first request after start) is no restart */
    if (buckets_reset && prev->nbuckets > 0 && prev->inf > 0)
        reset = true;
    double d_req = cur->requests - (reset ? 0 : prev->requests);
    double d_err = cur->errors - (reset ? 0 : prev->errors);
    double d_hit = cur->cache_hits - (reset ? 0 : prev->cache_hits);
    double d_miss = cur->cache_misses - (reset ? 0 : prev->cache_misses);
    double d_inf = cur->inf - (buckets_reset ? 0 : prev->inf);
    double d_cum[SAMPLE_MAX_BUCKETS];
    for (size_t i = 0; i < cur->nbuckets; i++)
        d_cum[i] = cur->cum[i] - (buckets_reset ? 0 : prev->cum[i]);
    memset(out, 0, sizeof *out);
    out->seconds = seconds;
    out->reset = reset;
    out->requests = d_req;
    out->request_rate = d_req / seconds;
    out->error_rate = ratio(d_err, d_req);
    double p99 = sample_quantile(0.99, cur->le, d_cum, cur->nbuckets, d_inf);
    out->p99_ms = isnan(p99) ? NAN : p99 * 1000.0;
    out->cache_hit_ratio = ratio(d_hit, d_hit + d_miss);
    return true;
}

double sample_hit_ratio_total(const struct sample *s) { return ratio(s->cache_hits, s->cache_hits + s->cache_misses); }

bool sample_error_alert(const struct sample_rates *r)
{
    return r->requests >= SAMPLE_ALERT_MIN_REQUESTS && !isnan(r->error_rate) && r->error_rate > SAMPLE_ALERT_ERROR_RATE;
}
