# cython: language_level=3, embedsignature=True, boundscheck=False, wraparound=False
"""The *floor*: a fixed list of receivers called from a bare C loop (benchmarks only).

``make_floor(receivers, signal)`` returns a ``Floor`` whose ``send`` and
``send_robust`` take a send's arguments (``floor.send(sender, a=1, b=2)``)
and call every receiver the way the compiled ``Signal.send`` calls it, with
``PyObject_Vectorcall`` on one argument array, and return the same
``[(receiver, response), ...]``. They enter through the compiled send's own
C entry point (``src/cydispatch/_send.h``, included here, not copied), so the
call reaches them as cheaply as it reaches ``Signal.send``. They do nothing
else: no plan, no weak references, no muting, no checks beyond what keeps
memory safe. The yardstick (``yardstick.py``) is the same work done by
Python code; the floor is that work done by C, so ``floor / yardstick`` is
what the interpreter charges a C caller for the calls, and ``compiled send /
floor`` is what the dispatcher adds.

``floor.py`` compiles this module on demand; it is not part of cydispatch.
"""

cimport cython
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF
from cpython.tuple cimport PyTuple_GET_SIZE

import types

cdef extern from "_send.h":
    ctypedef object (*send_impl_t)(PyObject *, PyObject **, Py_ssize_t, PyObject *, int)
    send_impl_t cyd_send_impl
    ctypedef struct PyMethodDef:
        const char *ml_name
    PyMethodDef cyd_send_def
    PyMethodDef cyd_send_robust_def

cdef extern from "Python.h":
    object PyMethod_New(object func, object self)
    ctypedef struct PyTypeObject:
        PyObject *tp_dict
    size_t PY_VECTORCALL_ARGUMENTS_OFFSET
    object PyObject_Vectorcall(PyObject *callable, PyObject **args, size_t nargsf, PyObject *kwnames)
    object PyDescr_NewMethod(PyTypeObject *type, PyMethodDef *meth)
    int PyDict_SetItemString(PyObject *d, const char *key, object value) except -1
    void PyType_Modified(PyTypeObject *type)

cdef enum:
    # The argument array: a free slot for the callee to prepend into
    # (PY_VECTORCALL_ARGUMENTS_OFFSET), a slot for a bound method's instance,
    # the signal, the sender, then up to 12 named arguments. The compiled send
    # keeps 14 on its stack; the benchmarks pass two.
    STACK_SIZE = 16
    SELF_AT = 1
    LEADING = 4

cdef tuple _NO_NAMES = ("signal", "sender")


@cython.final
@cython.auto_pickle(False)
cdef class Floor:
    """A fixed list of receivers, called by ``send`` and ``send_robust`` from a C loop.

    A bound method is called as its function with its instance prepended in
    the argument array, not as the bound method: CPython's ``method_vectorcall``
    would do that same prepending one call deeper (and the interpreter unpacks
    bound methods the same way for the yardstick), so calling the function is
    the cheaper of the two and the lower bound (counted under callgrind on 10
    bound methods: 54 instructions per receiver less on 3.11, 68 on 3.12,
    about 3% of a call). The result list holds the bound method objects
    given, as the yardstick's does, or, with ``weak_methods``, one made for
    this send from the function and the instance: what a dispatcher that
    holds a method weakly must do, as holding its bound method between
    sends would keep the instance alive (Django's ``WeakMethod`` makes one
    per send too).
    """

    cdef readonly tuple receivers   # what the results pair with each response
    cdef tuple callables            # each receiver, or a bound method's function
    cdef tuple instances            # a bound method's instance, or None
    cdef object signal              # passed as ``signal=``
    cdef object names_in            # the last caller's kwnames tuple (or None), compared by identity
    cdef tuple names_out            # ("signal", "sender", *names_in)
    cdef bint weak_methods          # a result holds a bound method made for the send


def make_floor(receivers, signal, weak_methods=False):
    """A ``Floor`` that calls ``receivers`` (held strongly, in order) with ``signal=signal``.

    ``weak_methods``: each bound method's result pair holds a bound method made
    for the send, as when the methods are connected weakly.
    """
    cdef Floor floor = Floor.__new__(Floor)
    floor.receivers = tuple(receivers)
    floor.callables = tuple(r.__func__ if type(r) is types.MethodType else r for r in floor.receivers)
    floor.instances = tuple(r.__self__ if type(r) is types.MethodType else None for r in floor.receivers)
    floor.signal = signal
    floor.names_in = None
    floor.names_out = _NO_NAMES
    floor.weak_methods = weak_methods
    return floor


cdef object _floor_send(PyObject *self_ptr, PyObject **args, Py_ssize_t nargs, PyObject *kwnames, int robust):
    """``Floor.send`` (``robust=0``) and ``Floor.send_robust``: ``(sender, **named)``, the sender positional."""
    cdef Floor self = <Floor>self_ptr
    if nargs != 1:
        raise TypeError("Floor.send() takes the sender as its one positional argument")
    # The caller's kwnames tuple is a constant of its code: derived once, kept by identity.
    if <PyObject *>self.names_in != kwnames and not (kwnames == NULL and self.names_in is None):
        names = () if kwnames == NULL else <tuple><object>kwnames
        if LEADING + len(names) > STACK_SIZE:
            raise TypeError(f"Floor.send() takes at most {STACK_SIZE - LEADING} named arguments")
        self.names_out = _NO_NAMES + names
        self.names_in = None if kwnames == NULL else <object>kwnames
    cdef PyObject *names_out = <PyObject *>self.names_out
    cdef Py_ssize_t n_named = PyTuple_GET_SIZE(self.names_out) - 2
    cdef PyObject *stack[STACK_SIZE]
    cdef Py_ssize_t i
    stack[LEADING - 2] = <PyObject *>self.signal
    stack[LEADING - 1] = args[0]
    for i in range(n_named):
        stack[LEADING + i] = args[1 + i]
    cdef Py_ssize_t n = PyTuple_GET_SIZE(self.receivers)
    cdef list results = PyList_New(n)
    for i in range(n):
        if robust:
            try:
                response = _call(self, i, stack, names_out)
            except Exception as error:
                response = error
        else:
            response = _call(self, i, stack, names_out)
        if self.weak_methods and self.instances[i] is not None:
            pair = (PyMethod_New(self.callables[i], self.instances[i]), response)
        else:
            pair = (self.receivers[i], response)
        Py_INCREF(pair)  # PyList_SET_ITEM steals it
        PyList_SET_ITEM(results, i, pair)
    return results


cdef inline object _call(Floor self, Py_ssize_t i, PyObject **stack, PyObject *names_out):
    """Call receiver ``i`` on ``stack``'s signal, sender and named values, keywords ``names_out``."""
    instance = self.instances[i]
    if instance is None:
        return PyObject_Vectorcall(<PyObject *>self.callables[i], stack + SELF_AT + 1,
                                   0 | PY_VECTORCALL_ARGUMENTS_OFFSET, names_out)
    stack[SELF_AT] = <PyObject *>instance
    return PyObject_Vectorcall(<PyObject *>self.callables[i], stack + SELF_AT,
                               1 | PY_VECTORCALL_ARGUMENTS_OFFSET, names_out)


cdef void _install_fastcall(type cls, PyMethodDef *definition) except *:
    """Make ``definition`` (a vectorcall C function of ``_send.h``) a method of ``cls``, as ``_cdispatch`` does."""
    PyDict_SetItemString((<PyTypeObject *>cls).tp_dict, definition.ml_name,
                         PyDescr_NewMethod(<PyTypeObject *>cls, definition))
    PyType_Modified(<PyTypeObject *>cls)


cyd_send_impl = _floor_send
_install_fastcall(Floor, &cyd_send_def)
_install_fastcall(Floor, &cyd_send_robust_def)
