/* util-str.c: being written. */
typedef int ea_placeholder_util_str;
