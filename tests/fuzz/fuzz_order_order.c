/* The order service's request bodies (services/order/routes.c) with its pure rules
 * (services/order/order.c): the first byte picks the schema, the rest is the body.
 *   0  POST /orders and /orders/quote (booking_input_or_reply)
 *   1  POST /orders/{id}/care-logs (h_care_add)
 *   2  POST /orders/{id}/{action} (cancel, confirm, ...): the optional {"reason"}
 * Each schema reads the fields the route reads (keep them in step). Properties: a valid
 * booking has 1..4 distinct pets and dates order_dates_problem accepts, whose price
 * order_price computes without overflow or says it cannot. */
#include "dates.h"
#include "fuzz.h"
#include "jv.h"
#include "order.h"

static void booking(struct jv *v, int32_t today)
{
    uint64_t listing_id, *pets = NULL;
    size_t npets = 0;
    int32_t start, end;
    const char *field = NULL, *why, *note;
    jv_id(v, "listing_id", JV_REQUIRED, &listing_id);
    jv_id_array(v, "pet_ids", JV_REQUIRED, 1, ORDER_MAX_PETS, &pets, &npets);
    bool has_start = jv_date(v, "start_date", JV_REQUIRED, &start); /* both read, as routes.c's & does */
    bool has_end = jv_date(v, "end_date", JV_REQUIRED, &end);
    if (has_start && has_end && (why = order_dates_problem(start, end, today, 60, &field)))
        jv_fail(v, field, why);
    jv_str(v, "note", JV_MULTILINE, 0, 500, &note);
    if (!jv_failed(v)) {
        int64_t total;
        FUZZ_CHECK(npets >= 1 && npets <= ORDER_MAX_PETS);
        FUZZ_CHECK(start >= today && end > start && end - start <= 60);
        if (order_price(10000000LL /* the highest price a listing may ask */, end - start, (int)npets, &total))
            FUZZ_CHECK(total > 0);
        (void)order_check_in_ms(start);
    }
    free(pets);
}

static void care_log(struct jv *v)
{
    static const char *const MOODS[] = {"happy", "calm", "anxious", "unwell", NULL};
    const char *meals = NULL, *medication = NULL, *mood = NULL, *notes = NULL;
    uint64_t *photo_ids = NULL;
    size_t nphotos = 0;
    int32_t day;
    int64_t walks = -1;
    int m;
    jv_date(v, "date", JV_REQUIRED, &day);
    jv_str(v, "meals", 0, 1, 200, &meals);
    jv_int(v, "walks", 0, 0, 20, &walks);
    jv_str(v, "medication_given", 0, 1, 200, &medication);
    if (jv_enum(v, "mood", 0, MOODS, &m))
        mood = MOODS[m];
    jv_str(v, "notes", JV_MULTILINE, 1, 1000, &notes);
    jv_id_array(v, "photos", 0, 0, ORDER_CARE_PHOTOS_MAX, &photo_ids, &nphotos);
    if (!meals && walks < 0 && !medication && !mood && !notes && !photo_ids)
        jv_fail(v, "notes", "an entry needs at least one of meals, walks, medication_given, mood, notes, photos");
    if (!jv_failed(v))
        FUZZ_CHECK(nphotos <= ORDER_CARE_PHOTOS_MAX && walks <= 20);
    free(photo_ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const F_BOOKING[] = {"listing_id", "pet_ids", "start_date", "end_date", "note", "total_fen",
                                            "price_per_night_fen", NULL};
    static const char *const F_CARE[] = {"date", "meals", "walks", "medication_given", "mood", "notes", "photos",
                                         NULL};
    static const char *const F_REASON[] = {"reason", NULL};
    if (size < 1)
        return 0;
    int32_t today = date_from_civil(2026, 11, 21);
    unsigned schema = data[0] % 3;
    const char *const *allowed = schema == 0 ? F_BOOKING : schema == 1 ? F_CARE : F_REASON;
    struct jv v;
    char msg[256];
    const char *reason;
    if (jv_parse(&v, (const char *)data + 1, size - 1, allowed, msg, sizeof msg) == JV_PARSED) {
        if (schema == 0)
            booking(&v, today);
        else if (schema == 1)
            care_log(&v);
        else
            jv_str(&v, "reason", JV_MULTILINE, 1, 500, &reason);
    }
    jv_free(&v);
    return 0;
}
