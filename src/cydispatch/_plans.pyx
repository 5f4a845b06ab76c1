# cython: language_level=3, embedsignature=True, freethreading_compatible=True
"""Plans, compiled: what a send from one sender calls, ready for a C loop.

The names and meaning of ``_plans.py``'s, with the synchronous receivers
held as C targets (``_plans.h``): a strong receiver; a weak reference to a
function; or, for a bound method, weak references to the instance and to the
function, of which a send makes the bound method that its result holds (no
``WeakMethod.__call__``).
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject

import types
import weakref

from cydispatch._entries cimport is_sender, matching_entries
from cydispatch._refs cimport identity_ref, strong_ref

cdef extern from "_compat.h":
    object cyd_deref(PyObject *ref)

cdef extern from "_plans.h":
    list cyd_live_receivers(Target *targets, Py_ssize_t n)

cdef extern from "Python.h":
    void Py_INCREF(object obj)
    void Py_XDECREF(PyObject *obj)

cdef object _WeakMethod = weakref.WeakMethod
cdef object _ReferenceType = weakref.ReferenceType
cdef object _MethodType = types.MethodType


@cython.final
@cython.no_gc_clear
cdef class Plan:
    """What a send from one sender calls: its live receivers, ready to call.

    The targets' pointers are borrowed from ``owned`` (but for ``func_ref``,
    which a target holds: see ``add_target``), which the garbage
    collector sees: a reference held only by a C pointer would hide from it a
    cycle through a strongly connected receiver (one that refers back to the
    signal), which could then never be collected. The collector never clears
    a plan, so the pointers stay valid for as long as the plan lives.
    """

    def __dealloc__(self):
        cdef Py_ssize_t i
        for i in range(self.n_sync):
            Py_XDECREF(self.sync_targets[i].func_ref)
        PyMem_Free(self.sync_targets)

    cdef int add_target(self, object receiver) except -1:
        """Append the target for an entry's ``receiver`` (its reference or itself)."""
        cdef Target *target = &self.sync_targets[self.n_sync]
        cdef object func_ref = None
        cdef Kind kind = STRONG
        # Only weakref's own two types are dereferenced here; any other
        # reference (a subclass, a patched weakref.WeakMethod) is called to
        # get its receiver, as Django does, so its own __call__ is honoured.
        if type(receiver) is _WeakMethod:
            method = receiver()
            if method is None:
                return 0
            if type(method) is _MethodType:
                func_ref = weakref.ref(method.__func__)
                kind = WEAK_METHOD
            else:
                kind = REF
        elif type(receiver) is _ReferenceType:
            kind = WEAK
        elif isinstance(receiver, _ReferenceType):
            kind = REF
        target.kind = kind
        target.ref = <PyObject *>receiver
        self.owned.append(receiver)
        target.func_ref = NULL
        if kind == WEAK_METHOD:
            # Held by the target itself, not in ``owned``: a weak reference
            # without a callback refers strongly to nothing, so it is in no
            # cycle that the collector must see, and a receiver costs one
            # slot of ``owned`` less.
            Py_INCREF(func_ref)
            target.func_ref = <PyObject *>func_ref
        self.n_sync += 1
        return 0

    cpdef bint serves(self, object sender) except -1:
        """Whether this own plan is the one for ``sender`` (not for a dead object at its address)."""
        if self.sender_id == <PyObject *>sender:
            if self.sender_ref is None:
                return True  # a sender that cannot be weakly referenced: see identity_ref
            if type(self.sender_ref) is _ReferenceType:
                live = cyd_deref(<PyObject *>self.sender_ref)
                return live is sender
        # A bound method sender is made anew at each access: compared by equality.
        return type(self.sender_ref) is _WeakMethod and is_sender(self.sender_ref, sender)

    cpdef list live_sync(self):
        """The live synchronous receivers, in connection order."""
        return cyd_live_receivers(self.sync_targets, self.n_sync)

    cpdef list live_async(self):
        """The live asynchronous receivers (``None`` when the plan has none)."""
        if not self.async_refs:
            return None
        return [r for r in [ref() for ref in self.async_refs] if r is not None]


cpdef Plan new_plan(object sender, Registry registry, object own_id, size_t version):
    """The plan of a send from ``sender``, whose own id is ``own_id`` (see ``Registry.own_id``)."""
    cdef Plan plan = Plan.__new__(Plan)
    plan.shared = own_id is None
    plan.sender_ref = None if plan.shared else identity_ref(sender)
    plan.sender_id = NULL if plan.shared else <PyObject *>sender
    plan.version = version
    plan.owned = []
    matches = matching_entries(registry.entries_for(own_id), sender)
    plan.sync_targets = <Target *>PyMem_Malloc(max(len(matches), 1) * sizeof(Target))
    if plan.sync_targets == NULL:
        raise MemoryError()
    async_refs = []
    for receiver, is_async in matches:
        if is_async:
            async_refs.append(dispatch_ref(receiver))
        else:
            plan.add_target(receiver)
    plan.async_refs = tuple(async_refs)
    return plan


cpdef object dispatch_ref(object receiver):
    """What a plan calls to get an entry's receiver: its weak reference, or a strong one."""
    return receiver if isinstance(receiver, _ReferenceType) else strong_ref(receiver)
