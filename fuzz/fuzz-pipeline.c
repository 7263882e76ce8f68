/* fuzz-pipeline.c: libFuzzer target for the whole run: capture bytes -> pipeline -> XML report that must re-parse. */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>
#include <libxml/parser.h>
#include "fuzz.h"
#include "pipeline.h"
#include "report-xml.h"
#include "report-stream.h"
#include "runmode-files.h"

static struct ea_ruleset *rs;
/* One pipeline for every input, reset in between: making nDPI's detection module
   anew for each input cost about 30 ms, which held the target to a few inputs a second.
   It is reset at the end of each input, not the start of the next, so that an input frees
   what it allocated: libFuzzer runs an input again, and looks for leaks, whenever it
   allocated more than it freed. dirty: the last reset failed (out of memory). */
static struct ea_pipeline *pl;
static int dirty;
/* The capture file the real file path (source-pcap.c) reads, rewritten for each input. */
static int capfd = -1;
static char cappath[64];

/* The addresses of the project's test captures, as --role would give them. */
static const char *const roles[] = {
    "edge-access=192.0.2.10,2001:db8:e::10",
    "edge-internal=198.51.100.10",
    "front-end=198.51.100.20",
    "federated-partner=203.0.113.20",
    "public-im-partner=203.0.113.30",
    "client=203.0.113.40,10.0.0.0/8,192.168.0.0/16",
};

/* Once: the default rules with roles, as a real run has them. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[1024];
    const char *dir = fz_srcdir();
    char path[4096], schema[4096];
    (void)argc;
    (void)argv;
    snprintf(schema, sizeof(schema), "%s/rules", dir);
    snprintf(path, sizeof(path), "%s/rules/lync2013-edge.xml", dir);
    rs = ea_ruleset_new();
    if (!rs || ea_ruleset_load_rules(rs, path, schema, err, sizeof(err)) != 0)
        FZ_FAIL("cannot load the default rules: %s (set EA_SRCDIR)", rs ? err : "out of memory");
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (ea_ruleset_add_role_arg(rs, roles[i], err, sizeof(err)) != 0)
            FZ_FAIL("%s: %s", roles[i], err);
    /* A small flow cap and short timeouts so eviction and expiry run too. */
    struct ea_flow_limits lim;
    ea_flow_limits_default(&lim);
    lim.max_flows = 16;
    lim.udp_idle_ns = 30ULL * 1000000000ULL;
    pl = ea_pipeline_new(&lim, rs);
    if (!pl)
        FZ_FAIL("cannot make the pipeline (out of memory or nDPI failed)");
    capfd = memfd_create("fuzz-capture", MFD_CLOEXEC);
    if (capfd < 0)
        FZ_FAIL("memfd_create failed");
    snprintf(cappath, sizeof(cappath), "/proc/self/fd/%d", capfd);
    return 0;
}

/* The input becomes the whole content of the capture file. */
static void write_capture(const uint8_t *data, size_t size)
{
    if (ftruncate(capfd, 0) != 0)
        FZ_FAIL("ftruncate of the memfd failed");
    for (size_t off = 0; off < size;) {
        ssize_t n = pwrite(capfd, data + off, size - off, (off_t)off);
        if (n <= 0)
            FZ_FAIL("write to the memfd failed");
        off += (size_t)n;
    }
}

static void quiet(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* The report must be well-formed XML: a SAX parse with no handlers checks that without
   building a tree (the parser itself finds every well-formedness error). */
static void check_well_formed(const char *xml, size_t len)
{
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.serror = quiet;
    if (len > INT_MAX)
        FZ_FAIL("the report is over 2 GB (%zu bytes)", len);
    if (xmlSAXUserParseMemory(&sax, NULL, xml, (int)len) != 0) {
        const xmlError *e = xmlGetLastError();
        FZ_FAIL("the report is not well-formed XML: line %d: %s", e ? e->line : 0,
                e && e->message ? e->message : "?");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    char *xml = NULL;
    struct ea_stream *st = NULL;

    if (!rs)
        LLVMFuzzerInitialize(NULL, NULL);
    if (dirty) {
        if (ea_pipeline_reset(pl) != 0)
            return 0;
        dirty = 0;
    }
    /* The input is a capture file; the real file path, source-pcap.c included, reads it. */
    write_capture(data, size);
    /* Every flow passes through the report stream (groups, examples: serialized as they end). */
    struct ea_stream_opts so = { NULL, 3, 0, 0, 0 };
    st = ea_stream_new(&so, rs);
    if (!st)
        goto out;
    ea_stream_attach(st, pl);
    const char *files[1] = { cappath };
    struct ea_input in = { files, 1, NULL, 1, 0 };
    if (ea_run_files(pl, &in, err, sizeof(err)) != 0) {
        if (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n'))
            FZ_FAIL("the input error is not one line");
        ea_pipeline_set_error(pl, err);
    }
    ea_pipeline_finish(pl);

    struct ea_report_meta meta = { 1, NULL };
    struct ea_view v;
    size_t len = 0;
    ea_pipeline_view(pl, &v);
    if (ea_stream_view(st, &v, 0, 0) != 0)
        goto out;
    xml = ea_report_xml_build(&v, &meta, &len);
    if (!xml)
        FZ_FAIL("ea_report_xml_build returned NULL");
    if (strlen(xml) != len)
        FZ_FAIL("the report has a NUL inside (%zu of %zu bytes)", strlen(xml), len);
    check_well_formed(xml, len);
out:
    ea_pipeline_on_finished(pl, NULL, NULL);
    ea_stream_free(st);
    free(xml);
    dirty = ea_pipeline_reset(pl) != 0;
    return 0;
}
