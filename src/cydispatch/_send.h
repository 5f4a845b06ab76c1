/* Signal.send and Signal.send_robust as C methods with the vectorcall
   convention (METH_FASTCALL | METH_KEYWORDS): the caller's keyword names
   arrive as one tuple, with no dict built. _cdispatch.pyx sets cyd_send_impl
   to its send and fills in the docstrings before it installs the methods. */
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

static PyMethodDef cyd_send_def = {
    "send", (PyCFunction)(void (*)(void))cyd_send, METH_FASTCALL | METH_KEYWORDS, NULL};

static PyMethodDef cyd_send_robust_def = {
    "send_robust", (PyCFunction)(void (*)(void))cyd_send_robust, METH_FASTCALL | METH_KEYWORDS, NULL};

#endif
