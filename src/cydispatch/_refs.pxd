# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
cdef dict _weakref_names
# Module constants as C globals (see _keys.pxd).
cdef object FunctionType
cdef object MethodType
cdef object _ref_type


cdef extern from "Python.h":
    # For receiver_ref and sender_ref: weakref.ref(obj, callback) without the call.
    object PyWeakref_NewRef(object obj, object callback)

cpdef object strong_ref(object obj)
cpdef object receiver_ref(object receiver, bint weak, object on_death)
cpdef object sender_ref(object sender, object on_death)
cdef object _new_ref(object obj, object on_death)
cpdef object identity_ref(object obj)
