/* fuzz-accept.c: libFuzzer target for accept files (--accept FILE: XML validated by RELAX NG). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "accept.h"
#include "group.h"

static char schema[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = fz_srcdir();
    (void)argc;
    (void)argv;
    snprintf(schema, sizeof(schema), "%s/rules", dir);
    return 0;
}

/* A refused file says why in one non-empty line that starts with the file's name. */
static void check_refused(const char *err, size_t errlen, const char *path)
{
    const char *nul = memchr(err, '\0', errlen);
    if (!nul || nul == err || memchr(err, '\n', (size_t)(nul - err)))
        FZ_FAIL("the load error is not one non-empty line");
    if (strncmp(err, path, strlen(path)) != 0)
        FZ_FAIL("the load error does not name the file: %s", err);
}

/* What every loaded accept file must hold, whatever its bytes. */
static void check_loaded(const struct ea_accept *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const struct ea_accept_entry *e = &a->e[i];
        if (!e->who || !e->why)
            FZ_FAIL("entry %zu has no who or why", i);
        if (!e->by_key && (!e->responder || !e->reason || !e->rule || e->port > 65535))
            FZ_FAIL("entry %zu matches by fields but lacks one (port %u)", i, e->port);
        if (strlen(e->expires) != 10 || e->expires[4] != '-' || e->expires[7] != '-')
            FZ_FAIL("entry %zu: expiry '%s' is not YYYY-MM-DD", i, e->expires);
        if (e->line < 1)
            FZ_FAIL("entry %zu has no line (%ld)", i, e->line);
        if (e->matched || e->matched_expired)
            FZ_FAIL("entry %zu counts matches before any group was held against it", i);
    }
}

/* Each entry must match a group made of its own fields, before its expiry and not after. */
static void check_matching(struct ea_accept *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const struct ea_accept_entry *e = &a->e[i], *which = NULL;
        struct ea_group g;
        memset(&g, 0, sizeof(g));
        g.key = e->key;
        g.responder = e->by_key ? (char *)"" : e->responder;
        g.reason = e->by_key ? (char *)"" : e->reason;
        g.rules = e->by_key ? (char *)"" : e->rule;
        g.port = e->port;
        enum ea_accept_state before = ea_accept_match(a, &g, e->end_ns - 1, &which);
        if (before != EA_ACCEPT_ACCEPTED || !which)
            FZ_FAIL("entry %zu (line %ld) does not accept its own group before it expires", i, e->line);
        enum ea_accept_state after = ea_accept_match(a, &g, INT64_MAX, &which);
        if (after != EA_ACCEPT_EXPIRED || !which)
            FZ_FAIL("entry %zu (line %ld): its own group is not expired after every expiry", i, e->line);
    }
    const struct ea_accept_entry *stale[8];
    if (ea_accept_unmatched(a, stale, 8) != 0)
        FZ_FAIL("an entry matched its own group yet is listed as stale");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512], path[64];
    struct ea_accept *a = NULL;

    if (!schema[0])
        LLVMFuzzerInitialize(NULL, NULL);
    int fd = fz_memfd("fuzz-accept", data, size, path, sizeof(path));
    err[0] = '\0';
    a = ea_accept_load(path, schema, err, sizeof(err));
    if (!a) {
        check_refused(err, sizeof(err), path);
        goto out;
    }
    check_loaded(a);
    check_matching(a);
out:
    ea_accept_free(a);
    close(fd);
    return 0;
}
