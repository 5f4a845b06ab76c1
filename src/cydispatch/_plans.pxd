# The compiled plans (_plans.pyx): what the shared state machine (_signal.py)
# and the compiled send call at C speed. _plans.py is the pure-Python module
# of the same names.
cimport cython
from cpython.object cimport PyObject

from cydispatch._registry cimport Registry

cdef enum Kind:
    STRONG        # ``ref`` is the receiver
    WEAK          # ``ref`` is a weak reference to the receiver
    WEAK_METHOD   # ``ref`` refers weakly to the instance, ``func_ref`` to the function
    REF           # ``ref`` is a callable that returns the receiver, or None once it died

cdef struct Target:
    PyObject *ref
    PyObject *func_ref
    Kind kind


@cython.final
cdef class Plan:
    cdef readonly object sender_ref
    cdef PyObject *sender_id
    cdef readonly size_t version
    cdef readonly bint shared
    cdef Target *sync_targets
    cdef Py_ssize_t n_sync
    cdef readonly tuple async_refs
    cdef list owned

    cdef int add_target(self, object receiver) except -1
    cpdef bint serves(self, object sender) except -1
    cdef object live_receiver(self, Py_ssize_t i)
    cpdef list live_sync(self)
    cpdef list live_async(self)


cpdef Plan new_plan(object sender, Registry registry, object own_id, size_t version)
cpdef object dispatch_ref(object receiver)
