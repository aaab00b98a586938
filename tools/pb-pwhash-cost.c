/* The cost of one password hash as the user service makes it (libsodium crypto_pwhash_str:
 * Argon2id), measured sequentially on one core:
 *   pb-pwhash-cost [N]     hashes N times (default 10) with PB_PWHASH_OPS / PB_PWHASH_MEM_KIB
 *                          (default: libsodium's interactive limits, as services/user/main.c)
 * Prints "PWHASH ops=<passes> mem_kib=<KiB> ms_per_hash=<median>". */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    if (n < 1 || n > 1000 || sodium_init() < 0) {
        fprintf(stderr, "usage: pb-pwhash-cost [1..1000]\n");
        return 2;
    }
    const char *ops_env = getenv("PB_PWHASH_OPS"), *mem_env = getenv("PB_PWHASH_MEM_KIB");
    unsigned long long ops = ops_env ? strtoull(ops_env, NULL, 10) : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem_kib = mem_env ? (size_t)strtoull(mem_env, NULL, 10) : crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024;
    double *t = calloc((size_t)n, sizeof *t);
    if (!t)
        return 1;
    char hash[crypto_pwhash_STRBYTES];
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        if (crypto_pwhash_str(hash, "bench-password-1", 16, ops, mem_kib * 1024) != 0) {
            fprintf(stderr, "pb-pwhash-cost: out of memory\n");
            free(t);
            return 1;
        }
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("PWHASH ops=%llu mem_kib=%zu ms_per_hash=%.1f\n", ops, mem_kib, t[n / 2]);
    free(t);
    return 0;
}
