/* dissect-banner.c: being written. */
typedef int ea_placeholder_dissect_banner;
