# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
from cydispatch._validation cimport _has_attributes

# Module constants as C globals: from Python 3.12 Cython looks a module global up in the
# module's dict at each use.
cdef object NONE_ID
cdef object FunctionType


cdef extern from "Python.h":
    # For _address: id() without the call.
    object PyLong_FromVoidPtr(void *address)


cpdef object _make_id(object target)
cdef object _address(object target)
cpdef bint any_sender(object sender_id) except -1
cpdef tuple lookup_key(object receiver, object sender, object dispatch_uid)
