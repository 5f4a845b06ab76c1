# The compiled plans (_plans.pyx): what the shared state machine (_signal.py)
# and the compiled send call at C speed. _plans.py is the pure-Python module
# of the same names.
cimport cython
from cpython.object cimport PyObject

from cydispatch._registry cimport Registry

cdef extern from "_plans.h":
    # What a target's ``ref`` is (see _plans.h).
    ctypedef enum Kind "cyd_kind":
        STRONG "CYD_STRONG"
        WEAK "CYD_WEAK"
        WEAK_METHOD "CYD_WEAK_METHOD"
        REF "CYD_REF"

    ctypedef struct Target "cyd_target":
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
    cpdef list live_sync(self)
    cpdef list live_async(self)


cpdef Plan new_plan(object sender, Registry registry, object own_id, size_t version)
cpdef object dispatch_ref(object receiver)
