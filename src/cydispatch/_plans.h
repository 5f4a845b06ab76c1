/* A plan's synchronous receivers as C targets (_plans.pyx), and how a send
   turns them into the list of its live receivers. */
#ifndef CYDISPATCH_PLANS_H
#define CYDISPATCH_PLANS_H

#include <Python.h>

#include "_compat.h"

typedef enum {
    CYD_STRONG,       /* ``ref`` is the receiver */
    CYD_WEAK,         /* ``ref`` is a weakref.ref to the receiver */
    CYD_WEAK_METHOD,  /* ``ref`` (a WeakMethod) refers weakly to the instance, ``func_ref`` to the function */
    CYD_REF,          /* ``ref`` is a callable that returns the receiver, or None once it died */
} cyd_kind;

typedef struct {
    PyObject *ref;
    PyObject *func_ref;
    cyd_kind kind;
} cyd_target;

/* 1 and a new reference to the receiver of ``target`` in ``*receiver``; 0
   once it died; -1 on error. */
static inline int cyd_target_receiver(const cyd_target *target, PyObject **receiver) {
    switch (target->kind) {
    case CYD_STRONG:
        *receiver = Py_NewRef(target->ref);
        return 1;
    case CYD_WEAK:
        return cyd_get_ref(target->ref, receiver);
    case CYD_WEAK_METHOD:
        return cyd_method_of_refs(target->ref, target->func_ref, receiver);
    default:
        *receiver = PyObject_CallNoArgs(target->ref);
        if (*receiver == NULL) return -1;
        if (*receiver != Py_None) return 1;
        Py_DECREF(*receiver);
        return 0;
    }
}

/* A new list of the live receivers of ``targets[:n]``, in order, or NULL on
   error. They are resolved into a C array and only then moved into the
   list, which no code (not a custom reference, nor a finalizer that a
   collection runs meanwhile) can see half filled. */
static inline PyObject *cyd_live_receivers(const cyd_target *targets, Py_ssize_t n) {
    PyObject *buffer[16];
    PyObject **found = buffer;
    PyObject *receivers = NULL;
    Py_ssize_t live = 0;
    Py_ssize_t i;
    if (n > 16) {
        found = PyMem_Malloc(n * sizeof(PyObject *));
        if (found == NULL) return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        int status = cyd_target_receiver(&targets[i], &found[live]);
        if (status < 0) goto done;
        live += status;
    }
    receivers = PyList_New(live);
    if (receivers != NULL) {
        for (i = 0; i < live; i++) PyList_SET_ITEM(receivers, i, found[i]);
        live = 0;
    }
done:
    for (i = 0; i < live; i++) Py_DECREF(found[i]);
    if (found != buffer) PyMem_Free(found);
    return receivers;
}

#endif
