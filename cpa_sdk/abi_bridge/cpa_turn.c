/*
 * cpa_turn.c: rule R12 of the shim (cpa_bridge.c), "the turn": which host thread runs Python next.
 *
 * Under contention, keep Python on one core. A GIL build runs one call at a time anyway; what
 * two host threads calling at once cost on top was Python's objects and reference counts
 * moving between the cores' caches on every call, and a futex wake on every GIL release
 * (0.6-0.85 of one thread's throughput). So a host thread runs its call when it has "the
 * turn" (one CAS; held only while its call runs and given up around host callbacks, like the
 * GIL). A thread that finds it taken lets the holder go on with its next calls and takes it
 * once it stays free, the holder stops completing calls (then it waits on the GIL), or its
 * patience runs out (then the holder hands it over). When the host does work of its own
 * between calls (measured on a sample of calls), the waiter takes the turn as soon as it is
 * free instead, so Python runs one thread's call during the other's host work, as long as
 * that completes more calls than napping does (judged by trying both now and then).
 *
 * Threads with a foreign thread state never get here (the shim gives them the GIL path). Set
 * CPA_SDK_TURN=off in the environment of the process (CPA's) to turn the policy off: then every
 * call takes the GIL path, as Python's own threads do. It is read once, when the first plugin of
 * this .so is initialised.
 */
#include "cpa_turn.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TURN_SETTLE_NS 3000      /* a free turn is taken only once it has stayed free this long */
#define TURN_SPIN_NS 20000       /* the waiter spins this long, then naps */
#define TURN_NAP_NS 50000        /* one nap */
#define TURN_STUCK_NS 500000     /* a holder that completes no call for this long: wait on the GIL */
#define TURN_PATIENCE_NS 5000000 /* then the waiter is handed the turn at the end of a call (the
                                  * GIL's own switch interval) */
#define TURN_PARK_NS 2000000     /* a thread queued behind the waiter this long: the GIL path */
#define TURN_GAP_NS 500          /* a holder away this long between calls, and a quarter of its
                                  * call: the waiter runs a call meanwhile */
#define TURN_PROBE_EVERY 64      /* one call in this many measures that */
#define TURN_EPOCH_NS 10000000   /* takeovers are judged by the calls completed in this long */
#define TURN_TRIAL_FIRST 4       /* epochs before the first trial of the other way, */
#define TURN_TRIAL_LAST 64       /* doubling up to this many each time a trial confirms the way */

static inline uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Only one waiter at a time spins and naps (g_next); the others sleep on g_queue_cv until its
 * place is free, each for at most TURN_PARK_NS, then take the GIL path. The holder never touches
 * any of this, so a release costs no wake-up. */
static pthread_mutex_t g_queue_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_queue_cv;
static const void *g_next;
static atomic_int g_parked; /* threads waiting behind g_next */
static _Atomic(const void *) g_turn;
static _Atomic(const void *) g_heir; /* the waiter the holder hands the turn to */
static atomic_uint g_turns;          /* turns completed; written only by the holder */

static inline int turn_take(const void *caller) {
    const void *none = NULL;
    return atomic_compare_exchange_strong(&g_turn, &none, caller);
}

/* Give the turn up if this caller has it: to the heir if there is one, else to anyone.
 * Only the holder moves the turn away from itself, so plain loads and stores are enough. */
static void turn_leave(const void *caller) {
    if (atomic_load_explicit(&g_turn, memory_order_relaxed) != caller) return;
    atomic_store_explicit(&g_turns, atomic_load_explicit(&g_turns, memory_order_relaxed) + 1, memory_order_relaxed);
    const void *heir = atomic_load_explicit(&g_heir, memory_order_relaxed);
    if (heir != NULL && atomic_compare_exchange_strong(&g_heir, &heir, NULL))
        atomic_store_explicit(&g_turn, heir, memory_order_release);
    else
        atomic_store_explicit(&g_turn, NULL, memory_order_release);
}

/* Whether the holders spend enough time away between calls (the host's own work on a request)
 * that a waiter should run a call meanwhile: then Python changing cores is the smaller cost.
 * Learnt from one call in TURN_PROBE_EVERY: how long it ran, how long until the same thread
 * called again. The probe is shared rather than per thread, so that the other calls pay one
 * load for it; two holders measuring over each other only skews one sample. */
static atomic_int g_gappy;

static struct {
    _Atomic(const void *) caller; /* whose call was measured, until that thread calls again */
    _Atomic uint64_t began, left;
} g_probe;

/* By the holder, having just taken the turn: the start of a measured call, or 0. */
static inline uint64_t probe_begin(void) {
    return atomic_load_explicit(&g_turns, memory_order_relaxed) % TURN_PROBE_EVERY == 0 ? now_ns() : 0;
}

/* Whether takeovers pay. They move Python's objects to the other core on every call, which is
 * cheap while a cache line crosses between the cores in ~80 ns, and not when it takes ~400 ns (a
 * VM whose vCPUs the hypervisor has placed far apart, for seconds or minutes at a time): then two
 * threads with host work made 0.77 of one thread's calls, and 0.96 with waiters napping instead
 * (g_calm). Which holds is measured, not guessed: while threads contend (some call found the
 * turn taken) and holders are gappy, the calls completed per epoch are counted, and now and then an epoch tries the other way,
 * which is kept if it completed 5% more calls than the epoch before it. A trial costs (0.96 where
 * 1.7 was possible, for one epoch), so trials grow rarer while they confirm the way (every 4,
 * 8, ... 64 epochs: 40 to 640 ms). An epoch without contention resets all this to takeovers. Only holders touch g_epoch, one at a time (the turn), from
 * probe_end. */
static atomic_int g_calm;   /* read by waiters */
static atomic_uint g_waits; /* calls that found the turn taken */

static struct {
    uint64_t start, rate_before; /* rate: calls per TURN_EPOCH_NS */
    unsigned turns, waits, until_trial, between_trials;
    int trial;
} g_epoch = {.until_trial = TURN_TRIAL_FIRST, .between_trials = TURN_TRIAL_FIRST};

static void epoch_tick(uint64_t now) {
    if (g_epoch.start != 0 && now - g_epoch.start < TURN_EPOCH_NS) return;
    unsigned turns = atomic_load_explicit(&g_turns, memory_order_relaxed);
    unsigned waits = atomic_load_explicit(&g_waits, memory_order_relaxed);
    int calm = atomic_load_explicit(&g_calm, memory_order_relaxed);
    if (g_epoch.start != 0) {
        uint64_t rate = (uint64_t)(turns - g_epoch.turns) * TURN_EPOCH_NS / (now - g_epoch.start);
        /* judged only with host work and threads contending (calm waiters wait rarely, but long),
         * and not across a pause of the calls */
        int judged = atomic_load_explicit(&g_gappy, memory_order_relaxed) && waits != g_epoch.waits &&
                     now - g_epoch.start < 2 * (uint64_t)TURN_EPOCH_NS;
        if (!judged) {
            /* a judgement holds for the contention it was made under: when that pauses, start
             * over with takeovers, lest a calm waiter nap through a lone caller's short call */
            if (calm) atomic_store_explicit(&g_calm, 0, memory_order_relaxed);
            g_epoch.trial = 0;
            g_epoch.until_trial = g_epoch.between_trials = TURN_TRIAL_FIRST;
        } else if (g_epoch.trial) {
            g_epoch.trial = 0;
            if (rate * 20 <= g_epoch.rate_before * 21) { /* kept only for 5% more calls */
                atomic_store_explicit(&g_calm, !calm, memory_order_relaxed);
                if (g_epoch.between_trials < TURN_TRIAL_LAST) g_epoch.between_trials *= 2;
            } else {
                g_epoch.between_trials = TURN_TRIAL_FIRST;
            }
            g_epoch.until_trial = g_epoch.between_trials;
        } else if (--g_epoch.until_trial == 0) {
            g_epoch.trial = 1;
            g_epoch.rate_before = rate;
            atomic_store_explicit(&g_calm, !calm, memory_order_relaxed);
        }
    }
    g_epoch.start = now;
    g_epoch.turns = turns;
    g_epoch.waits = waits;
}

/* By the holder, before it leaves the turn. */
static inline void probe_end(const void *caller, uint64_t began) {
    if (began == 0) return;
    uint64_t now = now_ns();
    atomic_store_explicit(&g_probe.began, began, memory_order_relaxed);
    atomic_store_explicit(&g_probe.left, now, memory_order_relaxed);
    atomic_store_explicit(&g_probe.caller, caller, memory_order_release);
    epoch_tick(now);
}

/* By every thread as it calls in, before it asks for the turn. */
static inline void probe_arrive(const void *caller) {
    const void *measured = atomic_load_explicit(&g_probe.caller, memory_order_relaxed);
    if (measured != caller || !atomic_compare_exchange_strong(&g_probe.caller, &measured, NULL)) return;
    uint64_t left = atomic_load_explicit(&g_probe.left, memory_order_relaxed);
    uint64_t away = now_ns() - left, ran = left - atomic_load_explicit(&g_probe.began, memory_order_relaxed);
    int gappy = away >= TURN_GAP_NS && away >= ran / 4;
    if (atomic_load_explicit(&g_gappy, memory_order_relaxed) != gappy)
        atomic_store_explicit(&g_gappy, gappy, memory_order_relaxed);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Stop being the heir; 1 if the holder has meanwhile handed this thread the turn. */
static int heir_resign(const void *caller) {
    const void *me = caller;
    if (atomic_compare_exchange_strong(&g_heir, &me, NULL)) return 0;
    while (atomic_load_explicit(&g_turn, memory_order_acquire) != caller) cpu_relax(); /* being handed */
    return 1;
}

/* The turn is held by another host thread; this one is g_next. 1 once it has the turn, 0 when it
 * should take the GIL path instead, as any Python thread does:
 *  - when holders are away long enough between calls (g_gappy), the waiter spins and takes a free
 *    turn at once, running a call while the holder does host work (only while no other thread
 *    queues behind it, and unless takeovers were found not to pay: g_calm, then it naps at once).
 *    It is not handed the turn: a waiter whose CPU is busy with something else would hold
 *    Python up, while a free turn is taken back by its holder when it returns;
 *  - otherwise a turn that stays free for TURN_SETTLE_NS is taken (its holder is not coming
 *    straight back), and a holder making calls one after another is left alone, the waiter
 *    spinning briefly and then napping, so Python stays hot on one core;
 *  - a holder that completes no call for TURN_STUCK_NS (one long call, or blocked inside Python)
 *    is waited for on the GIL, which wakes the waiter as soon as it is free;
 *  - after TURN_PATIENCE_NS the waiter becomes the heir, handed the turn at the end of a call;
 *  - after twice that (the heir was never handed it), the GIL path. */
static int wait_as_next(const void *caller) {
    uint64_t start = now_ns(), now = start, free_since = 0, progress = start;
    unsigned turns = atomic_load_explicit(&g_turns, memory_order_relaxed), spins = 0;
    int heir = 0;
    for (;;) {
        const void *holder = atomic_load_explicit(&g_turn, memory_order_acquire);
        if (holder == caller) return 1; /* handed over */
        /* not with threads queued behind: the threads then outnumber the CPUs, perhaps, and
         * changing the holder every call makes each of them wait for a CPU */
        int gappy = atomic_load_explicit(&g_gappy, memory_order_relaxed);
        int calm = gappy && atomic_load_explicit(&g_calm, memory_order_relaxed);
        int at_once = gappy && !calm && atomic_load_explicit(&g_parked, memory_order_relaxed) == 0;
        if (holder != NULL) {
            free_since = 0;
        } else if (free_since == 0 && !at_once) {
            free_since = now;
        } else if ((at_once || now - free_since >= TURN_SETTLE_NS) && turn_take(caller)) {
            if (heir) (void)heir_resign(caller); /* cannot have been handed it: it was free */
            return 1;
        }
        unsigned seen = atomic_load_explicit(&g_turns, memory_order_relaxed);
        if (seen != turns) {
            turns = seen;
            progress = now;
        } else if (now - progress >= TURN_STUCK_NS) {
            /* one long call, or blocked inside Python: the GIL wakes us when it is free */
            return heir ? heir_resign(caller) : 0;
        }
        if (!heir && now - start >= TURN_PATIENCE_NS) {
            const void *none = NULL;
            heir = atomic_compare_exchange_strong(&g_heir, &none, caller);
        }
        if (now - start >= 2 * (uint64_t)TURN_PATIENCE_NS) return heir ? heir_resign(caller) : 0;
        if (heir || at_once || free_since != 0 || (!calm && now - start < TURN_SPIN_NS)) {
            if (++spins % 64 == 0)
                sched_yield(); /* lets the holder run if it shares this CPU */
            else
                cpu_relax();
        } else {
            struct timespec nap = {0, TURN_NAP_NS};
            nanosleep(&nap, NULL);
        }
        now = now_ns();
    }
}

static void turn_queue_init(void) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g_queue_cv, &attr);
    pthread_condattr_destroy(&attr);
}

static int turn_wait(const void *caller) {
    atomic_fetch_add_explicit(&g_waits, 1, memory_order_relaxed);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    uint64_t ns = (uint64_t)until.tv_nsec + TURN_PARK_NS;
    until.tv_sec += (time_t)(ns / 1000000000u);
    until.tv_nsec = (long)(ns % 1000000000u);
    int rc = 0;
    pthread_mutex_lock(&g_queue_mu);
    while (g_next != NULL && rc == 0) {
        g_parked++;
        rc = pthread_cond_timedwait(&g_queue_cv, &g_queue_mu, &until);
        g_parked--;
    }
    int next = g_next == NULL;
    if (next) g_next = caller;
    pthread_mutex_unlock(&g_queue_mu);
    if (!next) return 0;
    int got = wait_as_next(caller);
    pthread_mutex_lock(&g_queue_mu);
    g_next = NULL;
    if (g_parked) pthread_cond_signal(&g_queue_cv);
    pthread_mutex_unlock(&g_queue_mu);
    return got;
}

/* ---- the interface (cpa_turn.h) ---------------------------------------------------------- */

static int g_enabled; /* set once by turn_init, before any call: CPA_SDK_TURN */

void turn_init(void) {
    const char *v = getenv("CPA_SDK_TURN");
    g_enabled = !(v && (strcmp(v, "off") == 0 || strcmp(v, "0") == 0));
    turn_queue_init();
}

turn_ticket turn_enter(const void *caller) {
    turn_ticket ticket = {0, 0};
    if (!g_enabled) return ticket;
    probe_arrive(caller);
    if (turn_take(caller) || turn_wait(caller)) {
        ticket.held = 1;
        ticket.began = probe_begin();
    }
    return ticket;
}

void turn_exit(const void *caller, turn_ticket ticket) {
    if (!ticket.held) return;
    probe_end(caller, ticket.began);
    turn_leave(caller);
}

void turn_yield(const void *caller) {
    turn_leave(caller); /* a caller without the turn (off, or the GIL path) has nothing to give up */
}
