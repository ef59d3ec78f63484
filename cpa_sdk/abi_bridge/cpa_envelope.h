/*
 * cpa_envelope.h: the error envelope both C parts of a plugin answer with when Python cannot
 * (the shim's load failures and version mismatches, the bundle loader's payload errors).
 * Header-only and static, so each library keeps its own copy and exports nothing.
 */
#ifndef CPA_ENVELOPE_H
#define CPA_ENVELOPE_H

#include <stdlib.h>
#include <string.h>

/* JSON string escaping of n bytes into dst (room for 6 * n needed); returns the bytes written. */
static size_t cpa_json_escape(char *dst, const char *src, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c < 0x20) {
            memcpy(dst + o, "\\u00", 4);
            dst[o + 4] = hex[c >> 4];
            dst[o + 5] = hex[c & 15];
            o += 6;
        } else {
            dst[o++] = (char)c;
        }
    }
    return o;
}

/* {"ok":false,"error":{"code":...,"message":...}} in a malloc'd, NUL-terminated buffer. */
static char *cpa_error_envelope(const char *code, const char *msg, size_t msglen, size_t *out_len) {
    static const char a[] = "{\"ok\":false,\"error\":{\"code\":\"", b[] = "\",\"message\":\"", c[] = "\"}}";
    size_t clen = strlen(code);
    char *buf = malloc(sizeof a + sizeof b + sizeof c + 6 * (clen + msglen)); /* room for the NUL */
    if (buf == NULL) return NULL;
    size_t o = 0;
    memcpy(buf, a, sizeof a - 1), o += sizeof a - 1;
    o += cpa_json_escape(buf + o, code, clen);
    memcpy(buf + o, b, sizeof b - 1), o += sizeof b - 1;
    o += cpa_json_escape(buf + o, msg, msglen);
    memcpy(buf + o, c, sizeof c - 1), o += sizeof c - 1;
    buf[o] = '\0';
    *out_len = o;
    return buf;
}

#endif
