/*
 * cpa_turn.h: "the turn" (cpa_turn.c), the shim's policy for host threads that call at once.
 *
 * A policy, not an embedding rule: the shim is correct without it (every call can take the GIL
 * path), it only decides which host thread runs Python next so that Python stays on one core.
 * CPA_SDK_TURN=off in the environment of the process turns it off (docs/abi-bridge.md). The
 * free-threaded shim has no GIL to economise and never enters it.
 *
 * A caller is known by an opaque pointer that stays the same for a thread (the shim passes the
 * thread's persistent PyThreadState). Nothing here touches Python.
 */
#ifndef CPA_TURN_H
#define CPA_TURN_H

#include <stdint.h>

typedef struct {
    int held;       /* 1: this call has the turn; 0: take the GIL path as any Python thread does */
    uint64_t began; /* the start of a measured call (the probe), or 0 */
} turn_ticket;

/* Once per mapping, before any other call: reads CPA_SDK_TURN. */
void turn_init(void);

/* As a call comes in from the host, before Python runs it. */
turn_ticket turn_enter(const void *caller);

/* When that call has returned from Python (the GIL already released). */
void turn_exit(const void *caller, turn_ticket ticket);

/* Around a host callback: the host may take long, and other threads must not wait for it. */
void turn_yield(const void *caller);

#endif
