# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
cdef dict _weakref_names

cpdef object strong_ref(object obj)
cpdef object receiver_ref(object receiver, bint weak, object on_death)
cpdef object sender_ref(object sender, object on_death)
cpdef object identity_ref(object obj)
