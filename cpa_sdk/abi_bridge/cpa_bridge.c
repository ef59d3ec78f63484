/*
 * cpa_bridge.c: the C shim that turns a Python plugin into a CLIProxyAPI (CPA) native plugin.
 *
 * CPA dlopen()s `<id>.so`, calls `cliproxy_plugin_init`, then `call`/`free_buffer` from any
 * number of threads at once, then `shutdown` and dlclose() (CPA's internal/pluginhost/loader_unix.go). This file is
 * compiled once per plugin by `cpa_sdk.build`; everything plugin-specific (the target class, the
 * Python entry function, sys.path, the Python it was built for) comes from the generated
 * `cpa_bridge_config.h`. All the real work happens in Python: the shim hands every call to
 * `endpoint.call(method, request) -> (rc, bytes)` where `endpoint = load(so_path, target,
 * host_call)` (docs/abi-bridge.md, "The contract").
 *
 * Compiled with CPA_BRIDGE_BUNDLED, the same file is the shim inside a self-contained bundle
 * (`cpa-sdk build --bundle`): a loader (cpa_bundle.c) opens it and drives it through an explicit
 * instance API; everything bundle-specific is in the last section (rules S1-S4).
 *
 * Embedding rules this file obeys, and why:
 *
 *  R1  Export exactly one symbol, `cliproxy_plugin_init` (built with -fvisibility=hidden). Several
 *      plugin .so files carry their own copy of this code; hidden symbols keep the copies apart.
 *      The .so finds itself through a hidden function's address, never through the exported
 *      name, which another library in global scope could interpose.
 *  R2  Promote libpython to global scope before Python starts: CPA loads plugins RTLD_LOCAL, and
 *      since 3.8 extension modules are not linked to libpython, so `import math` would fail with
 *      "undefined symbol: PyFloat_Type" (dladdr(&Py_Initialize) -> dlopen(RTLD_NOLOAD|GLOBAL)).
 *  R3  Pin this .so (RTLD_NODELETE here, -z nodelete at link time): CPA dlclose()s on unload and
 *      may dlopen again. Python keeps pointers into this file (host_call, the capsule destructor,
 *      the thread-exit destructor), so it must never be unmapped. Consequence: statics survive
 *      dlclose, so init must rebuild all per-plugin state (one heap struct per init).
 *  R4  Check the runtime before touching it: if the process already runs a Python (another
 *      plugin, or a Python process loading us with ctypes), our Py_* symbols bind to it. If its
 *      major.minor (or free-threading flavour) differs from the build, Python is never touched and
 *      every call answers an error envelope that says so. Never crash the host.
 *  R5  Start CPython at most once per process, with an isolated PyConfig (no environment, no user
 *      site, no signal handlers because Go owns signals, no argv parsing, UTF-8 mode so the host's
 *      locale does not matter, explicit home and module search paths recorded at build time).
 *      `_signal` is imported at start and every signal disposition it changed is put back, so a
 *      later `import signal` in plugin code cannot take SIGINT from the host either.
 *      The critical section is guarded by a process-wide lock that every copy of this shim shares:
 *      the stdio lock of `stderr` (flockfile), because a pthread_once in one .so cannot see the
 *      other plugins' copies and CPA can initialise two plugins concurrently.
 *  R6  Never finalize Python: extension modules (pydantic_core) do not survive re-initialisation,
 *      and CPA may load the plugin again later. shutdown() only quiesces this plugin.
 *  R7  Release the GIL before returning to the host (after init and after every call), and hold
 *      it only while Python runs. Release it around every host->call and host->free_buffer: the Go
 *      host may block for seconds (host.http.do) or re-enter this plugin from another thread.
 *  R8  One persistent PyThreadState per OS thread (pthread key, deleted by the key's destructor at
 *      thread exit). Creating and deleting a thread state per call costs ~9 us; reusing it costs
 *      ~0.1 us. A thread that already has a thread state (a Python thread calling through ctypes,
 *      or one another copy of this shim created) uses PyGILState_Ensure/Release instead.
 *  R9  No Python exception ever escapes into C: every failure of `load` or `call` becomes a JSON
 *      error envelope with rc 1, so CPA logs the Python error text instead of aborting or fusing.
 *  R10 Host calls after shutdown never reach the host: an in-flight counter plus a closed flag;
 *      shutdown waits (without the GIL) until in-flight host calls have returned, then CPA frees
 *      host_ctx. Stray Python threads get (1, b"") afterwards.
 *  R11 Memory crossing the ABI is plain malloc/free: responses to the host are malloc'd copies
 *      freed by our free_buffer; host responses are copied and released with host->free_buffer.
 *  R12 Under contention, keep Python on one core: a host thread runs its call when it has "the
 *      turn", a policy of its own in cpa_turn.c (CPA_SDK_TURN=off turns it off). Only threads with
 *      our persistent thread state ask for it; the free-threaded build has no GIL and no turn.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpa_abi.h"
#include "cpa_bridge_config.h"
#include "cpa_envelope.h"
#include "cpa_turn.h"

#ifndef CPA_BRIDGE_BUNDLED
#define CPA_BRIDGE_BUNDLED 0
#endif

#define CAPSULE_NAME "cpa_bridge.instance"
#define METHOD_CACHE_SLOTS 128 /* power of two; CPA has ~50 method names */
#define METHOD_CACHE_MAXLEN 64

/* ---- per-init state ---------------------------------------------------------------------- */

typedef struct {
    uint32_t hash;
    uint32_t len;
    char name[METHOD_CACHE_MAXLEN];
    PyObject *str;
} method_slot;

typedef struct {
    const cliproxy_host_api *host; /* valid until our shutdown returns */
    atomic_int host_closed;        /* R10 */
    atomic_long host_inflight;
    pthread_mutex_t drain_mu;
    pthread_cond_t drain_cv;
    int failed;     /* load failed: answer fail_env to every call */
    char *fail_env; /* NULL only when even that allocation failed */
    size_t fail_len;
    int python;          /* Python objects below exist; the capsule owns this struct */
    PyObject *capsule;   /* our reference to the capsule that owns this struct */
    PyObject *host_call; /* PyCFunction bound to the capsule */
    PyObject *endpoint;
    PyObject *call;     /* bound endpoint.call */
    PyObject *shutdown; /* bound endpoint.shutdown, or NULL */
    char *so_path;      /* the .so CPA loaded (for a bundle: the loader's path, not this file's) */
    char *site;         /* bundled mode: the payload's site directory; else NULL */
    method_slot methods[METHOD_CACHE_SLOTS]; /* touched only with the GIL held */
} bridge_instance;

#if !CPA_BRIDGE_BUNDLED
static _Atomic(bridge_instance *) g_inst;                     /* the live instance of this .so */
#endif
static pthread_mutex_t g_lifecycle = PTHREAD_MUTEX_INITIALIZER; /* serialises init/shutdown */
static pthread_key_t g_tstate_key;                            /* R8 */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static PyThreadState *g_first_tstate; /* the thread state Py_Initialize made; never deleted */
static char g_start_error[768];       /* a failed start is final: CPython cannot retry it */
static PyInterpreterState *g_interp;

#if CPA_BRIDGE_BUNDLED /* the bundled-mode section at the end of this file */
static char g_bundle_home[4096];
static PyStatus bundle_configure(PyConfig *cfg);
static int bundle_add_paths(bridge_instance *inst);
static void bundle_report(bridge_instance *inst, const char *when);
#define START_HOME (g_bundle_home[0] ? g_bundle_home : "not found")
#define START_HINT "Set CPA_SDK_PYTHONHOME to the prefix of a Python " CPA_BRIDGE_PY_VERSION " installation"
#else
#define START_HOME CPA_BRIDGE_HOME
#define START_HINT "Check that this Python is installed at the same path on this machine"
#endif

/* ---- small helpers ----------------------------------------------------------------------- */

static int answer_error(cliproxy_buffer *out, const char *code, const char *msg, size_t msglen) {
    size_t len = 0;
    char *buf = cpa_error_envelope(code, msg, msglen, &len);
    out->ptr = buf;
    out->len = buf ? len : 0;
    return 1;
}

static int answer_copy(cliproxy_buffer *out, const char *data, size_t len) {
    char *buf = (data && len) ? malloc(len) : NULL;
    if (buf) memcpy(buf, data, len);
    out->ptr = buf;
    out->len = buf ? len : 0;
    return 1;
}

static void set_failure(bridge_instance *inst, const char *code, const char *msg) {
    inst->failed = 1;
    free(inst->fail_env);
    inst->fail_env = cpa_error_envelope(code, msg, strlen(msg), &inst->fail_len);
    if (inst->fail_env == NULL) {
        inst->fail_env = strdup("{\"ok\":false,\"error\":{\"code\":\"oom\",\"message\":\"out of memory\"}}");
        inst->fail_len = inst->fail_env ? strlen(inst->fail_env) : 0;
    }
}

/* "TypeName: message" of the raised exception, malloc'd, UTF-8; clears the error. GIL held. */
static char *exception_text(int print_traceback) {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
    if (print_traceback && exc) PyErr_DisplayException(exc);
#else
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (print_traceback && exc) PyErr_Display(type, exc, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
#endif
    const char *tname = exc ? Py_TYPE(exc)->tp_name : "SystemError";
    const char *dot = strrchr(tname, '.');
    if (dot) tname = dot + 1;
    const char *msg = "";
    PyObject *str = exc ? PyObject_Str(exc) : NULL;
    PyObject *utf8 = str ? PyUnicode_AsEncodedString(str, "utf-8", "backslashreplace") : NULL;
    if (utf8) msg = PyBytes_AS_STRING(utf8);
    PyErr_Clear();
    size_t n = strlen(tname) + strlen(msg) + 3;
    char *text = malloc(n);
    if (text) snprintf(text, n, *msg ? "%s: %s" : "%s", tname, msg);
    Py_XDECREF(utf8);
    Py_XDECREF(str);
    Py_XDECREF(exc);
    return text;
}

/* ---- R8: thread states ------------------------------------------------------------------- */

static void tstate_destructor(void *value) {
    PyThreadState *ts = value;
    /* Leak rather than risk: the first thread state stays with the interpreter, and a process
     * whose Python is finalizing (ctypes in a Python process) must not be re-entered. */
    if (ts == NULL || ts == g_first_tstate || !Py_IsInitialized()) return;
    PyEval_RestoreThread(ts);
    PyThreadState_Clear(ts);
    PyThreadState_DeleteCurrent();
}

static void once_per_mapping(void) {
    Dl_info self;
    (void)pthread_key_create(&g_tstate_key, tstate_destructor);
#ifndef Py_GIL_DISABLED
    turn_init(); /* R12 */
#endif
    /* R3: pin. The handle is leaked on purpose; -z nodelete does the same at link time. */
    if (dladdr((void *)&once_per_mapping, &self) && self.dli_fname)
        (void)dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

/* This thread's persistent thread state, made on its first call; NULL when the thread already
 * has one that is not ours (a Python thread calling through ctypes, another copy of this shim). */
static inline PyThreadState *own_tstate(void) {
    PyThreadState *ts = pthread_getspecific(g_tstate_key);
    if (ts == NULL && PyGILState_GetThisThreadState() == NULL) {
        ts = PyThreadState_New(g_interp); /* also becomes this thread's PyGILState state */
        (void)pthread_setspecific(g_tstate_key, ts);
    }
    return ts;
}

typedef struct {
    PyThreadState *ts; /* our persistent state, or NULL when PyGILState was used */
    PyGILState_STATE gs;
} gil_token;

static inline void gil_acquire(gil_token *t) {
    t->ts = own_tstate();
    if (t->ts == NULL) {
        t->gs = PyGILState_Ensure();
        return;
    }
    t->gs = PyGILState_UNLOCKED; /* unused on this path */
    PyEval_RestoreThread(t->ts);
}

static inline void gil_release(gil_token *t) {
    if (t->ts)
        (void)PyEval_SaveThread();
    else
        PyGILState_Release(t->gs);
}

/* ---- R4/R5: the runtime ------------------------------------------------------------------ */

/* NULL if the runtime our symbols bound to is the one we were built for, else why not. */
static const char *runtime_mismatch(char *buf, size_t n) {
    const char *v = Py_GetVersion(); /* "3.11.7 (main, ...)": safe before and after init */
    char *end = NULL;
    long major = strtol(v, &end, 10), minor = (end && *end == '.') ? strtol(end + 1, NULL, 10) : -1;
    int ft_runtime = strstr(v, "free-threading") != NULL;
#ifdef Py_GIL_DISABLED
    int ft_built = 1;
#else
    int ft_built = 0;
#endif
    if (major == CPA_BRIDGE_PY_MAJOR && minor == CPA_BRIDGE_PY_MINOR && ft_runtime == ft_built) return NULL;
    const char *space = strchr(v, ' ');
    snprintf(buf, n,
             "plugin built for Python %d.%d%s but the process runs %.*s%s; rebuild the plugin with "
             "that Python, or load it in a CPA process without other Python plugins",
             CPA_BRIDGE_PY_MAJOR, CPA_BRIDGE_PY_MINOR, ft_built ? " (free-threaded)" : "",
             (int)(space ? (size_t)(space - v) : strlen(v)), v, ft_runtime ? " (free-threaded)" : "");
    return buf;
}

#if !CPA_BRIDGE_BUNDLED
static PyStatus append_path(PyWideStringList *list, const char *path) {
    wchar_t *w = Py_DecodeLocale(path, NULL);
    if (w == NULL) return PyStatus_Error("cannot decode a module search path");
    PyStatus st = PyWideStringList_Append(list, w);
    PyMem_RawFree(w);
    return st;
}
#endif

/* Start Python (once per process) with the isolated configuration. Caller holds the
 * process-wide lock. Returns NULL or an error message (static or in buf). */
static const char *start_python(char *buf, size_t n) {
    PyPreConfig pre;
    PyPreConfig_InitIsolatedConfig(&pre);
    pre.utf8_mode = 1;
    PyStatus st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st)) goto fail_nocfg;

    PyConfig cfg;
    PyConfig_InitIsolatedConfig(&cfg);
    cfg.install_signal_handlers = 0; /* Go owns signals (SA_ONSTACK rules) */
    cfg.parse_argv = 0;
    cfg.use_environment = 0;
    cfg.user_site_directory = 0;
    cfg.site_import = 0; /* site dirs are added per plugin, after start (see load_plugin) */
    cfg.pathconfig_warnings = 0;
#if CPA_BRIDGE_BUNDLED
    st = bundle_configure(&cfg); /* home from libpython's location; CPython computes the stdlib path */
    if (PyStatus_Exception(st)) goto fail;
#else
    static const char *const paths[] = CPA_BRIDGE_SEARCH_PATHS;
    st = PyConfig_SetBytesString(&cfg, &cfg.home, CPA_BRIDGE_HOME);
    if (PyStatus_Exception(st)) goto fail;
    st = PyConfig_SetBytesString(&cfg, &cfg.program_name, CPA_BRIDGE_EXECUTABLE);
    if (PyStatus_Exception(st)) goto fail;
    cfg.module_search_paths_set = 1;
    for (size_t i = 0; paths[i]; i++) {
        st = append_path(&cfg.module_search_paths, paths[i]);
        if (PyStatus_Exception(st)) goto fail;
    }
#endif
    /* Importing `_signal` (user code imports `signal`, asyncio does) installs a SIGINT handler
     * when SIGINT is at SIG_DFL, whatever install_signal_handlers says. Do that import now and
     * put back every disposition it changed: the host owns its signals. */
    static struct sigaction before[NSIG];
    for (int sig = 1; sig < NSIG; sig++) (void)sigaction(sig, NULL, &before[sig]);
    st = Py_InitializeFromConfig(&cfg);
    PyConfig_Clear(&cfg);
    if (PyStatus_Exception(st)) goto fail_nocfg;
    PyObject *sigmod = PyImport_ImportModule("_signal");
    if (sigmod == NULL) PyErr_Clear();
    Py_XDECREF(sigmod);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction now;
        if (sigaction(sig, NULL, &now) == 0 && now.sa_handler != before[sig].sa_handler)
            (void)sigaction(sig, &before[sig], NULL);
    }
    return NULL;
fail:
    PyConfig_Clear(&cfg);
fail_nocfg:
    snprintf(buf, n,
             "cannot start Python %d.%d (home %s): %s%s%s. %s; after a failed start no Python plugin can start "
             "in this process",
             CPA_BRIDGE_PY_MAJOR, CPA_BRIDGE_PY_MINOR, START_HOME, st.func ? st.func : "", st.func ? ": " : "",
             st.err_msg ? st.err_msg : "unknown error", START_HINT);
    return buf;
}

/* ---- host_call: Python -> host (R7, R10) --------------------------------------------------- */

static void host_call_leave(bridge_instance *inst) {
    if (atomic_fetch_sub(&inst->host_inflight, 1) == 1 && atomic_load(&inst->host_closed)) {
        pthread_mutex_lock(&inst->drain_mu);
        pthread_cond_broadcast(&inst->drain_cv);
        pthread_mutex_unlock(&inst->drain_mu);
    }
}

static PyObject *rc_bytes(int rc, const char *data, size_t len) {
    PyObject *b = PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
    if (b == NULL) return NULL;
    PyObject *r = PyLong_FromLong(rc);
    if (r == NULL) {
        Py_DECREF(b);
        return NULL;
    }
    PyObject *t = PyTuple_New(2);
    if (t == NULL) {
        Py_DECREF(b);
        Py_DECREF(r);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, r);
    PyTuple_SET_ITEM(t, 1, b);
    return t;
}

/* host_call(method: str, request: bytes) -> tuple[int, bytes] */
static PyObject *host_call(PyObject *capsule, PyObject *const *args, Py_ssize_t nargs) {
    bridge_instance *inst = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (inst == NULL) return NULL;
    if (nargs != 2) return PyErr_Format(PyExc_TypeError, "host_call() takes 2 arguments (%zd given)", nargs);
    Py_ssize_t mlen;
    const char *method = PyUnicode_Check(args[0]) ? PyUnicode_AsUTF8AndSize(args[0], &mlen) : NULL;
    if (method == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "host_call(): method must be str");
        return NULL;
    }
    if ((size_t)mlen != strlen(method)) return PyErr_Format(PyExc_ValueError, "host_call(): NUL in method");
    Py_buffer view;
    if (PyObject_GetBuffer(args[1], &view, PyBUF_SIMPLE) < 0) return NULL;

    int rc = 1;
    char *copy = NULL;
    size_t copy_len = 0;
    atomic_fetch_add(&inst->host_inflight, 1);
    if (!atomic_load(&inst->host_closed) && inst->host != NULL && inst->host->call != NULL) {
        const cliproxy_host_api *host = inst->host;
        PyThreadState *save = PyEval_SaveThread();
#ifndef Py_GIL_DISABLED
        turn_yield(save); /* R12: the host may take long; others must not wait for it */
#endif
        cliproxy_buffer resp = {NULL, 0};
        rc = host->call(host->host_ctx, method, view.buf, (size_t)view.len, &resp);
        if (resp.ptr != NULL) {
            if (resp.len > 0 && (copy = malloc(resp.len)) != NULL) {
                memcpy(copy, resp.ptr, resp.len);
                copy_len = resp.len;
            }
            if (host->free_buffer) host->free_buffer(resp.ptr, resp.len);
        }
        host_call_leave(inst);
        PyEval_RestoreThread(save);
    } else {
        host_call_leave(inst);
    }
    PyBuffer_Release(&view);
    PyObject *result = rc_bytes(rc, copy ? copy : "", copy_len);
    free(copy);
    return result;
}

static PyMethodDef host_call_def = {"host_call", (PyCFunction)(void (*)(void))host_call, METH_FASTCALL,
                                    "host_call(method, request) -> (rc, response): call CPA's host->call."};

static void instance_free(bridge_instance *inst) {
    pthread_mutex_destroy(&inst->drain_mu);
    pthread_cond_destroy(&inst->drain_cv);
    free(inst->fail_env);
    free(inst->so_path);
    free(inst->site);
    free(inst);
}

static void capsule_destructor(PyObject *capsule) {
    bridge_instance *inst = PyCapsule_GetPointer(capsule, CAPSULE_NAME);
    if (inst == NULL) {
        PyErr_Clear();
        return;
    }
    instance_free(inst);
}

/* ---- load: import the entry function and create the endpoint ------------------------------ */

/* Add the recorded paths this plugin needs to sys.path (they may be missing when Python was
 * started by someone else), and the site directories through site.addsitedir so their .pth
 * files (editable installs) are honoured. GIL held; returns -1 with an exception set. */
static int add_paths(bridge_instance *inst) {
#if CPA_BRIDGE_BUNDLED
    return bundle_add_paths(inst);
#else
    (void)inst;
    static const char *const search[] = CPA_BRIDGE_SEARCH_PATHS;
    static const char *const sites[] = CPA_BRIDGE_SITE_DIRS;
    PyObject *sys_path = PySys_GetObject("path"); /* borrowed */
    if (sys_path == NULL || !PyList_Check(sys_path)) {
        PyErr_SetString(PyExc_RuntimeError, "sys.path is not a list");
        return -1;
    }
    for (size_t i = 0; search[i]; i++) {
        PyObject *p = PyUnicode_DecodeFSDefault(search[i]);
        int has = p ? PySequence_Contains(sys_path, p) : -1;
        int rc = has == 0 ? PyList_Append(sys_path, p) : has;
        Py_XDECREF(p);
        if (rc < 0) return -1;
    }
    PyObject *site = NULL;
    for (size_t i = 0; sites[i]; i++) {
        PyObject *p = PyUnicode_DecodeFSDefault(sites[i]);
        int has = p ? PySequence_Contains(sys_path, p) : -1;
        if (has == 0 && site == NULL) site = PyImport_ImportModule("site");
        PyObject *r = has == 0 && site ? PyObject_CallMethod(site, "addsitedir", "O", p) : NULL;
        Py_XDECREF(p);
        if (has < 0 || (has == 0 && r == NULL)) {
            Py_XDECREF(site);
            return -1;
        }
        Py_XDECREF(r);
    }
    Py_XDECREF(site);
    return 0;
#endif
}

/* GIL held. On failure sets inst->fail_env (code plugin_load_failed) and returns -1. */
static int load_plugin(bridge_instance *inst) {
    PyObject *module = NULL, *fn = NULL, *path = NULL, *target = NULL;
    inst->capsule = PyCapsule_New(inst, CAPSULE_NAME, capsule_destructor);
    if (inst->capsule == NULL) goto error;
    inst->python = 1; /* from here on the capsule owns inst */
    inst->host_call = PyCFunction_New(&host_call_def, inst->capsule);
    if (inst->host_call == NULL || add_paths(inst) < 0) goto error;
    module = PyImport_ImportModule(CPA_BRIDGE_ENTRY_MODULE);
    fn = module ? PyObject_GetAttrString(module, CPA_BRIDGE_ENTRY_FUNCTION) : NULL;
    path = fn ? PyUnicode_DecodeFSDefault(inst->so_path) : NULL;
    target = path ? PyUnicode_FromString(CPA_BRIDGE_TARGET) : NULL;
    inst->endpoint = target ? PyObject_CallFunctionObjArgs(fn, path, target, inst->host_call, NULL) : NULL;
    inst->call = inst->endpoint ? PyObject_GetAttrString(inst->endpoint, "call") : NULL;
    if (inst->call == NULL) goto error;
    if (!PyCallable_Check(inst->call)) {
        PyErr_SetString(PyExc_TypeError, CPA_BRIDGE_ENTRY_MODULE ":" CPA_BRIDGE_ENTRY_FUNCTION
                                         "() returned an endpoint whose 'call' is not callable");
        goto error;
    }
    inst->shutdown = PyObject_GetAttrString(inst->endpoint, "shutdown");
    if (inst->shutdown == NULL) PyErr_Clear(); /* optional */
#if CPA_BRIDGE_BUNDLED
    bundle_report(inst, "load");
#endif
    Py_DECREF(module);
    Py_DECREF(fn);
    Py_DECREF(path);
    Py_DECREF(target);
    return 0;
error:;
    char *text = exception_text(1);
    set_failure(inst, "plugin_load_failed", text ? text : "out of memory");
    free(text);
    Py_XDECREF(module);
    Py_XDECREF(fn);
    Py_XDECREF(path);
    Py_XDECREF(target);
    Py_CLEAR(inst->call);
    Py_CLEAR(inst->endpoint);
    return -1;
}

/* ---- the plugin API ---------------------------------------------------------------------- */

/* A method name as a Python str; cached per instance so the dispatcher's dict lookup hits a
 * string whose hash is already computed. GIL held. Returns a new reference. */
static PyObject *method_str(bridge_instance *inst, const char *method) {
    uint32_t h = 2166136261u;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)method; *p; p++, n++) h = (h ^ *p) * 16777619u;
#ifndef Py_GIL_DISABLED
    if (n < METHOD_CACHE_MAXLEN) {
        for (uint32_t i = 0; i < 8; i++) {
            method_slot *s = &inst->methods[(h + i) & (METHOD_CACHE_SLOTS - 1)];
            if (s->str == NULL) {
                s->str = PyUnicode_DecodeUTF8(method, (Py_ssize_t)n, "surrogateescape");
                if (s->str == NULL) return NULL;
                PyUnicode_InternInPlace(&s->str);
                s->hash = h;
                s->len = (uint32_t)n;
                memcpy(s->name, method, n);
                Py_INCREF(s->str);
                return s->str;
            }
            if (s->hash == h && s->len == n && memcmp(s->name, method, n) == 0) {
                Py_INCREF(s->str);
                return s->str;
            }
        }
    }
#else
    (void)inst;
#endif
    return PyUnicode_DecodeUTF8(method, (Py_ssize_t)n, "surrogateescape");
}

/* GIL held. Turns endpoint.call's result into the host's buffer; returns rc. */
static int deliver(PyObject *res, cliproxy_buffer *out) {
    char why[160];
    long rc;
    Py_buffer view;
    if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2 || !PyLong_Check(PyTuple_GET_ITEM(res, 0))) {
        snprintf(why, sizeof why, "endpoint.call must return (int, bytes), got %.80s", Py_TYPE(res)->tp_name);
        return answer_error(out, "plugin_error", why, strlen(why));
    }
    rc = PyLong_AsLong(PyTuple_GET_ITEM(res, 0));
    if ((rc == -1 && PyErr_Occurred()) || rc < INT32_MIN || rc > INT32_MAX) {
        PyErr_Clear();
        snprintf(why, sizeof why, "endpoint.call returned an rc outside the C int range");
        return answer_error(out, "plugin_error", why, strlen(why));
    }
    PyObject *data = PyTuple_GET_ITEM(res, 1);
    if (PyBytes_CheckExact(data)) {
        size_t len = (size_t)PyBytes_GET_SIZE(data);
        if (len) answer_copy(out, PyBytes_AS_STRING(data), len);
        return (int)rc;
    }
    if (PyUnicode_Check(data) || PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        snprintf(why, sizeof why, "endpoint.call must return (int, bytes), got (int, %.80s)", Py_TYPE(data)->tp_name);
        return answer_error(out, "plugin_error", why, strlen(why));
    }
    if (view.len) answer_copy(out, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return (int)rc;
}

/* GIL held: one call through endpoint.call. */
static int run_call(bridge_instance *inst, const char *method, const uint8_t *request, size_t request_len,
                    cliproxy_buffer *out) {
    int rc;
    PyObject *args[3] = {NULL, method_str(inst, method), NULL};
    if (args[1] == NULL) goto exception;
    args[2] = PyBytes_FromStringAndSize(request_len ? (const char *)request : "", (Py_ssize_t)request_len);
    if (args[2] == NULL) goto exception;
    PyObject *res = PyObject_Vectorcall(inst->call, args + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    if (res == NULL) goto exception;
    rc = deliver(res, out);
    Py_DECREF(res);
    goto done;
exception:;
    char *text = exception_text(0);
    rc = answer_error(out, "plugin_error", text ? text : "out of memory", text ? strlen(text) : 13);
    free(text);
done:
    Py_XDECREF(args[1]);
    Py_XDECREF(args[2]);
    return rc;
}

static int instance_call(bridge_instance *inst, const char *method, const uint8_t *request, size_t request_len,
                         cliproxy_buffer *out) {
    static const char not_loaded[] = "the plugin is not initialised or already shut down";
    if (out == NULL) return 1;
    out->ptr = NULL;
    out->len = 0;
    if (method == NULL) return answer_error(out, "invalid_method", "method is required", 18);
    if (inst == NULL) return answer_error(out, "plugin_closed", not_loaded, sizeof not_loaded - 1);
    if (inst->failed) return answer_copy(out, inst->fail_env, inst->fail_len);
    int rc;
#ifndef Py_GIL_DISABLED
    PyThreadState *ts = own_tstate();
    turn_ticket turn = ts != NULL ? turn_enter(ts) : (turn_ticket){0, 0}; /* R12 */
    if (turn.held) {
        PyEval_RestoreThread(ts);
        rc = run_call(inst, method, request, request_len, out);
        (void)PyEval_SaveThread();
        turn_exit(ts, turn);
        return rc;
    }
#endif
    gil_token tok; /* no turn: a foreign thread state, or the waiter chose the GIL */
    gil_acquire(&tok);
    rc = run_call(inst, method, request, request_len, out);
    gil_release(&tok);
    return rc;
}

/* Caller holds g_lifecycle and has detached inst, so no new call reaches it. */
static void instance_shutdown(bridge_instance *inst) {
    if (inst == NULL) return;
    if (!inst->python) {
        instance_free(inst);
        return;
    }
    gil_token tok;
    gil_acquire(&tok);
#if CPA_BRIDGE_BUNDLED
    bundle_report(inst, "shutdown");
#endif
    if (inst->shutdown) { /* host callbacks still work here: the plugin may log or close streams */
        PyObject *r = PyObject_CallNoArgs(inst->shutdown);
        if (r == NULL) PyErr_WriteUnraisable(inst->shutdown);
        Py_XDECREF(r);
    }
    gil_release(&tok);
    /* R10: no host call may start from now on; wait for the ones in flight, without the GIL
     * (they need it to return). A ctypes caller that holds the GIL (PyDLL) is handled too. */
    atomic_store(&inst->host_closed, 1);
    PyThreadState *held = PyGILState_Check() ? PyEval_SaveThread() : NULL;
    pthread_mutex_lock(&inst->drain_mu);
    while (atomic_load(&inst->host_inflight) > 0) pthread_cond_wait(&inst->drain_cv, &inst->drain_mu);
    pthread_mutex_unlock(&inst->drain_mu);
    if (held) PyEval_RestoreThread(held);
    inst->host = NULL;
    gil_acquire(&tok);
    for (size_t i = 0; i < METHOD_CACHE_SLOTS; i++) Py_CLEAR(inst->methods[i].str);
    Py_CLEAR(inst->shutdown);
    Py_CLEAR(inst->call);
    Py_CLEAR(inst->endpoint);
    Py_CLEAR(inst->host_call);
    PyObject *capsule = inst->capsule; /* may free inst: touch nothing after this */
    inst->capsule = NULL;
    Py_DECREF(capsule);
    gil_release(&tok);
}

/* A new instance: check the runtime, start Python once, load the plugin. Caller holds
 * g_lifecycle. Returns NULL only when out of memory; every other failure is kept in the instance
 * and answered to every call (R9). */
static bridge_instance *instance_open(const cliproxy_host_api *host, const char *path, const char *site) {
    char msg[512];
    const char *why;
    pthread_once(&g_once, once_per_mapping);
    bridge_instance *inst = calloc(1, sizeof *inst);
    if (inst == NULL) return NULL;
    pthread_mutex_init(&inst->drain_mu, NULL);
    pthread_cond_init(&inst->drain_cv, NULL);
    inst->host = (host && host->abi_version == CPA_ABI_VERSION) ? host : NULL;
    inst->so_path = strdup(path);
    inst->site = site ? strdup(site) : NULL;
    if (inst->so_path == NULL || (site && inst->site == NULL)) {
        instance_free(inst);
        return NULL;
    }

    if ((why = runtime_mismatch(msg, sizeof msg)) != NULL) {
        set_failure(inst, "python_version_mismatch", why);
    } else {
        Dl_info py; /* R2 */
        if (dladdr((void *)&Py_Initialize, &py) && py.dli_fname)
            (void)dlopen(py.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
        why = g_start_error[0] ? g_start_error : NULL;
        flockfile(stderr); /* R5: the process-wide lock shared by every copy of this shim */
        if (why == NULL && !Py_IsInitialized()) {
            why = start_python(g_start_error, sizeof g_start_error);
            if (why == NULL) {
                g_first_tstate = PyEval_SaveThread(); /* R7 */
                (void)pthread_setspecific(g_tstate_key, g_first_tstate);
            }
        }
        funlockfile(stderr);
        if (why != NULL) {
            set_failure(inst, "plugin_load_failed", why);
        } else {
            g_interp = PyInterpreterState_Main();
            gil_token tok;
            gil_acquire(&tok);
            (void)load_plugin(inst);
            gil_release(&tok);
        }
    }
    return inst;
}

#if !CPA_BRIDGE_BUNDLED
/* ---- the exported plugin ABI: one instance per mapped .so -------------------------------- */

static void bridge_free(void *ptr, size_t len) {
    (void)len;
    free(ptr);
}

static int bridge_call(const char *method, const uint8_t *request, size_t request_len, cliproxy_buffer *out) {
    return instance_call(atomic_load_explicit(&g_inst, memory_order_acquire), method, request, request_len, out);
}

static void bridge_shutdown(void) {
    pthread_mutex_lock(&g_lifecycle);
    instance_shutdown(atomic_exchange(&g_inst, NULL));
    pthread_mutex_unlock(&g_lifecycle);
}

static const char *so_path(void) {
    static Dl_info self;
    if (dladdr((void *)&so_path, &self) && self.dli_fname) return self.dli_fname;
    return "";
}

__attribute__((visibility("default"))) int cliproxy_plugin_init(const cliproxy_host_api *host,
                                                                 cliproxy_plugin_api *plugin) {
    if (plugin == NULL) return 1;
    pthread_mutex_lock(&g_lifecycle);
    if (atomic_load(&g_inst) != NULL) { /* same mapped file initialised twice without shutdown */
        pthread_mutex_unlock(&g_lifecycle);
        return 1;
    }
    bridge_instance *inst = instance_open(host, so_path(), NULL);
    if (inst == NULL) {
        pthread_mutex_unlock(&g_lifecycle);
        return 1;
    }
    plugin->abi_version = CPA_ABI_VERSION;
    plugin->call = bridge_call;
    plugin->free_buffer = bridge_free;
    plugin->shutdown = bridge_shutdown;
    atomic_store_explicit(&g_inst, inst, memory_order_release);
    pthread_mutex_unlock(&g_lifecycle);
    return 0;
}
#endif

#if CPA_BRIDGE_BUNDLED
/* ---- bundled mode (`cpa-sdk build --bundle`; docs/shipping.md) -----------------------------
 *
 * Compiled with CPA_BRIDGE_BUNDLED this file becomes `bridge.so` inside a bundle's payload. The
 * bundle loader (cpa_bundle.c, the .so CPA loads) extracts it, puts libpython in global scope,
 * opens it and calls the API below once per cliproxy_plugin_init. Rules, on top of R1-R11:
 *
 *  S1  Several instances per mapping: two loaders (two versions of a plugin, or one payload under
 *      two file names) share this file, each with its own instance, which `call` and `shutdown`
 *      take explicitly. The only exported symbol is cpa_bridge_bundle_api (opened RTLD_LOCAL).
 *  S2  No build-machine path: home is CPA_SDK_PYTHONHOME, else the prefix holding
 *      lib/pythonX.Y/os.py next to the libpython our symbols bound to (its directory or up to
 *      two levels above, after realpath); CPython computes the standard library path from home.
 *  S3  The payload's site directory goes first on sys.path at every load, and the plugin's own
 *      top-level packages (recorded at build time) leave sys.modules when they were imported from
 *      elsewhere (another version of the plugin in this process): each version runs its own
 *      code. Dependencies (cpa_sdk, pydantic, ...) are shared per process: the first import wins.
 *      A bundle with its own runtime that joins a Python started by another bundle appends its
 *      runtime's standard library to the end of sys.path: the running one comes first, and the
 *      modules only this plugin's closure needed are found in its own payload.
 *  S4  CPA_SDK_DEBUG=1 prints one `cpa-sdk-debug {json}` line to stderr at load and at shutdown:
 *      the Python version and prefix, sys.path and the file of every imported module.
 */
#include <limits.h>
#include <sys/stat.h>

#include "cpa_bundle.h"

#ifdef Py_GIL_DISABLED
#define STDLIB_DIR "lib/python" CPA_BRIDGE_PY_VERSION "t"
#else
#define STDLIB_DIR "lib/python" CPA_BRIDGE_PY_VERSION
#endif

static const char bundle_py[] =
    "import sys\n"
    "def prepare(site, own):\n"
    "    while site in sys.path:\n"
    "        sys.path.remove(site)\n"
    "    sys.path.insert(0, site)\n"
    "    inside = site + '/'\n"
    "    for name in own:\n"
    "        mod = sys.modules.get(name)\n"
    "        if mod is None:\n"
    "            continue\n"
    "        where = [getattr(mod, '__file__', None) or ''] + list(getattr(mod, '__path__', None) or ())\n"
    "        if not any(str(w).startswith(inside) for w in where):\n"
    "            for key in [k for k in sys.modules if k == name or k.startswith(name + '.')]:\n"
    "                del sys.modules[key]\n"
    "    import os\n"
    "    runtime = os.path.realpath(os.path.join(os.path.dirname(site), 'runtime', '" STDLIB_DIR "'))\n"
    "    if os.path.isdir(runtime) and runtime != os.path.realpath(os.path.join(sys.prefix, '" STDLIB_DIR "')):\n"
    "        for extra in (runtime, runtime + '/lib-dynload'):\n"
    "            if extra not in sys.path:\n"
    "                sys.path.append(extra)\n"
    "def report(site, so_path, when):\n"
    "    import json\n"
    "    files = {n: getattr(m, '__file__', None) for n, m in list(sys.modules.items())}\n"
    "    info = {'event': when, 'so': so_path, 'site': site, 'version': sys.version.split()[0],\n"
    "            'prefix': sys.prefix, 'path': sys.path,\n"
    "            'modules': {n: f for n, f in files.items() if isinstance(f, str)}}\n"
    "    sys.stderr.write('cpa-sdk-debug ' + json.dumps(info, sort_keys=True) + '\\n')\n"
    "    sys.stderr.flush()\n";

static int has_stdlib(const char *prefix) {
    char path[PATH_MAX + 64];
    struct stat st;
    snprintf(path, sizeof path, "%s/" STDLIB_DIR "/os.py", prefix);
    return stat(path, &st) == 0;
}

static PyStatus bundle_configure(PyConfig *cfg) {
    const char *env = getenv("CPA_SDK_PYTHONHOME");
    char real[PATH_MAX], program[PATH_MAX + 64];
    Dl_info py;
    g_bundle_home[0] = '\0';
    if (env && *env) {
        snprintf(g_bundle_home, sizeof g_bundle_home, "%s", env);
    } else if (dladdr((void *)&Py_Initialize, &py) && py.dli_fname && realpath(py.dli_fname, real)) {
        for (int up = 0; up < 3 && !g_bundle_home[0]; up++) {
            char *slash = strrchr(real, '/');
            if (slash == NULL || slash == real) break;
            *slash = '\0';
            if (has_stdlib(real)) snprintf(g_bundle_home, sizeof g_bundle_home, "%s", real);
        }
    }
    if (!g_bundle_home[0]) return PyStatus_Error("no " STDLIB_DIR "/os.py next to the loaded libpython");
    PyStatus st = PyConfig_SetBytesString(cfg, &cfg->home, g_bundle_home);
    if (PyStatus_Exception(st)) return st;
    snprintf(program, sizeof program, "%s/bin/python" CPA_BRIDGE_PY_VERSION, g_bundle_home);
    cfg->module_search_paths_set = 0;
    return PyConfig_SetBytesString(cfg, &cfg->program_name, program);
}

/* A function of bundle_py, as a new reference; NULL with an exception set. GIL held. */
static PyObject *bundle_function(const char *name) {
    PyObject *globals = PyDict_New(), *fn = NULL;
    PyObject *r = globals ? PyRun_String(bundle_py, Py_file_input, globals, globals) : NULL;
    if (r != NULL) {
        fn = PyDict_GetItemString(globals, name); /* borrowed */
        Py_XINCREF(fn);
    }
    Py_XDECREF(r);
    Py_XDECREF(globals);
    return fn;
}

static int bundle_add_paths(bridge_instance *inst) { /* S3 */
    static const char *const own[] = CPA_BRIDGE_OWN_PACKAGES;
    PyObject *fn = bundle_function("prepare"), *site = NULL, *names = NULL, *r = NULL;
    if (fn == NULL || (site = PyUnicode_DecodeFSDefault(inst->site)) == NULL || (names = PyList_New(0)) == NULL) goto out;
    for (size_t i = 0; own[i]; i++) {
        PyObject *name = PyUnicode_FromString(own[i]);
        int rc = name ? PyList_Append(names, name) : -1;
        Py_XDECREF(name);
        if (rc < 0) goto out;
    }
    r = PyObject_CallFunctionObjArgs(fn, site, names, NULL);
out:
    Py_XDECREF(fn);
    Py_XDECREF(site);
    Py_XDECREF(names);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static void bundle_report(bridge_instance *inst, const char *when) { /* S4; GIL held */
    const char *v = getenv("CPA_SDK_DEBUG");
    if (!(v && *v && strcmp(v, "0") != 0) || inst->site == NULL) return;
    PyObject *fn = bundle_function("report");
    PyObject *r = fn ? PyObject_CallFunction(fn, "sss", inst->site, inst->so_path, when) : NULL;
    if (r == NULL) PyErr_Clear();
    Py_XDECREF(r);
    Py_XDECREF(fn);
}

static void *bundle_open(const void *host, const char *so_path, const char *payload_dir) {
    char site[PATH_MAX + 16];
    snprintf(site, sizeof site, "%s/" CPA_BUNDLE_SITE, payload_dir);
    pthread_mutex_lock(&g_lifecycle);
    bridge_instance *inst = instance_open((const cliproxy_host_api *)host, so_path, site);
    pthread_mutex_unlock(&g_lifecycle);
    return inst;
}

static int bundle_call(void *inst, const char *method, const uint8_t *request, size_t request_len, void *out) {
    return instance_call(inst, method, request, request_len, out);
}

static void bundle_shutdown(void *inst) {
    pthread_mutex_lock(&g_lifecycle);
    instance_shutdown(inst);
    pthread_mutex_unlock(&g_lifecycle);
}

static const cpa_bridge_bundle_api_t g_bundle_api = {CPA_BUNDLE_API_VERSION, bundle_open, bundle_call, bundle_shutdown};

__attribute__((visibility("default"))) const cpa_bridge_bundle_api_t *cpa_bridge_bundle_api(void) {
    return &g_bundle_api;
}
#endif
