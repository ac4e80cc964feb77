/* The process killed at the Nth system call of a set, as `kill -9` or a power cut would
 * leave it: an LD_PRELOAD shim for the syscall fault matrix (tests/it/syscall_kills.rs).
 *
 *   KILLAT_SET=rename,fsync,...   which calls count (the names below)
 *   KILLAT_N=17                   the call, counted over all threads, that never happens
 *   KILLAT_REPORT=/path           where a process that was not stopped writes how many
 *                                 calls of the set it made
 *
 * The counter is one for the whole process, so every call of the set is reached by some N
 * whichever thread makes it (strace's `inject=...:when=N` counts per thread and per call,
 * so a call of the publishing thread whose number another thread reached first is never
 * hit). The process ends before the call: an ending right after call N is the ending
 * before call N + 1. An `open` counts only when it may create or write.
 *
 * Calls made by raw system calls rather than through the C library are not seen: in this
 * program only tempfile's (rustix) renames of the snapshot store's objects, which the
 * failpoint matrix covers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long target = -1;
static atomic_long calls;
static char set[2048];

__attribute__((constructor)) static void killat_init(void) {
    const char *n = getenv("KILLAT_N");
    const char *s = getenv("KILLAT_SET");
    if (n && s) {
        target = atol(n);
        snprintf(set, sizeof set, ",%s,", s);
    }
}

__attribute__((destructor)) static void killat_report(void) {
    const char *report = getenv("KILLAT_REPORT");
    if (target < 0 || !report) return;
    FILE *f = fopen(report, "w");
    if (!f) return;
    fprintf(f, "%ld\n", atomic_load(&calls));
    fclose(f);
}

static void reached(const char *name) {
    if (target < 0) return;
    char key[64];
    snprintf(key, sizeof key, ",%s,", name);
    if (!strstr(set, key)) return;
    if (atomic_fetch_add(&calls, 1) + 1 == target) {
        syscall(SYS_kill, getpid(), SIGKILL);
        for (;;) pause();
    }
}

#define REAL(name) \
    static __typeof__(name) *real_##name; \
    if (!real_##name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

#define WRAP2(ret, name, t1, t2) \
    ret name(t1 a, t2 b) { reached(#name); REAL(name); return real_##name(a, b); }
#define WRAP3(ret, name, t1, t2, t3) \
    ret name(t1 a, t2 b, t3 c) { reached(#name); REAL(name); return real_##name(a, b, c); }
#define WRAP4(ret, name, t1, t2, t3, t4) \
    ret name(t1 a, t2 b, t3 c, t4 d) { reached(#name); REAL(name); return real_##name(a, b, c, d); }
#define WRAP5(ret, name, t1, t2, t3, t4, t5) \
    ret name(t1 a, t2 b, t3 c, t4 d, t5 e) { reached(#name); REAL(name); return real_##name(a, b, c, d, e); }
#define WRAP1(ret, name, t1) \
    ret name(t1 a) { reached(#name); REAL(name); return real_##name(a); }

WRAP2(int, rename, const char *, const char *)
WRAP4(int, renameat, int, const char *, int, const char *)
WRAP5(int, renameat2, int, const char *, int, const char *, unsigned int)
WRAP2(int, link, const char *, const char *)
WRAP5(int, linkat, int, const char *, int, const char *, int)
WRAP2(int, symlink, const char *, const char *)
WRAP3(int, symlinkat, const char *, int, const char *)
WRAP1(int, unlink, const char *)
WRAP3(int, unlinkat, int, const char *, int)
WRAP2(int, mkdir, const char *, mode_t)
WRAP3(int, mkdirat, int, const char *, mode_t)
WRAP1(int, rmdir, const char *)
WRAP1(int, fsync, int)
WRAP1(int, fdatasync, int)
WRAP2(int, ftruncate, int, off_t)
WRAP2(int, ftruncate64, int, off64_t)
WRAP3(int, connect, int, const struct sockaddr *, socklen_t)
WRAP3(ssize_t, write, int, const void *, size_t)
WRAP3(ssize_t, writev, int, const struct iovec *, int)
WRAP4(ssize_t, pwrite, int, const void *, size_t, off_t)
WRAP4(ssize_t, pwrite64, int, const void *, size_t, off64_t)
WRAP4(ssize_t, send, int, const void *, size_t, int)
WRAP3(ssize_t, sendmsg, int, const struct msghdr *, int)

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen) {
    reached("sendto");
    REAL(sendto);
    return real_sendto(fd, buf, len, flags, to, tolen);
}

static int writes(int flags) {
    return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

static mode_t mode_of(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define WRAP_OPEN(name) \
    int name(const char *path, int flags, ...) { \
        va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap); \
        if (writes(flags)) reached("open"); \
        REAL(name); return real_##name(path, flags, mode); \
    }
#define WRAP_OPENAT(name) \
    int name(int dir, const char *path, int flags, ...) { \
        va_list ap; va_start(ap, flags); mode_t mode = mode_of(flags, ap); va_end(ap); \
        if (writes(flags)) reached("open"); \
        REAL(name); return real_##name(dir, path, flags, mode); \
    }

WRAP_OPEN(open)
WRAP_OPEN(open64)
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)
