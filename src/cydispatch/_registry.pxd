# Declarations that let the compiled backend use a Registry at C speed when
# this module is compiled; the .py file stays the one source.
cimport cython

from cydispatch._keys cimport _make_id, any_sender


cdef class Registry:
    cdef public dict index
    cdef public list shared
    cdef public dict by_sender
    cdef public bint method_senders
    cdef public Py_ssize_t next_seq

    cpdef bint add(self, tuple entry) except -1
    cdef object _file(self, tuple entry)
    cpdef object remove(self, object key)
    cpdef object own_id(self, object sender)
    cpdef list entries_for(self, object own_id)


@cython.locals(position=Py_ssize_t)
cdef object _unfile(list group, object entry)
