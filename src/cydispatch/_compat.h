/* What the compiled backend reads of CPython that differs between its versions. */
#ifndef CYDISPATCH_COMPAT_H
#define CYDISPATCH_COMPAT_H

#include <Python.h>

/* A new reference to a weak reference's object, or to None once it died. */
static inline PyObject *cyd_deref(PyObject *ref) {
#if PY_VERSION_HEX >= 0x030D0000
    PyObject *obj;
    if (PyWeakref_GetRef(ref, &obj) < 0) return NULL;
    if (obj == NULL) Py_RETURN_NONE;
    return obj;
#else
    PyObject *obj = PyWeakref_GET_OBJECT(ref);
    Py_INCREF(obj);
    return obj;
#endif
}

/* The type's version tag, or 0 when it has none (then its attributes may
   have changed since any tag was read). A tag is never reused for a changed
   type: an equal, non-zero tag means unchanged attributes. */
static inline unsigned int cyd_type_tag(PyTypeObject *tp) {
#if PY_VERSION_HEX < 0x030B0000
    /* 3.10 keeps the stale tag of a changed type and clears this flag. */
    if (!PyType_HasFeature(tp, Py_TPFLAGS_VALID_VERSION_TAG)) return 0;
#endif
#ifdef Py_GIL_DISABLED
    return _Py_atomic_load_uint32_relaxed(&tp->tp_version_tag);
#else
    return tp->tp_version_tag;
#endif
}

#endif
