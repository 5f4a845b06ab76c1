# Declarations that let the compiled backend use a Registry at C speed when
# this module is compiled; the .py file stays the one source.
cimport cython

from cydispatch._keys cimport _make_id, any_sender


cdef class Registry:
    cdef public object entries
    cdef public dict index
    cdef public dict compared
    cdef public object shared
    cdef public dict by_sender
    cdef public bint method_senders
    cdef public Py_ssize_t next_seq
    cdef public list dead

    cdef object _file_all(self, bint grouped)

    @cython.locals(seq=Py_ssize_t)
    cpdef bint add(self, tuple entry) except -1
    cdef object _file(self, Py_ssize_t seq, tuple entry)

    @cython.locals(dead=list, seq=Py_ssize_t, below=Py_ssize_t, position=Py_ssize_t)
    cpdef Py_ssize_t remove(self, object key) except -2

    @cython.locals(compared_seq=Py_ssize_t)
    cdef Py_ssize_t _unindex(self, object key) except -2

    @cython.locals(seq=Py_ssize_t, known_seq=Py_ssize_t)
    cdef tuple _indexed(self, object key)
    cpdef object own_id(self, object sender)
    cpdef list entries_for(self, object own_id)


cpdef bint exact(object value) except -1
cdef bint _exact_items(tuple items) except -1


@cython.locals(seq=Py_ssize_t)
cdef Py_ssize_t _first_equal(dict compared, object key) except -2


@cython.locals(position=Py_ssize_t)
cdef Py_ssize_t _find(object entries, object entry, object key) except -1
