/* runmode-files.h: offline runs: capture files (or standard input) through one pipeline. */
#ifndef EA_RUNMODE_FILES_H
#define EA_RUNMODE_FILES_H

#include <stddef.h>
#include "pipeline.h"

/* The inputs of one offline run. */
struct ea_input {
    const char *const *files;   /* capture files in order; "-" is standard input */
    size_t nfiles;
    const char *bpf;            /* filter for every file, or NULL */
    unsigned threads;           /* 1: this thread; 2 to EA_MAX_THREADS: worker threads (workers.c) */
    int progress;               /* progress lines on stderr */
};

/*
 * Reads every packet of the input's files in order through the pipeline,
 * in this thread or, with in->threads of 2 or more, in worker threads that
 * hand their flows back at the end (workers.h). The one loop over input
 * files. Stops at the first error, with its one line in err, and returns
 * -1 (what was read is kept); returns 0 when all inputs were read.
 */
int ea_run_files(struct ea_pipeline *pl, const struct ea_input *in, char *err, size_t errlen);

#endif
