# cython: language_level=3, embedsignature=True, freethreading_compatible=True
"""The compiled backend: ``_pydispatch`` name for name, with a C hot path.

What differs from the reference is how a send finds and calls its receivers:

* ``send`` and ``send_robust`` are C functions with the vectorcall calling
  convention (installed by ``_install_fastcall``): the caller's keyword names
  arrive as one tuple, which is turned once into the receivers' keyword names
  (``signal``, ``sender``, then the named arguments) and remembered by
  identity, so no dict is built and each receiver is called through
  ``PyObject_Vectorcall`` on one argument array.
* A plan holds its receivers as C targets: a strong receiver; a weak
  reference to a function; or, for a bound method, weak references to the
  instance and to the function, which is called with the instance prepended
  (no ``WeakMethod.__call__``, no bound method but the one the result holds).

Connections, caches, their invalidation and the locking are the reference's,
garbage included: what a locked section drops is released after the lock.
"""

cimport cython
from cpython.list cimport PyList_Append
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE

import threading
import types
import weakref

from . import _conveniences
from ._calls import call_receivers, call_receivers_robust, log_robust_failure
from ._entries import ReceiverList
from ._flavour import live_receivers_result, split_live_receivers
from ._patching import SignalType, refuse_delete, register_c_methods, set_state
from ._refs import lock_is_free, sweep_flagger
from ._validation import normalize_signal_args

from cydispatch._entries cimport checked_entries, is_dead, is_sender, make_entry, matching_entries
from cydispatch._keys cimport lookup_key
from cydispatch._registry cimport Registry
from cydispatch._refs cimport identity_ref, strong_ref

cdef extern from *:
    """
    #include "_stack.h"

    /* A new reference to a weak reference's object, or to None once it died. */
    static PyObject *cyd_deref(PyObject *ref) {
    #if PY_VERSION_HEX >= 0x030D0000
        PyObject *obj;
        if (PyWeakref_GetRef(ref, &obj) < 0) return NULL;
        if (obj == NULL) Py_RETURN_NONE;
        return obj;
    #else
        PyObject *obj = PyWeakref_GET_OBJECT(ref);
        Py_INCREF(obj);
        return obj;
    #endif
    }

    /* The type's version tag, or 0 when it has none (then its attributes may
       have changed since any tag was read). A tag is never reused for a
       changed type: an equal, non-zero tag means unchanged attributes. */
    static unsigned int cyd_type_tag(PyTypeObject *tp) {
    #if PY_VERSION_HEX < 0x030B0000
        /* 3.10 keeps the stale tag of a changed type and clears this flag. */
        if (!PyType_HasFeature(tp, Py_TPFLAGS_VALID_VERSION_TAG)) return 0;
    #endif
    #ifdef Py_GIL_DISABLED
        return _Py_atomic_load_uint32_relaxed(&tp->tp_version_tag);
    #else
        return tp->tp_version_tag;
    #endif
    }

    static PyObject *(*cyd_send_impl)(PyObject *, PyObject **, Py_ssize_t, PyObject *, int);

    static PyObject *cyd_send(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
        return cyd_send_impl(self, (PyObject **)args, nargs, kwnames, 0);
    }

    static PyObject *cyd_send_robust(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                     PyObject *kwnames) {
        return cyd_send_impl(self, (PyObject **)args, nargs, kwnames, 1);
    }

    static PyMethodDef cyd_send_def = {
        "send", (PyCFunction)(void (*)(void))cyd_send, METH_FASTCALL | METH_KEYWORDS,
        "send($self, sender, **named)\\n--\\n\\n"
        "Call every receiver connected for ``sender``; return ``[(receiver, response), ...]``.\\n\\n"
        "Synchronous receivers are called in connection order, then the asynchronous\\n"
        "ones concurrently behind one ``async_to_sync``. An exception raised by a\\n"
        "receiver propagates and ends the dispatch."};

    static PyMethodDef cyd_send_robust_def = {
        "send_robust", (PyCFunction)(void (*)(void))cyd_send_robust,
        METH_FASTCALL | METH_KEYWORDS,
        "send_robust($self, sender, **named)\\n--\\n\\n"
        "Like ``send``, but an ``Exception`` raised by a receiver becomes its response.\\n\\n"
        "The error keeps its ``__traceback__`` and is logged at ERROR, with ``exc_info``,\\n"
        "to the ``django.dispatch`` logger."};
    """
    object cyd_deref(PyObject *ref)
    int cyd_stack_enter() except -1
    void cyd_stack_leave()
    unsigned int cyd_type_tag(PyTypeObject *tp)
    ctypedef object (*send_impl_t)(PyObject *, PyObject **, Py_ssize_t, PyObject *, int)
    send_impl_t cyd_send_impl
    ctypedef struct PyMethodDef:
        const char *ml_name
    PyMethodDef cyd_send_def
    PyMethodDef cyd_send_robust_def

cdef extern from "Python.h":
    int PyList_SetSlice(object entries, Py_ssize_t low, Py_ssize_t high, PyObject *items) except -1
    PyObject *PyList_GET_ITEM(object entries, Py_ssize_t i)
    ctypedef struct PyTypeObject:
        PyObject *tp_dict
    size_t PY_VECTORCALL_ARGUMENTS_OFFSET
    object PyObject_Vectorcall(PyObject *callable, PyObject **args, size_t nargsf, PyObject *kwnames)
    object PyDescr_NewMethod(PyTypeObject *type, PyMethodDef *meth)
    object PyLong_FromVoidPtr(void *p)
    object PyMethod_New(object func, object self)
    int PyDict_SetItemString(PyObject *d, const char *key, object value) except -1
    void PyType_Modified(PyTypeObject *type)
    bint PyObject_TypeCheck(object obj, PyTypeObject *type)
    PyTypeObject *Py_TYPE(object obj)
    int PyObject_GenericSetAttr(object obj, object name, PyObject *value) except -1
    object PyObject_GenericGetDict(object obj, void *context)

cdef enum:
    STACK_SIZE = 16

cdef enum Kind:
    STRONG        # ``ref`` is the receiver
    WEAK          # ``ref`` is a weak reference to the receiver
    WEAK_METHOD   # ``ref`` refers weakly to the instance, ``func_ref`` to the function
    REF           # ``ref`` is a callable that returns the receiver, or None once it died

cdef struct Target:
    PyObject *ref
    PyObject *func_ref
    Kind kind

cdef object _WeakMethod = weakref.WeakMethod
# threading.Lock's type and its methods' descriptors: connect and disconnect
# call them directly, since looking up ``lock.acquire`` and ``lock.release``
# took a twentieth of their time.
cdef type _LockType = type(threading.Lock())
cdef object _lock_acquire = _LockType.acquire
cdef object _lock_release = _LockType.release
cdef object _ReferenceType = weakref.ReferenceType
cdef object _MethodType = types.MethodType
cdef str _SENDER = "sender"
cdef object _bridge_module = None
cdef str _SIGNAL = "signal"
cdef tuple _NO_NAMES = (_SIGNAL, _SENDER)


@cython.final
@cython.no_gc_clear
cdef class Plan:
    """What a send from one sender calls: its live receivers, ready to call.

    The targets' pointers are borrowed from ``owned``, which the garbage
    collector sees: a reference held only by a C pointer would hide from it a
    cycle through a strongly connected receiver (one that refers back to the
    signal), which could then never be collected. The collector never clears
    a plan, so the pointers stay valid for as long as the plan lives.
    """

    cdef readonly object sender_ref  # the sender of an own plan (see identity_ref)
    cdef PyObject *sender_id      # compared, never dereferenced
    cdef size_t version           # the signal's version it was made at
    cdef readonly bint shared     # the plan of every sender without connections of its own
    cdef Target *sync_targets
    cdef Py_ssize_t n_sync
    cdef readonly tuple async_refs
    cdef list owned               # the references the targets point to

    def __dealloc__(self):
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
            target.func_ref = <PyObject *>func_ref
            self.owned.append(func_ref)
        self.n_sync += 1
        return 0

    cdef inline bint serves(self, object sender) except -1:
        """Whether this own plan is the one for ``sender`` (not for a dead object at its address)."""
        if self.sender_id == <PyObject *>sender:
            if self.sender_ref is None:
                return True  # a sender that cannot be weakly referenced: see identity_ref
            if type(self.sender_ref) is _ReferenceType:
                live = cyd_deref(<PyObject *>self.sender_ref)
                return live is sender
        # A bound method sender is made anew at each access: compared by equality.
        return type(self.sender_ref) is _WeakMethod and is_sender(self.sender_ref, sender)

    cdef inline object live_receiver(self, Py_ssize_t i):
        """The receiver that target ``i`` calls, or ``None`` once it died."""
        cdef Target *target = &self.sync_targets[i]
        if target.kind == STRONG:
            return <object>target.ref
        if target.kind == REF:
            return (<object>target.ref)()
        receiver = cyd_deref(target.ref)
        if target.kind == WEAK or receiver is None:
            return receiver
        func = cyd_deref(target.func_ref)
        return None if func is None else PyMethod_New(func, receiver)

    cdef list live_sync(self):
        """The live synchronous receivers, in connection order."""
        cdef list receivers = []
        cdef Py_ssize_t i
        for i in range(self.n_sync):
            receiver = self.live_receiver(i)
            if receiver is not None:
                receivers.append(receiver)
        return receivers

    cdef list live_async(self):
        """The live asynchronous receivers (``None`` when the plan has none)."""
        if not self.async_refs:
            return None
        return [r for r in [ref() for ref in self.async_refs] if r is not None]


cdef Plan _new_plan(object sender, Registry registry, object own_id, size_t version):
    """The plan of a send from ``sender`` (whose own id is ``own_id``: see ``Registry.own_id``)."""
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
            async_refs.append(_dispatch_ref(receiver))
        else:
            plan.add_target(receiver)
    plan.async_refs = tuple(async_refs)
    return plan


cdef inline int _lock_call(object lock, object method) except -1:
    # ``method`` is threading.Lock's own; any other lock's is looked up by its name.
    if type(lock) is _LockType:
        method(lock)
    else:
        getattr(lock, method.__name__)()
    return 0


cdef object _dispatch_ref(object receiver):
    return receiver if isinstance(receiver, _ReferenceType) else strong_ref(receiver)


@cython.final
cdef class KeywordLayout:
    """How a caller's keyword names map onto the receivers' keyword names."""

    cdef object names_in       # the caller's kwnames tuple (or None), compared by identity
    cdef object names_out      # ("signal", "sender", *named names)
    cdef Py_ssize_t sender_at  # index of "sender" in names_in, or -1
    cdef bint names_signal     # "signal" is among the named arguments
    cdef bint names_self       # "self" is among them: Django's send refuses it


cdef KeywordLayout _new_layout(object names_in):
    cdef KeywordLayout layout = KeywordLayout.__new__(KeywordLayout)
    names = () if names_in is None else names_in
    layout.names_in = names_in
    layout.sender_at = names.index(_SENDER) if _SENDER in names else -1
    layout.names_signal = _SIGNAL in names
    layout.names_self = "self" in names
    layout.names_out = _NO_NAMES + tuple(name for name in names if name != _SENDER)
    return layout


cdef object _bridge():
    """``cydispatch._bridge``, imported on first use (see ``_pydispatch._bridge``)."""
    global _bridge_module
    if _bridge_module is None:
        from . import _bridge as bridge
        _bridge_module = bridge
    return _bridge_module


cdef int _check_self(object obj, str name) except -1:
    """Refuse a ``self`` that is not a Signal, as a method descriptor would.

    Cython's methods (unlike CPython's method descriptors) do not check the
    type of ``self`` when called unbound: ``Signal.connect(object(), f)``
    would otherwise read an ``object`` as a Signal's fields and crash.
    """
    if not PyObject_TypeCheck(obj, <PyTypeObject *>SignalCore):
        raise TypeError(
            f"descriptor '{name}' for 'cydispatch._cdispatch.SignalCore' objects "
            f"doesn't apply to a '{type(obj).__name__}' object"
        )
    return 0


cdef int _refuse_self(dict named, str name) except -1:
    """Raise Django's error for a ``self`` among the named arguments.

    Django's ``asend(self, sender, **named)`` refuses it when called; a Cython
    method takes ``self`` positionally only, so it would land in ``named``.
    Raised when the coroutine first runs (Django: when it is made).
    """
    if "self" in named:
        raise TypeError(f"Signal.{name}() got multiple values for argument 'self'")
    return 0


cdef str _LIVE_RECEIVERS = "_live_receivers"
cdef object _OWN_LIVE_RECEIVERS  # SignalCore's own _live_receivers, set below the class


@cython.auto_pickle(False)  # a copy or a pickle takes __getstate__'s state, as in Python
cdef class SignalCore:
    """The compiled state and methods of ``Signal``, which is its Python subclass.

    ``Signal`` is a plain Python class on top, so that code can replace its
    methods, on the class or on an instance, as it can Django's.
    """

    cdef public object lock
    cdef public object use_caching
    cdef public object providing_args
    cdef public bint _dead_receivers
    cdef public Py_ssize_t _muted      # open muted() blocks; changed under _state_lock
    cdef readonly object _state_lock   # see _pydispatch.Signal.__init__
    cdef object _receivers        # a ReceiverList
    cdef dict _cache              # sender_receivers_cache
    cdef Registry _registry
    cdef Py_ssize_t _n_receivers
    cdef object _flag_sweep
    cdef KeywordLayout _layout
    cdef Plan _last_plan
    cdef size_t _version
    # Whether ``_live_receivers`` is SignalCore's own (bit 0), as of the type's
    # version tag in the other bits; 0: look again. One field, read at once.
    cdef unsigned long long _live_check
    cdef size_t _live_epoch            # bumped by each instance change of _live_receivers
    # None, or a callable that send and send_robust call with their receiver
    # calls (a ReceiverCalls) and that returns ``calls()``: see ReceiverCalls.
    cdef public object _send_frame
    cdef object _replaced              # see _pydispatch.Signal.__init__ and lock_is_free
    cdef object __weakref__

    def __cinit__(self, *args, **kwargs):
        # The fields the C code uses without a check, valid even before (or
        # without) __init__: ``Signal.__new__(Signal).send(None)`` must raise,
        # not crash. __init__ sets them again.
        self._registry = Registry()
        self._cache = {}
        self._receivers = []
        self._layout = _new_layout(None)
        self._state_lock = threading.RLock()
        # Flagged until __init__ resets it: the first send then asks for the
        # lock, which only __init__ makes, and raises as Django's would.
        self._dead_receivers = True

    def __init__(self, use_caching=False, providing_args=None):
        self.use_caching, self.providing_args = normalize_signal_args(use_caching, providing_args)
        self.lock = threading.Lock()
        self._registry = Registry()
        self._n_receivers = 0
        self._cache = {}
        self._dead_receivers = False
        # Called when a receiver or sender dies, or receivers change in place.
        self._flag_sweep = sweep_flagger(self)
        self._receivers = ReceiverList((), self._flag_sweep)
        self._layout = _new_layout(None)

    def __repr__(self):
        return f"<{type(self).__qualname__} at {id(self):#x}>"

    def __setattr__(self, name, value):
        PyObject_GenericSetAttr(self, name, <PyObject *>value)
        if name == _LIVE_RECEIVERS:
            self._forget_live_check()

    def __delattr__(self, name):
        refuse_delete(self, name)
        PyObject_GenericSetAttr(self, name, NULL)
        if name == _LIVE_RECEIVERS:
            self._forget_live_check()

    def __getstate__(self):
        """What a copy or a pickle takes: ``vars(self)``, as of Django's signal."""
        return vars(self)

    def __setstate__(self, state):
        """Make this signal, made without ``__init__``, a copy (see ``_patching.set_state``)."""
        set_state(self, SignalCore.__init__, state)

    @property
    def receivers(self):
        """The connections, in connection order.

        Change it in place, or assign a list to replace them all, as in Django;
        both work while holding ``lock``.
        """
        return self._current()

    @receivers.setter
    def receivers(self, entries):
        # No self.lock: code written for Django assigns while holding it. The
        # entries are checked now; the next connect, disconnect or send
        # rebuilds the index and caches from them, under the lock.
        new = self._adopt(entries)
        registry = Registry(new)
        with self._state_lock:
            with cython.critical_section(self):
                replaced = (self._replaced, self._receivers, self._registry, self._last_plan)
                self._receivers = new
                self._registry = registry
                self._last_plan = None
                cache = self._cache
            # Counted now too: code may assign _dead_receivers = False before
            # the rebuild (a patch of it, undone), and a send must not take
            # the signal for empty meanwhile.
            self._n_receivers = len(new)
            self._dead_receivers = True
            self._replaced = (replaced, _cleared(cache))
        # The registry and plans are replaced early; what a concurrent connect
        # or send did meanwhile is redone by the sweep that the flag asks for.
        if lock_is_free(self.lock):
            with self._state_lock:
                _garbage = self._replaced
                self._replaced = None

    cdef object _adopt(self, object entries):
        # A list this signal made, assigned back (``receivers += ...``), stays
        # the same object, as in Django; anything else is copied.
        if type(entries) is ReceiverList and entries.changed is self._flag_sweep:
            checked_entries(entries)
            return entries
        return ReceiverList(checked_entries(entries), self._flag_sweep)

    cdef object _current(self):
        # Object fields that another thread may replace are read and written in
        # critical sections: on free-threaded CPython no GIL orders them.
        with cython.critical_section(self):
            return self._receivers

    cdef Registry _current_registry(self):
        with cython.critical_section(self):
            return self._registry

    @property
    def sender_receivers_cache(self):
        """The plans by sender id. Clear it, or assign a dict, at any time (also holding ``lock``)."""
        with cython.critical_section(self):
            return self._cache

    @sender_receivers_cache.setter
    def sender_receivers_cache(self, cache):
        if not isinstance(cache, dict):
            raise TypeError(f"sender_receivers_cache must be a dict, not {type(cache).__name__!r}.")
        with cython.critical_section(self):
            self._cache = cache

    cdef object _rebuild(self, object entries):
        # The caller holds self.lock: the registry and caches follow
        # ``entries``. Returns the garbage (see _pydispatch's docstring).
        registry = Registry(entries)
        self._n_receivers = len(entries)
        with cython.critical_section(self):
            garbage = self._registry
            self._registry = registry
        return garbage, self._invalidate()

    cdef object _invalidate(self):
        # The caller holds self.lock. The version retires every plan made
        # before; the memo is dropped too, so that it keeps no disconnected
        # receiver alive. Returns them, for release after the lock.
        cdef dict cache
        with cython.critical_section(self):
            cache = self._cache
            last_plan = self._last_plan
            self._last_plan = None
        self._version += 1
        if not cache:
            return last_plan
        return last_plan, _cleared(cache)

    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None):
        """Connect ``receiver`` to this signal, for ``sender`` or for every sender.

        See ``cydispatch._pydispatch.Signal.connect`` for the arguments.
        """
        _check_self(self, "connect")
        self._connect_entry(make_entry(receiver, sender, weak, dispatch_uid, self._flag_sweep))

    def _connect(self, receiver, sender, weak, dispatch_uid):
        """``connect``; return whether it added a connection (not a duplicate)."""
        _check_self(self, "_connect")
        return self._connect_entry(make_entry(receiver, sender, weak, dispatch_uid, self._flag_sweep))

    cdef bint _connect_entry(self, tuple entry) except -1:
        # acquire/release cost less than a with-statement's special-method calls.
        # Locals hold the garbage until the function returns, after the lock.
        lock = self.lock
        _lock_call(lock, _lock_acquire)
        try:
            _garbage = self._sweep()
            if not self._current_registry().add(entry):
                return False
            PyList_Append(self._current(), entry)  # not ReceiverList.append: no report
            self._n_receivers += 1
            _plans = self._invalidate()
        finally:
            _lock_call(lock, _lock_release)
        return True

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None):
        """Disconnect ``receiver`` (or ``dispatch_uid``) from ``sender``; return whether one was."""
        _check_self(self, "disconnect")
        cdef Py_ssize_t position
        key = lookup_key(receiver, sender, dispatch_uid)
        # Locals hold the garbage (the entry too) until the function returns, after the lock.
        lock = self.lock
        _lock_call(lock, _lock_acquire)
        try:
            _garbage = self._sweep()
            receivers = self._current()
            position = self._current_registry().remove(key, receivers)
            if position < 0:
                return False
            # Not ReceiverList's methods: no report. A ReceiverList has a list's
            # layout, so the list functions apply.
            _entry = <object>PyList_GET_ITEM(receivers, position)
            PyList_SetSlice(receivers, position, position + 1, NULL)
            self._n_receivers -= 1
            _plans = self._invalidate()
        finally:
            _lock_call(lock, _lock_release)
        return True

    def connected_to(self, receiver, sender=None):
        """A context manager that connects ``receiver`` (strongly) for the duration of a block.

        A receiver already connected to ``sender`` stays connected after it.
        """
        _check_self(self, "connected_to")
        return _conveniences.connected_to(self, receiver, sender)

    def muted(self):
        """A context manager inside which every send returns ``[]`` and calls nothing."""
        _check_self(self, "muted")
        return _conveniences.muted(self)

    def receivers_for(self, sender=None):
        """The live receivers a send from ``sender`` would call, in the order of its results."""
        _check_self(self, "receivers_for")
        return _conveniences.receivers_for(self, sender)

    def has_listeners(self, sender=None):
        """Whether a send from ``sender`` would call any receiver."""
        _check_self(self, "has_listeners")
        sync_receivers, async_receivers = self._to_call(sender)
        return bool(sync_receivers or async_receivers)

    async def asend(self, sender, **named):
        """Send from asynchronous code (see ``cydispatch._pydispatch.Signal.asend``)."""
        _check_self(self, "asend")
        _refuse_self(named, "asend")
        return await _bridge().asend(self, sender, named, robust=False)

    async def asend_robust(self, sender, **named):
        """``asend`` with ``send_robust``'s handling of errors."""
        _check_self(self, "asend_robust")
        _refuse_self(named, "asend_robust")
        return await _bridge().asend(self, sender, named, robust=True)

    def _clear_dead_receivers(self):
        """Drop the connections whose receiver or sender died; the caller holds ``lock``."""
        _check_self(self, "_clear_dead_receivers")
        _garbage = self._sweep()

    cdef object _sweep(self):
        # The caller holds self.lock; returns the garbage, for release after
        # it. The flag is reset before the sweep, so a death during the sweep
        # flags the signal again rather than being lost.
        cdef bint swept = False
        if not self._dead_receivers:
            return None
        self._dead_receivers = False
        current = self._current()
        live = ReceiverList([entry for entry in current if not is_dead(entry)], self._flag_sweep)
        with self._state_lock:
            replaced = self._replaced
            self._replaced = None
            with cython.critical_section(self):
                # An assignment without the lock may have come meanwhile: it
                # flagged the signal again, and it wins.
                if self._receivers is current:
                    self._receivers = live
                    swept = True
        if not swept:
            return replaced
        return replaced, current, self._rebuild(live)

    def _live_receivers(self, sender):
        """The live receivers for ``sender``, as the installed Django returns them.

        ``(sync_receivers, async_receivers)`` (Django 5.0 and later), or one
        list (Django 4.2). Every send calls it when it has been replaced.
        """
        _check_self(self, "_live_receivers")
        cdef Plan plan = self._plan_for(sender)
        return live_receivers_result(plan.live_sync(), plan.live_async() or [])

    def _receivers_to_call(self, sender):
        """``(sync, async)``: the receivers a send from ``sender`` calls."""
        _check_self(self, "_receivers_to_call")
        return self._to_call(sender)

    cdef tuple _to_call(self, object sender):
        # Django's sends go through self._live_receivers, and APM agents
        # replace it to wrap each receiver: a replacement is honoured.
        cdef Plan plan
        if self._uses_own_live_receivers():
            plan = self._plan_for(sender)
            return plan.live_sync(), plan.live_async() or []
        return tuple(split_live_receivers(self._live_receivers(sender)))

    cdef bint _uses_own_live_receivers(self) except -1:
        """Whether ``self._live_receivers`` is SignalCore's own (not replaced, nor overridden).

        Answered from ``_live_check`` while the type's version tag is unchanged
        (assigning a class attribute changes it; an instance's ``__setattr__``
        clears the check), so an unpatched send pays two loads and a compare.
        """
        cdef unsigned int tag = cyd_type_tag(Py_TYPE(self))
        cdef unsigned long long check = self._live_check
        if tag != 0 and (check >> 1) == tag:
            return check & 1
        # The tag is read before the attribute, so a class change after it
        # retires the answer; an instance change meanwhile bumps the epoch.
        cdef size_t epoch = self._live_epoch
        found = getattr(self, _LIVE_RECEIVERS)
        own = type(found) is _MethodType and found.__func__ is _OWN_LIVE_RECEIVERS and found.__self__ is self
        with cython.critical_section(self):
            if epoch == self._live_epoch:
                self._live_check = ((<unsigned long long>tag) << 1) | own
        return own

    cdef void _forget_live_check(self):
        with cython.critical_section(self):
            self._live_epoch += 1
            self._live_check = 0

    cdef Plan _plan_for(self, object sender):
        cdef Plan plan
        cdef dict cache
        cdef Registry registry
        if self._dead_receivers:
            if self.lock is None:
                raise AttributeError(f"'{type(self).__name__}' object has no attribute 'lock': its __init__ never ran")
            with self.lock:
                _garbage = self._sweep()
            _garbage = None  # after the lock: see _pydispatch's docstring
        # The last plan used, then the cache (which a user may have emptied).
        with cython.critical_section(self):
            plan = self._last_plan
            cache = self._cache
            registry = self._registry
        if plan is not None and plan.version == self._version and cache:
            if plan.shared:
                if not registry.by_sender:
                    return plan
            elif plan.serves(sender):
                return plan
        own_id = registry.own_id(sender)
        cached = cache.get(own_id)
        # The cache is public: what code put there (or kept from before a
        # change and assigned back) is used only if it is a current plan.
        if (
            type(cached) is Plan
            and (<Plan>cached).version == self._version
            and (<Plan>cached).shared == (own_id is None)
            and ((<Plan>cached).shared or (<Plan>cached).serves(sender))
        ):
            plan = <Plan>cached
        else:
            plan = self._make_plan(sender)
        with cython.critical_section(self):
            self._last_plan = plan
        return plan

    cdef Plan _make_plan(self, object sender):
        cdef dict cache
        cdef Registry registry
        with self.lock:
            _garbage = self._sweep()
            registry = self._current_registry()
            own_id = registry.own_id(sender)
            plan = _new_plan(sender, registry, own_id, self._version)
            with cython.critical_section(self):
                cache = self._cache
            _retired = cache.get(own_id)
            cache[own_id] = plan
        return plan  # the garbage and the retired plan go after the lock

    cdef KeywordLayout _layout_for(self, PyObject *names_in):
        cdef KeywordLayout layout
        with cython.critical_section(self):
            layout = self._layout
        if <PyObject *>layout.names_in == names_in or (names_in == NULL and layout.names_in is None):
            return layout
        layout = _new_layout(None if names_in == NULL else <object>names_in)
        with cython.critical_section(self):
            self._layout = layout
        return layout


cdef object _cleared(dict cache):
    """Empty ``cache`` in place; return its plans, for release after the lock."""
    if not cache:
        return None
    plans = list(cache.values())
    cache.clear()
    return plans


cdef object _send(PyObject *self_ptr, PyObject **args, Py_ssize_t nargs, PyObject *kwnames, int robust):
    """``Signal.send`` (``robust=0``) and ``Signal.send_robust`` (``robust=1``)."""
    cdef SignalCore self = <SignalCore>self_ptr
    cdef str name = "send_robust" if robust else "send"
    if nargs > 1:
        raise TypeError(f"Signal.{name}() takes 2 positional arguments but {nargs + 1} were given")
    cdef KeywordLayout layout = self._layout_for(kwnames)
    cdef Py_ssize_t n_named = PyTuple_GET_SIZE(layout.names_out) - 2
    if layout.names_self:
        raise TypeError(f"Signal.{name}() got multiple values for argument 'self'")
    if nargs == 1 and layout.sender_at >= 0:
        raise TypeError(f"Signal.{name}() got multiple values for argument 'sender'")
    if nargs == 0 and layout.sender_at < 0:
        raise TypeError(f"Signal.{name}() missing 1 required positional argument: 'sender'")
    cdef PyObject *sender_ptr = args[0] if nargs == 1 else args[nargs + layout.sender_at]
    sender = <object>sender_ptr
    # A flagged signal's receivers may have changed: the plan lookup sweeps first.
    if self._muted or (self._n_receivers == 0 and not self._dead_receivers):
        return []
    if layout.names_signal:
        return _send_generic(self, sender, _named(args, nargs, kwnames, layout), robust)
    # As in Django, every live receiver is resolved, and so kept alive, before
    # the first is called: one that an earlier receiver drops during the send
    # is still called. ``receivers`` holds them until their pairs replace them.
    cdef list receivers
    cdef list async_receivers
    cdef Plan plan
    if self._uses_own_live_receivers():
        plan = self._plan_for(sender)
        receivers = plan.live_sync()
        async_receivers = plan.live_async()
    else:
        sync_found, async_found = split_live_receivers(self._live_receivers(sender))
        receivers = list(sync_found)
        async_receivers = list(async_found)

    cdef PyObject *stack_buffer[STACK_SIZE]
    cdef PyObject **stack = stack_buffer
    cdef Py_ssize_t i, j
    if n_named + 3 > STACK_SIZE:
        stack = <PyObject **>PyMem_Malloc((n_named + 3) * sizeof(PyObject *))
        if stack == NULL:
            raise MemoryError()
    try:
        stack[1] = self_ptr
        stack[2] = sender_ptr
        j = 3
        for i in range(n_named + (layout.sender_at >= 0)):
            if i != layout.sender_at:
                stack[j] = args[nargs + i]
                j += 1
        if receivers:
            _call_guarded(self, receivers, stack, <PyObject *>layout.names_out, robust)
    finally:
        if stack != stack_buffer:
            PyMem_Free(stack)
    if async_receivers:
        receivers += _send_async(self, async_receivers, sender, _named(args, nargs, kwnames, layout), robust)
    return receivers


cdef int _call_guarded(SignalCore self, list receivers, PyObject **stack, PyObject *names_out,
                       int robust) except -1:
    """Call ``receivers`` (see ``_call_receivers``), once the C stack is known to have room.

    Django's send is Python code, whose depth the interpreter bounds; this C
    one checks that the stack can take another level (see ``_stack.h``), so
    that receivers sending again meet RecursionError, never an overflow.
    """
    cyd_stack_enter()
    try:
        if self._send_frame is None:
            _call_receivers(receivers, stack, names_out, robust)
        else:
            _call_in_frame(self._send_frame, receivers, stack, names_out, robust)
    finally:
        cyd_stack_leave()
    return 0


cdef list _call_receivers(list receivers, PyObject **stack, PyObject *names_out, int robust):
    """Call each of ``receivers`` on ``stack[1:]`` with keywords ``names_out``; return the list.

    Each receiver is replaced by its ``(receiver, response)`` pair, in place.
    ``stack[0]`` is free, so a callee (a bound method, say) may use it to
    prepend an argument without copying the array.
    """
    cdef Py_ssize_t i
    cdef size_t no_positional = 0 | PY_VECTORCALL_ARGUMENTS_OFFSET
    for i in range(len(receivers)):
        receiver = receivers[i]
        if robust:
            try:
                response = PyObject_Vectorcall(<PyObject *>receiver, stack + 1, no_positional, names_out)
            except Exception as err:
                log_robust_failure(receiver, err)
                response = err
        else:
            response = PyObject_Vectorcall(<PyObject *>receiver, stack + 1, no_positional, names_out)
        receivers[i] = (receiver, response)
    return receivers


@cython.final
cdef class ReceiverCalls:
    """One send's calls of its synchronous receivers, made when called (once, during the send).

    Django's ``send`` is Python code: its receivers run one Python frame below
    the sender, and some count on it (``django.test.signals`` warns with a
    ``stacklevel`` through that frame). Here ``send`` is a C function and adds
    none; a signal whose ``_send_frame`` is set hands its receiver calls to
    it, which returns ``calls()`` from a Python frame of its own
    (``cydispatch.django`` sets it). The pure backend needs no such hook:
    its ``send`` is that frame.
    """

    cdef list receivers
    cdef PyObject **stack          # the send's argument array: valid during the send only
    cdef PyObject *names_out       # borrowed from the send's KeywordLayout
    cdef readonly bint robust      # made by send_robust

    def __call__(self):
        cdef PyObject **stack = self.stack
        if stack == NULL:
            raise RuntimeError("a send's receiver calls can only be made once, during the send")
        self.stack = NULL
        return _call_receivers(self.receivers, stack, self.names_out, self.robust)


cdef list _call_in_frame(object frame, list receivers, PyObject **stack, PyObject *names_out, int robust):
    cdef ReceiverCalls calls = ReceiverCalls.__new__(ReceiverCalls)
    calls.receivers = receivers
    calls.stack = stack
    calls.names_out = names_out
    calls.robust = robust
    try:
        return frame(calls)
    finally:
        calls.stack = NULL  # the frame may keep calls; the stack dies with the send


cdef dict _named(PyObject **args, Py_ssize_t nargs, PyObject *kwnames, KeywordLayout layout):
    """The named arguments as a dict, for the paths that need one."""
    cdef dict named = {}
    cdef Py_ssize_t i
    if kwnames != NULL:
        for i in range(PyTuple_GET_SIZE(<object>kwnames)):
            if i != layout.sender_at:
                named[<object>PyTuple_GET_ITEM(<object>kwnames, i)] = <object>args[nargs + i]
    return named


cdef list _send_async(SignalCore self, object receivers, object sender, dict named, int robust):
    if not receivers:
        return []
    return _bridge().send_to_async_receivers(self, sender, named, receivers, robust)


cdef list _send_generic(SignalCore self, object sender, dict named, int robust):
    # Django passes "signal" twice when it is among the named arguments; the
    # receivers' own TypeError is reproduced by calling them the same way.
    sync_receivers, async_receivers = self._to_call(sender)
    call = call_receivers_robust if robust else call_receivers
    return call(self, sender, named, sync_receivers) + _send_async(self, async_receivers, sender, named, robust)


cdef void _install_fastcall(type cls, PyMethodDef *definition) except *:
    """Make ``definition`` a method of ``cls`` (a C function taking vectorcall arguments)."""
    descriptor = PyDescr_NewMethod(<PyTypeObject *>cls, definition)
    PyDict_SetItemString((<PyTypeObject *>cls).tp_dict, definition.ml_name, descriptor)
    PyType_Modified(<PyTypeObject *>cls)


cdef dict _vars(SignalCore signal):
    """``vars(signal)``: its ``__dict__``, holding Django's attributes as they are now.

    Django's signal keeps them in its ``__dict__`` (see ``_patching``); here
    the fields of SignalCore hold them, and each read of ``__dict__`` puts
    their values there (in Django's order, when it adds them), so that
    nothing needs keeping in step on the way of a send.
    """
    cdef dict attributes = PyObject_GenericGetDict(signal, NULL)
    with cython.critical_section(signal):
        cache = signal._cache
    attributes["receivers"] = signal._current()
    attributes["lock"] = signal.lock
    attributes["use_caching"] = signal.use_caching
    attributes["sender_receivers_cache"] = cache
    attributes["_dead_receivers"] = signal._dead_receivers
    return attributes


cyd_send_impl = _send
_install_fastcall(SignalCore, &cyd_send_def)
_install_fastcall(SignalCore, &cyd_send_robust_def)
_OWN_LIVE_RECEIVERS = SignalCore.__dict__[_LIVE_RECEIVERS]
register_c_methods(SignalCore, type(SignalCore.__dict__["send"]), type(_OWN_LIVE_RECEIVERS))


class Signal(SignalCore, metaclass=SignalType):
    """A signal that receivers connect to and that senders send.

    ``use_caching`` is accepted for compatibility with Django: cydispatch
    always keeps per-sender caches, which (unlike Django's) work with any
    sender. ``providing_args``, from Django up to 3.2, is kept as
    ``self.providing_args`` for documentation only.
    """

    @property
    def __dict__(self):
        """The instance's attributes, Django's among them (see ``_vars``)."""
        return _vars(self)
