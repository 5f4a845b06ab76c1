/* What the compiled backend reads of CPython that differs between its versions. */
#ifndef CYDISPATCH_COMPAT_H
#define CYDISPATCH_COMPAT_H

#include <Python.h>

/* As PyWeakref_GetRef: 1 and a new reference to the object of ``ref`` (a
   weakref.ref or a WeakMethod, whose base it is) in ``*obj``; 0 and NULL once
   it died; -1 on error. With the GIL, the object is read in place, as
   PyWeakref_GET_OBJECT reads it up to 3.14 (a dead one reads as None, or has
   no references left while the trashcan delays clearing its weak references):
   PyWeakref_GetRef, from 3.13, costs a call and a type check per receiver of
   every send. Without the GIL, or once the field may be gone (3.15), the
   function does it safely. */
static inline int cyd_get_ref(PyObject *ref, PyObject **obj) {
#if defined(Py_GIL_DISABLED) || PY_VERSION_HEX >= 0x030F0000
    return PyWeakref_GetRef(ref, obj);
#else
    PyObject *referent = ((PyWeakReference *)ref)->wr_object;
    if (referent == Py_None || Py_REFCNT(referent) == 0) {
        *obj = NULL;
        return 0;
    }
    *obj = Py_NewRef(referent);
    return 1;
#endif
}

/* A new reference to the object of ``ref`` (see cyd_get_ref), or to None once it died. */
static inline PyObject *cyd_deref(PyObject *ref) {
    PyObject *obj;
    int live = cyd_get_ref(ref, &obj);
    if (live < 0) return NULL;
    if (live == 0) Py_RETURN_NONE;
    return obj;
}

/* 1 and a new bound method in ``*method`` of the objects of ``instance_ref``
   and ``func_ref`` (see cyd_get_ref), as WeakMethod.__call__ makes it; 0
   and NULL once either died; -1 on error. With the GIL from 3.12, both are
   borrowed from their references for PyMethod_New, which cannot drop them:
   its allocation only schedules a collection. Up to 3.11 the allocation may
   collect garbage there and then, so both are held for it. */
static inline int cyd_method_of_refs(PyObject *instance_ref, PyObject *func_ref, PyObject **method) {
#if !defined(Py_GIL_DISABLED) && PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030F0000
    PyObject *instance = ((PyWeakReference *)instance_ref)->wr_object;
    PyObject *func = ((PyWeakReference *)func_ref)->wr_object;
    if (instance == Py_None || Py_REFCNT(instance) == 0 || func == Py_None || Py_REFCNT(func) == 0) {
        *method = NULL;
        return 0;
    }
    *method = PyMethod_New(func, instance);
#else
    PyObject *instance;
    PyObject *func;
    int live = cyd_get_ref(instance_ref, &instance);
    if (live <= 0) return live;
    live = cyd_get_ref(func_ref, &func);
    if (live <= 0) {
        Py_DECREF(instance);
        return live;
    }
    *method = PyMethod_New(func, instance);
    Py_DECREF(func);
    Py_DECREF(instance);
#endif
    return *method == NULL ? -1 : 1;
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
