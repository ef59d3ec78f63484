/*
 * cpa_bundle.c: the loader of a bundled plugin, i.e. the `<id>.so` that CPA dlopen()s when the
 * plugin was built with `cpa-sdk build --bundle` (docs/shipping.md). It links no libpython and
 * carries the plugin's whole Python payload appended to itself (cpa_bundle.h). At init it
 * unpacks the payload once into a per-user cache, loads libpython, loads the bundled shim from
 * the cache (cpa_bridge.c built with CPA_BRIDGE_BUNDLED) and forwards the ABI to it.
 *
 * Rules this file obeys (the shim's R1-R11 still hold for everything Python does):
 *
 *  B1  One exported symbol, `cliproxy_plugin_init`. Our own path comes from dladdr() on a hidden
 *      function. Pinned like the shim (-z nodelete): statics hold the shim instance.
 *  B2  Never crash, never fail the init for a payload or Python problem: init returns 0 and every
 *      call answers one JSON error envelope with rc 1 (codes payload_invalid,
 *      payload_cache_failed, libpython_not_found, python_version_mismatch), printed once to stderr.
 *      A payload whose own libpython does not load answers payload_invalid.
 *  B3  Trust nothing before checking it: the trailer must describe exactly the bytes before it,
 *      and the sha256 of the payload must match BEFORE anything is extracted. Only STORED zip
 *      entries with relative names free of "", ".", ".." components and backslashes are
 *      written, with O_EXCL|O_NOFOLLOW, files 0600 (0700 if executable), directories 0700.
 *  B4  The cache is content-addressed: <root>/payloads/<sha256>/. A payload is extracted into a
 *      private temporary directory in the same parent, every file and directory is fsync'd, the
 *      stamp file is written last, then the directory is renamed into place and the parent
 *      fsync'd. The loser of a concurrent first load removes its copy and uses the winner's. A
 *      directory without the stamp is not trusted: it is moved aside and replaced.
 *  B5  <root>/payloads must be a directory (not a symlink) owned by our effective uid and not
 *      writable by group or others; otherwise nothing is loaded from it.
 *  B6  The environment is read at init, from the process (the interpreter's configuration is
 *      isolated and never sees it): CPA_SDK_CACHE_DIR, XDG_CACHE_HOME, HOME, CPA_SDK_LIBPYTHON,
 *      CPA_SDK_DEBUG (the shim reads CPA_SDK_PYTHONHOME).
 *  B7  One libpython per process. A Python already in global scope (another plugin, or a Python
 *      process loading us with ctypes) is used if its major.minor matches, refused otherwise:
 *      never a second interpreter. Else CPA_SDK_LIBPYTHON names the file; else a bundle with its
 *      own runtime (CPA_BUNDLE_RUNTIME_LIBPYTHON) opens the libpython in its payload directory;
 *      else the soname through the dynamic loader's usual search (LD_LIBRARY_PATH, ld.so.cache,
 *      system directories); else the build's LIBDIR. It is opened RTLD_GLOBAL (the shim's R2:
 *      extension modules need libpython's symbols), and later Python plugins find it there.
 *  B8  The shim is opened RTLD_NOW|RTLD_LOCAL|RTLD_NODELETE (the shim's R3). It links no
 *      libpython: its Python symbols bind to the one B7 put in global scope.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpa_abi.h"
#include "cpa_bundle.h"
#include "cpa_bundle_config.h"
#include "cpa_envelope.h"

#define ERRLEN 1536
#define ROOTMAX 3072 /* the cache's payloads directory; longer paths are refused */
#define DIRMAX (ROOTMAX + 80)

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER; /* serialises init and shutdown */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_open;                                        /* init without shutdown yet */
static const cpa_bridge_bundle_api_t *g_api;              /* the shim, once loaded */
static _Atomic(void *) g_inst;                            /* the shim instance, NULL if failed */
static char *g_fail;                                      /* the envelope every call answers */
static size_t g_fail_len;

/* ---- small helpers --------------------------------------------------------------------------- */

static int debug_on(void) {
    const char *v = getenv("CPA_SDK_DEBUG");
    return v && *v && strcmp(v, "0") != 0;
}

static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fputs("cpa-sdk: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

static void fail(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERRLEN, fmt, ap);
    va_end(ap);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void set_envelope(const char *code, const char *msg) {
    free(g_fail);
    g_fail_len = 0;
    g_fail = cpa_error_envelope(code, msg, strlen(msg), &g_fail_len);
    if (g_fail == NULL) g_fail_len = 0;
}

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* ---- sha256 (FIPS 180-4), only to check the payload before extracting it ------------------- */

typedef struct {
    uint32_t h[8];
    uint8_t buf[64];
    uint64_t total;
    size_t used;
} sha256_ctx;

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256_ctx *c, const uint8_t *p) {
    uint32_t w[64], a = c->h[0], b = c->h[1], d = c->h[3], e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
    uint32_t cc = c->h[2];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
        h = g, g = f, f = e, e = d + t1, d = cc, cc = b, b = a, a = t1 + t2;
    }
    c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d, c->h[4] += e, c->h[5] += f, c->h[6] += g, c->h[7] += h;
}

static void sha256(const uint8_t *data, size_t n, uint8_t out[32]) {
    sha256_ctx c = {{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19},
                    {0}, (uint64_t)n * 8, 0};
    size_t i = 0;
    for (; i + 64 <= n; i += 64) sha256_block(&c, data + i);
    size_t rest = n - i;
    memcpy(c.buf, data + i, rest);
    c.buf[rest++] = 0x80;
    if (rest > 56) {
        memset(c.buf + rest, 0, 64 - rest);
        sha256_block(&c, c.buf);
        rest = 0;
    }
    memset(c.buf + rest, 0, 56 - rest);
    for (int k = 0; k < 8; k++) c.buf[56 + k] = (uint8_t)(c.total >> (56 - 8 * k));
    sha256_block(&c, c.buf);
    for (int k = 0; k < 8; k++) {
        out[4 * k] = (uint8_t)(c.h[k] >> 24), out[4 * k + 1] = (uint8_t)(c.h[k] >> 16);
        out[4 * k + 2] = (uint8_t)(c.h[k] >> 8), out[4 * k + 3] = (uint8_t)c.h[k];
    }
}

static void hexify(const uint8_t *b, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) out[2 * i] = hex[b[i] >> 4], out[2 * i + 1] = hex[b[i] & 15];
    out[2 * n] = '\0';
}

/* ---- the payload: trailer, mapping, extraction (B3) ------------------------------------------ */

typedef struct {
    const uint8_t *map; /* the whole file, read-only */
    size_t map_len;
    const uint8_t *zip; /* the payload inside it */
    size_t zip_len;
    uint8_t sha[32];
    char hex[65];
} payload;

static int open_payload(const char *path, payload *pl, char *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fail(err, "cannot read %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    uint8_t t[CPA_BUNDLE_TRAILER_LEN];
    size_t size = (size_t)st.st_size;
    if (size < sizeof t || pread(fd, t, sizeof t, (off_t)(size - sizeof t)) != (ssize_t)sizeof t ||
        memcmp(t, CPA_BUNDLE_MAGIC, CPA_BUNDLE_MAGIC_LEN) != 0) {
        close(fd);
        fail(err, "%s carries no intact cpa-sdk payload (no trailer at its end, file size %zu): the file is "
                  "truncated or was stripped; reinstall the plugin", path, size);
        return -1;
    }
    uint64_t off = le64(t + 16), len = le64(t + 24);
    if (off > size || len > size || off + len + sizeof t != size || len < 22) {
        close(fd);
        fail(err, "%s: the payload trailer does not match the file (offset %llu, size %llu, file %zu): the file is "
                  "truncated or damaged; reinstall the plugin", path, (unsigned long long)off, (unsigned long long)len, size);
        return -1;
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        fail(err, "cannot map %s: %s", path, strerror(errno));
        return -1;
    }
    pl->map = map;
    pl->map_len = size;
    pl->zip = (const uint8_t *)map + off;
    pl->zip_len = (size_t)len;
    memcpy(pl->sha, t + 32, 32);
    hexify(pl->sha, 32, pl->hex);
    return 0;
}

static void close_payload(payload *pl) {
    if (pl->map) munmap((void *)pl->map, pl->map_len);
    pl->map = NULL;
}

static int mkdirs(const char *path, mode_t mode) { /* mkdir -p; 0 or -1 with errno */
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return errno = ENAMETOOLONG, -1;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st) != 0) return -1;
    return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
}

static int safe_name(const char *name, size_t n) {
    if (n == 0 || name[0] == '/' || memchr(name, '\\', n) || memchr(name, '\0', n)) return 0;
    const char *p = name, *end = name + n;
    while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = (size_t)((slash ? slash : end) - p);
        if (slash == NULL || slash + 1 < end || len > 0) { /* a trailing '/' marks a directory */
            if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) return 0;
        }
        p += len + 1;
    }
    return 1;
}

static int write_file(const char *path, const uint8_t *data, size_t n, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return errno = e ? e : EIO, -1;
        }
        data += w, n -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
    }
    return close(fd);
}

/* Write every entry of the (verified) payload zip under `dir`. */
static int extract(const payload *pl, const char *dir, char *err) {
    const uint8_t *z = pl->zip, *eocd = z + pl->zip_len - 22;
    size_t n = pl->zip_len;
    if (le32(eocd) != 0x06054b50u) return fail(err, "payload: no zip end record"), -1;
    uint32_t count = le16(eocd + 10), cd_size = le32(eocd + 12), cd_off = le32(eocd + 16);
    if ((size_t)cd_off + cd_size > n - 22) return fail(err, "payload: bad zip directory"), -1;
    const uint8_t *p = z + cd_off, *cd_end = p + cd_size;
    char path[PATH_MAX];
    size_t dlen = strlen(dir);
    for (uint32_t i = 0; i < count; i++) {
        if (p + 46 > cd_end || le32(p) != 0x02014b50u) return fail(err, "payload: bad zip entry %u", i), -1;
        uint16_t flags = le16(p + 8), method = le16(p + 10), nlen = le16(p + 28);
        uint32_t csize = le32(p + 20), usize = le32(p + 24), attrs = le32(p + 38), lho = le32(p + 42);
        const char *name = (const char *)p + 46;
        p += 46 + nlen + le16(p + 30) + le16(p + 32);
        if (p > cd_end || (flags & 1) || method != 0 || csize != usize || !safe_name(name, nlen) ||
            dlen + 1 + nlen >= sizeof path)
            return fail(err, "payload: zip entry %u is not a plain stored file with a safe name", i), -1;
        if ((size_t)lho + 30 > cd_off || le32(z + lho) != 0x04034b50u) return fail(err, "payload: bad local header %u", i), -1;
        size_t data = (size_t)lho + 30 + le16(z + lho + 26) + le16(z + lho + 28);
        if (data > cd_off || csize > cd_off - data) return fail(err, "payload: entry %u overruns the archive", i), -1;
        memcpy(path, dir, dlen);
        path[dlen] = '/';
        memcpy(path + dlen + 1, name, nlen);
        path[dlen + 1 + nlen] = '\0';
        int is_dir = name[nlen - 1] == '/';
        if (is_dir) path[dlen + nlen] = '\0';
        char *slash = strrchr(path + dlen + 1, '/');
        if (slash && !is_dir) {
            *slash = '\0';
            int rc = mkdirs(path, 0700);
            *slash = '/';
            if (rc != 0) return fail(err, "cannot create %s: %s", path, strerror(errno)), -1;
        }
        if (is_dir ? mkdirs(path, 0700) : write_file(path, z + data, csize, ((attrs >> 16) & 0111) ? 0700 : 0600))
            return fail(err, "cannot write %s: %s", path, strerror(errno)), -1;
    }
    return 0;
}

static int fsync_dir_cb(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    if (type != FTW_D) return 0;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int remove_cb(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    (void)remove(path);
    return 0;
}

static void remove_tree(const char *path) { (void)nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS); }

static int complete(const char *dir) {
    char stamp[DIRMAX + 16];
    struct stat st;
    snprintf(stamp, sizeof stamp, "%s/" CPA_BUNDLE_STAMP, dir);
    return lstat(stamp, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- the cache (B4, B5) ---------------------------------------------------------------------- */

static int cache_payloads_dir(char *out, size_t n, char *err) {
    const char *env = getenv("CPA_SDK_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char pwbuf[4096];
    struct passwd pw, *found = NULL;
    int len;
    if (env && *env) {
        if (env[0] != '/') return fail(err, "CPA_SDK_CACHE_DIR=%s is not an absolute path", env), -1;
        len = snprintf(out, n, "%s/payloads", env);
    } else if (xdg && xdg[0] == '/') {
        len = snprintf(out, n, "%s/cpa-sdk/payloads", xdg);
    } else {
        if (!(home && home[0] == '/') && getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &found) == 0 && found)
            home = found->pw_dir;
        if (!(home && home[0] == '/'))
            return fail(err, "no cache directory: HOME is not set; set CPA_SDK_CACHE_DIR to a private directory"), -1;
        len = snprintf(out, n, "%s/.cache/cpa-sdk/payloads", home);
    }
    if (len < 0 || (size_t)len >= n - 80) return fail(err, "cache directory path too long"), -1;
    if (mkdirs(out, 0700) != 0)
        return fail(err, "cannot create the cache directory %s: %s; set CPA_SDK_CACHE_DIR to a writable private "
                         "directory", out, strerror(errno)), -1;
    struct stat st;
    if (lstat(out, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
        return fail(err, "the cache directory %s is not a private directory of uid %u (it must not be a symlink nor "
                         "writable by others): fix it, remove it, or set CPA_SDK_CACHE_DIR", out, (unsigned)geteuid()), -1;
    return 0;
}

/* Make <payloads>/<hex> exist and be complete (B4). `how` says what happened. */
static int materialise(const payload *pl, const char *payloads, const char *final, char *how, size_t hown, char *err) {
    char tmp[DIRMAX], stale[DIRMAX], stamp[DIRMAX + 16];
    if (complete(final)) return snprintf(how, hown, "cached"), 0;
    double t0 = now_ms();
    uint8_t got[32];
    sha256(pl->zip, pl->zip_len, got);
    if (memcmp(got, pl->sha, 32) != 0) {
        char gothex[65];
        hexify(got, 32, gothex);
        return fail(err, "the payload fails its sha256 check (recorded %s, computed %s): the file is damaged or was "
                         "modified; reinstall the plugin", pl->hex, gothex), -1;
    }
    double t1 = now_ms();
    snprintf(tmp, sizeof tmp, "%s/.tmp-%.16s-XXXXXX", payloads, pl->hex);
    if (mkdtemp(tmp) == NULL) return fail(err, "cannot create a directory in %s: %s", payloads, strerror(errno)), -1;
    snprintf(stamp, sizeof stamp, "%s/" CPA_BUNDLE_STAMP, tmp);
    if (extract(pl, tmp, err) != 0 || write_file(stamp, (const uint8_t *)pl->hex, 64, 0600) != 0 ||
        nftw(tmp, fsync_dir_cb, 16, FTW_PHYS) != 0) {
        if (!*err) fail(err, "cannot write %s: %s", tmp, strerror(errno));
        remove_tree(tmp);
        return -1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (rename(tmp, final) == 0) {
            int fd = open(payloads, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd >= 0) (void)fsync(fd), close(fd);
            snprintf(how, hown, "extracted (sha256 %.0f ms, unpack %.0f ms)", t1 - t0, now_ms() - t1);
            return 0;
        }
        if (errno != EEXIST && errno != ENOTEMPTY) break;
        if (complete(final)) { /* another process or thread won the race */
            remove_tree(tmp);
            snprintf(how, hown, "extracted by a concurrent load");
            return 0;
        }
        /* A directory without the stamp: never ours to trust. Move it aside, remove it, retry. */
        snprintf(stale, sizeof stale, "%s/.stale-%.16s-XXXXXX", payloads, pl->hex);
        if (mkdtemp(stale) == NULL || rename(final, stale) != 0) break;
        remove_tree(stale);
    }
    fail(err, "cannot move the extracted payload to %s: %s", final, strerror(errno));
    remove_tree(tmp);
    return complete(final) ? 0 : -1;
}

/* ---- libpython (B7) ---------------------------------------------------------------------------- */

/* NULL if `handle` (RTLD_DEFAULT: the process) runs our major.minor; else the error code. */
static const char *check_python(void *handle, const char *where, char *err) {
    const char *(*version)(void) = (const char *(*)(void))dlsym(handle, "Py_GetVersion");
    if (version == NULL) {
        fail(err, "%s is not a Python shared library (no Py_GetVersion)", where);
        return "libpython_not_found";
    }
    const char *v = version(), *space = strchr(v, ' '); /* safe before initialisation */
    char *end = NULL;
    long major = strtol(v, &end, 10), minor = (end && *end == '.') ? strtol(end + 1, NULL, 10) : -1;
    if (major == CPA_BUNDLE_PY_MAJOR && minor == CPA_BUNDLE_PY_MINOR) return NULL;
    fail(err, "plugin built for Python %d.%d but %s is Python %.*s; rebuild the plugin with that Python, or give "
              "this process a Python %d.%d (without other Python plugins of another version)", CPA_BUNDLE_PY_MAJOR,
         CPA_BUNDLE_PY_MINOR, where, (int)(space ? (size_t)(space - v) : strlen(v)), v, CPA_BUNDLE_PY_MAJOR,
         CPA_BUNDLE_PY_MINOR);
    return "python_version_mismatch";
}

/* Open `path` into global scope, or NULL with `first` holding why. */
static void *open_global(const char *path, char *first, size_t n) {
    void *h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (h == NULL) snprintf(first, n, "%s", dlerror());
    return h;
}

/* B7. On success `how` says which libpython and why; else returns the error code. `dir` is the
 * payload's cache directory (the embedded runtime's libpython lives in it). */
static const char *load_libpython(const char *dir, char *how, size_t hown, char *err) {
    const char *env = getenv("CPA_SDK_LIBPYTHON"), *code;
    char first[512] = "";
    Dl_info info;
    void *h, *sym = dlsym(RTLD_DEFAULT, "Py_GetVersion");
    if (sym != NULL) { /* one libpython per process: use (or refuse) the one running */
        const char *where = dladdr(sym, &info) && info.dli_fname ? info.dli_fname : "the process";
        if ((code = check_python(RTLD_DEFAULT, "the Python already in this process", err)) != NULL) return code;
        snprintf(how, hown, "%s (already in the process)", where);
        return NULL;
    }
    if (env && *env) {
        if ((h = open_global(env, first, sizeof first)) == NULL) {
            fail(err, "CPA_SDK_LIBPYTHON=%s cannot be loaded: %s", env, first);
            return "libpython_not_found";
        }
        snprintf(how, hown, "%s (CPA_SDK_LIBPYTHON)", env);
    } else {
#ifdef CPA_BUNDLE_RUNTIME_LIBPYTHON
        char path[DIRMAX + 64];
        snprintf(path, sizeof path, "%s/" CPA_BUNDLE_RUNTIME_LIBPYTHON, dir);
        if ((h = open_global(path, first, sizeof first)) == NULL) {
            fail(err, "cannot load the bundle's own Python %d.%d (%s): %s; the cache directory %s may be damaged: "
                      "remove it and restart CPA", CPA_BUNDLE_PY_MAJOR, CPA_BUNDLE_PY_MINOR, path, first, dir);
            return "payload_invalid";
        }
        snprintf(how, hown, "%s (bundled runtime)", path);
#else
        (void)dir;
        if ((h = open_global(CPA_BUNDLE_LIBPYTHON, first, sizeof first)) != NULL) {
            sym = dlsym(h, "Py_GetVersion");
            snprintf(how, hown, "%s (dynamic loader)",
                     sym && dladdr(sym, &info) && info.dli_fname ? info.dli_fname : CPA_BUNDLE_LIBPYTHON);
        } else if ((h = dlopen(CPA_BUNDLE_LIBPYTHON_FALLBACK, RTLD_NOW | RTLD_GLOBAL)) != NULL) {
            snprintf(how, hown, "%s (the build's LIBDIR)", CPA_BUNDLE_LIBPYTHON_FALLBACK);
        } else {
            fail(err, "cannot load Python %d.%d's shared library: %s; %s. Install it (Debian/Ubuntu: apt install "
                      "libpython%d.%d; Fedora: python3-libs; or use a python:%d.%d image), set CPA_SDK_LIBPYTHON to "
                      "its path, or package the plugin with its own runtime (cpa-sdk package without --runtime "
                      "system)", CPA_BUNDLE_PY_MAJOR, CPA_BUNDLE_PY_MINOR, first, dlerror(), CPA_BUNDLE_PY_MAJOR,
                 CPA_BUNDLE_PY_MINOR, CPA_BUNDLE_PY_MAJOR, CPA_BUNDLE_PY_MINOR);
            return "libpython_not_found";
        }
#endif
    }
    if ((code = check_python(h, how, err)) != NULL) {
        dlclose(h); /* leave no wrong Python in global scope */
        return code;
    }
    return NULL;
}

/* ---- init / call / shutdown ------------------------------------------------------------------ */

static const char *self_path(void) {
    static Dl_info self;
    if (dladdr((void *)&self_path, &self) && self.dli_fname) return self.dli_fname;
    return "";
}

static void pin_self(void) { /* B1; the handle is leaked on purpose */
    (void)dlopen(self_path(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/* Everything up to a shim instance; returns an error code (and err) or NULL. */
static const char *open_bundle(const void *host, void **inst, char *err) {
    char payloads[ROOTMAX], dir[DIRMAX], shim[DIRMAX + 16], how[256] = "", pyhow[PATH_MAX + 64] = "";
    const char *so = self_path(), *code = NULL;
    payload pl = {0};
    double t0 = now_ms();
    if (open_payload(so, &pl, err) != 0) return "payload_invalid";
    if (cache_payloads_dir(payloads, sizeof payloads, err) != 0) {
        close_payload(&pl);
        return "payload_cache_failed";
    }
    snprintf(dir, sizeof dir, "%s/%s", payloads, pl.hex);
    err[0] = '\0';
    int rc = materialise(&pl, payloads, dir, how, sizeof how, err);
    close_payload(&pl);
    if (rc != 0) return strstr(err, "sha256") ? "payload_invalid" : "payload_cache_failed";
    if ((code = load_libpython(dir, pyhow, sizeof pyhow, err)) != NULL) return code;
    snprintf(shim, sizeof shim, "%s/" CPA_BUNDLE_SHIM, dir);
    void *h = dlopen(shim, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    const cpa_bridge_bundle_api_t *(*entry)(void) = h ? (const cpa_bridge_bundle_api_t *(*)(void))dlsym(h, CPA_BUNDLE_API_SYMBOL) : NULL;
    g_api = entry ? entry() : NULL;
    if (g_api == NULL || g_api->api_version != CPA_BUNDLE_API_VERSION) {
        fail(err, "cannot load the bundled shim %s: %s", shim, h ? "wrong API version" : dlerror());
        g_api = NULL;
        return "payload_cache_failed";
    }
    if (debug_on()) say("%s: payload %s %s in %.0f ms at %s; libpython %s", so, pl.hex, how, now_ms() - t0, dir, pyhow);
    *inst = g_api->open(host, so, dir);
    if (*inst == NULL) return fail(err, "out of memory"), "plugin_load_failed";
    return NULL;
}

static int bundle_call(const char *method, const uint8_t *request, size_t request_len, cliproxy_buffer *out) {
    void *inst = atomic_load(&g_inst);
    if (inst != NULL) return g_api->call(inst, method, request, request_len, out);
    if (out == NULL) return 1;
    out->ptr = NULL;
    out->len = 0;
    if (g_fail && (out->ptr = malloc(g_fail_len)) != NULL) {
        memcpy(out->ptr, g_fail, g_fail_len);
        out->len = g_fail_len;
    }
    return 1;
}

static void bundle_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

static void bundle_shutdown(void) {
    pthread_mutex_lock(&g_mu);
    void *inst = atomic_exchange(&g_inst, NULL);
    if (inst != NULL) g_api->shutdown(inst);
    set_envelope("plugin_closed", "the plugin is not initialised or already shut down");
    g_open = 0;
    pthread_mutex_unlock(&g_mu);
}

__attribute__((visibility("default"))) int cliproxy_plugin_init(const cliproxy_host_api *host,
                                                                 cliproxy_plugin_api *plugin) {
    char err[ERRLEN] = "";
    void *inst = NULL;
    if (plugin == NULL) return 1;
    pthread_once(&g_once, pin_self);
    pthread_mutex_lock(&g_mu);
    if (g_open) { /* same mapped file initialised twice without shutdown (as the shim) */
        pthread_mutex_unlock(&g_mu);
        return 1;
    }
    const char *code = open_bundle(host, &inst, err);
    if (code != NULL) {
        set_envelope(code, err);
        say("%s: %s: %s", self_path(), code, err);
    }
    atomic_store(&g_inst, inst);
    g_open = 1;
    plugin->abi_version = CPA_ABI_VERSION;
    plugin->call = bundle_call;
    plugin->free_buffer = bundle_free;
    plugin->shutdown = bundle_shutdown;
    pthread_mutex_unlock(&g_mu);
    return 0;
}
