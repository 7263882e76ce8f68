/* output-flows.c: being written. */
typedef int ea_placeholder_output_flows;
