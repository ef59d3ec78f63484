/* Control plugin for the conformance harness, written directly against CPA's C ABI.
 *
 * It is not built from cpa-sdk on purpose: when a test with this plugin fails, the harness
 * (Go loader, CPA build, config) is broken; when only the Python plugins fail, cpa-sdk is.
 *
 * Capability: scheduler. It picks the candidate "control-pick" when offered, else answers
 * not handled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { void *ptr; size_t len; } cliproxy_buffer;
typedef int (*host_call_fn)(void *, const char *, const uint8_t *, size_t, cliproxy_buffer *);
typedef void (*host_free_fn)(void *, size_t);
typedef struct { uint32_t abi_version; void *host_ctx; host_call_fn call; host_free_fn free_buffer; } cliproxy_host_api;
typedef int (*plugin_call_fn)(const char *, const uint8_t *, size_t, cliproxy_buffer *);
typedef void (*plugin_free_fn)(void *, size_t);
typedef void (*plugin_shutdown_fn)(void);
typedef struct { uint32_t abi_version; plugin_call_fn call; plugin_free_fn free_buffer; plugin_shutdown_fn shutdown; } cliproxy_plugin_api;

static const char REGISTRATION[] =
    "{\"ok\":true,\"result\":{\"schema_version\":3,\"metadata\":{\"Name\":\"control\",\"Version\":\"9.9.9\","
    "\"Author\":\"cpa-sdk tests\",\"GitHubRepository\":\"https://example.invalid/control\",\"Logo\":\"\","
    "\"ConfigFields\":[{\"Name\":\"mark\",\"Type\":\"boolean\",\"EnumValues\":null,\"Description\":\"c\"}]},"
    "\"capabilities\":{\"scheduler\":true}}}";

static int reply(cliproxy_buffer *out, const char *text) {
    size_t len = strlen(text);
    char *copy = malloc(len);
    if (copy == NULL) return 1;
    memcpy(copy, text, len);
    out->ptr = copy;
    out->len = len;
    return 0;
}

static int contains(const uint8_t *data, size_t len, const char *needle) {
    size_t n = strlen(needle);
    if (data == NULL || n > len) return 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

static int plugin_call(const char *method, const uint8_t *req, size_t len, cliproxy_buffer *out) {
    out->ptr = NULL;
    out->len = 0;
    if (method == NULL) return reply(out, "{\"ok\":false,\"error\":{\"code\":\"invalid_method\",\"message\":\"method is required\"}}");
    if (strcmp(method, "plugin.register") == 0 || strcmp(method, "plugin.reconfigure") == 0)
        return reply(out, REGISTRATION);
    if (strcmp(method, "scheduler.pick") == 0) {
        if (contains(req, len, "\"ID\":\"control-pick\""))
            return reply(out, "{\"ok\":true,\"result\":{\"AuthID\":\"control-pick\",\"DelegateBuiltin\":\"\",\"Handled\":true}}");
        return reply(out, "{\"ok\":true,\"result\":{\"Handled\":false}}");
    }
    return reply(out, "{\"ok\":false,\"error\":{\"code\":\"unknown_method\",\"message\":\"unknown method\"}}");
}

static void plugin_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

__attribute__((visibility("default"))) int cliproxy_plugin_init(const cliproxy_host_api *host, cliproxy_plugin_api *plugin) {
    (void)host;
    if (plugin == NULL) return 1;
    plugin->abi_version = 1;
    plugin->call = plugin_call;
    plugin->free_buffer = plugin_free;
    plugin->shutdown = NULL;
    return 0;
}
