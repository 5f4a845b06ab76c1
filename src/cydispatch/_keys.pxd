# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
cpdef object _make_id(object target)
cpdef bint any_sender(object sender_id) except -1
cpdef tuple lookup_key(object receiver, object sender, object dispatch_uid)
