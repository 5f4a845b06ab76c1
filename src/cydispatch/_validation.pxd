# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
cpdef bint should_validate() except -1
cpdef bint accepts_kwargs(object func) except -1
cpdef bint is_async(object receiver) except -1
cpdef validate_receiver(object receiver)
