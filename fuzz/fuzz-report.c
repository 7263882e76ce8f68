/* fuzz-report.c: libFuzzer target for the report reader, merge and diff (reports are untrusted). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "diff.h"
#include "merge.h"
#include "options.h"
#include "report-read.h"

static xmlRelaxNGPtr schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char dir[4096];
    struct ea_options o;
    char err[512];
    (void)argc;
    (void)argv;
    memset(&o, 0, sizeof(o));
    snprintf(dir, sizeof(dir), "%s/reports", fz_srcdir());
    o.datadir = dir;
    schema = ea_report_schema_load(&o, err, sizeof(err));
    if (!schema)
        FZ_FAIL("%s", err);
    return 0;
}

/* A refused report says why in one non-empty line. */
static void check_error(const char *err, size_t errlen)
{
    const char *nul = memchr(err, '\0', errlen);
    if (!nul || nul == err || memchr(err, '\n', (size_t)(nul - err)))
        FZ_FAIL("the error is not one non-empty line");
}

/* A report read: merged with itself (in both orders, the same bytes), compared with itself. */
static void check_report(struct ea_report *r)
{
    struct ea_report *two[2] = { r, r };
    struct ea_rr_node *m = NULL, *d = NULL;
    struct ea_diff_counts c;
    size_t len = 0;
    char err[512];
    (void)ea_merge_check_keys(r, "fuzz", err, sizeof(err));
    int fm = ea_merge_reports(two, 2, 1000, &m);
    if (fm >= 0) {
        char *x = ea_rr_serialise(m, &len);
        char *j = ea_rr_json(m, &len);
        free(x);
        free(j);
    }
    if (ea_diff_reports(r, r, "fuzz", &d, &c) == 0 && (c.added || c.resolved))
        FZ_FAIL("a report compared with itself has %llu new and %llu resolved groups",
                (unsigned long long)c.added, (unsigned long long)c.resolved);
    ea_rr_node_free(m);
    ea_rr_node_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512], path[64];
    if (!schema)
        LLVMFuzzerInitialize(NULL, NULL);
    int fd = fz_memfd("fuzz-report", data, size, path, sizeof(path));
    err[0] = 0;
    struct ea_report *r = ea_report_read(path, schema, err, sizeof(err));
    if (r)
        check_report(r);
    else
        check_error(err, sizeof(err));
    ea_report_free(r);
    close(fd);
    return 0;
}
