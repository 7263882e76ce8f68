/* fuzz-str.c: libFuzzer target for ea_str_sanitize and ea_str_append: clean UTF-8 that libxml2 takes as attribute text. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include "fuzz.h"
#include "util-str.h"

/* Writes s as an attribute value with xmlTextWriter, parses it back and compares. */
static void check_xml_attr(const char *s)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    if (!w)
        goto out;
    if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "a") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "v", BAD_CAST s) < 0 ||
        xmlTextWriterWriteString(w, BAD_CAST s) < 0 ||
        xmlTextWriterEndDocument(w) < 0)
        FZ_FAIL("xmlTextWriter refused a sanitised string");
    xmlFreeTextWriter(w);
    w = NULL;
    xmlDocPtr doc = xmlReadMemory((const char *)xmlBufferContent(buf), xmlBufferLength(buf), "s.xml",
                                  NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        FZ_FAIL("libxml2 does not accept a sanitised string as attribute text");
    xmlChar *v = xmlGetProp(xmlDocGetRootElement(doc), BAD_CAST "v");
    if (!v || strcmp((const char *)v, s) != 0)
        FZ_FAIL("the attribute does not read back as written");
    xmlFree(v);
    xmlFreeDoc(doc);
out:
    if (w)
        xmlFreeTextWriter(w);
    if (buf)
        xmlBufferFree(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* data[0]: the cap (0..255); data[1]: where the second string of the append test starts. */
    size_t cap = data[0];
    size_t split = data[1];
    const uint8_t *src = data + 2;
    size_t n = size - 2;
    /* Exactly cap + 1 bytes, so that AddressSanitizer sees one byte too many. */
    char *dst = malloc(cap + 1);
    if (!dst)
        return 0;
    int cut = ea_str_sanitize(dst, cap, src, n);
    size_t olen = strlen(dst);
    if (olen > cap)
        FZ_FAIL("output of %zu bytes over the cap %zu", olen, cap);
    if (!fz_clean_utf8((const uint8_t *)dst, olen))
        FZ_FAIL("output is not clean UTF-8");
    if (cut != 0 && cut != 1)
        FZ_FAIL("returned %d", cut);
    /* Clean input that fits is copied unchanged, and not flagged. */
    if (n <= cap && fz_clean_utf8(src, n) && !memchr(src, 0, n)) {
        if (cut || olen != n || memcmp(dst, src, n) != 0)
            FZ_FAIL("clean input that fits was changed or flagged");
    }
    /* Uncut output needs at least as many bytes as there were input characters. */
    if (!cut && n && !olen)
        FZ_FAIL("non-empty input gave empty output without being flagged");
    /* Sanitising is idempotent. */
    char *again = malloc(cap + 1);
    if (again) {
        if (ea_str_sanitize(again, cap, (const uint8_t *)dst, olen) != 0 || strcmp(again, dst) != 0)
            FZ_FAIL("sanitising the output again changed it");
        free(again);
    }
    check_xml_attr(dst);

    /* ea_str_append of two clean strings never overflows nor cuts a character. */
    char a[EA_STR_CAP + 1], b[EA_STR_CAP + 1];
    size_t k = split < n ? split : n;
    ea_str_sanitize(a, EA_STR_CAP, src, k);
    ea_str_sanitize(b, EA_STR_CAP, src + k, n - k);
    size_t size2 = cap ? cap : 1;
    char *out = malloc(size2);
    if (out) {
        size_t al = strlen(a) < size2 - 1 ? strlen(a) : size2 - 1;
        /* Start from a prefix of a that ends on a character boundary. */
        while (al > 0 && ((unsigned char)a[al] & 0xC0) == 0x80)
            al--;
        memcpy(out, a, al);
        out[al] = 0;
        ea_str_append(out, size2, b);
        if (!memchr(out, 0, size2))
            FZ_FAIL("ea_str_append left no NUL");
        if (!fz_clean_utf8((const uint8_t *)out, strlen(out)))
            FZ_FAIL("ea_str_append cut a character in half");
        if (strncmp(out, a, al) != 0)
            FZ_FAIL("ea_str_append changed the existing text");
        free(out);
    }
    ea_bytes_prefix_ci(src, n, "sip/2.0");
    ea_bytes_prefix_ci(src, n, "");
    free(dst);
    return 0;
}
