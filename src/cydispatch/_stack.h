/* The C stack guard of the compiled send.
 *
 * Django's send is a Python frame: a receiver that sends again recurses
 * through the interpreter, which raises RecursionError at the recursion
 * limit. The compiled send adds C frames of its own to each level, so a
 * limit raised far enough (sys.setrecursionlimit) would let the C stack
 * overflow before the limit is reached. cyd_stack_enter() raises
 * RecursionError instead when the thread's C stack is nearly used up; it
 * counts nothing, so a send nests exactly as deep as Django's wherever
 * the stack allows.
 *
 * From Python 3.14 the interpreter guards the C stack itself, and
 * Py_EnterRecursiveCall is that guard. Before, the stack's bounds are
 * asked of the system once per thread.
 */
#ifndef CYDISPATCH_STACK_H
#define CYDISPATCH_STACK_H

#include <Python.h>

#if PY_VERSION_HEX >= 0x030E0000

static int cyd_stack_enter(void) {
    return Py_EnterRecursiveCall(" while calling a Python object");
}

static void cyd_stack_leave(void) {
    Py_LeaveRecursiveCall();
}

#else

#if defined(_WIN32)
#include <windows.h>
#define CYD_THREAD_LOCAL __declspec(thread)
#else
#include <pthread.h>
#if defined(__linux__) && defined(__GNUC__)
/* One word of static TLS: read without a call to __tls_get_addr. */
#define CYD_THREAD_LOCAL __thread __attribute__((tls_model("initial-exec")))
#else
#define CYD_THREAD_LOCAL __thread
#endif
#endif

/* What is left below the guard: enough for the interpreter and C code that
   a receiver runs before it sends again (a quarter of a small stack). */
#define CYD_STACK_MARGIN ((size_t)256 * 1024)

/* The lowest address a send may start at on this thread (the stack grows
   down on every platform CPython builds for); 1 until it is known or when
   the system cannot say, which disables the guard. */
static CYD_THREAD_LOCAL char *cyd_stack_floor = NULL;

static char *cyd_find_stack_floor(void) {
    char *low = NULL;
    size_t size = 0;
#if defined(_WIN32)
    ULONG_PTR lowest, highest;
    GetCurrentThreadStackLimits(&lowest, &highest);
    low = (char *)lowest;
    size = (size_t)(highest - lowest);
#elif defined(__APPLE__)
    char *top = (char *)pthread_get_stackaddr_np(pthread_self());
    size = pthread_get_stacksize_np(pthread_self());
    low = top - size;
#elif defined(__linux__)
    pthread_attr_t attr;
    void *address;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &address, &size) == 0) {
            low = (char *)address;
        }
        pthread_attr_destroy(&attr);
    }
#endif
    if (low == NULL || size == 0) {
        return (char *)1;
    }
    size_t margin = size / 4 < CYD_STACK_MARGIN ? size / 4 : CYD_STACK_MARGIN;
    return low + margin;
}

static int cyd_stack_enter(void) {
    char here;
    if (cyd_stack_floor == NULL) {
        cyd_stack_floor = cyd_find_stack_floor();
    }
    if (&here < cyd_stack_floor) {
        PyErr_SetString(PyExc_RecursionError,
                        "maximum recursion depth exceeded while calling a Python object");
        return -1;
    }
    return 0;
}

static void cyd_stack_leave(void) {
}

#endif
#endif
