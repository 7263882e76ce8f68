/* report-xml.c: being written. */
typedef int ea_placeholder_report_xml;
