/*
 * cpa_abi.h: CPA's native plugin ABI (ABI 1; CPA's sdk/pluginabi and
 * internal/pluginhost), declared once for every C part of the SDK: the shim (cpa_bridge.c), the
 * bundle loader (cpa_bundle.c) and the test host that loads plugins as CPA does
 * (cpa_sdk/testing/host/cpa_test_host.c). The SDK's ctypes mirror (cpa_sdk/testing/abi.py) is checked
 * against this header by tests/abi/test_abi_header.py.
 */
#ifndef CPA_ABI_H
#define CPA_ABI_H

#include <stddef.h>
#include <stdint.h>

#define CPA_ABI_VERSION 1u

/* Bytes crossing the ABI, malloc'd by the side that answers and freed through its free_buffer. */
typedef struct {
    void *ptr;
    size_t len;
} cliproxy_buffer;

typedef int (*cliproxy_host_call_fn)(void *host_ctx, const char *method, const uint8_t *request,
                                     size_t request_len, cliproxy_buffer *response);
typedef void (*cliproxy_host_free_fn)(void *ptr, size_t len);

/* What CPA hands the plugin at init: valid until the plugin's shutdown returns. */
typedef struct {
    uint32_t abi_version;
    void *host_ctx;
    cliproxy_host_call_fn call;
    cliproxy_host_free_fn free_buffer;
} cliproxy_host_api;

typedef int (*cliproxy_plugin_call_fn)(const char *method, const uint8_t *request, size_t request_len,
                                       cliproxy_buffer *response);
typedef void (*cliproxy_plugin_free_fn)(void *ptr, size_t len);
typedef void (*cliproxy_plugin_shutdown_fn)(void);

/* What the plugin fills in at init. */
typedef struct {
    uint32_t abi_version;
    cliproxy_plugin_call_fn call;
    cliproxy_plugin_free_fn free_buffer;
    cliproxy_plugin_shutdown_fn shutdown;
} cliproxy_plugin_api;

/* The one symbol a plugin exports, `cliproxy_plugin_init`: 0 on success. */
typedef int (*cliproxy_plugin_init_fn)(const cliproxy_host_api *host, cliproxy_plugin_api *plugin);

#endif
