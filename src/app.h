/* app.h: one whole edgeaudit run, from the command line to the exit code. */
#ifndef EA_APP_H
#define EA_APP_H

/* Runs edgeaudit; returns the exit code (EA_EXIT_*). */
int ea_app_main(int argc, char **argv);

#endif
