/*
 * core_to_core.c: how long a cache line takes to go from CPU 0 to CPU 1 and back.
 *
 * Two threads, pinned to the first two CPUs, pass one flag back and forth. The figure tells the
 * reader of a benchmark report which machine the two-thread rows ran on: on this project's VMs it
 * is ~80-120 ns most of the time and ~400 ns for stretches of seconds to minutes (the hypervisor
 * placing the vCPUs far apart), and Python moving between the cores costs five times more then.
 * Prints the median of five rounds, in ns; exits 1 unless CPUs 0 and 1 are both available.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TRIPS 100000
#define ROUNDS 5

static _Alignas(64) atomic_int g_ball;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *returner(void *arg) {
    (void)arg;
    pin(1);
    for (int i = 0; i < TRIPS * ROUNDS; i++) {
        while (atomic_load_explicit(&g_ball, memory_order_acquire) != 1) {
        }
        atomic_store_explicit(&g_ball, 0, memory_order_release);
    }
    return NULL;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    pthread_t other;
    if (pin(1) != 0 || pin(0) != 0) return 1; /* both CPUs exist and are ours */
    if (pthread_create(&other, NULL, returner, NULL) != 0) return 1;
    double ns[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_s();
        for (int i = 0; i < TRIPS; i++) {
            atomic_store_explicit(&g_ball, 1, memory_order_release);
            while (atomic_load_explicit(&g_ball, memory_order_acquire) != 0) {
            }
        }
        ns[r] = (now_s() - t0) * 1e9 / TRIPS;
    }
    pthread_join(other, NULL);
    qsort(ns, ROUNDS, sizeof ns[0], by_value);
    printf("%.0f\n", ns[ROUNDS / 2]);
    return 0;
}
