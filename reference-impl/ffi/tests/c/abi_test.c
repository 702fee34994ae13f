/* Drives the Eventwire C ABI (SPEC.md section 13.2) from C, the way an embedder would, and checks
 * every return code and every response by decoding the protobuf bytes with the small reader below.
 *
 * Callback buffers belong to the receiver (REQ-TRANS-CABI-14), and this program uses both ways of
 * handling them: the notification callback copies its buffer and frees it at once; the response
 * callback keeps the library's pointer, and the main thread decodes it after the callback has
 * returned and frees it at the very end, after the last eventwire_shutdown. Run under
 * AddressSanitizer, a buffer the library freed too early is a use after free, and one nobody
 * freed is a leak.
 *
 * Built and run by tests/c_abi.rs against the crate's static library; prints
 * "abi_test: ok (N checks)" and exits 0 when every check holds, or names the failed check and
 * exits 1. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventwire.h"

static int checks = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            fprintf(stderr, "abi_test: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

#define CHECK_EQ(actual, expected)                                                    \
    do {                                                                              \
        long long a_ = (long long)(actual), e_ = (long long)(expected);               \
        checks++;                                                                     \
        if (a_ != e_) {                                                               \
            fprintf(stderr, "abi_test: %s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, \
                    #actual, a_, e_);                                                 \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

/* Codes of errors.proto used below. */
enum {
    CODE_INTERNAL = 0,
    CODE_INVALID_REQUEST = 106,
    CODE_REQUEST_TIMEOUT = 127,
    CODE_UNKNOWN_EVENT = 200,
    CODE_CANCELLED = 201,
    CODE_PERMISSION_DENIED = 202,
};
enum {
    CATEGORY_INVALID_ARGUMENT = 1,
    CATEGORY_UNIMPLEMENTED = 3,
    CATEGORY_DEADLINE_EXCEEDED = 5,
    CATEGORY_CANCELLED = 6,
    CATEGORY_INTERNAL = 9,
};
enum { STATUS_OK = 0, STATUS_ERR = 1 };

/* ---- Writing protobuf ------------------------------------------------------------------- */

typedef struct {
    uint8_t buf[512];
    size_t len;
} msg_t;

static void put_varint(msg_t *m, uint64_t v) {
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v) b |= 0x80;
        CHECK(m->len < sizeof m->buf);
        m->buf[m->len++] = b;
    } while (v);
}

static void put_bytes(msg_t *m, unsigned field, const void *data, size_t n) {
    put_varint(m, (uint64_t)field << 3 | 2);
    put_varint(m, n);
    CHECK(m->len + n <= sizeof m->buf);
    if (n) memcpy(m->buf + m->len, data, n);
    m->len += n;
}

static void put_string(msg_t *m, unsigned field, const char *s) { put_bytes(m, field, s, strlen(s)); }

static void put_uint(msg_t *m, unsigned field, uint64_t v) {
    put_varint(m, (uint64_t)field << 3);
    put_varint(m, v);
}

/* An encoded FFIRequest{event, payload}. */
static msg_t request(const char *event, const msg_t *payload) {
    msg_t m = {.len = 0};
    put_string(&m, 1, event);
    if (payload && payload->len) put_bytes(&m, 2, payload->buf, payload->len);
    return m;
}

static msg_t sleep_request(uint32_t millis) {
    msg_t p = {.len = 0};
    put_uint(&p, 1, millis);
    return request("Sleep", &p);
}

static msg_t emit_request(uint32_t count, const char *id) {
    msg_t p = {.len = 0};
    put_uint(&p, 1, count);
    put_string(&p, 2, id);
    return request("EmitNotifications", &p);
}

/* ---- Reading protobuf ------------------------------------------------------------------- */

typedef struct {
    const uint8_t *p, *end;
} reader_t;

typedef struct {
    unsigned field, wire_type;
    uint64_t varint;
    const uint8_t *data;
    size_t len;
} field_t;

static int read_varint(reader_t *r, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return 0;
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 1;
    }
    return 0;
}

/* The next field of a message: 1, 0 at the end, and a failed check on malformed input. */
static int next_field(reader_t *r, field_t *f) {
    uint64_t key;
    if (r->p == r->end) return 0;
    CHECK(read_varint(r, &key));
    f->field = (unsigned)(key >> 3);
    f->wire_type = key & 7;
    f->data = NULL;
    f->len = 0;
    f->varint = 0;
    switch (f->wire_type) {
    case 0: CHECK(read_varint(r, &f->varint)); break;
    case 1: CHECK(r->end - r->p >= 8); r->p += 8; break;
    case 5: CHECK(r->end - r->p >= 4); r->p += 4; break;
    case 2: {
        uint64_t n;
        CHECK(read_varint(r, &n));
        CHECK((uint64_t)(r->end - r->p) >= n);
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        break;
    }
    default: CHECK(!"unexpected wire type");
    }
    return 1;
}

/* FFIResponse {bytes payload = 1; FFIStatusCode code = 2;} */
typedef struct {
    int64_t status;
    const uint8_t *payload;
    size_t payload_len;
} response_t;

static response_t decode_response(const uint8_t *bytes, size_t len) {
    response_t out = {STATUS_OK, NULL, 0};
    reader_t r = {bytes, bytes + len};
    field_t f;
    while (next_field(&r, &f)) {
        if (f.field == 1 && f.wire_type == 2) out.payload = f.data, out.payload_len = f.len;
        if (f.field == 2 && f.wire_type == 0) out.status = (int64_t)f.varint;
    }
    return out;
}

/* FlowyError {ErrorCode code = 1; string msg = 2; bytes payload = 3; ErrorCategory category = 4;} */
typedef struct {
    int64_t code, category;
    size_t msg_len;
} flowy_error_t;

static flowy_error_t decode_error(const uint8_t *bytes, size_t len) {
    flowy_error_t out = {0, 0, 0};
    reader_t r = {bytes, bytes + len};
    field_t f;
    while (next_field(&r, &f)) {
        if (f.field == 1 && f.wire_type == 0) out.code = (int64_t)f.varint;
        if (f.field == 2 && f.wire_type == 2) out.msg_len = f.len;
        if (f.field == 4 && f.wire_type == 0) out.category = (int64_t)f.varint;
    }
    return out;
}

/* The first varint or string field `field` of a message. */
static uint64_t varint_field(const uint8_t *bytes, size_t len, unsigned field) {
    reader_t r = {bytes, bytes + len};
    field_t f;
    while (next_field(&r, &f))
        if (f.field == field && f.wire_type == 0) return f.varint;
    return 0;
}

static int string_field_is(const uint8_t *bytes, size_t len, unsigned field, const char *expected) {
    reader_t r = {bytes, bytes + len};
    field_t f;
    while (next_field(&r, &f))
        if (f.field == field && f.wire_type == 2)
            return f.len == strlen(expected) && memcmp(f.data, expected, f.len) == 0;
    return 0;
}

/* ---- What the callbacks saw, in order ---------------------------------------------------- */

enum { RESPONSE = 1, NOTIFICATION = 2 };

typedef struct {
    int kind;
    uint64_t id; /* responses */
    /* Responses: the buffer the library passed, still owned here (release with eventwire_free).
     * Notifications: a malloc'd copy (release with free). NULL when len is 0. */
    uint8_t *bytes;
    size_t len;
    pthread_t thread;
} record_t;

static record_t records[256];
static size_t n_records = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int magic = 0x5eed;

/* Callbacks running right now, and the most ever seen at once: callbacks run one at a time, on
 * threads of the library (REQ-TRANS-CABI-14). */
static atomic_int in_callback = 0, most_at_once = 0;

static void enter_callback(void) {
    int now = atomic_fetch_add(&in_callback, 1) + 1;
    int most = atomic_load(&most_at_once);
    while (now > most && !atomic_compare_exchange_weak(&most_at_once, &most, now)) {
    }
}

static void leave_callback(void) { atomic_fetch_sub(&in_callback, 1); }

/* Return codes of calls made from inside the response callback for request 120. */
static int32_t rc_sync_inside = -1, rc_shutdown_inside = -1, rc_async_inside = -1;

static void record(int kind, uint64_t id, uint8_t *bytes, size_t len) {
    pthread_mutex_lock(&lock);
    CHECK(n_records < sizeof records / sizeof records[0]);
    record_t *r = &records[n_records++];
    r->kind = kind;
    r->id = id;
    r->bytes = bytes;
    r->len = len;
    r->thread = pthread_self();
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

/* Keeps the buffer: it stays valid after this returns, and release_records frees it. */
static void on_response(uint64_t id, const uint8_t *bytes, size_t len, void *user_data) {
    enter_callback();
    CHECK(user_data == &magic);
    CHECK(len == 0 ? bytes == NULL : bytes != NULL);
    if (id == 120) {
        /* A callback may start calls, but must not block on the callback thread. */
        msg_t ping = request("Ping", NULL);
        uint8_t *out = NULL;
        size_t out_len = 0;
        rc_sync_inside = eventwire_sync_call(ping.buf, ping.len, &out, &out_len);
        rc_shutdown_inside = eventwire_shutdown();
        rc_async_inside = eventwire_async_call(121, ping.buf, ping.len);
    }
    record(RESPONSE, id, (uint8_t *)bytes, len);
    leave_callback();
}

/* Copies what it needs and frees the library's buffer before returning. */
static void on_notification(const uint8_t *bytes, size_t len, void *user_data) {
    enter_callback();
    CHECK(user_data == &magic);
    CHECK(len > 0 && bytes != NULL);
    uint8_t *copy = malloc(len);
    CHECK(copy != NULL);
    memcpy(copy, bytes, len);
    eventwire_free((uint8_t *)bytes, len);
    record(NOTIFICATION, 0, copy, len);
    leave_callback();
}

/* Releases every record's buffer, each the way it was obtained; returns how many came from the
 * library. Called once the library is shut down: its buffers outlive it. */
static size_t release_records(void) {
    size_t from_library = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_records; i++) {
        if (records[i].kind == RESPONSE) {
            eventwire_free(records[i].bytes, records[i].len);
            from_library += records[i].len > 0;
        } else {
            free(records[i].bytes);
        }
        records[i].bytes = NULL;
        records[i].len = 0;
    }
    pthread_mutex_unlock(&lock);
    return from_library;
}

/* Index of the response to `id` (the `nth` one, from 0), waiting for it to arrive. */
static size_t wait_response(uint64_t id, int nth) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 60; /* only guards against hanging forever */
    pthread_mutex_lock(&lock);
    for (;;) {
        int seen = 0;
        for (size_t i = 0; i < n_records; i++) {
            if (records[i].kind == RESPONSE && records[i].id == id && seen++ == nth) {
                pthread_mutex_unlock(&lock);
                return i;
            }
        }
        int rc = pthread_cond_timedwait(&changed, &lock, &deadline);
        if (rc == ETIMEDOUT) {
            fprintf(stderr, "abi_test: no response for request %llu\n", (unsigned long long)id);
            exit(1);
        }
    }
}

static size_t count_responses(uint64_t id) {
    size_t n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_records; i++) n += records[i].kind == RESPONSE && records[i].id == id;
    pthread_mutex_unlock(&lock);
    return n;
}

static size_t count_records(void) {
    pthread_mutex_lock(&lock);
    size_t n = n_records;
    pthread_mutex_unlock(&lock);
    return n;
}

/* Checks that the response to `id` is ERR with `code` and `category`. */
static void expect_error(uint64_t id, int64_t code, int64_t category) {
    record_t *r = &records[wait_response(id, 0)];
    response_t resp = decode_response(r->bytes, r->len);
    CHECK_EQ(resp.status, STATUS_ERR);
    flowy_error_t e = decode_error(resp.payload, resp.payload_len);
    CHECK_EQ(e.code, code);
    CHECK_EQ(e.category, category);
}

static response_t expect_ok(uint64_t id) {
    record_t *r = &records[wait_response(id, 0)];
    response_t resp = decode_response(r->bytes, r->len);
    CHECK_EQ(resp.status, STATUS_OK);
    return resp;
}

static void check_sync_error(const msg_t *req, int64_t code) {
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_EQ(eventwire_sync_call(req->buf, req->len, &out, &out_len), EVENTWIRE_OK);
    response_t resp = decode_response(out, out_len);
    CHECK_EQ(resp.status, STATUS_ERR);
    CHECK_EQ(decode_error(resp.payload, resp.payload_len).code, code);
    eventwire_free(out, out_len);
}

static void install_callbacks(void) {
    CHECK_EQ(eventwire_set_response_callback(on_response, &magic), EVENTWIRE_OK);
    CHECK_EQ(eventwire_set_notification_callback(on_notification, &magic), EVENTWIRE_OK);
}

int main(void) {
    msg_t ping = request("Ping", NULL);
    uint8_t *out = NULL;
    size_t out_len = 0;

    /* Before init: everything but init and free is NOT_INITIALIZED. */
    CHECK_EQ(eventwire_set_response_callback(on_response, &magic), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_set_notification_callback(on_notification, &magic), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_async_call(1, ping.buf, ping.len), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_sync_call(ping.buf, ping.len, &out, &out_len), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_cancel(1), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_handshake(NULL, 0, &out, &out_len), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_shutdown(), EVENTWIRE_ERR_NOT_INITIALIZED);
    eventwire_free(NULL, 0);

    /* Init: argument and configuration errors leave the library uninitialised. */
    static const char *bad_configs[] = {
        "not json", "[]", "{\"no_such_key\":1}", "{\"max_in_flight\":0}", "{\"max_in_flight\":-3}",
        "{\"capabilities\":[\"User.*\"]}", "{\"event_timeouts_ms\":{\"NoSuchEvent\":5}}",
    };
    CHECK_EQ(eventwire_init(NULL, 3), EVENTWIRE_ERR_NULL_ARGUMENT);
    for (size_t i = 0; i < sizeof bad_configs / sizeof bad_configs[0]; i++) {
        CHECK_EQ(eventwire_init((const uint8_t *)bad_configs[i], strlen(bad_configs[i])), EVENTWIRE_ERR_INVALID_CONFIG);
        CHECK_EQ(eventwire_cancel(1), EVENTWIRE_ERR_NOT_INITIALIZED);
    }
    const char *config = "{\"max_payload_bytes\":16777216,\"default_timeout_ms\":30000,\"max_in_flight\":1024,"
                         "\"max_nesting_depth\":64,\"notification_queue\":4096}";
    CHECK_EQ(eventwire_init((const uint8_t *)config, strlen(config)), EVENTWIRE_OK);
    CHECK_EQ(eventwire_init(NULL, 0), EVENTWIRE_ERR_ALREADY_INITIALIZED);

    /* The handshake (SPEC.md section 16.5): the library's StreamHandshake, protocol_version 1
       (field 1), with its modules (field 2); outcomes are tested in tests/handshake.rs. */
    CHECK_EQ(eventwire_handshake(NULL, 0, NULL, &out_len), EVENTWIRE_ERR_NULL_ARGUMENT);
    CHECK_EQ(eventwire_handshake(NULL, 0, &out, &out_len), EVENTWIRE_OK);
    CHECK(out != NULL && out_len > 0);
    CHECK_EQ(varint_field(out, out_len, 1), 1);
    eventwire_free(out, out_len);
    out = NULL;
    out_len = 0;

    /* No response callback yet: refused, and never answered. */
    CHECK_EQ(eventwire_async_call(1, ping.buf, ping.len), EVENTWIRE_ERR_NO_CALLBACK);
    CHECK_EQ(eventwire_set_response_callback(NULL, &magic), EVENTWIRE_ERR_NULL_ARGUMENT);
    install_callbacks();

    /* Asynchronous calls, one per outcome. */
    msg_t sign_in_payload = {.len = 0};
    put_string(&sign_in_payload, 1, "ada@example.org");
    put_string(&sign_in_payload, 2, "pw");
    put_string(&sign_in_payload, 3, "Ada");
    msg_t sign_in = request("SignIn", &sign_in_payload);
    msg_t unknown = request("NoSuchEvent", NULL);
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x0f};
    msg_t panic_payload = {.len = 0};
    put_string(&panic_payload, 1, "boom");
    msg_t panic = request("Panic", &panic_payload);
    msg_t slow = sleep_request(1000); /* Sleep's table deadline is 200 ms */
    msg_t quick = sleep_request(10);

    CHECK_EQ(eventwire_async_call(101, sign_in.buf, sign_in.len), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(102, unknown.buf, unknown.len), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(103, garbage, sizeof garbage), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(104, NULL, 5), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(105, ping.buf, 0), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(106, panic.buf, panic.len), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(107, slow.buf, slow.len), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(108, quick.buf, quick.len), EVENTWIRE_OK);
    msg_t discard = request("Discard", NULL);
    CHECK_EQ(eventwire_async_call(109, discard.buf, discard.len), EVENTWIRE_OK);

    response_t profile = expect_ok(101);
    CHECK_EQ(varint_field(profile.payload, profile.payload_len, 1), 1); /* UserProfilePB.id */
    CHECK(string_field_is(profile.payload, profile.payload_len, 2, "ada@example.org"));
    expect_error(102, CODE_UNKNOWN_EVENT, CATEGORY_UNIMPLEMENTED);
    expect_error(103, CODE_INVALID_REQUEST, CATEGORY_INVALID_ARGUMENT);
    expect_error(104, CODE_INVALID_REQUEST, CATEGORY_INVALID_ARGUMENT);
    expect_error(105, CODE_INVALID_REQUEST, CATEGORY_INVALID_ARGUMENT);
    expect_error(106, CODE_INTERNAL, CATEGORY_INTERNAL);
    expect_error(107, CODE_REQUEST_TIMEOUT, CATEGORY_DEADLINE_EXCEEDED);
    response_t slept = expect_ok(108);
    CHECK_EQ(varint_field(slept.payload, slept.payload_len, 1), 10);
    /* An empty response (OK, no output) is passed as NULL/0. */
    record_t *discarded = &records[wait_response(109, 0)];
    CHECK(discarded->bytes == NULL);
    CHECK_EQ(discarded->len, 0);
    CHECK_EQ(count_responses(1), 0);

    /* SignIn's UserSignedIn notification (user/1, seq 1) came before SignIn's response. */
    size_t signed_in = wait_response(101, 0);
    int saw_user_notification = 0;
    for (size_t i = 0; i < signed_in; i++) {
        if (records[i].kind == NOTIFICATION && string_field_is(records[i].bytes, records[i].len, 1, "user")) {
            CHECK_EQ(varint_field(records[i].bytes, records[i].len, 2), 1);
            CHECK_EQ(varint_field(records[i].bytes, records[i].len, 6), 1);
            CHECK(string_field_is(records[i].bytes, records[i].len, 3, "1"));
            saw_user_notification = 1;
        }
    }
    CHECK(saw_user_notification);

    /* EmitNotifications{count: 3}: three Ticks, numbered on, then the response. */
    size_t before = count_records();
    msg_t emit = emit_request(3, "n");
    CHECK_EQ(eventwire_async_call(110, emit.buf, emit.len), EVENTWIRE_OK);
    size_t emitted_at = wait_response(110, 0);
    CHECK_EQ(emitted_at, before + 3);
    for (size_t i = 0; i < 3; i++) {
        record_t *n = &records[before + i];
        CHECK_EQ(n->kind, NOTIFICATION);
        CHECK(string_field_is(n->bytes, n->len, 1, "conformance"));
        CHECK_EQ(varint_field(n->bytes, n->len, 2), 1);
        CHECK(string_field_is(n->bytes, n->len, 3, "n"));
        CHECK_EQ(varint_field(n->bytes, n->len, 6), 2 + i);
    }
    response_t emitted = expect_ok(110);
    CHECK_EQ(varint_field(emitted.payload, emitted.payload_len, 1), 3);

    /* Synchronous calls. */
    CHECK_EQ(eventwire_sync_call(ping.buf, ping.len, &out, &out_len), EVENTWIRE_OK);
    CHECK(out != NULL && out_len > 0);
    response_t pong = decode_response(out, out_len);
    CHECK_EQ(pong.status, STATUS_OK);
    CHECK(string_field_is(pong.payload, pong.payload_len, 1, "pong"));
    eventwire_free(out, out_len);

    out = (uint8_t *)&magic;
    out_len = 99;
    CHECK_EQ(eventwire_sync_call(discard.buf, discard.len, &out, &out_len), EVENTWIRE_OK);
    CHECK(out == NULL);
    CHECK_EQ(out_len, 0);
    eventwire_free(out, out_len);

    CHECK_EQ(eventwire_sync_call(ping.buf, ping.len, NULL, &out_len), EVENTWIRE_ERR_NULL_ARGUMENT);
    CHECK_EQ(eventwire_sync_call(ping.buf, ping.len, &out, NULL), EVENTWIRE_ERR_NULL_ARGUMENT);
    CHECK_EQ(eventwire_sync_call(NULL, 4, &out, &out_len), EVENTWIRE_OK);
    response_t null_response = decode_response(out, out_len);
    CHECK_EQ(null_response.status, STATUS_ERR);
    CHECK_EQ(decode_error(null_response.payload, null_response.payload_len).code, CODE_INVALID_REQUEST);
    eventwire_free(out, out_len);
    check_sync_error(&unknown, CODE_UNKNOWN_EVENT);

    /* A synchronous call returns after its notifications were delivered. */
    before = count_records();
    msg_t emit_two = emit_request(2, "s");
    CHECK_EQ(eventwire_sync_call(emit_two.buf, emit_two.len, &out, &out_len), EVENTWIRE_OK);
    CHECK_EQ(count_records(), before + 2);
    CHECK_EQ(varint_field(records[before + 1].bytes, records[before + 1].len, 6), 6);
    eventwire_free(out, out_len);

    /* From inside a callback: async calls work, blocking calls are refused. */
    CHECK_EQ(eventwire_async_call(120, ping.buf, ping.len), EVENTWIRE_OK);
    expect_ok(120);
    expect_ok(121);
    CHECK_EQ(rc_sync_inside, EVENTWIRE_ERR_INTERNAL);
    CHECK_EQ(rc_shutdown_inside, EVENTWIRE_ERR_INTERNAL);
    CHECK_EQ(rc_async_inside, EVENTWIRE_OK);

    /* Every callback ran on a library thread, never this one (which made every call), and never
     * two at once. Which library thread runs a callback is not specified. */
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_records; i++) CHECK(!pthread_equal(records[i].thread, pthread_self()));
    pthread_mutex_unlock(&lock);
    CHECK_EQ(atomic_load(&most_at_once), 1);

    /* Shutdown, then everything but init and free is NOT_INITIALIZED again. */
    CHECK_EQ(eventwire_shutdown(), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(130, ping.buf, ping.len), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_sync_call(ping.buf, ping.len, &out, &out_len), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_cancel(130), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_set_response_callback(on_response, &magic), EVENTWIRE_ERR_NOT_INITIALIZED);
    CHECK_EQ(eventwire_shutdown(), EVENTWIRE_ERR_NOT_INITIALIZED);

    /* Re-init with a long Sleep deadline, so cancellation decides deterministically. */
    const char *long_sleep = "{\"event_timeouts_ms\":{\"Sleep\":600000}}";
    CHECK_EQ(eventwire_init((const uint8_t *)long_sleep, strlen(long_sleep)), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(130, ping.buf, ping.len), EVENTWIRE_ERR_NO_CALLBACK);
    install_callbacks();
    msg_t forever = sleep_request(600000);

    /* A duplicate in-flight id is refused; the first call is unaffected and can be cancelled. */
    CHECK_EQ(eventwire_async_call(201, forever.buf, forever.len), EVENTWIRE_OK);
    CHECK_EQ(eventwire_async_call(201, ping.buf, ping.len), EVENTWIRE_OK);
    expect_error(201, CODE_INVALID_REQUEST, CATEGORY_INVALID_ARGUMENT);
    CHECK_EQ(eventwire_cancel(201), EVENTWIRE_OK);
    record_t *cancelled = &records[wait_response(201, 1)];
    response_t cancelled_response = decode_response(cancelled->bytes, cancelled->len);
    CHECK_EQ(cancelled_response.status, STATUS_ERR);
    flowy_error_t cancelled_error = decode_error(cancelled_response.payload, cancelled_response.payload_len);
    CHECK_EQ(cancelled_error.code, CODE_CANCELLED);
    CHECK_EQ(cancelled_error.category, CATEGORY_CANCELLED);
    /* Cancelling an answered or unknown id is ignored. */
    CHECK_EQ(eventwire_cancel(201), EVENTWIRE_OK);
    CHECK_EQ(eventwire_cancel(987654321), EVENTWIRE_OK);
    /* The id is free again once answered. */
    CHECK_EQ(eventwire_async_call(201, ping.buf, ping.len), EVENTWIRE_OK);
    record_t *reused = &records[wait_response(201, 2)];
    CHECK_EQ(decode_response(reused->bytes, reused->len).status, STATUS_OK);

    /* Shutdown answers what is in flight (CANCELLED) before it returns. */
    CHECK_EQ(eventwire_async_call(202, forever.buf, forever.len), EVENTWIRE_OK);
    CHECK_EQ(eventwire_shutdown(), EVENTWIRE_OK);
    CHECK_EQ(count_responses(202), 1);
    expect_error(202, CODE_CANCELLED, CATEGORY_CANCELLED);

    /* A third life, restricted by capabilities. */
    const char *only_ping = "{\"capabilities\":[\"conformance.Ping\"]}";
    CHECK_EQ(eventwire_init((const uint8_t *)only_ping, strlen(only_ping)), EVENTWIRE_OK);
    CHECK_EQ(eventwire_sync_call(ping.buf, ping.len, &out, &out_len), EVENTWIRE_OK);
    CHECK_EQ(decode_response(out, out_len).status, STATUS_OK);
    eventwire_free(out, out_len);
    check_sync_error(&sign_in, CODE_PERMISSION_DENIED);
    CHECK_EQ(eventwire_shutdown(), EVENTWIRE_OK);

    /* Every request was answered exactly once (201 three times: duplicate, cancel, reuse). */
    static const uint64_t once[] = {101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 120, 121, 202};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) CHECK_EQ(count_responses(once[i]), 1);
    CHECK_EQ(count_responses(201), 3);

    /* The first response arrived in the first life: decode it again now, two shutdowns later,
     * then free every kept buffer (all but 109's empty one) with the library uninitialised. */
    record_t *first = &records[wait_response(101, 0)];
    response_t first_again = decode_response(first->bytes, first->len);
    CHECK_EQ(first_again.status, STATUS_OK);
    CHECK(string_field_is(first_again.payload, first_again.payload_len, 2, "ada@example.org"));
    CHECK_EQ(release_records(), 15);
    eventwire_free(NULL, 0);

    printf("abi_test: ok (%d checks)\n", checks);
    return 0;
}
