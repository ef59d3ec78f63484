/* C stand-ins for the Python plugins of the server tests, for debugging the harness only.
 *
 * With CPA_CONFORMANCE_STANDIN=1 the suite builds these instead of the cpa-sdk plugins (and says
 * so loudly in its output), so a failure can be pinned on the harness or on cpa-sdk. One source,
 * compiled once per kind with -DKIND_<NAME>:
 *   KIND_TIER   codex-service-tier: adds "service_tier":"priority" to codex gpt-5.5 bodies if fast: true
 *   KIND_SCHED  scheduler: picks the candidate named by auth_id
 *   KIND_PROBE  candidate-probe: appends each scheduler.pick request to the file named by out
 *   KIND_RAISE  raising-normalizer: every request.normalize fails
 *   KIND_AUTHS  host-callback-auth-files: /status resource showing host.auth.list
 * Config values are found by scanning the YAML text, not by parsing it.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { void *ptr; size_t len; } buf_t;
typedef int (*host_call_fn)(void *, const char *, const uint8_t *, size_t, buf_t *);
typedef void (*host_free_fn)(void *, size_t);
typedef struct { uint32_t abi_version; void *host_ctx; host_call_fn call; host_free_fn free_buffer; } host_api;
typedef struct {
    uint32_t abi_version;
    int (*call)(const char *, const uint8_t *, size_t, buf_t *);
    void (*free_buffer)(void *, size_t);
    void (*shutdown)(void);
} plugin_api;

static const host_api *HOST;
static char CONFIG[4096];

#if defined(KIND_TIER)
#define NAME "codex-service-tier"
#define CAPS "{\"request_normalizer\":true}"
#elif defined(KIND_SCHED)
#define NAME "scheduler"
#define CAPS "{\"scheduler\":true}"
#elif defined(KIND_PROBE)
#define NAME "candidate-probe"
#define CAPS "{\"scheduler\":true}"
#elif defined(KIND_RAISE)
#define NAME "raising-normalizer"
#define CAPS "{\"request_normalizer\":true}"
#elif defined(KIND_AUTHS)
#define NAME "host-callback-auth-files"
#define CAPS "{\"management_api\":true}"
#else
#error "define one KIND_*"
#endif

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64enc(const unsigned char *in, size_t n) {
    char *out = malloc(4 * ((n + 2) / 3) + 1), *p = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        *p++ = B64[v >> 18 & 63];
        *p++ = B64[v >> 12 & 63];
        *p++ = i + 1 < n ? B64[v >> 6 & 63] : '=';
        *p++ = i + 2 < n ? B64[v & 63] : '=';
    }
    *p = 0;
    return out;
}

static size_t b64dec(const char *in, size_t n, unsigned char *out) {
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        const char *c = strchr(B64, in[i]);
        if (c == NULL || *c == 0) continue;
        v = v << 6 | (unsigned)(c - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits & 255);
        }
    }
    return o;
}

/* Decode the base64 JSON string value of key into a malloc'ed NUL-terminated buffer. */
static char *field_b64(const char *req, size_t len, const char *key, size_t *out_len) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":\"", key);
    const char *start = memmem(req, len, needle, strlen(needle));
    if (start == NULL) return NULL;
    start += strlen(needle);
    const char *end = memchr(start, '"', (size_t)(req + len - start));
    if (end == NULL) return NULL;
    char *out = malloc((size_t)(end - start) + 1);
    *out_len = b64dec(start, (size_t)(end - start), (unsigned char *)out);
    out[*out_len] = 0;
    return out;
}

/* Value of "key: value" in the config text (quotes and spaces trimmed) into dst. */
__attribute__((unused)) static int config_value(const char *key, char *dst, size_t cap) {
    char needle[64];
    snprintf(needle, sizeof needle, "%s:", key);
    for (const char *line = CONFIG; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, needle, strlen(needle)) != 0) continue;
        const char *v = line + strlen(needle);
        while (*v == ' ' || *v == '"' || *v == '\'') v++;
        size_t n = 0;
        while (v[n] && v[n] != '\n' && v[n] != '"' && v[n] != '\'' && n + 1 < cap) n++;
        while (n > 0 && v[n - 1] == ' ') n--;
        memcpy(dst, v, n);
        dst[n] = 0;
        return 1;
    }
    return 0;
}

static int reply(buf_t *out, const char *text) {
    size_t n = strlen(text);
    out->ptr = malloc(n);
    memcpy(out->ptr, text, n);
    out->len = n;
    return 0;
}

__attribute__((unused)) static int reply_body(buf_t *out, const char *fmt, const char *body, size_t n) {
    char *enc = b64enc((const unsigned char *)body, n);
    char *text = malloc(strlen(fmt) + strlen(enc) + 1);
    sprintf(text, fmt, enc);
    reply(out, text);
    free(enc);
    free(text);
    return 0;
}

static int call(const char *method, const uint8_t *req, size_t len, buf_t *out) {
    const char *r = (const char *)req;
    out->ptr = NULL;
    out->len = 0;
    if (!strcmp(method, "plugin.register") || !strcmp(method, "plugin.reconfigure")) {
        size_t n = 0;
        char *cfg = field_b64(r, len, "config_yaml", &n);
        if (cfg) {
            snprintf(CONFIG, sizeof CONFIG, "%s", cfg);
            free(cfg);
        }
        return reply(out, "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"" NAME
                          "\",\"Version\":\"0.0.0-standin\",\"Author\":\"conformance stand-in\","
                          "\"GitHubRepository\":\"https://example.invalid/standin\"},\"capabilities\":" CAPS "}}");
    }
#if defined(KIND_TIER)
    if (!strcmp(method, "request.normalize")) {
        char fast[16] = "";
        size_t n = 0;
        char *body = field_b64(r, len, "Body", &n);
        int applies = config_value("fast", fast, sizeof fast) && !strcmp(fast, "true") && body &&
                      (memmem(r, len, "\"ToFormat\":\"codex\"", 18) != NULL) &&
                      (memmem(r, len, "\"Model\":\"gpt-5.5\"", 17) != NULL) && n > 1 && body[n - 1] == '}';
        if (!applies) {
            free(body);
            return reply(out, "{\"ok\":true,\"result\":{\"Body\":null}}");
        }
        const char *add = ",\"service_tier\":\"priority\"}";
        char *edited = malloc(n + strlen(add) + 1);
        memcpy(edited, body, n - 1);
        strcpy(edited + n - 1, add);
        reply_body(out, "{\"ok\":true,\"result\":{\"Body\":\"%s\"}}", edited, strlen(edited));
        free(body);
        free(edited);
        return 0;
    }
#elif defined(KIND_RAISE)
    if (!strcmp(method, "request.normalize"))
        return reply(out, "{\"ok\":false,\"error\":{\"code\":\"plugin_error\",\"message\":\"stand-in raises\"}}");
#elif defined(KIND_SCHED)
    if (!strcmp(method, "scheduler.pick")) {
        char id[256], needle[300];
        if (config_value("auth_id", id, sizeof id) && id[0]) {
            snprintf(needle, sizeof needle, "\"ID\":\"%s\"", id);
            if (memmem(r, len, needle, strlen(needle))) {
                char text[512];
                snprintf(text, sizeof text, "{\"ok\":true,\"result\":{\"AuthID\":\"%s\",\"Handled\":true}}", id);
                return reply(out, text);
            }
        }
        return reply(out, "{\"ok\":true,\"result\":{\"Handled\":false}}");
    }
#elif defined(KIND_PROBE)
    if (!strcmp(method, "scheduler.pick")) {
        char path[1024];
        if (config_value("out", path, sizeof path) && path[0]) {
            FILE *f = fopen(path, "a");
            if (f) {
                fwrite(r, 1, len, f);
                fputc('\n', f);
                fclose(f);
            }
        }
        return reply(out, "{\"ok\":true,\"result\":{\"Handled\":false}}");
    }
#elif defined(KIND_AUTHS)
    if (!strcmp(method, "management.register"))
        return reply(out, "{\"ok\":true,\"result\":{\"resources\":[{\"Path\":\"/status\",\"Menu\":\"Host Auth Files\"}]}}");
    if (!strcmp(method, "management.handle")) {
        buf_t res = {0, 0};
        HOST->call(HOST->host_ctx, "host.auth.list", (const uint8_t *)"{}", 2, &res);
        char *html = malloc(res.len + 64);
        int n = sprintf(html, "<!doctype html><pre>%.*s</pre>", (int)res.len, res.ptr ? (char *)res.ptr : "");
        if (res.ptr) HOST->free_buffer(res.ptr, res.len);
        reply_body(out, "{\"ok\":true,\"result\":{\"StatusCode\":200,\"Headers\":{\"Content-Type\":"
                        "[\"text/html; charset=utf-8\"]},\"Body\":\"%s\"}}", html, (size_t)n);
        free(html);
        return 0;
    }
#endif
    return reply(out, "{\"ok\":false,\"error\":{\"code\":\"unknown_method\",\"message\":\"unknown method\"}}");
}

static void release(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

__attribute__((visibility("default"))) int cliproxy_plugin_init(const host_api *host, plugin_api *plugin) {
    if (plugin == NULL) return 1;
    HOST = host;
    plugin->abi_version = 1;
    plugin->call = call;
    plugin->free_buffer = release;
    plugin->shutdown = NULL;
    return 0;
}
