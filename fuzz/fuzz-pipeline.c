/* fuzz-pipeline.c: libFuzzer target for the whole run: capture bytes -> pipeline -> XML report that must re-parse. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include <libxml/parser.h>
#include "fuzz.h"
#include "pipeline.h"
#include "report-xml.h"
#include "runmode-files.h"

#ifndef EA_SRCDIR
#define EA_SRCDIR "."
#endif

static struct ea_ruleset *rs;
/* One pipeline for every input, reset in between: making nDPI's detection module
   anew for each input cost about 30 ms, which held the target to a few inputs a second. */
static struct ea_pipeline *pl;

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
    const char *dir = getenv("EA_SRCDIR");
    char path[4096], schema[4096];
    (void)argc;
    (void)argv;
    if (!dir || !*dir)
        dir = EA_SRCDIR;
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
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024], path[64];
    char *xml = NULL;
    int fd;

    if (!rs)
        LLVMFuzzerInitialize(NULL, NULL);
    /* The input is a capture file; the real file path, source-pcap.c included, reads it. */
    fd = memfd_create("fuzz-capture", 0);
    if (fd < 0)
        FZ_FAIL("memfd_create failed");
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            FZ_FAIL("write to the memfd failed");
        off += (size_t)n;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    if (ea_pipeline_reset(pl) != 0)
        goto out;
    const char *files[1] = { path };
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
    xml = ea_report_xml_build(&v, &meta, &len);
    if (!xml)
        FZ_FAIL("ea_report_xml_build returned NULL");
    if (strlen(xml) != len)
        FZ_FAIL("the report has a NUL inside (%zu of %zu bytes)", strlen(xml), len);
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "report.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        FZ_FAIL("the report is not well-formed XML: line %d: %s", e ? e->line : 0,
                e && e->message ? e->message : "?");
    }
    xmlFreeDoc(doc);
out:
    free(xml);
    close(fd);
    return 0;
}
