/* Errno values as Linux numbers them, for what pyrun prints.
 *
 * Under Pyodide the C library is Emscripten's, whose errno numbers and
 * messages are its own: EPIPE is 64 ("Broken pipe"), EIO 29 ("I/O
 * error"). A program compares e.errno with the errno module's constants,
 * which use the same numbers, so the objects keep them. Only what pyrun
 * itself prints, the traceback of an error that ends a program or a line
 * at the prompt and "can't open file", says Linux's number and glibc's
 * message, as python3 on Linux would. Natively (tests in Debian's
 * python3.11) the numbers are Linux's already and nothing changes. */
#include "pyrun.h"

#include <string.h>

/* Every name in Linux's errno.h: number and glibc's message (generated
 * from Debian 12's python3.11: errno and os.strerror). */
static const struct {
    const char *name;
    long number;
    const char *message;
} linux_errors[] = {
    {"E2BIG", 7, "Argument list too long"},
    {"EACCES", 13, "Permission denied"},
    {"EADDRINUSE", 98, "Address already in use"},
    {"EADDRNOTAVAIL", 99, "Cannot assign requested address"},
    {"EADV", 68, "Advertise error"},
    {"EAFNOSUPPORT", 97, "Address family not supported by protocol"},
    {"EAGAIN", 11, "Resource temporarily unavailable"},
    {"EALREADY", 114, "Operation already in progress"},
    {"EBADE", 52, "Invalid exchange"},
    {"EBADF", 9, "Bad file descriptor"},
    {"EBADFD", 77, "File descriptor in bad state"},
    {"EBADMSG", 74, "Bad message"},
    {"EBADR", 53, "Invalid request descriptor"},
    {"EBADRQC", 56, "Invalid request code"},
    {"EBADSLT", 57, "Invalid slot"},
    {"EBFONT", 59, "Bad font file format"},
    {"EBUSY", 16, "Device or resource busy"},
    {"ECANCELED", 125, "Operation canceled"},
    {"ECHILD", 10, "No child processes"},
    {"ECHRNG", 44, "Channel number out of range"},
    {"ECOMM", 70, "Communication error on send"},
    {"ECONNABORTED", 103, "Software caused connection abort"},
    {"ECONNREFUSED", 111, "Connection refused"},
    {"ECONNRESET", 104, "Connection reset by peer"},
    {"EDEADLK", 35, "Resource deadlock avoided"},
    {"EDEADLOCK", 35, "Resource deadlock avoided"},
    {"EDESTADDRREQ", 89, "Destination address required"},
    {"EDOM", 33, "Numerical argument out of domain"},
    {"EDOTDOT", 73, "RFS specific error"},
    {"EDQUOT", 122, "Disk quota exceeded"},
    {"EEXIST", 17, "File exists"},
    {"EFAULT", 14, "Bad address"},
    {"EFBIG", 27, "File too large"},
    {"EHOSTDOWN", 112, "Host is down"},
    {"EHOSTUNREACH", 113, "No route to host"},
    {"EHWPOISON", 133, "Memory page has hardware error"},
    {"EIDRM", 43, "Identifier removed"},
    {"EILSEQ", 84, "Invalid or incomplete multibyte or wide character"},
    {"EINPROGRESS", 115, "Operation now in progress"},
    {"EINTR", 4, "Interrupted system call"},
    {"EINVAL", 22, "Invalid argument"},
    {"EIO", 5, "Input/output error"},
    {"EISCONN", 106, "Transport endpoint is already connected"},
    {"EISDIR", 21, "Is a directory"},
    {"EISNAM", 120, "Is a named type file"},
    {"EKEYEXPIRED", 127, "Key has expired"},
    {"EKEYREJECTED", 129, "Key was rejected by service"},
    {"EKEYREVOKED", 128, "Key has been revoked"},
    {"EL2HLT", 51, "Level 2 halted"},
    {"EL2NSYNC", 45, "Level 2 not synchronized"},
    {"EL3HLT", 46, "Level 3 halted"},
    {"EL3RST", 47, "Level 3 reset"},
    {"ELIBACC", 79, "Can not access a needed shared library"},
    {"ELIBBAD", 80, "Accessing a corrupted shared library"},
    {"ELIBEXEC", 83, "Cannot exec a shared library directly"},
    {"ELIBMAX", 82, "Attempting to link in too many shared libraries"},
    {"ELIBSCN", 81, ".lib section in a.out corrupted"},
    {"ELNRNG", 48, "Link number out of range"},
    {"ELOOP", 40, "Too many levels of symbolic links"},
    {"EMEDIUMTYPE", 124, "Wrong medium type"},
    {"EMFILE", 24, "Too many open files"},
    {"EMLINK", 31, "Too many links"},
    {"EMSGSIZE", 90, "Message too long"},
    {"EMULTIHOP", 72, "Multihop attempted"},
    {"ENAMETOOLONG", 36, "File name too long"},
    {"ENAVAIL", 119, "No XENIX semaphores available"},
    {"ENETDOWN", 100, "Network is down"},
    {"ENETRESET", 102, "Network dropped connection on reset"},
    {"ENETUNREACH", 101, "Network is unreachable"},
    {"ENFILE", 23, "Too many open files in system"},
    {"ENOANO", 55, "No anode"},
    {"ENOBUFS", 105, "No buffer space available"},
    {"ENOCSI", 50, "No CSI structure available"},
    {"ENODATA", 61, "No data available"},
    {"ENODEV", 19, "No such device"},
    {"ENOENT", 2, "No such file or directory"},
    {"ENOEXEC", 8, "Exec format error"},
    {"ENOKEY", 126, "Required key not available"},
    {"ENOLCK", 37, "No locks available"},
    {"ENOLINK", 67, "Link has been severed"},
    {"ENOMEDIUM", 123, "No medium found"},
    {"ENOMEM", 12, "Cannot allocate memory"},
    {"ENOMSG", 42, "No message of desired type"},
    {"ENONET", 64, "Machine is not on the network"},
    {"ENOPKG", 65, "Package not installed"},
    {"ENOPROTOOPT", 92, "Protocol not available"},
    {"ENOSPC", 28, "No space left on device"},
    {"ENOSR", 63, "Out of streams resources"},
    {"ENOSTR", 60, "Device not a stream"},
    {"ENOSYS", 38, "Function not implemented"},
    {"ENOTBLK", 15, "Block device required"},
    {"ENOTCONN", 107, "Transport endpoint is not connected"},
    {"ENOTDIR", 20, "Not a directory"},
    {"ENOTEMPTY", 39, "Directory not empty"},
    {"ENOTNAM", 118, "Not a XENIX named type file"},
    {"ENOTRECOVERABLE", 131, "State not recoverable"},
    {"ENOTSOCK", 88, "Socket operation on non-socket"},
    {"ENOTSUP", 95, "Operation not supported"},
    {"ENOTTY", 25, "Inappropriate ioctl for device"},
    {"ENOTUNIQ", 76, "Name not unique on network"},
    {"ENXIO", 6, "No such device or address"},
    {"EOPNOTSUPP", 95, "Operation not supported"},
    {"EOVERFLOW", 75, "Value too large for defined data type"},
    {"EOWNERDEAD", 130, "Owner died"},
    {"EPERM", 1, "Operation not permitted"},
    {"EPFNOSUPPORT", 96, "Protocol family not supported"},
    {"EPIPE", 32, "Broken pipe"},
    {"EPROTO", 71, "Protocol error"},
    {"EPROTONOSUPPORT", 93, "Protocol not supported"},
    {"EPROTOTYPE", 91, "Protocol wrong type for socket"},
    {"ERANGE", 34, "Numerical result out of range"},
    {"EREMCHG", 78, "Remote address changed"},
    {"EREMOTE", 66, "Object is remote"},
    {"EREMOTEIO", 121, "Remote I/O error"},
    {"ERESTART", 85, "Interrupted system call should be restarted"},
    {"ERFKILL", 132, "Operation not possible due to RF-kill"},
    {"EROFS", 30, "Read-only file system"},
    {"ESHUTDOWN", 108, "Cannot send after transport endpoint shutdown"},
    {"ESOCKTNOSUPPORT", 94, "Socket type not supported"},
    {"ESPIPE", 29, "Illegal seek"},
    {"ESRCH", 3, "No such process"},
    {"ESRMNT", 69, "Srmount error"},
    {"ESTALE", 116, "Stale file handle"},
    {"ESTRPIPE", 86, "Streams pipe error"},
    {"ETIME", 62, "Timer expired"},
    {"ETIMEDOUT", 110, "Connection timed out"},
    {"ETOOMANYREFS", 109, "Too many references: cannot splice"},
    {"ETXTBSY", 26, "Text file busy"},
    {"EUCLEAN", 117, "Structure needs cleaning"},
    {"EUNATCH", 49, "Protocol driver not attached"},
    {"EUSERS", 87, "Too many users"},
    {"EWOULDBLOCK", 11, "Resource temporarily unavailable"},
    {"EXDEV", 18, "Invalid cross-device link"},
    {"EXFULL", 54, "Exchange full"},
};

/* The index of the Linux entry for the host's errno `number`, found by
 * name: 1 found, 0 none, -1 error. */
static int
find_linux_error(PyObject *number, size_t *index)
{
    PyObject *errno_mod = pyrun_import("errno");
    PyObject *codes = errno_mod ? PyObject_GetAttrString(errno_mod, "errorcode") : NULL;
    Py_XDECREF(errno_mod);
    if (codes == NULL) {
        return -1;
    }
    PyObject *name = PyDict_GetItemWithError(codes, number); /* borrowed */
    const char *cname = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, NULL) : NULL;
    int found = 0;
    for (size_t i = 0; cname != NULL && i < sizeof linux_errors / sizeof linux_errors[0]; i++) {
        if (strcmp(cname, linux_errors[i].name) == 0) {
            *index = i;
            found = 1;
            break;
        }
    }
    Py_DECREF(codes);
    return PyErr_Occurred() ? -1 : found;
}

/* Does `message` say what the C library says for `number`? Then it is
 * the library's message, not the program's own. */
static int
is_library_message(PyObject *number, PyObject *message)
{
    if (!PyUnicode_Check(message)) {
        return 0;
    }
    PyObject *os = pyrun_import("os");
    PyObject *library = os ? PyObject_CallMethod(os, "strerror", "O", number) : NULL;
    Py_XDECREF(os);
    if (library == NULL) {
        return -1;
    }
    int same = PyObject_RichCompareBool(library, message, Py_EQ);
    Py_DECREF(library);
    return same;
}

int
pyrun_linux_error(PyObject *oserror, long *number, PyObject **message)
{
    *message = NULL;
    PyObject *host_number = PyObject_GetAttrString(oserror, "errno");
    PyObject *host_message = host_number ? PyObject_GetAttrString(oserror, "strerror") : NULL;
    if (host_message == NULL) {
        Py_XDECREF(host_number);
        return -1;
    }
    int rc = 0;
    size_t i = 0;
    if (PyLong_Check(host_number)) {
        *number = PyLong_AsLong(host_number);
        rc = *number == -1 && PyErr_Occurred() ? -1 : find_linux_error(host_number, &i);
    }
    if (rc == 1) {
        *number = linux_errors[i].number;
        int library = is_library_message(host_number, host_message);
        *message = library < 0 ? NULL
                   : library   ? PyUnicode_FromString(linux_errors[i].message)
                               : Py_NewRef(host_message);
        rc = *message ? 1 : -1;
    }
    Py_DECREF(host_number);
    Py_DECREF(host_message);
    return rc;
}

/* Swaps in Linux's number and message on one OSError, remembering the
 * originals in `saved` as (exc, errno, strerror). */
static int
swap_one(PyObject *exc, PyObject *saved)
{
    long number;
    PyObject *message;
    int found = pyrun_linux_error(exc, &number, &message);
    if (found <= 0) {
        return found;
    }
    PyObject *old_number = PyObject_GetAttrString(exc, "errno");
    PyObject *old_message = old_number ? PyObject_GetAttrString(exc, "strerror") : NULL;
    PyObject *entry = old_message ? PyTuple_Pack(3, exc, old_number, old_message) : NULL;
    PyObject *linux_number = entry ? PyLong_FromLong(number) : NULL;
    int rc = linux_number && PyList_Append(saved, entry) == 0 &&
                     PyObject_SetAttrString(exc, "errno", linux_number) == 0 &&
                     PyObject_SetAttrString(exc, "strerror", message) == 0
                 ? 0
                 : -1;
    Py_XDECREF(linux_number);
    Py_XDECREF(entry);
    Py_XDECREF(old_message);
    Py_XDECREF(old_number);
    Py_DECREF(message);
    return rc;
}

/* exc, its cause and context, and the members of exception groups. Each
 * exception is swapped once, however often the chain reaches it. */
static int
swap_chain(PyObject *exc, PyObject *saved, PyObject *seen, int depth)
{
    if (exc == NULL || exc == Py_None || depth > 64) {
        return 0;
    }
    PyObject *id = PyLong_FromVoidPtr(exc);
    int known = id ? PySet_Contains(seen, id) : -1;
    int rc = known == 0 ? PySet_Add(seen, id) : known < 0 ? -1 : 1;
    Py_XDECREF(id);
    if (rc != 0) {
        return rc < 0 ? -1 : 0;
    }
    int is_oserror = PyObject_IsInstance(exc, PyExc_OSError);
    int is_group = is_oserror >= 0 ? PyObject_IsInstance(exc, PyExc_BaseExceptionGroup) : -1;
    if (is_group < 0 || (is_oserror && swap_one(exc, saved) < 0)) {
        return -1;
    }
    PyObject *cause = PyException_GetCause(exc);
    rc = swap_chain(cause, saved, seen, depth + 1);
    Py_XDECREF(cause);
    PyObject *context = rc == 0 ? PyException_GetContext(exc) : NULL;
    rc = rc == 0 ? swap_chain(context, saved, seen, depth + 1) : rc;
    Py_XDECREF(context);
    if (rc == 0 && is_group) {
        PyObject *members = PyObject_GetAttrString(exc, "exceptions");
        for (Py_ssize_t i = 0; members && rc == 0 && i < PyTuple_Size(members); i++) {
            rc = swap_chain(PyTuple_GetItem(members, i), saved, seen, depth + 1);
        }
        rc = members ? rc : -1;
        Py_XDECREF(members);
    }
    return rc;
}

PyObject *
pyrun_linux_errors_begin(PyObject *exc)
{
    PyObject *saved = PyList_New(0);
    PyObject *seen = saved ? PySet_New(NULL) : NULL;
    if (seen == NULL || swap_chain(exc, saved, seen, 0) < 0) {
        /* printing goes on with the numbers as they are */
        PyErr_Clear();
    }
    Py_XDECREF(seen);
    return saved;
}

void
pyrun_linux_errors_end(PyObject *saved)
{
    for (Py_ssize_t i = 0; saved != NULL && i < PyList_Size(saved); i++) {
        PyObject *entry = PyList_GetItem(saved, i);
        PyObject *exc = PyTuple_GetItem(entry, 0);
        if (PyObject_SetAttrString(exc, "errno", PyTuple_GetItem(entry, 1)) < 0 ||
            PyObject_SetAttrString(exc, "strerror", PyTuple_GetItem(entry, 2)) < 0) {
            PyErr_Clear();
        }
    }
    Py_XDECREF(saved);
}

void
pyrun_write_unraisable(PyObject *obj)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *swapped = pyrun_linux_errors_begin(value);
    PyErr_Restore(type, value, tb);
    PyErr_WriteUnraisable(obj);
    pyrun_linux_errors_end(swapped);
}
