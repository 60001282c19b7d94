/* urllib.request.urlopen through the host's fetch.
 *
 * Pyodide has no sockets; the host has fetch (Node's global fetch in the
 * CLI, the page's in a browser). __pyrun__.urlopen(url or Request, data,
 * timeout) awaits fetch and then the whole body, and gives back what
 * CPython's urlopen gives: an http.client.HTTPResponse, parsed by
 * http.client itself from the status line, headers and body fetch
 * received, so status, reason, headers, getheader(), read(n), readline(),
 * iteration, `with` and geturl() are CPython's own. 4xx and 5xx raise
 * urllib's HTTPError with that response as its readable body; a refused
 * connection or an unknown host raise URLError as CPython words them.
 * fetch follows redirects itself; geturl() is where they led.
 *
 * Natively (tests in CPython, which has sockets), and for schemes other
 * than http and https, the real urlopen is called. */
#include "coop.h"

#include <string.h>

/* Slots of a fetch */
enum { H_REQUEST, H_URL, H_RESPONSE, H_BODY_WAIT, H_TIMEOUT };
/* Whose fetch: urlopen's (which raises HTTPError, and follows redirects)
 * or HTTPConnection's (which gives every response as it came) */
enum { FOR_URLOPEN, FOR_CONNECTION };

static PyObject *
module_attr(const char *module, const char *name)
{
    PyObject *m = pyrun_import(module);
    PyObject *v = m ? PyObject_GetAttrString(m, name) : NULL;
    Py_XDECREF(m);
    return v;
}

/* makefile(mode) of the socket http.client reads a response from: the
 * bytes fetch received. self: a BytesIO. */
static PyObject *
fake_makefile(PyObject *self, PyObject *Py_UNUSED(args))
{
    return Py_NewRef(self);
}

static PyMethodDef makefile_def = {"makefile", fake_makefile, METH_VARARGS, NULL};

/* "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n" + body, as a server
 * would have sent it, body already decoded and measured. */
static PyObject *
raw_response(PyObject *js_response, PyObject *body)
{
    PyObject *status = PyObject_GetAttrString(js_response, "status");
    PyObject *reason = status ? PyObject_GetAttrString(js_response, "statusText") : NULL;
    PyObject *headers = reason ? PyObject_GetAttrString(js_response, "headers") : NULL;
    PyObject *entries = headers ? PyObject_CallMethod(headers, "entries", NULL) : NULL;
    PyObject *it = entries ? PyObject_GetIter(entries) : NULL;
    PyObject *lines = it ? PyList_New(0) : NULL;
    PyObject *http = lines ? pyrun_import("http") : NULL;
    PyObject *codes = http ? PyObject_GetAttrString(http, "HTTPStatus") : NULL;
    PyObject *out = NULL;
    if (codes == NULL) {
        goto done;
    }
    if (PyObject_IsTrue(reason) == 0) {
        /* HTTP/2 has no reason phrase: the standard one */
        PyObject *phrase = NULL;
        PyObject *code = PyObject_CallOneArg_compat(codes, status);
        phrase = code ? PyObject_GetAttrString(code, "phrase") : NULL;
        Py_XDECREF(code);
        PyErr_Clear();
        Py_SETREF(reason, phrase ? phrase : PyUnicode_FromString(""));
    }
    PyObject *first = PyUnicode_FromFormat("HTTP/1.1 %S %S\r\n", status, reason);
    if (first == NULL || PyList_Append(lines, first) < 0) {
        Py_XDECREF(first);
        goto done;
    }
    Py_DECREF(first);
    PyObject *pair;
    while ((pair = PyIter_Next(it)) != NULL) {
        PyObject *name = PySequence_GetItem(pair, 0);
        PyObject *value = name ? PySequence_GetItem(pair, 1) : NULL;
        Py_DECREF(pair);
        if (value == NULL) {
            Py_XDECREF(name);
            goto done;
        }
        /* the body is whole and decoded: its length is what it is */
        PyObject *lower = PyObject_CallMethod(name, "lower", NULL);
        int skip = lower && (PyUnicode_CompareWithASCIIString(lower, "content-length") == 0 ||
                             PyUnicode_CompareWithASCIIString(lower, "content-encoding") == 0 ||
                             PyUnicode_CompareWithASCIIString(lower, "transfer-encoding") == 0);
        PyObject *line = lower && !skip ? PyUnicode_FromFormat("%S: %S\r\n", name, value) : NULL;
        int rc = lower == NULL ? -1 : skip ? 0 : line ? PyList_Append(lines, line) : -1;
        Py_XDECREF(lower);
        Py_XDECREF(line);
        Py_DECREF(name);
        Py_DECREF(value);
        if (rc < 0) {
            goto done;
        }
    }
    if (PyErr_Occurred()) {
        goto done;
    }
    PyObject *length = PyUnicode_FromFormat("Content-Length: %zd\r\n\r\n", PyBytes_Size(body));
    PyObject *empty = length && PyList_Append(lines, length) == 0 ? PyUnicode_FromString("") : NULL;
    PyObject *text = empty ? PyUnicode_Join(empty, lines) : NULL;
    PyObject *head = text ? PyUnicode_AsEncodedString(text, "latin-1", "replace") : NULL;
    out = head ? PySequence_Concat(head, body) : NULL;
    Py_XDECREF(length);
    Py_XDECREF(empty);
    Py_XDECREF(text);
    Py_XDECREF(head);
done:
    Py_XDECREF(status);
    Py_XDECREF(reason);
    Py_XDECREF(headers);
    Py_XDECREF(entries);
    Py_XDECREF(it);
    Py_XDECREF(lines);
    Py_XDECREF(http);
    Py_XDECREF(codes);
    return out;
}

/* The http.client.HTTPResponse CPython's urlopen (or, for_connection,
 * HTTPConnection.getresponse) would have given. */
static PyObject *
http_response(PyObject *js_response, PyObject *body, PyObject *method, int for_connection)
{
    PyObject *raw = raw_response(js_response, body);
    PyObject *bytesio = raw ? module_attr("io", "BytesIO") : NULL;
    PyObject *fp = bytesio ? PyObject_CallOneArg_compat(bytesio, raw) : NULL;
    PyObject *makefile = fp ? PyCFunction_New(&makefile_def, fp) : NULL;
    PyObject *ns_type = makefile ? module_attr("types", "SimpleNamespace") : NULL;
    PyObject *kw = ns_type ? Py_BuildValue("{sO}", "makefile", makefile) : NULL;
    PyObject *none = kw ? PyTuple_New(0) : NULL;
    PyObject *sock = none ? PyObject_Call(ns_type, none, kw) : NULL;
    PyObject *cls = sock ? module_attr("http.client", "HTTPResponse") : NULL;
    PyObject *rkw = cls ? Py_BuildValue("{sO}", "method", method) : NULL;
    PyObject *one = rkw ? PyTuple_Pack(1, sock) : NULL;
    PyObject *resp = one ? PyObject_Call(cls, one, rkw) : NULL;
    PyObject *begun = resp ? PyObject_CallMethod(resp, "begin", NULL) : NULL;
    PyObject *url = begun ? PyObject_GetAttrString(js_response, "url") : NULL;
    PyObject *reason = url ? PyObject_GetAttrString(resp, "reason") : NULL;
    /* as urllib's do_open leaves it; getresponse() leaves msg the headers */
    int rc = reason == NULL ? -1
             : for_connection ? 0
             : PyObject_SetAttrString(resp, "url", url) == 0 ? PyObject_SetAttrString(resp, "msg", reason)
                                                             : -1;
    Py_XDECREF(raw);
    Py_XDECREF(bytesio);
    Py_XDECREF(fp);
    Py_XDECREF(makefile);
    Py_XDECREF(ns_type);
    Py_XDECREF(kw);
    Py_XDECREF(none);
    Py_XDECREF(sock);
    Py_XDECREF(cls);
    Py_XDECREF(rkw);
    Py_XDECREF(one);
    Py_XDECREF(begun);
    Py_XDECREF(url);
    Py_XDECREF(reason);
    if (rc < 0) {
        Py_XDECREF(resp);
        return NULL;
    }
    return resp;
}

/* 4xx/5xx: HTTPError(url, code, msg, headers, fp), as urllib raises it */
static int
raise_http_error(PyObject *resp)
{
    PyObject *status = PyObject_GetAttrString(resp, "status");
    long code = status ? PyLong_AsLong(status) : -1;
    if (code < 400) {
        Py_XDECREF(status);
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *cls = module_attr("urllib.error", "HTTPError");
    PyObject *url = cls ? PyObject_GetAttrString(resp, "url") : NULL;
    PyObject *reason = url ? PyObject_GetAttrString(resp, "reason") : NULL;
    PyObject *headers = reason ? PyObject_GetAttrString(resp, "headers") : NULL;
    PyObject *exc = headers ? PyObject_CallFunctionObjArgs(cls, url, status, reason, headers, resp, NULL) : NULL;
    if (exc != NULL) {
        PyErr_SetObject(cls, exc);
    }
    Py_XDECREF(status);
    Py_XDECREF(cls);
    Py_XDECREF(url);
    Py_XDECREF(reason);
    Py_XDECREF(headers);
    Py_XDECREF(exc);
    return -1;
}

/* fetch rejected: URLError with what CPython's socket would have raised */
static step_result
fetch_failed(pyrun_step *s, PyObject **out)
{
    (void)out;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (type == NULL || !PyErr_GivenExceptionMatches(type, PyExc_Exception)) {
        PyErr_Restore(type, value, tb);
        return STEP_ERROR;
    }
    /* Node: TypeError("fetch failed") with cause.code; a page: "Failed to fetch".
     * The JS error is the JsException itself, or its js_error. */
    PyObject *js_error = value && PyObject_HasAttrString(value, "js_error") ? PyObject_GetAttrString(value, "js_error")
                         : Py_XNewRef(value);
    PyErr_Clear();
    PyObject *cause = js_error ? PyObject_GetAttrString(js_error, "cause") : NULL;
    PyErr_Clear();
    PyObject *code = cause && cause != Py_None ? PyObject_GetAttrString(cause, "code") : NULL;
    PyErr_Clear();
    PyObject *name = js_error ? PyObject_GetAttrString(js_error, "name") : NULL;
    PyErr_Clear();
    PyObject *reason = NULL;
    if (code != NULL && PyUnicode_Check(code) && PyUnicode_CompareWithASCIIString(code, "ECONNREFUSED") == 0) {
        PyObject *errno_code = module_attr("errno", "ECONNREFUSED");
        reason = errno_code ? PyObject_CallFunction(PyExc_ConnectionRefusedError, "Os", errno_code, "Connection refused")
                            : NULL;
        Py_XDECREF(errno_code);
    }
    else if (code != NULL && PyUnicode_Check(code) &&
             (PyUnicode_CompareWithASCIIString(code, "ENOTFOUND") == 0 ||
              PyUnicode_CompareWithASCIIString(code, "EAI_AGAIN") == 0)) {
        PyObject *gaierror = module_attr("socket", "gaierror");
        reason = gaierror ? PyObject_CallFunction(gaierror, "is", -2, "Name or service not known") : NULL;
        Py_XDECREF(gaierror);
    }
    else if (name != NULL && PyUnicode_Check(name) &&
             (PyUnicode_CompareWithASCIIString(name, "TimeoutError") == 0 ||
              PyUnicode_CompareWithASCIIString(name, "AbortError") == 0)) {
        reason = PyObject_CallFunction(PyExc_TimeoutError, "s", "timed out");
    }
    else {
        PyObject *text = js_error && PyObject_HasAttrString(js_error, "message")
                             ? PyObject_GetAttrString(js_error, "message")
                             : PyObject_Str(value);
        reason = text;
    }
    PyObject *cls = reason ? module_attr("urllib.error", "URLError") : NULL;
    PyObject *exc = cls ? PyObject_CallOneArg_compat(cls, reason) : NULL;
    if (exc != NULL) {
        /* shown as CPython shows it: the socket's error, then URLError
         * raised while handling it */
        if (PyExceptionInstance_Check(reason)) {
            PyException_SetContext(exc, Py_NewRef(reason));
        }
        PyErr_SetObject(cls, exc);
    }
    Py_XDECREF(js_error);
    Py_XDECREF(cause);
    Py_XDECREF(code);
    Py_XDECREF(name);
    Py_XDECREF(reason);
    Py_XDECREF(cls);
    Py_XDECREF(exc);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    (void)s;
    return STEP_ERROR;
}

static step_result
fetch_next(pyrun_step *s, PyObject *value, PyObject **out)
{
    switch (s->phase) {
    case 0:
        s->phase = 1;
        return pyrun_step_await_slot(s, H_BODY_WAIT, out); /* the fetch promise */
    case 1: {
        /* the Response: now its body */
        s->o[H_RESPONSE] = Py_NewRef(value);
        s->phase = 2;
        *out = PyObject_CallMethod(value, "arrayBuffer", NULL);
        return *out ? STEP_AWAIT : STEP_ERROR;
    }
    default: {
        PyObject *uint8 = module_attr("js", "Uint8Array");
        PyObject *view = uint8 ? PyObject_CallMethod(uint8, "new", "(O)", value) : NULL;
        PyObject *body = view ? PyObject_CallMethod(view, "to_bytes", NULL) : NULL;
        PyObject *method = body ? PyObject_CallMethod(s->o[H_REQUEST], "get_method", NULL) : NULL;
        PyObject *resp = method ? http_response(s->o[H_RESPONSE], body, method, s->i == FOR_CONNECTION) : NULL;
        Py_XDECREF(uint8);
        Py_XDECREF(view);
        Py_XDECREF(body);
        Py_XDECREF(method);
        if (resp == NULL || (s->i == FOR_URLOPEN && raise_http_error(resp) < 0)) {
            Py_XDECREF(resp);
            return STEP_ERROR;
        }
        *out = resp;
        return STEP_DONE;
    }
    }
}

static int
in_node(void)
{
    PyObject *js = pyrun_import("js");
    int node = js != NULL && PyObject_HasAttrString(js, "process");
    Py_XDECREF(js);
    PyErr_Clear();
    return node;
}

/* The fetch options for the Request: method, headers, body, and a timeout
 * as an AbortSignal. */
static PyObject *
fetch_options(PyObject *request, PyObject *timeout, int for_connection)
{
    PyObject *method = PyObject_CallMethod(request, "get_method", NULL);
    PyObject *items = method ? PyObject_CallMethod(request, "header_items", NULL) : NULL;
    PyObject *data = items ? PyObject_GetAttrString(request, "data") : NULL;
    PyObject *headers = data ? PyDict_New() : NULL;
    PyObject *opts = headers ? Py_BuildValue("{sOsO}", "method", method, "headers", headers) : NULL;
    PyObject *out = NULL;
    for (Py_ssize_t i = 0; opts != NULL && i < PyList_Size(items); i++) {
        PyObject *pair = PyList_GetItem(items, i);
        if (PyDict_SetItem(headers, PyTuple_GetItem(pair, 0), PyTuple_GetItem(pair, 1)) < 0) {
            goto done;
        }
    }
    if (opts == NULL) {
        goto done;
    }
    if (for_connection && in_node()) {
        /* http.client does not follow redirects; in Node, fetch can give
         * the 3xx itself (a page's fetch gives nothing usable: it follows) */
        PyObject *manual = PyUnicode_FromString("manual");
        int rc = manual ? PyDict_SetItemString(opts, "redirect", manual) : -1;
        Py_XDECREF(manual);
        if (rc < 0) {
            goto done;
        }
    }
    if (data != Py_None) {
        /* as urllib's do_request_ adds it for a body (http.client adds none) */
        PyObject *has = PyObject_CallMethod(request, "has_header", "s", "Content-type");
        int rc = has ? 0 : -1;
        if (has == Py_False && !for_connection) {
            PyObject *form = PyUnicode_FromString("application/x-www-form-urlencoded");
            rc = form ? PyDict_SetItemString(headers, "Content-Type", form) : -1;
            Py_XDECREF(form);
        }
        Py_XDECREF(has);
        PyObject *bytes = rc == 0 ? PyObject_CallFunctionObjArgs((PyObject *)&PyBytes_Type, data, NULL) : NULL;
        PyObject *uint8 = bytes ? module_attr("js", "Uint8Array") : NULL;
        PyObject *to_js = uint8 ? module_attr("pyodide.ffi", "to_js") : NULL;
        PyObject *js_body = to_js ? PyObject_CallOneArg_compat(to_js, bytes) : NULL;
        rc = js_body ? PyDict_SetItemString(opts, "body", js_body) : -1;
        Py_XDECREF(bytes);
        Py_XDECREF(uint8);
        Py_XDECREF(to_js);
        Py_XDECREF(js_body);
        if (rc < 0) {
            goto done;
        }
    }
    if (timeout != NULL && timeout != Py_None && PyNumber_Check(timeout)) {
        PyObject *signal = module_attr("js", "AbortSignal");
        double ms = PyFloat_AsDouble(timeout) * 1000.0;
        PyObject *abort = signal && ms >= 0 ? PyObject_CallMethod(signal, "timeout", "d", ms) : NULL;
        PyErr_Clear(); /* no AbortSignal.timeout: no timeout */
        if (abort != NULL && PyDict_SetItemString(opts, "signal", abort) < 0) {
            Py_DECREF(abort);
            goto done;
        }
        Py_XDECREF(abort);
        Py_XDECREF(signal);
    }
    PyObject *to_js = module_attr("pyodide.ffi", "to_js");
    PyObject *object = to_js ? module_attr("js", "Object") : NULL;
    PyObject *from_entries = object ? PyObject_GetAttrString(object, "fromEntries") : NULL;
    PyObject *kw = from_entries ? Py_BuildValue("{sO}", "dict_converter", from_entries) : NULL;
    PyObject *one = kw ? PyTuple_Pack(1, opts) : NULL;
    out = one ? PyObject_Call(to_js, one, kw) : NULL;
    Py_XDECREF(to_js);
    Py_XDECREF(object);
    Py_XDECREF(from_entries);
    Py_XDECREF(kw);
    Py_XDECREF(one);
done:
    Py_XDECREF(method);
    Py_XDECREF(items);
    Py_XDECREF(data);
    Py_XDECREF(headers);
    Py_XDECREF(opts);
    return out;
}

/* fetch(request.full_url, ...) as an awaitable of the response. Steals
 * request. */
static PyObject *
start_fetch(pyrun_state *st, PyObject *request, PyObject *timeout, int whose)
{
    PyObject *full = PyObject_GetAttrString(request, "full_url");
    PyObject *opts = full ? fetch_options(request, timeout, whose == FOR_CONNECTION) : NULL;
    PyObject *fetch = opts ? module_attr("js", "fetch") : NULL;
    PyObject *promise = fetch ? PyObject_CallFunctionObjArgs(fetch, full, opts, NULL) : NULL;
    Py_XDECREF(opts);
    Py_XDECREF(fetch);
    pyrun_step *s = promise ? pyrun_step_new(st, fetch_next, fetch_failed) : NULL;
    if (s == NULL) {
        Py_XDECREF(full);
        Py_XDECREF(promise);
        Py_DECREF(request);
        return NULL;
    }
    s->i = whose;
    s->o[H_REQUEST] = request;
    s->o[H_URL] = full;
    s->o[H_BODY_WAIT] = promise;
    return (PyObject *)s;
}

/* urlopen(url, data=None, timeout=..., *, context=None), awaitable */
PyObject *
pyrun_helper_urlopen(PyObject *module, PyObject *args, PyObject *kwargs)
{
    pyrun_state *st = pyrun_get_state(module);
    static char *kwlist[] = {"url", "data", "timeout", "cafile", "capath", "cadefault", "context", NULL};
    PyObject *url, *data = Py_None, *timeout = NULL, *ignored = NULL;
    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwargs, "O|OO$OOOO:urlopen", kwlist, &url, &data, &timeout,
                                                   &ignored, &ignored, &ignored, &ignored)) {
        return NULL;
    }
    pyrun_find_pyodide_ffi(st);
    PyObject *request_cls = module_attr("urllib.request", "Request");
    if (request_cls == NULL) {
        return NULL;
    }
    int is_request = PyObject_IsInstance(url, request_cls);
    PyObject *request = is_request > 0 ? Py_NewRef(url)
                        : is_request == 0 ? PyObject_CallFunctionObjArgs(request_cls, url, NULL)
                                          : NULL;
    Py_DECREF(request_cls);
    if (request == NULL || (data != Py_None && PyObject_SetAttrString(request, "data", data) < 0)) {
        Py_XDECREF(request);
        return NULL;
    }
    PyObject *scheme = PyObject_GetAttrString(request, "type");
    int http = scheme && (PyUnicode_CompareWithASCIIString(scheme, "http") == 0 ||
                          PyUnicode_CompareWithASCIIString(scheme, "https") == 0);
    Py_XDECREF(scheme);
    if (PyErr_Occurred()) {
        Py_DECREF(request);
        return NULL;
    }
    if (st->pyodide_ffi == Py_None || !http) {
        /* natively, or file: and data: URLs: urllib itself */
        PyObject *urlopen = module_attr("urllib.request", "urlopen");
        PyObject *r = urlopen ? PyObject_Call(urlopen, args, kwargs) : NULL;
        Py_XDECREF(urlopen);
        Py_DECREF(request);
        return pyrun_maybe_steal(st, r);
    }
    return start_fetch(st, request, timeout, FOR_URLOPEN);
}

/* ---- http.client.HTTPConnection ----------------------------------------- */

/* Where conn.request(method, url) goes: url itself when absolute (a
 * proxy's form), else the connection's scheme, host and port. */
static PyObject *
connection_url(PyObject *conn, PyObject *url)
{
    PyObject *absolute = PyObject_CallMethod(url, "startswith", "((ss))", "http://", "https://");
    if (absolute == NULL || absolute == Py_True) {
        Py_XDECREF(absolute);
        return absolute ? Py_NewRef(url) : NULL;
    }
    Py_DECREF(absolute);
    PyObject *https_cls = module_attr("http.client", "HTTPSConnection");
    int https = https_cls ? PyObject_IsInstance(conn, https_cls) : -1;
    PyObject *host = https >= 0 ? PyObject_GetAttrString(conn, "host") : NULL;
    PyObject *port = host ? PyObject_GetAttrString(conn, "port") : NULL;
    PyObject *usual = port ? PyObject_GetAttrString(conn, "default_port") : NULL;
    PyObject *out = NULL;
    if (usual != NULL) {
        const char *scheme = https ? "https" : "http";
        int v6 = PyUnicode_FindChar(host, ':', 0, PyUnicode_GetLength(host), 1) >= 0;
        int same = PyObject_RichCompareBool(port, usual, Py_EQ);
        PyObject *where = same < 0 ? NULL
                          : v6     ? PyUnicode_FromFormat("[%U]", host)
                                   : Py_NewRef(host);
        out = where == NULL ? NULL
              : same        ? PyUnicode_FromFormat("%s://%U%U", scheme, where, url)
                            : PyUnicode_FromFormat("%s://%U:%S%U", scheme, where, port, url);
        Py_XDECREF(where);
    }
    Py_XDECREF(usual);
    Py_XDECREF(https_cls);
    Py_XDECREF(host);
    Py_XDECREF(port);
    return out;
}

/* The body as http.client sends it: str as ISO-8859-1, bytes-like as is,
 * a file read whole, an iterable of chunks joined. */
static PyObject *
request_body(PyObject *body)
{
    if (body == Py_None) {
        return Py_NewRef(Py_None);
    }
    if (PyUnicode_Check(body)) {
        return PyUnicode_AsEncodedString(body, "iso-8859-1", "strict");
    }
    if (PyObject_CheckBuffer(body)) {
        return PyObject_CallFunctionObjArgs((PyObject *)&PyBytes_Type, body, NULL);
    }
    if (PyObject_HasAttrString(body, "read")) {
        PyObject *data = PyObject_CallMethod(body, "read", NULL);
        PyObject *out = data ? request_body(data) : NULL;
        Py_XDECREF(data);
        return out;
    }
    PyObject *empty = PyBytes_FromString("");
    PyObject *out = empty ? PyObject_CallMethod(empty, "join", "(O)", body) : NULL;
    Py_XDECREF(empty);
    return out;
}

/* conn.request(method, url, body=None, headers={}, *, encode_chunked=False):
 * kept until getresponse() sends it through fetch. */
PyObject *
pyrun_http_request(pyrun_state *st, PyObject *conn, PyObject *args, PyObject *kwargs)
{
    pyrun_find_pyodide_ffi(st);
    if (st->pyodide_ffi == Py_None) {
        PyObject *request = PyObject_GetAttrString(conn, "request");
        PyObject *r = request ? PyObject_Call(request, args, kwargs) : NULL;
        Py_XDECREF(request);
        return r;
    }
    static char *kwlist[] = {"method", "url", "body", "headers", "encode_chunked", NULL};
    PyObject *method, *url, *body = Py_None, *headers = NULL, *chunked = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "UU|OO$O:request", kwlist, &method, &url, &body, &headers,
                                     &chunked)) {
        return NULL;
    }
    PyObject *full = connection_url(conn, url);
    PyObject *data = full ? request_body(body) : NULL;
    PyObject *cls = data ? module_attr("urllib.request", "Request") : NULL;
    PyObject *url_only = cls ? PyTuple_Pack(1, full) : NULL;
    PyObject *given = headers && headers != Py_None ? Py_NewRef(headers) : PyDict_New();
    PyObject *kw = url_only && given ? Py_BuildValue("{sOsOsO}", "data", data, "method", method, "headers", given)
                                     : NULL;
    PyObject *request = kw ? PyObject_Call(cls, url_only, kw) : NULL;
    int rc = request ? PyObject_SetAttrString(conn, "_pyrun_request", request) : -1;
    Py_XDECREF(full);
    Py_XDECREF(data);
    Py_XDECREF(cls);
    Py_XDECREF(url_only);
    Py_XDECREF(given);
    Py_XDECREF(kw);
    Py_XDECREF(request);
    return rc < 0 ? NULL : Py_NewRef(Py_None);
}

/* conn.getresponse(): the request fetched, awaitable of its HTTPResponse */
PyObject *
pyrun_http_getresponse(pyrun_state *st, PyObject *conn)
{
    PyObject *request = PyObject_HasAttrString(conn, "_pyrun_request")
                            ? PyObject_GetAttrString(conn, "_pyrun_request")
                            : NULL;
    if (request == NULL) {
        /* natively, or no request made through pyrun: http.client's own */
        return PyErr_Occurred() ? NULL : pyrun_maybe_steal(st, PyObject_CallMethod(conn, "getresponse", NULL));
    }
    PyObject *timeout = PyObject_DelAttrString(conn, "_pyrun_request") == 0
                            ? PyObject_GetAttrString(conn, "timeout")
                            : NULL;
    PyObject *r = timeout ? start_fetch(st, request, timeout, FOR_CONNECTION) : NULL;
    if (timeout == NULL) {
        Py_DECREF(request);
    }
    Py_XDECREF(timeout);
    return r;
}
