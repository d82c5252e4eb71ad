// The read watchdog of every stage (see watchdog.c): libhdf5 1.10.8 can loop,
// allocate without bound or crash on a damaged file. While a stage reads an
// input through HDF5IO, a monitor thread ends it with one line naming the file
// when the read makes no progress for a set time or, while it reads the file's
// structure, takes more than a set amount of memory; a SIGSEGV or SIGBUS inside
// the read ends it the same way. The registered temporary outputs are removed
// first, so nothing is left behind.
#ifndef NTK_WATCHDOG_H
#define NTK_WATCHDOG_H

/// What a read does: its structure (open, groups, attributes, dataset headers)
/// or a dataset's elements.
enum { NTK_READ_STRUCTURE = 0, NTK_READ_DATA = 1, NTK_READ_NONE = -1 };

/// Starts the watchdog once: `program` prefixes its lines; a read making no
/// progress for `stall_seconds`, or growing the resident memory by more than
/// `structure_bytes` while it reads structure, ends the stage. Installs the
/// SIGSEGV and SIGBUS handlers (on an alternate stack, for this thread).
/// Returns 0, or -1 when the monitor thread cannot start.
int ntk_watchdog_start(const char *program, double stall_seconds, long long structure_bytes);

/// A read of `file` begins; returns the phase it interrupts (NTK_READ_NONE at
/// the outermost read), to give back to ntk_watchdog_leave.
int ntk_watchdog_enter(const char *file, int phase);

/// The read ends (a progress); the interrupted phase resumes.
void ntk_watchdog_leave(int previous_phase);

/// Registers a temporary output, removed if the stage is ended by the watchdog,
/// a crash in a read, or an interruption (ntk_remove_temporaries). Returns 0,
/// or -1 when the path is too long or too many are registered.
int ntk_register_temporary(const char *path);
void ntk_unregister_temporary(const char *path);

/// Unlinks every registered temporary; async-signal-safe.
void ntk_remove_temporaries(void);

#endif
