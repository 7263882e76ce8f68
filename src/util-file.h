/* util-file.h: whole writes and atomic file replacement. */
#ifndef EA_UTIL_FILE_H
#define EA_UTIL_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Writes all of data to an open descriptor, again after EINTR; 0 or -1 with errno set. */
int ea_write_all(int fd, const char *data, size_t len);

/* Writes the bytes of a file into fd: 0, or -1 with errno set. */
typedef int (*ea_fill_fn)(int fd, void *ctx);

/*
 * Writes path atomically with fill(fd, ctx): into a temporary file in the
 * same directory, flushed, mode 0644, then renamed over path (over the file
 * a symbolic link names, not the link). A path that exists and is not a
 * regular file (a FIFO, a terminal, /dev/stdout) is written in place. On
 * error returns -1 with one line "PATH: cause" in err (errlen bytes) and
 * leaves no temporary file behind.
 */
int ea_write_atomic_fn(const char *path, ea_fill_fn fill, void *ctx, char *err, size_t errlen);

/* ea_write_atomic_fn with len bytes of data, which stays the caller's. */
int ea_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);

/*
 * The same atomic replacement for a file written a piece at a time (the
 * JSON lines, as flows finish): ea_atomic_open makes the temporary file
 * beside path (or opens a path that is not a regular file in place) and
 * gives a stream to write to (flushed 64 KB at a time; a terminal by lines); ea_atomic_commit flushes it and renames it
 * into place; ea_atomic_abort removes it. Both free the handle (NULL is a
 * no-op for abort). On error: NULL or -1 with "PATH: cause" in err.
 */
struct ea_atomic;
struct ea_atomic *ea_atomic_open(const char *path, char *err, size_t errlen);
FILE *ea_atomic_file(struct ea_atomic *a);
/* fwrite to a's stream, whose disk writes start every 32 MB (a report of GBs does not wait for
   all of them at ea_atomic_commit's fsync). Returns what fwrite returns. */
size_t ea_atomic_write(struct ea_atomic *a, const void *data, size_t len);
int ea_atomic_commit(struct ea_atomic *a, char *err, size_t errlen);
void ea_atomic_abort(struct ea_atomic *a);

#endif
