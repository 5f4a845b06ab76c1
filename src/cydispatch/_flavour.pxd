# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
cdef Py_ssize_t _FIELDS

cpdef object _with_sender(object key, object sender_ref)
cpdef tuple pack_entry(object key, object receiver, object sender_ref, object is_async)
