# The C types of the state machine (_signal.py), compiled for the compiled
# backend; the .py file stays the one source.
cimport cython
from cpython.object cimport PyObject

from cydispatch._entries cimport checked_entries, is_dead, make_entry
from cydispatch._keys cimport lookup_key
from cydispatch._plans cimport Plan, new_plan
from cydispatch._registry cimport Registry


cdef extern from "Python.h":
    # For _pop_entry: list's own code on a ReceiverList, whose methods report changes.
    PyObject *PyList_GET_ITEM(object entries, Py_ssize_t position)
    int PyList_SetSlice(object entries, Py_ssize_t low, Py_ssize_t high, PyObject *items) except -1


cdef class SignalCore:
    cdef dict __dict__
    cdef object __weakref__
    cdef public object lock
    cdef public object use_caching
    cdef public object providing_args
    cdef public bint _dead_receivers
    cdef public Py_ssize_t _muted      # open muted() blocks; changed under _state_lock
    cdef readonly object _state_lock
    cdef readonly Py_ssize_t _n_receivers
    cdef object _receivers             # a ReceiverList
    cdef dict _cache                   # sender_receivers_cache
    cdef Registry _registry
    cdef object _flag_sweep
    cdef size_t _version
    cdef Plan _last_plan
    cdef object _replaced

    cdef object _adopt(self, object entries)
    cdef object _current(self)
    cdef Registry _current_registry(self)
    cdef object _rebuild(self, object entries)
    cdef object _invalidate(self)
    cdef bint _connect_entry(self, tuple entry) except -1

    @cython.locals(position=Py_ssize_t)
    cdef bint _disconnect_key(self, object key) except -1

    @cython.locals(swept=bint)
    cdef object _sweep(self)

    cpdef tuple _to_call(self, object sender)
    cdef bint _uses_own_live_receivers(self) except -1

    @cython.locals(plan=Plan, cache=dict, registry=Registry)
    cdef Plan _plan_for(self, object sender)

    @cython.locals(plan=Plan, cache=dict, registry=Registry)
    cdef Plan _make_plan(self, object sender)


cdef type _LockType
cdef object _lock_acquire
cdef object _lock_release
cdef object _OWN_LIVE_RECEIVERS
cdef object _instance_dict

cpdef dict instance_vars(SignalCore signal)
cdef object _cleared(dict cache)
cdef object _pop_entry(object entries, Py_ssize_t position)
cdef object _acquire(object lock)
cdef object _release(object lock)
cdef object _check_self(object obj, str name)
cdef object _refuse_self(dict named, str name)
