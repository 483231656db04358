/* Fault injection for the crash tests: a process dies at a named point, as if killed,
 * so a test can prove that a crash there loses nothing. Honoured only when APP_ENV=test:
 * with SWMRA_FAULT=<point> in the environment, fault_point(<point>) ends the process at
 * once with _exit(137) (the status of a SIGKILL'd shell child), skipping every cleanup
 * and buffered write, as a real crash would. Anywhere else fault_point is one getenv. */
#ifndef SWMRA_FAULT_H
#define SWMRA_FAULT_H

/* Dies here when this is the configured point (see above). */
void fault_point(const char *name);

#endif
