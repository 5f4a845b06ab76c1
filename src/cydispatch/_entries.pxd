# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
cpdef tuple make_entry(object receiver, object sender, bint weak, object dispatch_uid, object on_death)
cpdef bint is_dead(tuple entry) except -1
cpdef dict index_entries(list entries)
