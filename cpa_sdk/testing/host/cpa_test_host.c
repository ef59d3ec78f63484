/*
 * cpa_test_host: loads CPA plugin .so files the way CPA's loader does (internal/pluginhost/
 * loader_unix.go at v7.2.140) and drives them. It does NOT link libpython: whatever Python a
 * plugin needs, the plugin must bring along, exactly as inside CPA.
 *
 * Loading: dlopen(RTLD_NOW|RTLD_LOCAL), dlsym("cliproxy_plugin_init"), a malloc'd host API with
 * abi_version 1 and a malloc'd host_ctx, init, then the same checks as CPA (rc, abi_version,
 * call and free_buffer set); on failure: the plugin's shutdown if it set one, then dlclose.
 * Calls: the request is a malloc'd copy (NULL when empty), the response is copied and released
 * with the plugin's free_buffer whenever ptr != NULL. Unload: shutdown, host_ctx marked dead,
 * dlclose. Every host callback is recorded; one arriving on a dead host_ctx is a "late host
 * call", which CPA would answer by reading freed memory, so it fails the run.
 *
 * Output: one JSON object per line. Strings are byte strings: each byte 0x00-0xff is written as
 * the code point U+0000-U+00FF (decode with .encode("latin-1")).
 *
 * Modes:
 *   script FILE [REPEAT]     run a script (below) REPEAT times
 *   stress SO THREADS CALLS LOGGERS [WORK_NS]
 *                            THREADS threads x CALLS calls of "echo" with unique requests,
 *                            answers checked byte for byte; LOGGERS more threads call "log"
 *                            (the plugin calls host.log inside the call) CALLS/10 times each
 *   race SO M1 TEXT1 M2 TEXT2 DELAY_MS
 *                            one thread calls M1; DELAY_MS later another calls M2; both answers
 *   contend SO CALLS         one thread calls "echo" without pause until another thread has made
 *                            CALLS calls of "echo" (it must not be starved); answers checked
 *   bench SO METHOD REQFILE THREADS[,THREADS...] CALLS [SETUP_METHOD SETUP_REQFILE [WORK_NS]]
 *                            ns per call and calls/s for each thread count (warm, same process)
 *   coldstart SO [METHOD REQFILE [SO2 [REQFILE2] ...]]
 *                            time dlopen + init + one call (plugin.register) in this process,
 *                            then for each further SO beside it (wall and CPU time, RSS)
 *   admission SO REGFILE THREADS REQUESTS ROUNDS BODY BLOCKED_BODY [HOLD_NS]
 *                            admission control (request.intercept_before, request.complete) from
 *                            THREADS threads at once, after plugin.register with REGFILE's request
 *                            (the config); BODY and BLOCKED_BODY are base64 Body fields, the
 *                            second holding the reject keyword (every 4th request). Per round and
 *                            step (admit, again, complete, churn; then a last admit), one line of
 *                            counts; HOLD_NS: how long churn holds an admitted request (20000)
 * WORK_NS: each host thread also works that long after each call, busy and holding no lock (CPA's
 * own share of a request).
 *
 * Script lines (fields separated by one space; TEXT is the rest of the line, unescaped with
 * \n \r \t \\ \0 \xHH; the whole-field tokens @null and @empty mean a NULL pointer and a
 * non-NULL empty buffer):
 *   load NAME PATH           expect RC TEXT       (previous call: rc (* = any), out contains TEXT)
 *   call NAME METHOD [TEXT]  hostreply METHOD TEXT (answer for host callbacks; TEXT @rc1 = rc 1;
 *                            the last hostreply of a method answers every later callback to it)
 *                            hostqueue METHOD TEXT (one-shot answers, used in order before the
 *                            method's hostreply: for successive answers within one call)
 *   unload NAME              sleep MS             stats
 *   signals                  (prints the disposition of the signals Go and Python care about)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../abi_bridge/cpa_abi.h" /* the ABI, as the SDK's shim declares it */

/* ---- bytes and JSON output ----------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len;
    int is_null;
} bytes;

static void put_json_bytes(FILE *f, const char *p, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void put_json_str(FILE *f, const char *s) {
    if (s == NULL)
        fputs("null", f);
    else
        put_json_bytes(f, s, strlen(s));
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bytes unescape(const char *s) {
    bytes b = {NULL, 0, 0};
    if (s == NULL || strcmp(s, "@null") == 0) {
        b.is_null = 1;
        return b;
    }
    if (strcmp(s, "@empty") == 0) {
        b.p = malloc(1);
        return b;
    }
    size_t n = strlen(s);
    b.p = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[++i];
            if (e == 'n') c = '\n';
            else if (e == 'r') c = '\r';
            else if (e == 't') c = '\t';
            else if (e == '0') c = '\0';
            else if (e == 'x' && i + 2 < n) {
                char hex[3] = {s[i + 1], s[i + 2], 0};
                c = (char)strtol(hex, NULL, 16);
                i += 2;
            } else c = e;
        }
        b.p[b.len++] = c;
    }
    b.p[b.len] = 0;
    return b;
}

static bytes read_file(const char *path) {
    bytes b = {NULL, 0, 0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = malloc((size_t)n + 1);
    b.len = fread(b.p, 1, (size_t)n, f);
    fclose(f);
    while (b.len && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r')) b.len--;
    return b;
}

/* ---- the host side: host_ctx, callbacks, recording ------------------------------------------ */

typedef struct {
    char name[64];
    atomic_int alive;
    cliproxy_plugin_api *api; /* for host.reenter */
} host_ctx;

typedef struct {
    char plugin[64];
    char *method;
    char *request;
    size_t request_len;
    int late;
} host_record;

static pthread_mutex_t g_rec_mu = PTHREAD_MUTEX_INITIALIZER;
static host_record *g_recs;
static size_t g_nrecs, g_caprecs, g_printed;
static int g_keep_records = 1;
static atomic_long g_host_calls, g_host_logs, g_late_calls;

typedef struct {
    char *method;
    bytes reply;
    int rc1;
    int queued; /* hostqueue: answers once, in order, before the method's hostreply */
    int used;
} host_reply;
static pthread_mutex_t g_reply_mu = PTHREAD_MUTEX_INITIALIZER;
static host_reply *g_replies;
static size_t g_nreplies, g_capreplies;

static host_reply *add_reply(void) {
    pthread_mutex_lock(&g_reply_mu);
    if (g_nreplies == g_capreplies) {
        g_capreplies = g_capreplies ? 2 * g_capreplies : 64;
        g_replies = realloc(g_replies, g_capreplies * sizeof *g_replies);
    }
    host_reply *r = &g_replies[g_nreplies++];
    memset(r, 0, sizeof *r);
    pthread_mutex_unlock(&g_reply_mu);
    return r;
}

/* The answer for a callback to ``method``: its first unused queued answer, else its last
 * hostreply. Returned by value: the script thread may grow the array while plugin threads call
 * (the reply bytes themselves are never moved or freed). ``found`` is 0 when nothing matched. */
static host_reply pick_reply(const char *method, int *found) {
    host_reply picked = {0};
    *found = 0;
    pthread_mutex_lock(&g_reply_mu);
    for (size_t i = 0; i < g_nreplies; i++) {
        host_reply *r = &g_replies[i];
        if (strcmp(r->method, method) != 0) continue;
        if (r->queued) {
            if (!r->used) {
                r->used = 1;
                picked = *r;
                *found = 1;
                break;
            }
        } else {
            picked = *r;
            *found = 1;
        }
    }
    pthread_mutex_unlock(&g_reply_mu);
    return picked;
}

static void record(const char *plugin, const char *method, const uint8_t *req, size_t len, int late) {
    pthread_mutex_lock(&g_rec_mu);
    if (g_nrecs == g_caprecs) {
        g_caprecs = g_caprecs ? 2 * g_caprecs : 256;
        g_recs = realloc(g_recs, g_caprecs * sizeof *g_recs);
    }
    host_record *r = &g_recs[g_nrecs++];
    snprintf(r->plugin, sizeof r->plugin, "%s", plugin);
    r->method = strdup(method);
    r->request = malloc(len + 1);
    if (len) memcpy(r->request, req, len);
    r->request_len = len;
    r->late = late;
    pthread_mutex_unlock(&g_rec_mu);
}

static int host_call(void *ctx, const char *method, const uint8_t *req, size_t len, cliproxy_buffer *resp) {
    if (resp) {
        resp->ptr = NULL;
        resp->len = 0;
    }
    if (ctx == NULL || method == NULL) return 1;
    host_ctx *c = ctx;
    if (!atomic_load(&c->alive)) { /* CPA: host_ctx already freed */
        atomic_fetch_add(&g_late_calls, 1);
        record(c->name, method, req, len, 1);
        return 1;
    }
    atomic_fetch_add(&g_host_calls, 1);
    if (strcmp(method, "host.log") == 0) atomic_fetch_add(&g_host_logs, 1);
    if (g_keep_records) record(c->name, method, req, len, 0);
    if (strcmp(method, "host.reenter") == 0 && c->api && c->api->call) {
        /* Re-enter the plugin on this very thread, as a host callback handler could: call its
         * "echo" with the request and answer with what it answered. */
        cliproxy_buffer inner = {NULL, 0};
        int rc = c->api->call("echo", req, len, &inner);
        if (resp && inner.ptr && inner.len) {
            resp->ptr = malloc(inner.len);
            memcpy(resp->ptr, inner.ptr, inner.len);
            resp->len = inner.len;
        }
        if (inner.ptr) c->api->free_buffer(inner.ptr, inner.len);
        return rc;
    }
    const char *reply = "{\"ok\":true,\"result\":{}}";
    size_t reply_len = strlen(reply);
    int found;
    host_reply scripted = pick_reply(method, &found);
    if (found) {
        if (scripted.rc1) return 1;
        reply = scripted.reply.p;
        reply_len = scripted.reply.len;
    }
    if (resp && reply_len) {
        resp->ptr = malloc(reply_len);
        memcpy(resp->ptr, reply, reply_len);
        resp->len = reply_len;
    }
    return 0;
}

static void host_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

static void print_records(void) {
    pthread_mutex_lock(&g_rec_mu);
    for (; g_printed < g_nrecs; g_printed++) {
        host_record *r = &g_recs[g_printed];
        printf("{\"event\":\"%s\",\"plugin\":", r->late ? "late_host_call" : "host_call");
        put_json_str(stdout, r->plugin);
        printf(",\"method\":");
        put_json_str(stdout, r->method);
        printf(",\"request\":");
        put_json_bytes(stdout, r->request, r->request_len);
        printf("}\n");
    }
    pthread_mutex_unlock(&g_rec_mu);
    fflush(stdout);
}

/* ---- plugins: load / call / unload, as CPA does --------------------------------------------- */

typedef struct {
    char name[64];
    void *handle;
    cliproxy_host_api *host;
    host_ctx *ctx;
    cliproxy_plugin_api api;
} plugin;

static void close_plugin(plugin *p) {
    if (p->api.shutdown) p->api.shutdown();
    p->api.shutdown = NULL;
    if (p->ctx) atomic_store(&p->ctx->alive, 0); /* kept allocated so late calls are detected */
    free(p->host);
    p->host = NULL;
    if (p->handle) dlclose(p->handle);
    p->handle = NULL;
    memset(&p->api, 0, sizeof p->api);
}

/* Returns NULL on success, else CPA's error text (in a static buffer). */
static const char *load_plugin(plugin *p, const char *name, const char *path) {
    static char err[1024];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (p->handle == NULL) {
        snprintf(err, sizeof err, "dlopen %s: %s", path, dlerror());
        return err;
    }
    cliproxy_plugin_init_fn init = (cliproxy_plugin_init_fn)dlsym(p->handle, "cliproxy_plugin_init");
    if (init == NULL) {
        snprintf(err, sizeof err, "missing cliproxy_plugin_init: %s", dlerror());
        dlclose(p->handle);
        p->handle = NULL;
        return err;
    }
    p->host = malloc(sizeof *p->host);
    p->ctx = calloc(1, sizeof *p->ctx);
    snprintf(p->ctx->name, sizeof p->ctx->name, "%s", name);
    atomic_store(&p->ctx->alive, 1);
    p->host->abi_version = CPA_ABI_VERSION;
    p->host->host_ctx = p->ctx;
    p->host->call = host_call;
    p->host->free_buffer = host_free;
    p->ctx->api = &p->api;
    int rc = init(p->host, &p->api);
    if (rc != 0) {
        snprintf(err, sizeof err, "cliproxy_plugin_init returned %d", rc);
    } else if (p->api.abi_version != CPA_ABI_VERSION) {
        snprintf(err, sizeof err, "plugin ABI version %u is not supported", p->api.abi_version);
    } else if (p->api.call == NULL || p->api.free_buffer == NULL) {
        snprintf(err, sizeof err, "plugin function table is incomplete");
    } else {
        return NULL;
    }
    close_plugin(p);
    return err;
}

/* One call: request copied into a malloc'd buffer like C.CBytes; response copied out and freed. */
static int call_plugin(plugin *p, const char *method, const char *req, size_t len, int req_null, bytes *out) {
    uint8_t *copy = NULL;
    if (!req_null) {
        copy = malloc(len ? len : 1);
        if (len) memcpy(copy, req, len);
    }
    cliproxy_buffer resp = {NULL, 0};
    int rc = p->api.call(method, copy, len, &resp);
    free(copy);
    out->p = NULL;
    out->len = 0;
    out->is_null = resp.ptr == NULL;
    if (resp.ptr && resp.len) {
        out->p = malloc(resp.len);
        memcpy(out->p, resp.ptr, resp.len);
        out->len = resp.len;
    }
    if (resp.ptr) p->api.free_buffer(resp.ptr, resp.len);
    return rc;
}

/* ---- script mode ------------------------------------------------------------------------------ */

#define MAX_PLUGINS 16
static plugin g_plugins[MAX_PLUGINS];

static plugin *find_plugin(const char *name, int create) {
    for (int i = 0; i < MAX_PLUGINS; i++)
        if (g_plugins[i].name[0] && strcmp(g_plugins[i].name, name) == 0) return &g_plugins[i];
    if (!create) return NULL;
    for (int i = 0; i < MAX_PLUGINS; i++)
        if (!g_plugins[i].name[0]) return &g_plugins[i];
    return NULL;
}

static char *next_field(char **s) { /* splits off one space-separated field */
    if (*s == NULL) return NULL;
    char *f = *s, *sp = strchr(f, ' ');
    if (sp) {
        *sp = 0;
        *s = sp + 1;
    } else {
        *s = NULL;
    }
    return f;
}

static int run_script(const char *path, int repeat) {
    int failures = 0;
    for (int round = 0; round < repeat; round++) {
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "cannot open %s\n", path);
            return 2;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int last_rc = 0, have_last = 0, lineno = 0;
        bytes last = {NULL, 0, 1};
        while ((n = getline(&line, &cap, f)) >= 0) {
            lineno++;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
            if (n == 0 || line[0] == '#') continue;
            char *rest = line, *cmd = next_field(&rest);
            if (strcmp(cmd, "load") == 0) {
                char *name = next_field(&rest);
                plugin *p = find_plugin(name, 1);
                double t0 = now_s();
                const char *err = load_plugin(p, name, rest);
                printf("{\"event\":\"load\",\"round\":%d,\"plugin\":", round);
                put_json_str(stdout, name);
                printf(",\"error\":");
                put_json_str(stdout, err);
                printf(",\"ms\":%.3f}\n", (now_s() - t0) * 1e3);
                if (err) p->name[0] = 0;
            } else if (strcmp(cmd, "call") == 0) {
                char *name = next_field(&rest), *method = next_field(&rest);
                plugin *p = find_plugin(name, 0);
                if (!p || !p->handle) {
                    fprintf(stderr, "line %d: plugin %s not loaded\n", lineno, name);
                    failures++;
                    continue;
                }
                bytes req = unescape(rest);
                bytes m = unescape(method); /* NUL-terminated; @null -> NULL */
                free(last.p);
                int method_null = m.is_null;
                last_rc = call_plugin(p, method_null ? NULL : m.p, req.p, req.len, req.is_null, &last);
                free(m.p);
                have_last = 1;
                free(req.p);
                print_records();
                printf("{\"event\":\"call\",\"round\":%d,\"plugin\":", round);
                put_json_str(stdout, name);
                printf(",\"method\":");
                put_json_str(stdout, method_null ? NULL : method);
                printf(",\"rc\":%d,\"out\":", last_rc);
                if (last.is_null) printf("null");
                else put_json_bytes(stdout, last.p ? last.p : "", last.len);
                printf("}\n");
            } else if (strcmp(cmd, "expect") == 0) {
                char *rc_s = next_field(&rest);
                bytes want = unescape(rest ? rest : "");
                int ok = have_last && (strcmp(rc_s, "*") == 0 || atoi(rc_s) == last_rc);
                if (ok && want.len) ok = last.p && memmem(last.p, last.len, want.p, want.len) != NULL;
                if (!ok) failures++;
                printf("{\"event\":\"expect\",\"round\":%d,\"line\":%d,\"ok\":%s}\n", round, lineno, ok ? "true" : "false");
                free(want.p);
            } else if (strcmp(cmd, "unload") == 0) {
                char *name = next_field(&rest);
                plugin *p = find_plugin(name, 0);
                if (p) {
                    close_plugin(p);
                    p->name[0] = 0;
                }
                print_records();
                printf("{\"event\":\"unload\",\"round\":%d,\"plugin\":", round);
                put_json_str(stdout, name);
                printf("}\n");
            } else if (strcmp(cmd, "hostreply") == 0 || strcmp(cmd, "hostqueue") == 0) {
                char *method = next_field(&rest);
                host_reply *r = add_reply();
                r->queued = strcmp(cmd, "hostqueue") == 0;
                r->method = strdup(method);
                r->rc1 = rest && strcmp(rest, "@rc1") == 0;
                r->reply = unescape(rest ? rest : "");
            } else if (strcmp(cmd, "sleep") == 0) {
                usleep((useconds_t)atoi(rest ? rest : "0") * 1000u);
            } else if (strcmp(cmd, "signals") == 0) { /* who owns the signals the Go runtime cares about */
                static const struct { int sig; const char *name; } sigs[] = {
                    {SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}, {SIGPIPE, "SIGPIPE"}, {SIGSEGV, "SIGSEGV"},
                    {SIGBUS, "SIGBUS"}, {SIGCHLD, "SIGCHLD"}, {SIGXFSZ, "SIGXFSZ"}, {SIGUSR1, "SIGUSR1"}};
                printf("{\"event\":\"signals\"");
                for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
                    struct sigaction sa;
                    sigaction(sigs[i].sig, NULL, &sa);
                    const char *what = sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignored" : "handler";
                    printf(",\"%s\":\"%s\"", sigs[i].name, what);
                }
                printf("}\n");
            } else if (strcmp(cmd, "stats") == 0) {
                print_records();
                printf("{\"event\":\"stats\",\"host_calls\":%ld,\"late_host_calls\":%ld}\n", atomic_load(&g_host_calls),
                       atomic_load(&g_late_calls));
            } else {
                fprintf(stderr, "line %d: unknown command %s\n", lineno, cmd);
                failures++;
            }
            fflush(stdout);
        }
        free(line);
        free(last.p);
        fclose(f);
    }
    print_records();
    long late = atomic_load(&g_late_calls);
    printf("{\"event\":\"done\",\"failures\":%d,\"late_host_calls\":%ld}\n", failures, late);
    return failures || late ? 1 : 0;
}

/* Loads the plugin of a threaded mode; on failure prints {"mode":MODE,"error":...} and returns 1. */
static int load_for_mode(plugin *p, const char *mode, const char *so) {
    const char *err = load_plugin(p, mode, so);
    if (err == NULL) return 0;
    printf("{\"mode\":");
    put_json_str(stdout, mode);
    printf(",\"error\":");
    put_json_str(stdout, err);
    printf("}\n");
    return 1;
}

/* ---- stress mode ------------------------------------------------------------------------------ */

/* Stands for what CPA does with a request besides calling the plugin: a busy CPU, no lock held. */
static void host_work(double seconds) {
    if (seconds <= 0) return;
    double until = now_s() + seconds;
    while (now_s() < until) {
    }
}

typedef struct {
    plugin *p;
    int id, calls, logger;
    double work_s;
    long wrong, done;
    pthread_barrier_t *start;
    char first_wrong[256];
} stress_arg;

static void *stress_thread(void *arg) {
    stress_arg *a = arg;
    char req[96], want[160];
    bytes out;
    pthread_barrier_wait(a->start);
    for (int i = 0; i < a->calls; i++) {
        int rn = snprintf(req, sizeof req, "{\"t\":%d,\"i\":%d}", a->id, i);
        int wn = snprintf(want, sizeof want, "{\"ok\":true,\"result\":%s}", req);
        int rc = call_plugin(a->p, a->logger ? "log" : "echo", req, (size_t)rn, 0, &out);
        if (rc != 0 || out.len != (size_t)wn || memcmp(out.p, want, (size_t)wn) != 0) {
            if (a->wrong++ == 0)
                snprintf(a->first_wrong, sizeof a->first_wrong, "rc=%d out=%.*s", rc, (int)(out.len > 200 ? 200 : out.len),
                         out.p ? out.p : "");
        }
        a->done++;
        free(out.p);
        host_work(a->work_s);
    }
    return NULL;
}

static int run_stress(const char *so, int threads, int calls, int loggers, double work_s) {
    plugin p;
    g_keep_records = 0;
    if (load_for_mode(&p, "stress", so) != 0) return 1;
    int total = threads + loggers;
    pthread_t *tids = calloc((size_t)total, sizeof *tids);
    stress_arg *args = calloc((size_t)total, sizeof *args);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)total);
    double t0 = now_s();
    for (int i = 0; i < total; i++) {
        args[i] = (stress_arg){.p = &p, .id = i, .calls = i < threads ? calls : calls / 10, .logger = i >= threads, .work_s = work_s, .start = &start};
        pthread_create(&tids[i], NULL, stress_thread, &args[i]);
    }
    long wrong = 0, done = 0, log_calls = 0;
    const char *first = "";
    for (int i = 0; i < total; i++) {
        pthread_join(tids[i], NULL);
        wrong += args[i].wrong;
        done += args[i].done;
        if (args[i].logger) log_calls += args[i].done;
        if (args[i].wrong && !*first) first = args[i].first_wrong;
    }
    double secs = now_s() - t0;
    long logs = atomic_load(&g_host_logs); /* before shutdown, which may log too */
    close_plugin(&p);
    long late = atomic_load(&g_late_calls);
    printf("{\"mode\":\"stress\",\"threads\":%d,\"loggers\":%d,\"calls\":%ld,\"wrong\":%ld,\"log_calls\":%ld,"
           "\"host_logs\":%ld,\"late_host_calls\":%ld,\"seconds\":%.3f,\"first_wrong\":",
           threads, loggers, done, wrong, log_calls, logs, late, secs);
    put_json_str(stdout, first);
    printf("}\n");
    return wrong || late || logs != log_calls ? 1 : 0;
}

/* ---- race and contend: two host threads against each other ---------------------------------- */

typedef struct {
    plugin *p;
    const char *method;
    bytes req;
    int rc;
    bytes out;
    double ms;
} race_arg;

static void *race_thread(void *arg) {
    race_arg *a = arg;
    double t0 = now_s();
    a->rc = call_plugin(a->p, a->method, a->req.p, a->req.len, 0, &a->out);
    a->ms = (now_s() - t0) * 1e3;
    return NULL;
}

static int run_race(char **argv) {
    plugin p;
    if (load_for_mode(&p, "race", argv[0]) != 0) return 1;
    race_arg args[2] = {{.p = &p, .method = argv[1], .req = unescape(argv[2])},
                        {.p = &p, .method = argv[3], .req = unescape(argv[4])}};
    pthread_t tids[2];
    pthread_create(&tids[0], NULL, race_thread, &args[0]);
    usleep((useconds_t)atoi(argv[5]) * 1000u);
    pthread_create(&tids[1], NULL, race_thread, &args[1]);
    for (int i = 0; i < 2; i++) pthread_join(tids[i], NULL);
    for (int i = 0; i < 2; i++) {
        printf("{\"event\":\"call\",\"plugin\":\"race\",\"method\":");
        put_json_str(stdout, args[i].method);
        printf(",\"rc\":%d,\"ms\":%.3f,\"out\":", args[i].rc, args[i].ms);
        put_json_bytes(stdout, args[i].out.p ? args[i].out.p : "", args[i].out.len);
        printf("}\n");
        free(args[i].out.p);
        free(args[i].req.p);
    }
    close_plugin(&p);
    return 0;
}

typedef struct {
    plugin *p;
    int id, calls; /* calls < 0: until *stop */
    atomic_int *stop;
    atomic_long done;
    long wrong;
} contend_arg;

static void *contend_thread(void *arg) {
    contend_arg *a = arg;
    char req[96], want[160];
    bytes out;
    for (long i = 0; a->calls < 0 ? !atomic_load(a->stop) : i < a->calls; i++) {
        int rn = snprintf(req, sizeof req, "{\"t\":%d,\"i\":%ld}", a->id, i);
        int wn = snprintf(want, sizeof want, "{\"ok\":true,\"result\":%s}", req);
        int rc = call_plugin(a->p, "echo", req, (size_t)rn, 0, &out);
        if (rc != 0 || out.len != (size_t)wn || memcmp(out.p, want, (size_t)wn) != 0) a->wrong++;
        a->done++;
        free(out.p);
    }
    if (a->calls >= 0) atomic_store(a->stop, 1);
    return NULL;
}

static int run_contend(const char *so, int calls) {
    plugin p;
    g_keep_records = 0;
    if (load_for_mode(&p, "contend", so) != 0) return 1;
    atomic_int stop = 0;
    contend_arg busy = {.p = &p, .id = 0, .calls = -1, .stop = &stop}, waiter = {.p = &p, .id = 1, .calls = calls, .stop = &stop};
    pthread_t tids[2];
    pthread_create(&tids[0], NULL, contend_thread, &busy);
    while (atomic_load(&busy.done) == 0) usleep(100); /* the busy thread is calling before the other starts */
    pthread_create(&tids[1], NULL, contend_thread, &waiter);
    pthread_join(tids[1], NULL);
    long busy_meanwhile = atomic_load(&busy.done);
    pthread_join(tids[0], NULL);
    close_plugin(&p);
    printf("{\"mode\":\"contend\",\"waiter_calls\":%ld,\"busy_calls\":%ld,\"busy_calls_while_waiter_ran\":%ld,"
           "\"wrong\":%ld}\n", atomic_load(&waiter.done), atomic_load(&busy.done), busy_meanwhile, busy.wrong + waiter.wrong);
    return 0;
}

/* ---- admission: request.intercept_before and request.complete from many threads ------------ */

/* The steps of an admission run, the same for every thread; the threads and the main thread meet
 * at a barrier before and after each. A round is ADMIT, AGAIN, COMPLETE, CHURN; after the last
 * round one more ADMIT shows that every slot came back. */
enum adm_phase { ADM_ADMIT, ADM_AGAIN, ADM_COMPLETE, ADM_CHURN, ADM_PHASES };
static const char *const adm_phase_names[ADM_PHASES] = {"admit", "again", "complete", "churn"};

enum adm_verdict { ADM_PASSED, ADM_BUSY, ADM_BLOCKED, ADM_OTHER };

/* One step's counts, summed over the threads; the main thread prints and resets them. */
static struct {
    atomic_long passed, busy, blocked, other; /* intercept answers */
    atomic_long completions, completion_errors;
    atomic_long in_flight, max_in_flight; /* CHURN: admitted and not yet completed, as the host sees it */
} g_adm;

typedef struct {
    plugin *p;
    int id, requests, rounds;
    const char *body, *blocked_body; /* base64, the Body fields */
    double hold_s;
    pthread_barrier_t *step;
    int *admitted, *rejected; /* ADMIT's request indexes, for AGAIN and COMPLETE */
    int nadmitted, nrejected;
} adm_arg;

static int has(const bytes *out, const char *text) {
    return out->p && memmem(out->p, out->len, text, strlen(text)) != NULL;
}

static void adm_id(char *id, size_t cap, const adm_arg *a, int round, const char *what, int i) {
    snprintf(id, cap, "r%d-%s-t%d-%d", round, what, a->id, i);
}

/* request.intercept_before for one request: passed (its Body echoed), 429 with Retry-After: 1,
 * 403, or anything else. */
static enum adm_verdict adm_intercept(const adm_arg *a, const char *id, const char *body) {
    char req[1024], echoed[600];
    int n = snprintf(req, sizeof req, "{\"RequestID\":\"%s\",\"Model\":\"test\",\"Body\":\"%s\"}", id, body);
    snprintf(echoed, sizeof echoed, "\"Body\":\"%s\"", body);
    bytes out;
    int rc = call_plugin(a->p, "request.intercept_before", req, (size_t)n, 0, &out);
    enum adm_verdict v = ADM_OTHER;
    if (rc == 0 && has(&out, "{\"ok\":true,\"result\":")) {
        if (!has(&out, "\"Terminate\":true")) v = has(&out, echoed) ? ADM_PASSED : ADM_OTHER;
        else if (has(&out, "\"StatusCode\":429") && has(&out, "\"Retry-After\":[\"1\"]")) v = ADM_BUSY;
        else if (has(&out, "\"StatusCode\":403")) v = ADM_BLOCKED;
    }
    free(out.p);
    atomic_long *counts[] = {&g_adm.passed, &g_adm.busy, &g_adm.blocked, &g_adm.other};
    atomic_fetch_add(counts[v], 1);
    return v;
}

static void adm_complete(const adm_arg *a, const char *id, const char *outcome) {
    char req[256];
    int n = snprintf(req, sizeof req, "{\"RequestID\":\"%s\",\"Outcome\":\"%s\"}", id, outcome);
    bytes out;
    int rc = call_plugin(a->p, "request.complete", req, (size_t)n, 0, &out);
    atomic_fetch_add(&g_adm.completions, 1);
    if (rc != 0 || !has(&out, "{\"ok\":true")) atomic_fetch_add(&g_adm.completion_errors, 1);
    free(out.p);
}

/* Every fourth request carries the reject keyword. */
static const char *adm_body(const adm_arg *a, int i) { return i % 4 == 3 ? a->blocked_body : a->body; }

/* ADMIT: new requests, none completed; remembers which were admitted and which rejected. */
static void adm_admit(adm_arg *a, int round) {
    char id[96];
    a->nadmitted = a->nrejected = 0;
    for (int i = 0; i < a->requests; i++) {
        adm_id(id, sizeof id, a, round, "admit", i);
        if (adm_intercept(a, id, adm_body(a, i)) == ADM_PASSED) a->admitted[a->nadmitted++] = i;
        else a->rejected[a->nrejected++] = i;
    }
}

/* AGAIN: CPA asks again for the admitted requests, now with the keyword: they pass. */
static void adm_again(adm_arg *a, int round) {
    char id[96];
    for (int k = 0; k < a->nadmitted; k++) {
        adm_id(id, sizeof id, a, round, "admit", a->admitted[k]);
        adm_intercept(a, id, a->blocked_body);
    }
}

/* COMPLETE: CPA completes every request it intercepted (the rejected ones too); the admitted
 * ones twice, and as many IDs nobody ever intercepted. */
static void adm_complete_all(adm_arg *a, int round) {
    char id[96];
    for (int k = 0; k < a->nrejected; k++) {
        adm_id(id, sizeof id, a, round, "admit", a->rejected[k]);
        adm_complete(a, id, "rejected");
    }
    for (int k = 0; k < a->nadmitted; k++) {
        adm_id(id, sizeof id, a, round, "admit", a->admitted[k]);
        adm_complete(a, id, "succeeded");
    }
    for (int i = 0; i < a->requests; i++) {
        adm_id(id, sizeof id, a, round, "unknown", i);
        adm_complete(a, id, "canceled");
    }
    for (int k = 0; k < a->nadmitted; k++) { /* duplicates, while other threads still complete */
        adm_id(id, sizeof id, a, round, "admit", a->admitted[k]);
        adm_complete(a, id, "succeeded");
    }
}

static void note_max(atomic_long *max, long value) {
    long seen = atomic_load(max);
    while (value > seen && !atomic_compare_exchange_weak(max, &seen, value)) {
    }
}

/* CHURN: as in CPA, intercepts and completions at once: each admitted request is held a while,
 * then completed (some twice); unknown IDs are completed in between. The host's own count of
 * requests in flight goes up after the plugin admitted and down before it completes, so it never
 * exceeds the plugin's: a maximum above max_concurrency means the plugin admitted too many. */
static void adm_churn(adm_arg *a, int round) {
    char id[96], unknown[96];
    for (int i = 0; i < a->requests; i++) {
        adm_id(id, sizeof id, a, round, "churn", i);
        if (adm_intercept(a, id, adm_body(a, i)) == ADM_PASSED) {
            note_max(&g_adm.max_in_flight, atomic_fetch_add(&g_adm.in_flight, 1) + 1);
            host_work(a->hold_s);
            atomic_fetch_sub(&g_adm.in_flight, 1);
            adm_complete(a, id, "succeeded");
            if (i % 2) adm_complete(a, id, "succeeded");
        } else {
            adm_complete(a, id, "rejected");
        }
        if (i % 3 == 0) {
            adm_id(unknown, sizeof unknown, a, round, "churn-unknown", i);
            adm_complete(a, unknown, "canceled");
        }
    }
}

static void adm_step(adm_arg *a, int round, enum adm_phase phase) {
    if (phase == ADM_ADMIT) adm_admit(a, round);
    else if (phase == ADM_AGAIN) adm_again(a, round);
    else if (phase == ADM_COMPLETE) adm_complete_all(a, round);
    else adm_churn(a, round);
}

static void *adm_thread(void *arg) {
    adm_arg *a = arg;
    for (int s = 0; s <= a->rounds * ADM_PHASES; s++) {
        pthread_barrier_wait(a->step); /* all threads start the step at once */
        adm_step(a, s / ADM_PHASES, (enum adm_phase)(s % ADM_PHASES));
        pthread_barrier_wait(a->step); /* and all have finished it before the next */
    }
    return NULL;
}

static void adm_print_step(int round, enum adm_phase phase) {
    printf("{\"mode\":\"admission\",\"round\":%d,\"phase\":\"%s\",\"passed\":%ld,\"busy\":%ld,\"blocked\":%ld,"
           "\"other\":%ld,\"completions\":%ld,\"completion_errors\":%ld,\"max_in_flight\":%ld}\n",
           round, adm_phase_names[phase], atomic_load(&g_adm.passed), atomic_load(&g_adm.busy),
           atomic_load(&g_adm.blocked), atomic_load(&g_adm.other), atomic_load(&g_adm.completions),
           atomic_load(&g_adm.completion_errors), atomic_load(&g_adm.max_in_flight));
    fflush(stdout);
    atomic_long *counts[] = {&g_adm.passed, &g_adm.busy, &g_adm.blocked, &g_adm.other, &g_adm.completions,
                             &g_adm.completion_errors, &g_adm.in_flight, &g_adm.max_in_flight};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) atomic_store(counts[i], 0); /* threads wait meanwhile */
}

/* plugin.register with REGFILE's request (the plugin's config_yaml is in it); 0 when accepted. */
static int adm_register(plugin *p, const char *regfile) {
    bytes reg = read_file(regfile), out;
    int rc = call_plugin(p, "plugin.register", reg.p, reg.len, 0, &out);
    int ok = rc == 0 && has(&out, "{\"ok\":true");
    printf("{\"mode\":\"admission\",\"event\":\"register\",\"rc\":%d,\"ok\":%s}\n", rc, ok ? "true" : "false");
    if (!ok) fprintf(stderr, "plugin.register: %.*s\n", (int)out.len, out.p ? out.p : "");
    free(out.p);
    free(reg.p);
    return ok ? 0 : 1;
}

static int run_admission(int argc, char **argv) {
    const char *so = argv[0], *regfile = argv[1];
    int threads = atoi(argv[2]), requests = atoi(argv[3]), rounds = atoi(argv[4]);
    if (threads < 1 || threads > 64 || requests < 1 || rounds < 0 || strlen(argv[5]) > 512 || strlen(argv[6]) > 512) {
        fprintf(stderr, "admission: THREADS 1-64, REQUESTS >= 1, ROUNDS >= 0, bodies of at most 512 characters\n");
        return 2;
    }
    plugin p;
    g_keep_records = 0;
    if (load_for_mode(&p, "admission", so) != 0) return 1;
    if (adm_register(&p, regfile) != 0) {
        close_plugin(&p);
        return 1;
    }
    pthread_t tids[64];
    adm_arg args[64];
    pthread_barrier_t step;
    pthread_barrier_init(&step, NULL, (unsigned)threads + 1);
    double hold_s = argc >= 8 ? atof(argv[7]) / 1e9 : 20e-6;
    for (int i = 0; i < threads; i++) {
        args[i] = (adm_arg){.p = &p, .id = i, .requests = requests, .rounds = rounds, .body = argv[5],
                            .blocked_body = argv[6], .hold_s = hold_s, .step = &step,
                            .admitted = calloc((size_t)requests, sizeof(int)),
                            .rejected = calloc((size_t)requests, sizeof(int))};
        pthread_create(&tids[i], NULL, adm_thread, &args[i]);
    }
    double t0 = now_s();
    for (int s = 0; s <= rounds * ADM_PHASES; s++) {
        pthread_barrier_wait(&step);
        pthread_barrier_wait(&step);
        adm_print_step(s / ADM_PHASES, (enum adm_phase)(s % ADM_PHASES));
    }
    double secs = now_s() - t0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        free(args[i].admitted);
        free(args[i].rejected);
    }
    pthread_barrier_destroy(&step);
    close_plugin(&p);
    long late = atomic_load(&g_late_calls);
    printf("{\"mode\":\"admission\",\"event\":\"done\",\"threads\":%d,\"requests\":%d,\"rounds\":%d,\"seconds\":%.3f,"
           "\"late_host_calls\":%ld}\n", threads, requests, rounds, secs, late);
    return late ? 1 : 0;
}

/* ---- bench and cold start --------------------------------------------------------------------- */

typedef struct {
    plugin *p;
    const char *method;
    bytes *req;
    int calls;
    pthread_barrier_t *start;
    double work_s;
    int last_rc;
} bench_arg;

static void *bench_thread(void *arg) {
    bench_arg *a = arg;
    bytes out;
    pthread_barrier_wait(a->start);
    for (int i = 0; i < a->calls; i++) {
        a->last_rc = call_plugin(a->p, a->method, a->req->p, a->req->len, 0, &out);
        free(out.p);
        host_work(a->work_s);
    }
    return NULL;
}

static int run_bench(int argc, char **argv) {
    const char *so = argv[0], *method = argv[1];
    bytes req = read_file(argv[2]);
    int calls = atoi(argv[4]);
    plugin p;
    g_keep_records = 0;
    if (load_for_mode(&p, "bench", so) != 0) return 1;
    double work_s = argc >= 8 ? atof(argv[7]) / 1e9 : 0;
    bytes out;
    if (argc >= 7) {
        bytes setup = read_file(argv[6]);
        int rc = call_plugin(&p, argv[5], setup.p, setup.len, 0, &out);
        if (rc != 0) fprintf(stderr, "setup %s returned %d: %.*s\n", argv[5], rc, (int)out.len, out.p ? out.p : "");
        free(out.p);
    }
    int rc = call_plugin(&p, method, req.p, req.len, 0, &out);
    printf("{\"mode\":\"bench\",\"event\":\"sample\",\"method\":");
    put_json_str(stdout, method);
    printf(",\"rc\":%d,\"out\":", rc);
    put_json_bytes(stdout, out.p ? out.p : "", out.len);
    printf("}\n");
    free(out.p);
    for (int i = 0; i < calls / 10 + 1000; i++) { /* warm up */
        call_plugin(&p, method, req.p, req.len, 0, &out);
        free(out.p);
    }
    char *list = strdup(argv[3]);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int threads = atoi(tok);
        if (threads < 1) threads = 1;
        if (threads > 64) threads = 64;
        pthread_t tids[64];
        bench_arg args[64];
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
        for (int i = 0; i < threads; i++) {
            args[i] = (bench_arg){.p = &p, .method = method, .req = &req, .calls = calls, .start = &start, .work_s = work_s};
            pthread_create(&tids[i], NULL, bench_thread, &args[i]);
        }
        pthread_barrier_wait(&start);
        double t0 = now_s();
        for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
        double secs = now_s() - t0;
        double total = (double)calls * threads;
        printf("{\"mode\":\"bench\",\"method\":");
        put_json_str(stdout, method);
        printf(",\"threads\":%d,\"work_ns\":%.0f,\"calls\":%.0f,\"seconds\":%.6f,\"ns_per_call\":%.1f,"
               "\"calls_per_sec\":%.0f,\"rc\":%d}\n",
               threads, work_s * 1e9, total, secs, secs * 1e9 / total, total / secs, args[0].last_rc);
        fflush(stdout);
        pthread_barrier_destroy(&start);
    }
    free(list);
    close_plugin(&p);
    return 0;
}

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size of this process in KiB (the second field of /proc/self/statm), 0 if unknown. */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL) return 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One cold start in this process: dlopen + init, then METHOD with REQFILE's bytes. */
static int coldstart_one(const char *name, const char *path, const char *method, const char *reqfile, int first) {
    long rss0 = rss_kib();
    double t0 = now_s(), c0 = cpu_s();
    plugin *p = calloc(1, sizeof *p); /* kept loaded: the next plugin starts beside it, as in CPA */
    const char *err = p ? load_plugin(p, name, path) : "out of memory";
    double t1 = now_s();
    int rc = -1;
    bytes out = {NULL, 0, 1};
    if (!err && method) {
        bytes req = read_file(reqfile);
        rc = call_plugin(p, method, req.p, req.len, 0, &out);
    }
    double t2 = now_s(), c2 = cpu_s();
    printf("{\"mode\":\"coldstart\",\"plugin\":");
    put_json_str(stdout, path);
    printf(",\"first\":%s,\"error\":", first ? "true" : "false");
    put_json_str(stdout, err);
    printf(",\"init_ms\":%.3f,\"call_ms\":%.3f,\"total_ms\":%.3f,\"cpu_ms\":%.3f,\"rss_kib_before\":%ld,"
           "\"rss_kib_after\":%ld,\"rc\":%d,\"out\":",
           (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t2 - t0) * 1e3, (c2 - c0) * 1e3, rss0, rss_kib(), rc);
    put_json_bytes(stdout, out.p ? out.p : "", out.len);
    printf("}\n");
    fflush(stdout);
    return err ? 1 : 0;
}

/* coldstart SO [METHOD REQFILE [SO2 [REQFILE2] ...]]: one line per plugin, each loaded beside
 * the ones before it (a second plugin's start in a process that already runs one). */
static int run_coldstart(int argc, char **argv) {
    g_keep_records = 0;
    const char *method = argc >= 3 ? argv[1] : NULL, *reqfile = argc >= 3 ? argv[2] : NULL;
    if (coldstart_one("cold", argv[0], method, reqfile, 1) != 0) return 1;
    for (int i = 3; i < argc; i++) {
        const char *req = reqfile;
        const char *so = argv[i];
        if (i + 1 < argc && strstr(argv[i + 1], ".so") == NULL) req = argv[++i];
        char name[32];
        snprintf(name, sizeof name, "cold%d", i);
        if (coldstart_one(name, so, method, req, 0) != 0) return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "script") == 0) return run_script(argv[2], argc >= 4 ? atoi(argv[3]) : 1);
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "stress") == 0)
        return run_stress(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), argc == 7 ? atof(argv[6]) / 1e9 : 0);
    if (argc == 8 && strcmp(argv[1], "race") == 0) return run_race(argv + 2);
    if (argc == 4 && strcmp(argv[1], "contend") == 0) return run_contend(argv[2], atoi(argv[3]));
    if (argc >= 7 && strcmp(argv[1], "bench") == 0) return run_bench(argc - 2, argv + 2);
    if ((argc == 9 || argc == 10) && strcmp(argv[1], "admission") == 0) return run_admission(argc - 2, argv + 2);
    if (argc >= 3 && strcmp(argv[1], "coldstart") == 0) return run_coldstart(argc - 2, argv + 2);
    fprintf(stderr,
            "usage: %s script FILE [REPEAT]\n"
            "       %s stress SO THREADS CALLS LOGGERS [WORK_NS]\n"
            "       %s race SO M1 TEXT1 M2 TEXT2 DELAY_MS\n"
            "       %s contend SO CALLS\n"
            "       %s bench SO METHOD REQFILE THREADS[,THREADS...] CALLS [SETUP_METHOD SETUP_REQFILE [WORK_NS]]\n"
            "       %s coldstart SO [METHOD REQFILE [SO2 [REQFILE2] ...]]\n"
            "       %s admission SO REGFILE THREADS REQUESTS ROUNDS BODY BLOCKED_BODY [HOLD_NS]\n",
            argv[0], argv[0], argv[0], argv[0], argv[0], argv[0], argv[0]);
    return 2;
}
