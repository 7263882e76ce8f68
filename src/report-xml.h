/* report-xml.h: being written. */
