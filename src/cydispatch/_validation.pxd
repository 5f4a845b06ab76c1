# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
from cpython.object cimport PyObject


cdef extern from "Python.h":
    # For _has_attributes: a function's attributes, read without creating them.
    ctypedef struct PyFunctionObject:
        PyObject *func_dict
    Py_ssize_t PyDict_GET_SIZE(PyObject *mapping)


# Module constants as C globals (see _keys.pxd).
cdef object FunctionType
cdef object MethodType
cdef long CO_VARKEYWORDS
cdef long CO_COROUTINE
cdef dict _modules
cdef object _NOT_LOADED
cdef object _settings
cdef dict _settings_state
cdef object _unconfigured

cpdef object _django_settings()
cdef object _configured_settings()
cpdef bint should_validate() except -1
cdef bint _debug(object settings) except -1
cpdef long code_flags(object func) except? -2
cpdef bint _has_attributes(object func) except -1
cpdef bint accepts_kwargs(object func, long flags) except -1
cpdef bint is_async(object receiver, long flags) except -1
cpdef validate_receiver(object receiver, long flags)
