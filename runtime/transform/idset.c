/* Small sorted sets of ints: the analysis's sets of abstract objects, and
 * of units a site may run. Most hold a handful of members. */
#include "model.h"

#include <string.h>

static int
grow(idset *s, int need)
{
    if (need <= s->cap) {
        return 0;
    }
    int cap = s->cap ? s->cap : 4;
    while (cap < need) {
        cap *= 2;
    }
    int *v = PyMem_Realloc(s->v, (size_t)cap * sizeof(int));
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->v = v;
    s->cap = cap;
    return 0;
}

/* Index of the first member >= x. */
static int
lower_bound(const idset *s, int x)
{
    int lo = 0, hi = s->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->v[mid] < x) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

int
idset_has(const idset *s, int x)
{
    int i = lower_bound(s, x);
    return i < s->n && s->v[i] == x;
}

int
idset_add(idset *s, int x)
{
    int i = lower_bound(s, x);
    if (i < s->n && s->v[i] == x) {
        return 0;
    }
    if (grow(s, s->n + 1) < 0) {
        return -1;
    }
    memmove(s->v + i + 1, s->v + i, (size_t)(s->n - i) * sizeof(int));
    s->v[i] = x;
    s->n++;
    return 1;
}

int
idset_union(idset *dst, const idset *src)
{
    if (src->n == 0 || dst == src) {
        return 0;
    }
    /* the common case: nothing new */
    int missing = 0;
    for (int i = 0, j = 0; i < src->n; i++) {
        while (j < dst->n && dst->v[j] < src->v[i]) {
            j++;
        }
        if (j == dst->n || dst->v[j] != src->v[i]) {
            missing++;
        }
    }
    if (missing == 0) {
        return 0;
    }
    if (grow(dst, dst->n + missing) < 0) {
        return -1;
    }
    /* merge from the back, in place */
    int i = src->n - 1, j = dst->n - 1, k = dst->n + missing - 1;
    while (i >= 0) {
        if (j >= 0 && dst->v[j] > src->v[i]) {
            dst->v[k--] = dst->v[j--];
        }
        else if (j >= 0 && dst->v[j] == src->v[i]) {
            dst->v[k--] = dst->v[j--];
            i--;
        }
        else {
            dst->v[k--] = src->v[i--];
        }
    }
    dst->n += missing;
    return missing;
}

void
idset_free(idset *s)
{
    PyMem_Free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}
