/* Signal.send and Signal.send_robust as C methods with the vectorcall
   convention (METH_FASTCALL | METH_KEYWORDS): the caller's keyword names
   arrive as one tuple, with no dict built. _cdispatch.pyx sets cyd_send_impl
   to its send and fills in the docstrings before it installs the methods.
   The loop that calls the receivers is here too. */
#ifndef CYDISPATCH_SEND_H
#define CYDISPATCH_SEND_H

#include <Python.h>

static PyObject *(*cyd_send_impl)(PyObject *, PyObject **, Py_ssize_t, PyObject *, int);

static PyObject *cyd_send(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    return cyd_send_impl(self, (PyObject **)args, nargs, kwnames, 0);
}

static PyObject *cyd_send_robust(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames) {
    return cyd_send_impl(self, (PyObject **)args, nargs, kwnames, 1);
}

/* What a robust send makes of a receiver call that raised (the exception is
   still set): the response for the pair (a new reference), or NULL (with an
   exception set) to end the send. */
typedef PyObject *(*cyd_failure_t)(PyObject *receiver);

/* Call each of ``receivers`` (a list only the send can reach) on ``stack[1:]``
   with keywords ``names_out``, and replace it with its (receiver, response)
   pair: the pair takes over the list's reference to the receiver. A bound
   method's function is called with the instance in ``stack[0]``, as the
   method's own vectorcall would; any other callee may use that free slot
   (PY_VECTORCALL_ARGUMENTS_OFFSET). With ``on_failure`` NULL, a raising
   receiver ends the loop: -1, the list partly replaced, for the send to drop. */
static inline int cyd_call_receivers(PyObject *receivers, PyObject **stack, PyObject *names_out,
                                     cyd_failure_t on_failure) {
    Py_ssize_t n = PyList_GET_SIZE(receivers);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *receiver = PyList_GET_ITEM(receivers, i);
        PyObject *response;
        if (PyMethod_Check(receiver)) {
            stack[0] = PyMethod_GET_SELF(receiver);
            response = PyObject_Vectorcall(PyMethod_GET_FUNCTION(receiver), stack, 1, names_out);
        } else {
            response = PyObject_Vectorcall(receiver, stack + 1, PY_VECTORCALL_ARGUMENTS_OFFSET, names_out);
        }
        if (response == NULL && (on_failure == NULL || (response = on_failure(receiver)) == NULL)) {
            return -1;
        }
        PyObject *pair = PyTuple_New(2);
        if (pair == NULL) {
            Py_DECREF(response);
            return -1;
        }
        PyTuple_SET_ITEM(pair, 0, receiver);
        PyTuple_SET_ITEM(pair, 1, response);
        PyList_SET_ITEM(receivers, i, pair);
    }
    return 0;
}

static PyMethodDef cyd_send_def = {
    "send", (PyCFunction)(void (*)(void))cyd_send, METH_FASTCALL | METH_KEYWORDS, NULL};

static PyMethodDef cyd_send_robust_def = {
    "send_robust", (PyCFunction)(void (*)(void))cyd_send_robust, METH_FASTCALL | METH_KEYWORDS, NULL};

#endif
