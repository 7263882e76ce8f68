/* flow-spool.c: listed flows as records sorted by id, in memory or in a temporary file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "flow-spool.h"

/* 24 bytes a flow: where its record is (a file offset, or the borrowed pointer). */
struct rec {
    uint64_t id;
    uint64_t at;
    uint64_t len;
};

struct ea_spool {
    FILE *f;                      /* NULL: records are borrowed */
    uint64_t end;                 /* bytes written to f */
    uint64_t live;                /* bytes of records still indexed */
    struct rec *r;
    size_t n, cap;
    size_t keep;
    uint64_t dropped;
    char *buf;                    /* ea_spool_get's copy of a file record */
    size_t bufcap;
};

struct ea_spool *ea_spool_new(int to_file)
{
    struct ea_spool *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (to_file && !(s->f = tmpfile())) {
        free(s);
        return NULL;
    }
    return s;
}

void ea_spool_free(struct ea_spool *s)
{
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s->r);
    free(s->buf);
    free(s);
}

static int by_id(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

void ea_spool_sort(struct ea_spool *s)
{
    if (s->n < 2)
        return;
    qsort(s->r, s->n, sizeof(*s->r), by_id);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->r[i].id != s->r[k - 1].id)
            s->r[k++] = s->r[i];
        else
            s->live -= s->r[i].len;
    s->n = k;
}

/* Copies the indexed records into a new file, leaving the dropped ones behind. */
static int compact(struct ea_spool *s)
{
    FILE *nf = tmpfile();
    uint64_t end = 0;
    if (!nf)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        struct ea_example ex;
        if (ea_spool_get(s, i, &ex) != 0 || fwrite(ex.data, 1, ex.len, nf) != ex.len) {
            fclose(nf);
            return -1;
        }
        s->r[i].at = end;
        end += ex.len;
    }
    fclose(s->f);
    s->f = nf;
    s->end = end;
    return 0;
}

/* Drops the oldest (smallest-id) sixteenth of the records kept. */
static void drop_oldest(struct ea_spool *s)
{
    size_t n = s->keep / 16 ? s->keep / 16 : 1;
    ea_spool_sort(s);
    if (n > s->n)
        n = s->n;
    for (size_t i = 0; i < n; i++)
        s->live -= s->r[i].len;
    memmove(s->r, s->r + n, (s->n - n) * sizeof(*s->r));
    s->n -= n;
    s->dropped += n;
    if (s->f && s->end > 2 * s->live + 65536)
        compact(s);   /* on failure the file only stays larger */
}

int ea_spool_add(struct ea_spool *s, uint64_t id, const char *data, size_t len)
{
    if (s->keep && s->n >= s->keep)
        drop_oldest(s);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        struct rec *nr = realloc(s->r, cap * sizeof(*nr));
        if (!nr)
            return -1;
        s->r = nr;
        s->cap = cap;
    }
    struct rec r = { id, (uint64_t)(uintptr_t)data, len };
    if (s->f) {
        if (fwrite(data, 1, len, s->f) != len)
            return -1;
        r.at = s->end;
        s->end += len;
    }
    s->live += len;
    s->r[s->n++] = r;
    return 0;
}

void ea_spool_keep(struct ea_spool *s, size_t n)
{
    s->keep = n;
}

uint64_t ea_spool_dropped(const struct ea_spool *s)
{
    return s->dropped;
}

size_t ea_spool_count(const struct ea_spool *s)
{
    return s->n;
}

int ea_spool_get(struct ea_spool *s, size_t i, struct ea_example *ex)
{
    const struct rec *r = &s->r[i];
    ex->id = r->id;
    ex->len = (size_t)r->len;
    if (!s->f) {
        ex->data = (char *)(uintptr_t)r->at;
        return 0;
    }
    if (r->len + 1 > s->bufcap) {
        char *nb = realloc(s->buf, (size_t)r->len + 1);
        if (!nb)
            return -1;
        s->buf = nb;
        s->bufcap = (size_t)r->len + 1;
    }
    if (fflush(s->f) != 0)
        return -1;
    size_t got = 0;
    while (got < r->len) {
        ssize_t k = pread(fileno(s->f), s->buf + got, (size_t)r->len - got, (off_t)(r->at + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    s->buf[r->len] = 0;
    ex->data = s->buf;
    return 0;
}
