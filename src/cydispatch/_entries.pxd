# Declarations that let the compiled backend call these functions at C speed
# when this module is compiled; the .py file stays the one source.
from cydispatch._flavour cimport pack_entry
from cydispatch._keys cimport any_sender, lookup_key
from cydispatch._refs cimport receiver_ref, sender_ref
from cydispatch._validation cimport code_flags, is_async, validate_receiver

cpdef tuple make_entry(object receiver, object sender, bint weak, object dispatch_uid, object on_death)
cpdef bint is_dead(tuple entry) except -1
cpdef list checked_entries(object entries)
cpdef bint is_sender(object entry_sender, object sender) except -1
cpdef list matching_entries(object entries, object sender)
