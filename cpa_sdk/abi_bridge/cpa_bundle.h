/*
 * cpa_bundle.h: what the bundle loader (cpa_bundle.c, the .so CPA loads) and the bundled shim
 * (cpa_bridge.c compiled with CPA_BRIDGE_BUNDLED, extracted from the payload) agree on.
 * docs/shipping.md describes the file layout; cpa_sdk/build/bundle.py writes it.
 *
 *   <id>.so = [ELF of the loader] [payload: a zip, every entry STORED] [trailer: 64 bytes]
 *
 * The trailer is the last 64 bytes of the file: the magic, the payload's offset and size
 * (little-endian u64) and the sha256 of the payload bytes. The payload zip holds
 * `cpa_bundle.json` (manifest), `bridge.so` (the shim) and `site/` (the plugin's Python code
 * and its dependencies).
 */
#ifndef CPA_BUNDLE_H
#define CPA_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define CPA_BUNDLE_MAGIC "cpa-sdk-payload1" /* 16 bytes, no NUL in the file */
#define CPA_BUNDLE_MAGIC_LEN 16
#define CPA_BUNDLE_TRAILER_LEN 64
#define CPA_BUNDLE_SHIM "bridge.so"
#define CPA_BUNDLE_SITE "site"
#define CPA_BUNDLE_STAMP ".complete"
#define CPA_BUNDLE_API_VERSION 1u
#define CPA_BUNDLE_API_SYMBOL "cpa_bridge_bundle_api"

/* The bundled shim's entry points. The loader calls `open` once per cliproxy_plugin_init; the
 * returned instance is passed to `call` and `shutdown`, so several loaders (two versions of a
 * plugin, or two file names of one payload) can share one mapped shim. `open` returns NULL only
 * when out of memory; every other failure is kept in the instance and answered by `call`. */
typedef struct {
    uint32_t api_version;
    void *(*open)(const void *host_api, const char *so_path, const char *payload_dir);
    int (*call)(void *instance, const char *method, const uint8_t *request, size_t request_len,
                void *response /* cliproxy_buffer * */);
    void (*shutdown)(void *instance);
} cpa_bridge_bundle_api_t;

#endif
