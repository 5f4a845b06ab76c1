/* What the compiled backend reads of CPython that differs between its versions. */
#ifndef CYDISPATCH_COMPAT_H
#define CYDISPATCH_COMPAT_H

#include <Python.h>

/* A new reference to a weak reference's object, or to None once it died.
   ``ref`` is a weakref.ref or a weakref.WeakMethod, whose base it is (the
   plans check the type when they take a reference).
   With the GIL, the object is read in place, as PyWeakref_GET_OBJECT reads it
   up to 3.14 (a dead one reads as None, or has no references left while the
   trashcan delays clearing its weak references): PyWeakref_GetRef, from 3.13,
   costs a call and a type check per receiver of every send. Without the GIL,
   or once the field may be gone (3.15), PyWeakref_GetRef does it safely. */
static inline PyObject *cyd_deref(PyObject *ref) {
#if defined(Py_GIL_DISABLED) || PY_VERSION_HEX >= 0x030F0000
    PyObject *obj;
    if (PyWeakref_GetRef(ref, &obj) < 0) return NULL;
    if (obj == NULL) Py_RETURN_NONE;
    return obj;
#else
    PyObject *obj = ((PyWeakReference *)ref)->wr_object;
    if (Py_REFCNT(obj) > 0) {
        Py_INCREF(obj);
        return obj;
    }
    Py_RETURN_NONE;
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
