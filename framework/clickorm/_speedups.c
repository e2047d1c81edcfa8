/* clickorm._speedups: the per-row loops of bulk reads and writes, one builder step and
 * the plain conditions of a WHERE, compiled.
 *
 * Optional: clickorm/speedups.py falls back to the generated Python loops (the reference
 * behaviour, in model/hydration.py and model/extraction.py) when this module is missing
 * or CLICKORM_PURE_PYTHON is set. Each function does exactly what its Python twin does,
 * without the interpreter's per-row dispatch:
 *
 *   hydrate_columns(cls, names, columns, decoders, dict_descr, state_descr, state)
 *   hydrate_rows(cls, names, rows, decoders, dict_descr, state_descr, state)
 *       -> [instance, ...]: for row i, a new cls whose __dict__ is {names[j]: value_j}
 *          (value_j passed through decoders[j] when there is one; decoders take None
 *          too, as in the Python loop) and whose ORM state
 *          slot holds `state`. No Pydantic validation, as in model_construct.
 *   extract(instances, names, dict_descr)
 *       -> [tuple(inst.__dict__[name] for inst in instances) for name in names]
 *          KeyError(name) when an instance lacks a field. Tuples, because drivers copy
 *          a list they are given before slicing it into blocks, but not a tuple.
 *          With dict_descr None the items are the dicts themselves (validated rows
 *          inserted without building instances): tuple(row[name] for row in rows).
 *   mark(instances, state_descr, state)
 *       -> None; sets the ORM state slot of every instance.
 *   unsaved(instances, state_descr, persisted)
 *       -> the instances not in the database yet (see its comment).
 *   types(values)
 *       -> set(map(type, values)) for a list or tuple.
 *
 * And one step of the query builders (see clickorm/query/builder.py, ``_set``/``_add``):
 *
 *   builder_state(state_descr)             configure: BaseQueryBuilder's ``_state`` slot
 *   bound_builder(cls, (descr, ...))       configure: instances of ``cls`` also copy these
 *                                          slots (the ORM builder's model and connection)
 *   builder_set(builder, index, value)
 *       -> a new builder of type(builder) whose state is builder's with item ``index``
 *          replaced by ``value`` (the same type of tuple), the other configured slots
 *          copied: what ``_set`` does in Python, with one allocation per object.
 *   builder_add(builder, index, items)
 *       -> builder_set(builder, index, state[index] + items) for tuples.
 *
 * And the plain conditions of a WHERE/HAVING/PREWHERE (see BaseGrammar.conditions):
 *
 *   condition_types(Col, Compare, InList)  configure: the expression node classes
 *   conditions(pairs, writer, params, quoted, operators, placeholders)
 *       -> how many leading (conjunction, condition) pairs were written, each as
 *          BaseGrammar.visit_compare / visit_in write it on their placeholder-table path:
 *          a Compare of a cached column with an operator in ``operators`` and a value
 *          whose exact type has a table in ``placeholders`` (an int only within Int64),
 *          or a non-GLOBAL IN tuple of such values, all of one type (str column names
 *          only, so no lookup runs Python code). It stops, having
 *          written nothing of that pair, at the first pair it cannot write that way; the
 *          grammar's Python visitors write the rest.
 *
 * One difference from the Python loops, on bad input only: hydrate_columns checks the
 * column count and lengths before it builds any row, where the Python loop fails at the
 * first short row; the error (ValueError) is the same.
 *
 * Slots are written through their descriptors' C setters (the same type checks as
 * `descriptor.__set__`, no Python frame). Decoders are arbitrary Python callables that
 * could change a list being read, so lengths are re-checked on every access and every
 * item is held by a strong reference while it is used.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* What every hydrated row needs: the class, its field names and decoders, its slots. */
typedef struct {
    PyObject *cls, *names, *decoders, *dict_descr, *state_descr, *state;
} Target;

/* Unpack (cls, names, data, decoders, dict_descr, state_descr, state) into `t` and
   `data`. Everything is checked before anything is allocated: a zero-filled instance of
   an unrelated type must never reach its own deallocator. */
static int
parse_target(const char *fname, PyObject *const *args, Py_ssize_t nargs, Target *t,
             PyObject **data)
{
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "%s() takes 7 arguments", fname);
        return -1;
    }
    *t = (Target){args[0], args[1], args[3], args[4], args[5], args[6]};
    *data = args[2];
    if (!PyType_Check(t->cls) || !PyTuple_Check(t->names) || !PyTuple_Check(t->decoders)
        || PyTuple_GET_SIZE(t->names) != PyTuple_GET_SIZE(t->decoders)) {
        PyErr_SetString(PyExc_TypeError,
                        "expected a class and equally long tuples of names and decoders");
        return -1;
    }
    PyTypeObject *tp = (PyTypeObject *)t->cls;
    if (!PyObject_TypeCheck(t->dict_descr, &PyGetSetDescr_Type)
        || !PyObject_TypeCheck(t->state_descr, &PyMemberDescr_Type)
        || !PyType_IsSubtype(tp, PyDescr_TYPE(t->dict_descr))
        || !PyType_IsSubtype(tp, PyDescr_TYPE(t->state_descr))) {
        PyErr_SetString(PyExc_TypeError,
                        "expected the __dict__ and state slot descriptors of the class");
        return -1;
    }
    if (tp->tp_flags & Py_TPFLAGS_IS_ABSTRACT) {  /* object.__new__ refuses these too */
        PyErr_Format(PyExc_TypeError, "Can't instantiate abstract class %s", tp->tp_name);
        return -1;
    }
    return 0;
}

/* Append one instance for `values` (one per name) to `out`; -1 with an exception set.
   The dict is {names[j]: decoders[j](values[j]) or values[j]}, the state slot `state`. */
static int
append_instance(PyObject *out, const Target *t, PyObject *const *values)
{
    Py_ssize_t ncols = PyTuple_GET_SIZE(t->names);
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return -1;
    }
    for (Py_ssize_t j = 0; j < ncols; j++) {
        PyObject *decoder = PyTuple_GET_ITEM(t->decoders, j);
        PyObject *value = decoder == Py_None ? Py_NewRef(values[j])
                                             : PyObject_CallOneArg(decoder, values[j]);
        if (value == NULL) {
            Py_DECREF(d);
            return -1;
        }
        int rc = PyDict_SetItem(d, PyTuple_GET_ITEM(t->names, j), value);
        Py_DECREF(value);
        if (rc < 0) {
            Py_DECREF(d);
            return -1;
        }
    }
    PyTypeObject *tp = (PyTypeObject *)t->cls;
    PyObject *m = tp->tp_alloc(tp, 0);
    int rc = -1;
    if (m != NULL
        && Py_TYPE(t->dict_descr)->tp_descr_set(t->dict_descr, m, d) == 0
        && Py_TYPE(t->state_descr)->tp_descr_set(t->state_descr, m, t->state) == 0) {
        rc = PyList_Append(out, m);
    }
    Py_XDECREF(m);
    Py_DECREF(d);
    return rc;
}

static PyObject *
hydrate_columns(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Target t;
    PyObject *columns;
    if (parse_target("hydrate_columns", args, nargs, &t, &columns) < 0) {
        return NULL;
    }
    Py_ssize_t ncols = PyTuple_GET_SIZE(t.names);
    Py_ssize_t given = PySequence_Size(columns);
    if (given < 0) {
        return NULL;
    }
    if (given != ncols) {  /* the Python loop's unpacking fails the same way */
        PyErr_Format(PyExc_ValueError, "%zd columns of values for %zd names", given, ncols);
        return NULL;
    }
    /* the columns as tuples: immutable while decoders run (drivers hand tuples, so
       PySequence_Tuple returns them as they are) */
    PyObject *cols = PyTuple_New(ncols);
    if (cols == NULL) {
        return NULL;
    }
    Py_ssize_t n = 0;
    for (Py_ssize_t j = 0; j < ncols; j++) {
        PyObject *col = PySequence_GetItem(columns, j);
        PyObject *as_tuple = col == NULL ? NULL : PySequence_Tuple(col);
        Py_XDECREF(col);
        if (as_tuple == NULL) {
            Py_DECREF(cols);
            return NULL;
        }
        PyTuple_SET_ITEM(cols, j, as_tuple);
        Py_ssize_t len = PyTuple_GET_SIZE(as_tuple);
        if (j > 0 && len != n) {
            PyErr_Format(PyExc_ValueError, "column %zd has %zd values, column 0 has %zd",
                         j, len, n);
            Py_DECREF(cols);
            return NULL;
        }
        n = len;
    }
    /* appended to, never pre-sized: decoders run Python code, which must never see a
       list with empty slots */
    PyObject *out = PyList_New(0);
    PyObject *small[64];
    PyObject **row = ncols <= 64 ? small : PyMem_New(PyObject *, ncols);
    if (out == NULL || row == NULL) {
        if (row == NULL) {
            PyErr_NoMemory();
        }
        Py_XDECREF(out);
        Py_DECREF(cols);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        for (Py_ssize_t j = 0; j < ncols; j++) {
            row[j] = PyTuple_GET_ITEM(PyTuple_GET_ITEM(cols, j), i);
        }
        if (append_instance(out, &t, row) < 0) {
            Py_CLEAR(out);
            break;
        }
    }
    if (row != small) {
        PyMem_Free(row);
    }
    Py_DECREF(cols);
    return out;
}

static PyObject *
hydrate_rows(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Target t;
    PyObject *rows;
    if (parse_target("hydrate_rows", args, nargs, &t, &rows) < 0) {
        return NULL;
    }
    if (!PyList_CheckExact(rows)) {
        PyErr_SetString(PyExc_TypeError, "hydrate_rows() takes a list of row tuples");
        return NULL;
    }
    Py_ssize_t ncols = PyTuple_GET_SIZE(t.names);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    /* re-read the length each time: a decoder could change the list */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(rows); i++) {
        PyObject *item = Py_NewRef(PyList_GET_ITEM(rows, i));
        PyObject *row = PySequence_Tuple(item);  /* the same object for a tuple */
        Py_DECREF(item);
        if (row == NULL) {
            Py_CLEAR(out);
            break;
        }
        int rc = -1;
        if (PyTuple_GET_SIZE(row) != ncols) {
            PyErr_Format(PyExc_ValueError, "row %zd has %zd values, expected %zd",
                         i, PyTuple_GET_SIZE(row), ncols);
        }
        else {
            rc = append_instance(out, &t, PySequence_Fast_ITEMS(row));
        }
        Py_DECREF(row);
        if (rc < 0) {
            Py_CLEAR(out);
            break;
        }
    }
    return out;
}

static PyObject *
extract(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "extract() takes 3 arguments");
        return NULL;
    }
    PyObject *instances = args[0], *names = args[1], *dict_descr = args[2];
    int rows = dict_descr == Py_None;  /* the items are dicts, not instances */
    if (!PyList_CheckExact(instances) || !PyTuple_Check(names)
        || (!rows && Py_TYPE(dict_descr)->tp_descr_get == NULL)) {
        PyErr_SetString(PyExc_TypeError,
                        "extract() takes a list of instances, a tuple of names and the "
                        "__dict__ descriptor (or None for a list of dicts)");
        return NULL;
    }
    Py_ssize_t ncols = PyTuple_GET_SIZE(names);
    Py_ssize_t n = PyList_GET_SIZE(instances);
    descrgetfunc get_dict = Py_TYPE(dict_descr)->tp_descr_get;
    PyObject *out = PyList_New(ncols);
    if (out == NULL) {
        return NULL;
    }
    /* the tuples start full of None: a dict lookup can run Python code (a str-subclass
       key with its own __eq__), which must never see an empty slot */
    for (Py_ssize_t j = 0; j < ncols; j++) {
        PyObject *col = PyTuple_New(n);
        if (col == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyTuple_SET_ITEM(col, i, Py_NewRef(Py_None));
        }
        PyList_SET_ITEM(out, j, col);
    }
    /* stop at the list's current length, should that Python code shrink it */
    for (Py_ssize_t i = 0; i < n && i < PyList_GET_SIZE(instances); i++) {
        PyObject *inst = Py_NewRef(PyList_GET_ITEM(instances, i));
        PyObject *d = rows ? Py_NewRef(inst)
                           : get_dict(dict_descr, inst, (PyObject *)Py_TYPE(inst));
        Py_DECREF(inst);
        if (d == NULL) {
            goto fail;
        }
        if (!PyDict_Check(d)) {
            Py_DECREF(d);
            PyErr_SetString(PyExc_TypeError, rows ? "a row is not a dict"
                                                  : "an instance's __dict__ is not a dict");
            goto fail;
        }
        for (Py_ssize_t j = 0; j < ncols; j++) {
            PyObject *key = PyTuple_GET_ITEM(names, j);
            PyObject *value = PyDict_GetItemWithError(d, key);
            if (value == NULL) {
                Py_DECREF(d);
                if (!PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, key);
                }
                goto fail;
            }
            PyObject **slot = &((PyTupleObject *)PyList_GET_ITEM(out, j))->ob_item[i];
            Py_SETREF(*slot, Py_NewRef(value));
        }
        Py_DECREF(d);
    }
    if (PyList_GET_SIZE(instances) != n) {
        PyErr_SetString(PyExc_RuntimeError, "the instance list changed during extraction");
        goto fail;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyObject *
mark(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_CheckExact(args[0])
        || !PyObject_TypeCheck(args[1], &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError,
                        "mark() takes a list of instances, the state slot and a value");
        return NULL;
    }
    PyObject *instances = args[0], *descr = args[1], *state = args[2];
    descrsetfunc set = Py_TYPE(descr)->tp_descr_set;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(instances); i++) {
        PyObject *inst = PyList_GET_ITEM(instances, i);
        Py_INCREF(inst);
        int rc = set(descr, inst, state);
        Py_DECREF(inst);
        if (rc < 0) {
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

/* unsaved(instances, state_descr, persisted) -> the instances not in the database (the
 * list itself when that is all of them): their
 * state slot unset, or holding a state other than ``persisted`` whose ``exists`` is false
 * (a bulk insert skips the rest, so a retried call writes only what is missing). */
static PyObject *
unsaved(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_CheckExact(args[0])
        || !PyObject_TypeCheck(args[1], &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError,
                        "unsaved() takes a list of instances, the state slot and PERSISTED");
        return NULL;
    }
    PyObject *instances = args[0], *descr = args[1], *persisted = args[2];
    /* read the slot where the member descriptor keeps it: an unset slot is NULL (the
     * descriptor's getter would raise AttributeError, costly per new instance) */
    PyMemberDescrObject *member = (PyMemberDescrObject *)descr;
    Py_ssize_t offset = member->d_member->offset;
    PyTypeObject *owner = PyDescr_TYPE(descr);
    PyObject *out = NULL;  /* made at the first instance skipped: usually none is */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(instances); i++) {
        PyObject *inst = PyList_GET_ITEM(instances, i);
        if (!PyObject_TypeCheck(inst, owner)) {
            PyErr_SetString(PyExc_TypeError, "unsaved(): not a model instance");
            Py_XDECREF(out);
            return NULL;
        }
        Py_INCREF(inst);
        PyObject *st = *(PyObject **)((char *)inst + offset);
        Py_XINCREF(st);
        int keep;
        if (st == NULL) {
            keep = 1;
        }
        else if (st == persisted) {
            keep = 0;
            Py_DECREF(st);
        }
        else {
            PyObject *exists = PyObject_GetAttrString(st, "exists");
            Py_DECREF(st);
            if (exists == NULL) {
                Py_DECREF(inst);
                Py_XDECREF(out);
                return NULL;
            }
            int truth = PyObject_IsTrue(exists);
            Py_DECREF(exists);
            if (truth < 0) {
                Py_DECREF(inst);
                Py_XDECREF(out);
                return NULL;
            }
            keep = !truth;
        }
        if (!keep && out == NULL) {
            out = PyList_GetSlice(instances, 0, i);
            if (out == NULL) {
                Py_DECREF(inst);
                return NULL;
            }
        }
        else if (keep && out != NULL && PyList_Append(out, inst) < 0) {
            Py_DECREF(inst);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(inst);
    }
    if (out == NULL) {  /* nothing skipped: the list itself */
        Py_INCREF(instances);
        return instances;
    }
    return out;
}

/* types(values) -> set(map(type, values)) for a list or a tuple: the exact Python types
 * of a column, which the insert encoders check before a one-call conversion. A run of
 * items of the type just added costs a pointer comparison, not a set insertion (a
 * column usually holds one type, or two with None). The last type is held by a strong
 * reference, so its address cannot be reused while it is compared; a metaclass's
 * __hash__ or __eq__ could run Python code that changes a list, so its length is
 * re-read on every step. */
static PyObject *
types(PyObject *module, PyObject *values)
{
    int is_list = PyList_CheckExact(values);
    if (!is_list && !PyTuple_CheckExact(values)) {
        PyErr_SetString(PyExc_TypeError, "types() takes a list or a tuple");
        return NULL;
    }
    PyObject *out = PySet_New(NULL);
    if (out == NULL) {
        return NULL;
    }
    Py_INCREF(values);
    PyTypeObject *last = NULL;
    for (Py_ssize_t i = 0; i < (is_list ? PyList_GET_SIZE(values) : PyTuple_GET_SIZE(values));
         i++) {
        PyObject *item = is_list ? PyList_GET_ITEM(values, i) : PyTuple_GET_ITEM(values, i);
        PyTypeObject *tp = Py_TYPE(item);
        if (tp == last) {
            continue;
        }
        Py_INCREF(tp);
        Py_XSETREF(last, tp);
        if (PySet_Add(out, (PyObject *)tp) < 0) {
            Py_DECREF(last);
            Py_DECREF(values);
            Py_DECREF(out);
            return NULL;
        }
    }
    Py_XDECREF(last);
    Py_DECREF(values);
    return out;
}

/* -- query builder steps ------------------------------------------------------------- */

static PyObject *builder_state_descr = NULL;   /* BaseQueryBuilder._state */
static PyObject *bound_cls = NULL;             /* the ORM builder class */
static PyObject *bound_descrs = NULL;          /* its other copied slots (a tuple) */
static PyObject *empty_args = NULL;

/* The member of an object slot (``__slots__`` entry) descriptor, or NULL + TypeError. */
static PyMemberDef *
object_slot(PyObject *descr)
{
    if (!PyObject_TypeCheck(descr, &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError, "expected a __slots__ member descriptor");
        return NULL;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX || (m->flags & READONLY)) {
        PyErr_SetString(PyExc_TypeError, "expected a writable object slot");
        return NULL;
    }
    return m;
}

static PyObject *
builder_state(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "builder_state() takes 1 argument");
        return NULL;
    }
    if (object_slot(args[0]) == NULL) {
        return NULL;
    }
    if (empty_args == NULL && (empty_args = PyTuple_New(0)) == NULL) {
        return NULL;
    }
    Py_XSETREF(builder_state_descr, Py_NewRef(args[0]));
    Py_RETURN_NONE;
}

static PyObject *
bound_builder(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyType_Check(args[0]) || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "bound_builder() takes a class and a tuple");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(args[1]); i++) {
        PyObject *d = PyTuple_GET_ITEM(args[1], i);
        if (object_slot(d) == NULL) {
            return NULL;
        }
        if (!PyType_IsSubtype((PyTypeObject *)args[0], PyDescr_TYPE(d))) {
            PyErr_SetString(PyExc_TypeError, "a slot descriptor of another class");
            return NULL;
        }
    }
    Py_XSETREF(bound_cls, Py_NewRef(args[0]));
    Py_XSETREF(bound_descrs, Py_NewRef(args[1]));
    Py_RETURN_NONE;
}

/* The object in slot `m` of `obj`; NULL + AttributeError when it is unset (borrowed). */
static PyObject *
slot_value(PyObject *obj, PyObject *descr)
{
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    PyObject *v = *(PyObject **)((char *)obj + m->offset);
    if (v == NULL) {
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%s'",
                     Py_TYPE(obj)->tp_name, m->name);
    }
    return v;
}

/* A new builder like `builder` whose state item `index` is `value` (new reference). */
static PyObject *
step(PyObject *builder, Py_ssize_t index, PyObject *value)
{
    PyTypeObject *tp = Py_TYPE(builder);
    PyObject *sd = builder_state_descr;
    if (sd == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "builder_state() was not called");
        return NULL;
    }
    if (!PyType_IsSubtype(tp, PyDescr_TYPE(sd))) {
        PyErr_SetString(PyExc_TypeError, "expected a query builder");
        return NULL;
    }
    PyObject *state = slot_value(builder, sd);
    if (state == NULL) {
        return NULL;
    }
    /* a tuple subclass (QueryState): allocated as tuple.__new__(type, items) does */
    if (!PyTuple_Check(state) || PyTuple_CheckExact(state)) {
        PyErr_SetString(PyExc_TypeError, "a builder's state must be a tuple subclass");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(state);
    if (index < 0 || index >= n) {
        PyErr_SetString(PyExc_IndexError, "state index out of range");
        return NULL;
    }
    Py_ssize_t nbound = 0;
    if (bound_cls != NULL && PyType_IsSubtype(tp, (PyTypeObject *)bound_cls)) {
        nbound = PyTuple_GET_SIZE(bound_descrs);
        for (Py_ssize_t i = 0; i < nbound; i++) {
            if (slot_value(builder, PyTuple_GET_ITEM(bound_descrs, i)) == NULL) {
                return NULL;
            }
        }
    }
    PyTypeObject *st = Py_TYPE(state);
    PyObject *new_state = st->tp_alloc(st, n);
    if (new_state == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(new_state, i, Py_NewRef(i == index ? value : PyTuple_GET_ITEM(state, i)));
    }
    /* object.__new__(type(builder)): refuses abstract classes, allocates zeroed slots */
    PyObject *out = PyBaseObject_Type.tp_new(tp, empty_args, NULL);
    if (out == NULL) {
        Py_DECREF(new_state);
        return NULL;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)sd)->d_member;
    *(PyObject **)((char *)out + m->offset) = new_state;
    for (Py_ssize_t i = 0; i < nbound; i++) {
        PyMemberDef *b = ((PyMemberDescrObject *)PyTuple_GET_ITEM(bound_descrs, i))->d_member;
        *(PyObject **)((char *)out + b->offset) =
            Py_NewRef(*(PyObject **)((char *)builder + b->offset));
    }
    return out;
}

static PyObject *
builder_set(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "builder_set() takes 3 arguments");
        return NULL;
    }
    Py_ssize_t index = PyLong_AsSsize_t(args[1]);
    if (index == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return step(args[0], index, args[2]);
}

static PyObject *
builder_add(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "builder_add() takes 3 arguments");
        return NULL;
    }
    Py_ssize_t index = PyLong_AsSsize_t(args[1]);
    if (index == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *sd = builder_state_descr;
    if (sd == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "builder_state() was not called");
        return NULL;
    }
    if (!PyType_IsSubtype(Py_TYPE(args[0]), PyDescr_TYPE(sd))) {
        PyErr_SetString(PyExc_TypeError, "expected a query builder");
        return NULL;
    }
    PyObject *state = slot_value(args[0], sd);
    if (state == NULL) {
        return NULL;
    }
    if (!PyTuple_Check(state) || index < 0 || index >= PyTuple_GET_SIZE(state)) {
        PyErr_SetString(PyExc_IndexError, "state index out of range");
        return NULL;
    }
    PyObject *old = PyTuple_GET_ITEM(state, index);
    if (!PyTuple_CheckExact(old) || !PyTuple_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "builder_add() extends a tuple with a tuple");
        return NULL;
    }
    PyObject *joined = PySequence_Concat(old, args[2]);
    if (joined == NULL) {
        return NULL;
    }
    PyObject *out = step(args[0], index, joined);
    Py_DECREF(joined);
    return out;
}

/* -- plain conditions ---------------------------------------------------------------- */

static PyTypeObject *col_type = NULL, *compare_type = NULL, *inlist_type = NULL;
static PyObject *s_and, *s_or, *s_space, *s_comma, *s_in, *s_not_in, *s_close, *s_c;

static PyObject *
condition_types(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyType_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "condition_types() takes the Col, Compare and InList classes");
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        if (!PyType_IsSubtype((PyTypeObject *)args[i], &PyTuple_Type)) {
            PyErr_SetString(PyExc_TypeError, "expression nodes must be tuple subclasses");
            return NULL;
        }
    }
    if (s_and == NULL) {
        if ((s_and = PyUnicode_InternFromString(" AND ")) == NULL
            || (s_or = PyUnicode_InternFromString(" OR ")) == NULL
            || (s_space = PyUnicode_InternFromString(" ")) == NULL
            || (s_comma = PyUnicode_InternFromString(", ")) == NULL
            || (s_in = PyUnicode_InternFromString(" IN (")) == NULL
            || (s_not_in = PyUnicode_InternFromString(" NOT IN (")) == NULL
            || (s_close = PyUnicode_InternFromString(")")) == NULL
            || (s_c = PyUnicode_InternFromString("c")) == NULL) {
            return NULL;
        }
    }
    Py_XSETREF(col_type, (PyTypeObject *)Py_NewRef(args[0]));
    Py_XSETREF(compare_type, (PyTypeObject *)Py_NewRef(args[1]));
    Py_XSETREF(inlist_type, (PyTypeObject *)Py_NewRef(args[2]));
    Py_RETURN_NONE;
}

/* A dict lookup that treats any error (an unhashable key) as "not there" (borrowed). */
static PyObject *
lookup(PyObject *dict, PyObject *key)
{
    PyObject *v = PyDict_GetItemWithError(dict, key);
    if (v == NULL && PyErr_Occurred()) {
        PyErr_Clear();
    }
    return v;
}

/* The cached quoted text of a column reference, as BaseGrammar.col_sql keys it, or NULL
   (not a plain Col, or not cached yet: the Python visitor quotes and caches it). */
static PyObject *
cached_column(PyObject *node, PyObject *quoted)
{
    if (Py_TYPE(node) != col_type || PyTuple_GET_SIZE(node) != 2) {
        return NULL;
    }
    PyObject *name = PyTuple_GET_ITEM(node, 0), *table = PyTuple_GET_ITEM(node, 1);
    /* only str keys: hashing anything else could run Python code mid-write */
    if (!PyUnicode_CheckExact(name) || !(table == Py_None || PyUnicode_CheckExact(table))) {
        return NULL;
    }
    PyObject *text;
    if (table == Py_None) {
        text = lookup(quoted, name);
    } else {
        PyObject *key = PyTuple_Pack(3, s_c, table, name);
        if (key == NULL) {
            PyErr_Clear();
            return NULL;
        }
        text = lookup(quoted, key);
        Py_DECREF(key);
    }
    return (text != NULL && PyUnicode_CheckExact(text)) ? text : NULL;
}

/* Whether a value of this exact type is written with its table: an int only in Int64. */
static int
fits(PyObject *value)
{
    if (Py_TYPE(value) != &PyLong_Type) {
        return 1;
    }
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (x == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return overflow == 0;
}

/* The table of a value's exact type, when it holds placeholders n .. n + k - 1 (borrowed). */
static PyObject *
table_for(PyObject *placeholders, PyObject *value, Py_ssize_t end)
{
    PyObject *table = lookup(placeholders, (PyObject *)Py_TYPE(value));
    if (table == NULL || !(PyList_CheckExact(table) || PyTuple_CheckExact(table))
        || PySequence_Fast_GET_SIZE(table) < end) {
        return NULL;
    }
    return table;
}

static int
put(PyObject *list, PyObject *item)
{
    return PyList_Append(list, item);
}

static PyObject *
conditions(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6 || !PyTuple_Check(args[0]) || !PyList_Check(args[1])
        || !PyList_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError,
                        "conditions() takes (pairs, writer, params, quoted, operators, placeholders)");
        return NULL;
    }
    if (col_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "condition_types() was not called");
        return NULL;
    }
    if (!PyDict_CheckExact(args[3]) || !PyDict_CheckExact(args[4]) || !PyDict_CheckExact(args[5])) {
        return PyLong_FromSsize_t(0);  /* other mappings: the Python visitors write it all */
    }
    PyObject *pairs = args[0], *w = args[1], *params = args[2];
    PyObject *quoted = args[3], *operators = args[4], *placeholders = args[5];
    Py_ssize_t done = 0, count = PyTuple_GET_SIZE(pairs);
    for (; done < count; done++) {
        PyObject *pair = PyTuple_GET_ITEM(pairs, done);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            break;
        }
        PyObject *conj = PyTuple_GET_ITEM(pair, 0), *cond = PyTuple_GET_ITEM(pair, 1);
        PyObject *joiner = NULL;
        if (done) {
            if (!PyUnicode_CheckExact(conj)) {
                break;
            }
            if (PyUnicode_CompareWithASCIIString(conj, "AND") == 0) {
                joiner = s_and;
            } else if (PyUnicode_CompareWithASCIIString(conj, "OR") == 0) {
                joiner = s_or;
            } else {
                break;
            }
        }
        Py_ssize_t n = PyList_GET_SIZE(params);
        if (Py_TYPE(cond) == compare_type && PyTuple_GET_SIZE(cond) == 3) {
            PyObject *lhs = cached_column(PyTuple_GET_ITEM(cond, 0), quoted);
            if (lhs == NULL) {
                break;
            }
            PyObject *op = lookup(operators, PyTuple_GET_ITEM(cond, 1));
            PyObject *right = PyTuple_GET_ITEM(cond, 2);
            PyObject *table = table_for(placeholders, right, n + 1);
            if (op == NULL || !PyUnicode_CheckExact(op) || table == NULL || n >= 256
                || !fits(right)) {
                break;
            }
            PyObject *mark = PySequence_Fast_GET_ITEM(table, n);
            if ((joiner && put(w, joiner) < 0) || put(w, lhs) < 0 || put(w, s_space) < 0
                || put(w, op) < 0 || put(w, s_space) < 0 || put(w, mark) < 0
                || put(params, right) < 0) {
                return NULL;
            }
            continue;
        }
        if (Py_TYPE(cond) == inlist_type && PyTuple_GET_SIZE(cond) == 4) {
            PyObject *lhs = cached_column(PyTuple_GET_ITEM(cond, 0), quoted);
            PyObject *values = PyTuple_GET_ITEM(cond, 1);
            PyObject *negate = PyTuple_GET_ITEM(cond, 2);
            if (lhs == NULL || PyTuple_GET_ITEM(cond, 3) != Py_False
                || (negate != Py_True && negate != Py_False)
                || !PyTuple_CheckExact(values)) {  /* a list could change under us */
                break;
            }
            Py_ssize_t k = PyTuple_GET_SIZE(values);
            if (k == 0 || n + k > 256) {
                break;
            }
            PyObject **items = &PyTuple_GET_ITEM(values, 0);
            PyTypeObject *tp = Py_TYPE(items[0]);
            PyObject *table = table_for(placeholders, items[0], n + k);
            if (table == NULL) {
                break;
            }
            Py_ssize_t i = 0;
            for (; i < k; i++) {
                if (Py_TYPE(items[i]) != tp || !fits(items[i])) {
                    break;
                }
            }
            if (i < k) {
                break;
            }
            if ((joiner && put(w, joiner) < 0) || put(w, lhs) < 0
                || put(w, negate == Py_True ? s_not_in : s_in) < 0) {
                return NULL;
            }
            for (i = 0; i < k; i++) {
                if ((i && put(w, s_comma) < 0)
                    || put(w, PySequence_Fast_GET_ITEM(table, n + i)) < 0
                    || put(params, items[i]) < 0) {
                    return NULL;
                }
            }
            if (put(w, s_close) < 0) {
                return NULL;
            }
            continue;
        }
        break;
    }
    return PyLong_FromSsize_t(done);
}

static PyMethodDef speedups_methods[] = {
    {"builder_state", (PyCFunction)(void (*)(void))builder_state, METH_FASTCALL,
     "Configure the builders' state slot (BaseQueryBuilder._state)."},
    {"bound_builder", (PyCFunction)(void (*)(void))bound_builder, METH_FASTCALL,
     "Configure the slots a bound builder class also copies."},
    {"builder_set", (PyCFunction)(void (*)(void))builder_set, METH_FASTCALL,
     "A new builder whose state has one item replaced (see the module comment)."},
    {"builder_add", (PyCFunction)(void (*)(void))builder_add, METH_FASTCALL,
     "A new builder whose state has one tuple item extended (see the module comment)."},
    {"unsaved", (PyCFunction)(void (*)(void))unsaved, METH_FASTCALL,
     "The instances whose state says they are not in the database."},
    {"hydrate_columns", (PyCFunction)(void (*)(void))hydrate_columns, METH_FASTCALL,
     "Instances from column sequences (see the module comment)."},
    {"hydrate_rows", (PyCFunction)(void (*)(void))hydrate_rows, METH_FASTCALL,
     "Instances from a list of row tuples (see the module comment)."},
    {"extract", (PyCFunction)(void (*)(void))extract, METH_FASTCALL,
     "One value list per field name, read from each instance's __dict__."},
    {"mark", (PyCFunction)(void (*)(void))mark, METH_FASTCALL,
     "Set the ORM state slot of every instance."},
    {"condition_types", (PyCFunction)(void (*)(void))condition_types, METH_FASTCALL,
     "Configure the expression node classes conditions() writes."},
    {"conditions", (PyCFunction)(void (*)(void))conditions, METH_FASTCALL,
     "Write the leading plain conditions of a WHERE (see the module comment)."},
    {"types", (PyCFunction)types, METH_O,
     "set(map(type, values)) for a list or a tuple."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "clickorm._speedups",
    "Compiled per-row loops of hydration, extraction and marking (optional).", -1,
    speedups_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&speedups_module);
}
