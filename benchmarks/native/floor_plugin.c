/*
 * floor_plugin.c: the cheapest possible CPA plugin, the "floor" of the benchmarks.
 *
 * Answers every method with one fixed envelope, copied into a malloc'd buffer as any real plugin
 * must (the host frees it through free_buffer). Whatever a Python plugin costs above this is the
 * price of the shim plus Python.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *ptr;
    size_t len;
} cliproxy_buffer;

typedef struct {
    uint32_t abi_version;
    int (*call)(const char *, const uint8_t *, size_t, cliproxy_buffer *);
    void (*free_buffer)(void *, size_t);
    void (*shutdown)(void);
} cliproxy_plugin_api;

static const char answer[] = "{\"ok\":false,\"error\":{\"code\":\"unknown_method\",\"message\":\"unknown method\"}}";

static int floor_call(const char *method, const uint8_t *request, size_t request_len, cliproxy_buffer *response) {
    (void)method, (void)request, (void)request_len;
    if (response == NULL) return 1;
    response->ptr = malloc(sizeof answer - 1);
    if (response->ptr == NULL) return 1;
    memcpy(response->ptr, answer, sizeof answer - 1);
    response->len = sizeof answer - 1;
    return 0;
}

static void floor_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

__attribute__((visibility("default"))) int cliproxy_plugin_init(const void *host, cliproxy_plugin_api *plugin) {
    (void)host;
    if (plugin == NULL) return 1;
    plugin->abi_version = 1;
    plugin->call = floor_call;
    plugin->free_buffer = floor_free;
    plugin->shutdown = NULL;
    return 0;
}
