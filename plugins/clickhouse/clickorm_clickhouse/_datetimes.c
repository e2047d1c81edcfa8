/* clickorm_clickhouse._datetimes: the native driver's DateTime column conversion, compiled.
 *
 * Optional: clickorm_clickhouse/datetimes.py runs the same conversion in Python when this
 * module is missing or CLICKORM_PURE_PYTHON is set.
 *
 *   naive_epoch_seconds(values)
 *       -> [(v - datetime(1970, 1, 1)) // timedelta(seconds=1) for v in values], or None
 *          unless every value is a naive datetime.datetime (exact type): Nullable
 *          columns, aware values and subclasses keep their own path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (H. Hinnant's algorithm). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static PyObject *
naive_epoch_seconds(PyObject *module, PyObject *values)
{
    PyObject *seq = PySequence_Fast(values, "naive_epoch_seconds() takes a sequence");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {  /* all or nothing: check first */
        if (!PyDateTime_CheckExact(items[i])
            || PyDateTime_DATE_GET_TZINFO(items[i]) != Py_None) {
            Py_DECREF(seq);
            Py_RETURN_NONE;
        }
    }
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {  /* no Python code runs: items stay valid */
        PyObject *v = items[i];
        long long days = days_from_civil(PyDateTime_GET_YEAR(v), PyDateTime_GET_MONTH(v),
                                         PyDateTime_GET_DAY(v));
        long long seconds = days * 86400 + PyDateTime_DATE_GET_HOUR(v) * 3600
                            + PyDateTime_DATE_GET_MINUTE(v) * 60
                            + PyDateTime_DATE_GET_SECOND(v);
        PyObject *number = PyLong_FromLongLong(seconds);
        if (number == NULL) {
            Py_DECREF(out);
            Py_DECREF(seq);
            return NULL;
        }
        PyList_SET_ITEM(out, i, number);
    }
    Py_DECREF(seq);
    return out;
}

static PyMethodDef datetimes_methods[] = {
    {"naive_epoch_seconds", naive_epoch_seconds, METH_O,
     "Epoch seconds of naive datetimes (floored), or None unless all are naive datetimes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef datetimes_module = {
    PyModuleDef_HEAD_INIT, "clickorm_clickhouse._datetimes",
    "The native driver's DateTime column conversion, compiled (optional).", -1,
    datetimes_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__datetimes(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    return PyModule_Create(&datetimes_module);
}
