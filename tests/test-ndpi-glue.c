/* test-ndpi-glue.c: the closed label vocabulary built on nDPI's results (issue 15, part 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "ndpi-glue.h"

/* nDPI 4.2 protocol ids (ndpi_protocol_ids.h), written out: only ndpi-glue.c includes nDPI. */
enum { ND_UNKNOWN = 0, ND_DNS = 5, ND_HTTP = 7, ND_DTLS = 30, ND_STUN = 78, ND_TLS = 91,
       ND_SIP = 100, ND_DROPBOX = 121, ND_ZOOM = 189, ND_SINA = 200, ND_TEAMS = 250 };

static const char *srcdir(void)
{
    const char *d = getenv("EA_SRCDIR");
    return (d && *d) ? d : "..";
}

/* The words between the vocabulary markers of doc/edgeaudit.1, "\-" read as "-"; NULL if unreadable. */
static char *man_vocabulary(void)
{
    char path[2048], line[512];
    snprintf(path, sizeof(path), "%s/doc/edgeaudit.1", srcdir());
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    size_t cap = 16384, len = 1;
    char *v = calloc(1, cap);
    int in = 0;
    while (v && fgets(line, sizeof(line), fp)) {
        if (strstr(line, "vocabulary-begin")) {
            in = 1;
            continue;
        }
        if (strstr(line, "vocabulary-end"))
            break;
        if (!in)
            continue;
        v[len - 1] = ' ';
        for (const char *p = line; *p && len + 2 < cap; p++) {
            if (p[0] == '\\' && p[1] == '-')
                continue;
            v[len++] = (*p == ',' || *p == '\n') ? ' ' : *p;
        }
        v[len++] = ' ';
        v[len] = 0;
    }
    fclose(fp);
    return v;
}

static int listed(const char *vocab, const char *word)
{
    char w[80];
    snprintf(w, sizeof(w), " %s ", word);
    return strstr(vocab, w) != NULL;
}

/* Every nDPI protocol has one lower-case word, and the man page lists each. */
static void test_every_ndpi_protocol_listed(void)
{
    struct ea_ndpi *n = ea_ndpi_new();
    char *vocab = man_vocabulary();
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_PTR_NOT_NULL(vocab);
    unsigned k = ea_ndpi_protocols(n);
    CU_ASSERT(k > 200);
    unsigned missing = 0;
    for (unsigned id = 0; vocab && id < k; id++) {
        char buf[64];
        const char *w = ea_ndpi_label(n, 0, (uint16_t)id, buf, sizeof(buf));
        for (const char *p = w; *p; p++)
            CU_ASSERT((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
        CU_ASSERT(w[0] != '-' && w[strlen(w) - 1] != '-');
        if (!listed(vocab, w)) {
            fprintf(stderr, "label '%s' (nDPI id %u) not in doc/edgeaudit.1\n", w, id);
            missing++;
        }
        /* The same id as a sub-protocol of STUN is stun, whatever it is. */
        CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_STUN, (uint16_t)id, buf, sizeof(buf)), "stun");
    }
    CU_ASSERT_EQUAL(missing, 0);
    for (int a = 0; vocab && a < EA_APP__COUNT; a++)
        if (a != EA_APP_NDPI)
            CU_ASSERT(listed(vocab, ea_app_name((enum ea_app)a)));
    free(vocab);
    ea_ndpi_free(n);
}

/* The master protocol is the label; the service nDPI named goes to its own attribute. */
static void test_master_wins(void)
{
    struct ea_ndpi *n = ea_ndpi_new();
    char b[64], s[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_STUN, ND_ZOOM), EA_APP_STUN);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_DNS, ND_DROPBOX), EA_APP_DNS);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_TLS, ND_TEAMS), EA_APP_TLS);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_SIP, ND_HTTP), EA_APP_SIP);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_UNKNOWN, ND_DNS), EA_APP_DNS);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_UNKNOWN, ND_DROPBOX), EA_APP_NDPI);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_DTLS, ND_ZOOM), EA_APP_NDPI);
    CU_ASSERT_EQUAL(ea_ndpi_app(ND_UNKNOWN, ND_UNKNOWN), EA_APP_UNKNOWN);
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_STUN, ND_ZOOM, b, sizeof(b)), "stun");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_STUN, ND_ZOOM, s, sizeof(s)), "Zoom");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_DNS, ND_DROPBOX, b, sizeof(b)), "dns");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_DNS, ND_DROPBOX, s, sizeof(s)), "Dropbox");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_DTLS, ND_ZOOM, b, sizeof(b)), "dtls");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_DROPBOX, b, sizeof(b)), "dropbox");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_UNKNOWN, ND_DROPBOX, s, sizeof(s)), "");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(n, ND_TLS, ND_TLS, s, sizeof(s)), "");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, sizeof(b)), "sina-weibo");
    /* Cut to the buffer, still a word; a one-byte buffer gives "unknown", never "". */
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, 5), "sina");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, 6), "sina");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(n, ND_UNKNOWN, ND_SINA, b, 1), "unknown");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_label(NULL, ND_STUN, ND_ZOOM, b, sizeof(b)), "stun");
    CU_ASSERT_STRING_EQUAL(ea_ndpi_service(NULL, ND_STUN, ND_ZOOM, s, sizeof(s)), "");
    ea_ndpi_free(n);
}

void ea_test_add_ndpi_glue(void)
{
    EA_SUITE("ndpi-glue",
             { "every nDPI protocol has a listed word", test_every_ndpi_protocol_listed },
             { "the master protocol is the label", test_master_wins });
}
