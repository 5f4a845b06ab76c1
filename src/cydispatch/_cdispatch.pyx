# cython: language_level=3, embedsignature=True, freethreading_compatible=True
"""The compiled backend: the shared state machine (``_signal``) with a C send.

``send`` and ``send_robust`` are C functions with the vectorcall calling
convention (``_send.h``): the caller's keyword names arrive as one tuple,
which is turned once into the receivers' keyword names (``signal``,
``sender``, then the named arguments) and remembered by identity, so no dict
is built and each receiver is called through ``PyObject_Vectorcall`` on one
argument array. The receivers come from the compiled plans (``_plans.pyx``).

Everything else (connections, caches, their invalidation, the locking) is
``SignalCore``'s, which the pure backend runs too.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE

import types

from ._calls import call_receivers, call_receivers_robust, log_robust_failure
from ._flavour import split_live_receivers
from ._patching import SignalType, register_c_methods
from ._signal import SEND_DOC as _SEND_DOC
from ._signal import SEND_ROBUST_DOC as _SEND_ROBUST_DOC
from ._signal import SignalAttributes, _bridge

from cydispatch._plans cimport Plan
from cydispatch._signal cimport SignalCore

cdef extern from "_compat.h":
    unsigned int cyd_type_tag(PyTypeObject *tp)

cdef extern from "_stack.h":
    int cyd_stack_enter() except -1
    void cyd_stack_leave()

cdef extern from "_send.h":
    ctypedef object (*send_impl_t)(PyObject *, PyObject **, Py_ssize_t, PyObject *, int)
    send_impl_t cyd_send_impl
    ctypedef struct PyMethodDef:
        const char *ml_name
        const char *ml_doc
    PyMethodDef cyd_send_def
    PyMethodDef cyd_send_robust_def
    ctypedef object (*cyd_failure_t)(object receiver)
    int cyd_call_receivers(list receivers, PyObject **stack, PyObject *names_out,
                           cyd_failure_t on_failure) except -1

cdef extern from "Python.h":
    ctypedef struct PyTypeObject:
        PyObject *tp_dict
    object PyDescr_NewMethod(PyTypeObject *type, PyMethodDef *meth)
    int PyDict_SetItemString(PyObject *d, const char *key, object value) except -1
    void PyType_Modified(PyTypeObject *type)
    PyTypeObject *Py_TYPE(object obj)
    int PyObject_GenericSetAttr(object obj, object name, PyObject *value) except -1
    const char *PyUnicode_AsUTF8(object text) except NULL

cdef enum:
    # The keyword arguments a send passes on without allocating: ``signal``,
    # ``sender`` and 14 named ones, in a buffer on the C stack.
    STACK_SIZE = 16
    # The argument array's slots before the named arguments: a free one for a
    # callee to prepend into (PY_VECTORCALL_ARGUMENTS_OFFSET), then the signal
    # and the sender.
    LEADING = 3

cdef object _MethodType = types.MethodType
cdef str _SENDER = "sender"
cdef str _SIGNAL = "signal"
cdef tuple _NO_NAMES = (_SIGNAL, _SENDER)
cdef str _LIVE_RECEIVERS = "_live_receivers"


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


@cython.auto_pickle(False)  # a copy or a pickle takes SignalAttributes's state
cdef class FastSignal(SignalCore):
    """``SignalCore`` with the C ``send`` and ``send_robust``; ``Signal`` is its Python subclass."""

    cdef KeywordLayout _layout
    # Whether ``_live_receivers`` is SignalCore's own (bit 0), as of the type's
    # version tag in the other bits; 0: look again. One field, read at once.
    cdef unsigned long long _live_check
    cdef size_t _live_epoch            # bumped by each instance change of _live_receivers
    # None, or a callable that send and send_robust call with their receiver
    # calls (a ReceiverCalls) and that returns ``calls()``: see ReceiverCalls.
    cdef public object _send_frame

    def __cinit__(self, *args, **kwargs):
        self._layout = _new_layout(None)

    def __setattr__(self, name, value):
        PyObject_GenericSetAttr(self, name, <PyObject *>value)
        if name == _LIVE_RECEIVERS:
            self._forget_live_check()

    def __delattr__(self, name):
        PyObject_GenericSetAttr(self, name, NULL)
        if name == _LIVE_RECEIVERS:
            self._forget_live_check()

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
        own = SignalCore._uses_own_live_receivers(self)
        with cython.critical_section(self):
            if epoch == self._live_epoch:
                self._live_check = ((<unsigned long long>tag) << 1) | own
        return own

    cdef void _forget_live_check(self):
        with cython.critical_section(self):
            self._live_epoch += 1
            self._live_check = 0

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


cdef object _send(PyObject *self_ptr, PyObject **args, Py_ssize_t nargs, PyObject *kwnames, int robust):
    """``Signal.send`` (``robust=0``) and ``Signal.send_robust`` (``robust=1``)."""
    cdef FastSignal self = <FastSignal>self_ptr
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
    if LEADING + n_named > STACK_SIZE:
        stack = <PyObject **>PyMem_Malloc((LEADING + n_named) * sizeof(PyObject *))
        if stack == NULL:
            raise MemoryError()
    try:
        stack[1] = self_ptr
        stack[2] = sender_ptr
        j = LEADING
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


cdef int _call_guarded(FastSignal self, list receivers, PyObject **stack, PyObject *names_out,
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


cdef inline list _call_receivers(list receivers, PyObject **stack, PyObject *names_out, int robust):
    """Call each of ``receivers`` on ``stack[1:]`` with keywords ``names_out``; return the list.

    Each receiver is replaced by its ``(receiver, response)`` pair, in place
    (``cyd_call_receivers`` in ``_send.h``); ``stack[0]`` must be free.
    """
    cdef cyd_failure_t on_failure = NULL
    if robust:
        on_failure = _robust_response
    cyd_call_receivers(receivers, stack, names_out, on_failure)
    return receivers


cdef int _raise_pending() except -1:
    return -1  # the exception already set propagates from here


cdef object _robust_response(object receiver):
    """What ``send_robust`` puts in the pair of a receiver whose call just raised: the error, logged."""
    try:
        _raise_pending()
    except Exception as err:
        log_robust_failure(receiver, err)
        return err


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


cdef list _send_async(FastSignal self, object receivers, object sender, dict named, int robust):
    if not receivers:
        return []
    return _bridge().send_to_async_receivers(self, sender, named, receivers, robust)


cdef list _send_generic(FastSignal self, object sender, dict named, int robust):
    # Django passes "signal" twice when it is among the named arguments; the
    # receivers' own TypeError is reproduced by calling them the same way.
    sync_receivers, async_receivers = self._to_call(sender)
    call = call_receivers_robust if robust else call_receivers
    return call(self, sender, named, sync_receivers) + _send_async(self, async_receivers, sender, named, robust)


# The methods' docstrings: a text signature for inspect, then the shared text.
cdef bytes _SEND_METHOD_DOC = f"send($self, sender, **named)\n--\n\n{_SEND_DOC}".encode()
cdef bytes _SEND_ROBUST_METHOD_DOC = f"send_robust($self, sender, **named)\n--\n\n{_SEND_ROBUST_DOC}".encode()


cdef void _install_fastcall(type cls, PyMethodDef *definition, bytes doc) except *:
    """Make ``definition`` a method of ``cls`` (a C function taking vectorcall arguments)."""
    definition.ml_doc = doc  # the module keeps ``doc`` for good
    descriptor = PyDescr_NewMethod(<PyTypeObject *>cls, definition)
    PyDict_SetItemString((<PyTypeObject *>cls).tp_dict, definition.ml_name, descriptor)
    PyType_Modified(<PyTypeObject *>cls)


cyd_send_impl = _send
_install_fastcall(FastSignal, &cyd_send_def, _SEND_METHOD_DOC)
_install_fastcall(FastSignal, &cyd_send_robust_def, _SEND_ROBUST_METHOD_DOC)
register_c_methods(FastSignal)


class Signal(SignalAttributes, FastSignal, metaclass=SignalType):
    __doc__ = SignalCore.__doc__
