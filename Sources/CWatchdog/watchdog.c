// The read watchdog (watchdog.h). C, because what runs in a signal handler must
// be async-signal-safe: messages preformatted when a read of a new file begins,
// then only write(2), unlink(2) and _exit(2).
//
// Progress is counted in reads begun and ended (HDF5IO brackets every libhdf5
// call on an input) and, while a read of elements lasts, in bytes the reading
// thread reads (rchar in /proc/self/task/<its id>/io; the monitor's own reads of
// /proc count in its own thread's): a large healthy dataset read in one call
// keeps reading, a looping libhdf5 does not. The memory bound applies while structure
// is read: the resident size (/proc/self/statm) may grow by `structure_bytes`
// beyond its size when the current read began.
#define _GNU_SOURCE
#include "watchdog.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MESSAGE_CAPACITY = PATH_MAX + 512, MAX_TEMPORARIES = 32 };
enum { CRASH_SEGV, CRASH_BUS, STALL, MEMORY, MESSAGE_KINDS };

static char program_name[128] = "ntk";
static double stall_limit;
static long long structure_limit;

// The file being read and the lines naming it, rewritten (by the reading thread)
// when a read of another file begins; message_length[k] is 0 while they are.
static char current_file[PATH_MAX];
static char messages[MESSAGE_KINDS][MESSAGE_CAPACITY];
static atomic_size_t message_length[MESSAGE_KINDS];

static atomic_int phase = NTK_READ_NONE;
static atomic_ulong progress;
static atomic_int reader;  // the thread id of the outermost read

static char temporaries[MAX_TEMPORARIES][PATH_MAX];
static atomic_int temporary_used[MAX_TEMPORARIES];
static pthread_mutex_t temporaries_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sigaction previous_segv, previous_bus;

static void format_messages(void) {
  char problems[MESSAGE_KINDS][128];
  snprintf(problems[CRASH_SEGV], sizeof problems[0], "libhdf5 crashed reading it (SIGSEGV)");
  snprintf(problems[CRASH_BUS], sizeof problems[0], "libhdf5 crashed reading it (SIGBUS)");
  snprintf(problems[STALL], sizeof problems[0], "reading it made no progress for %g s", stall_limit);
  snprintf(problems[MEMORY], sizeof problems[0], "reading its structure took more than %lld MiB of memory",
           structure_limit >> 20);
  const char *failures[MESSAGE_KINDS] = {"crash", "crash", "loop for ever", "allocate without bound"};
  for (int kind = 0; kind < MESSAGE_KINDS; kind++) {
    atomic_store(&message_length[kind], 0);
    int n = snprintf(messages[kind], MESSAGE_CAPACITY,
                     "%s: error: %s: %s: the file looks damaged (libhdf5 1.10.8 can %s on such files)\n", program_name,
                     current_file, problems[kind], failures[kind]);
    atomic_store(&message_length[kind], n < 0 ? 0 : n < MESSAGE_CAPACITY ? (size_t)n : MESSAGE_CAPACITY - 1);
  }
}

/// Writes the line of `kind`, removes the temporaries and ends the process: async-signal-safe.
static void end_stage(int kind) {
  size_t length = atomic_load(&message_length[kind]);
  if (length > 0) {
    ssize_t ignored = write(STDERR_FILENO, messages[kind], length);
    (void)ignored;
  }
  ntk_remove_temporaries();
  _exit(1);
}

static void on_crash(int signal_number, siginfo_t *info, void *context) {
  (void)context;
  if (atomic_load(&phase) != NTK_READ_NONE) end_stage(signal_number == SIGBUS ? CRASH_BUS : CRASH_SEGV);
  // Not in a read: the previous handler (Swift's backtracer, or the default) takes the fault as before.
  sigaction(signal_number, signal_number == SIGBUS ? &previous_bus : &previous_segv, NULL);
  if (info->si_code <= 0) raise(signal_number);  // sent, not a fault: returning would not repeat it
}

static double seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

/// The first number after `key` in the /proc file `path`; -1 when unreadable.
static long long proc_number(const char *path, const char *key) {
  char text[512];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  const char *at = strstr(text, key);
  return at ? strtoll(at + strlen(key), NULL, 10) : -1;
}

/// The resident size in bytes (statm's second field, in pages).
static long long resident_bytes(void) {
  long long pages = proc_number("/proc/self/statm", " ");
  return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/// The bytes the reading thread has read, from files or pipes (page-cache hits too).
static long long bytes_read(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/io", atomic_load(&reader));
  return proc_number(path, "rchar: ");
}

static void pause_ms(long ms) {
  struct timespec pause = {0, ms * 1000000L};
  nanosleep(&pause, NULL);
}

static void *monitor(void *unused) {
  (void)unused;
  unsigned long seen = 0;
  double last_progress = seconds_now(), last_look = last_progress;
  long long baseline = -1, bytes_seen = -1;
  for (;;) {
    pause_ms(atomic_load(&phase) == NTK_READ_NONE ? 50 : 5);
    double now = seconds_now();
    // Stopped (SIGSTOP, a suspended laptop) or starved for a second: not the read's fault.
    if (now - last_look > 1) last_progress = now;
    last_look = now;
    int current = atomic_load(&phase);
    unsigned long count = atomic_load(&progress);
    if (current == NTK_READ_NONE || count != seen) {
      seen = count;
      last_progress = now;
      baseline = bytes_seen = -1;
      if (current == NTK_READ_NONE) continue;
    }
    if (current == NTK_READ_STRUCTURE) {
      long long resident = resident_bytes();
      if (baseline < 0) baseline = resident;
      else if (resident >= 0 && resident - baseline > structure_limit) end_stage(MEMORY);
    } else if (bytes_seen < 0 && now - last_progress > 0.5) {
      bytes_seen = bytes_read();
    }
    if (now - last_progress > stall_limit) {
      long long bytes = current == NTK_READ_DATA ? bytes_read() : -1;
      if (bytes < 0 || bytes == bytes_seen) end_stage(STALL);
      bytes_seen = bytes;  // the elements are still arriving: a progress
      last_progress = now;
    }
  }
  return NULL;
}

int ntk_watchdog_start(const char *program, double stall_seconds, long long structure_bytes) {
  static atomic_int started;
  if (atomic_exchange(&started, 1)) return 0;
  snprintf(program_name, sizeof program_name, "%s", program);
  stall_limit = stall_seconds;
  structure_limit = structure_bytes;
  // The handlers run on an alternate stack: a damaged file can make libhdf5 recurse until the stack overflows.
  static char alternate_stack[64 << 10];
  stack_t stack = {.ss_sp = alternate_stack, .ss_size = sizeof alternate_stack};
  sigaltstack(&stack, NULL);
  struct sigaction action = {.sa_sigaction = on_crash, .sa_flags = SA_SIGINFO | SA_ONSTACK};
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, &previous_segv);
  sigaction(SIGBUS, &action, &previous_bus);
  pthread_t thread;
  if (pthread_create(&thread, NULL, monitor, NULL) != 0) return -1;
  pthread_setname_np(thread, "ntk-watchdog");
  pthread_detach(thread);
  return 0;
}

int ntk_watchdog_enter(const char *file, int new_phase) {
  if (strncmp(file, current_file, sizeof current_file) != 0) {
    snprintf(current_file, sizeof current_file, "%s", file);
    format_messages();
  }
  int previous = atomic_exchange(&phase, new_phase);
  if (previous == NTK_READ_NONE) atomic_store(&reader, gettid());
  atomic_fetch_add(&progress, 1);
  return previous;
}

void ntk_watchdog_leave(int previous_phase) {
  atomic_fetch_add(&progress, 1);
  atomic_store(&phase, previous_phase);
}

int ntk_register_temporary(const char *path) {
  if (strlen(path) >= PATH_MAX) return -1;
  pthread_mutex_lock(&temporaries_lock);
  int slot = 0;
  while (slot < MAX_TEMPORARIES && atomic_load(&temporary_used[slot])) slot++;
  if (slot < MAX_TEMPORARIES) {
    strcpy(temporaries[slot], path);
    atomic_store(&temporary_used[slot], 1);
  }
  pthread_mutex_unlock(&temporaries_lock);
  return slot < MAX_TEMPORARIES ? 0 : -1;
}

void ntk_unregister_temporary(const char *path) {
  pthread_mutex_lock(&temporaries_lock);
  for (int slot = 0; slot < MAX_TEMPORARIES; slot++) {
    if (atomic_load(&temporary_used[slot]) && strcmp(temporaries[slot], path) == 0) {
      atomic_store(&temporary_used[slot], 0);
      break;
    }
  }
  pthread_mutex_unlock(&temporaries_lock);
}

void ntk_remove_temporaries(void) {
  for (int slot = 0; slot < MAX_TEMPORARIES; slot++) {
    if (atomic_load(&temporary_used[slot])) unlink(temporaries[slot]);
  }
}
