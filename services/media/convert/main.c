/* pb-media-convert: decodes one untrusted upload and writes its two JPEGs, in a process of
 * its own that pb-media starts per upload (services/media/image.c; the exchange is in
 * wire.h). Before it reads a byte of the upload it closes every descriptor but its stdin,
 * stdout and stderr, limits its address space and CPU time (setrlimit, soft = hard), and
 * installs a seccomp filter: no socket can be made, no program run and no process started
 * (threads only), no file opened or changed by name, no other process signalled or traced, no
 * limit raised. A decoder fault
 * then ends this process and its one upload, and has nothing to reach: pb-media's
 * environment, connections and secrets were never here. */
#include "pipeline.h"
#include "rules.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

/* Sanitizer runtimes reserve terabytes of address space, open their report files, trace
 * their own threads (LeakSanitizer) and run a symbolizer: under them the address-space limit
 * and the filter's rules on opening files, tracing and running programs are left out. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define PB_SANITIZED 1
#endif
#endif
#ifndef PB_SANITIZED
#define PB_SANITIZED 0
#endif

#if defined(__x86_64__)
#define PB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

struct opts {
    struct media_limits lim;
    unsigned long mem_mb; /* address space (0: unlimited) */
    unsigned long cpu_s;  /* CPU seconds (0: unlimited) */
    int check;            /* --check: convert an image made here, print one line */
};

static int usage(void)
{
    fprintf(stderr, "usage: pb-media-convert --min-side N --max-side N --max-pixels N --mem-mb N --cpu-s N [--check]\n"
                    "(run by pb-media: the upload on stdin, the reply of services/media/convert/wire.h on stdout)\n");
    return CONVERT_EXIT_CANNOT_START;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    unsigned long min_side = 0, max_side = 0, max_pixels = 0;
    int seen = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = 0;
        if (strcmp(a, "--check") == 0) {
            o->check = 1;
            continue;
        } else if (strcmp(a, "--min-side") == 0) {
            rc = parse_ulong(v, 1000000, &min_side);
            seen |= 1;
        } else if (strcmp(a, "--max-side") == 0) {
            rc = parse_ulong(v, 1000000, &max_side);
            seen |= 2;
        } else if (strcmp(a, "--max-pixels") == 0) {
            rc = parse_ulong(v, 1000000000000UL, &max_pixels);
            seen |= 4;
        } else if (strcmp(a, "--mem-mb") == 0) {
            rc = parse_ulong(v, 1UL << 20, &o->mem_mb);
            seen |= 8;
        } else if (strcmp(a, "--cpu-s") == 0) {
            rc = parse_ulong(v, 86400, &o->cpu_s);
            seen |= 16;
        } else {
            return -1;
        }
        if (rc)
            return -1;
        i++;
    }
    if (seen != 31 || min_side == 0 || max_side < min_side || max_pixels == 0)
        return -1;
    o->lim.min_side = (unsigned)min_side;
    o->lim.max_side = (unsigned)max_side;
    o->lim.max_pixels = max_pixels;
    return 0;
}

/* Every descriptor but 0, 1 and 2 (pb-media's spawn closes them already; this holds
 * whoever starts the converter). */
static void close_others(void)
{
    if (close_range(3, ~0U, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 ? max : 1024); fd++)
        close((int)fd);
}

static int set_limit(int resource, rlim_t v)
{
    struct rlimit r = {v, v};
    return setrlimit(resource, &r);
}

/* The resource limits, soft = hard (the filter below also stops them being raised again). */
static int apply_limits(const struct opts *o, char *why, size_t cap)
{
    /* every thread shares one malloc arena: no 64 MB reservation per thread in the address
     * space (and a decoder spends its time decoding, not contending for malloc) */
    mallopt(M_ARENA_MAX, 1);
    if (!PB_SANITIZED && o->mem_mb && set_limit(RLIMIT_AS, (rlim_t)o->mem_mb << 20)) {
        snprintf(why, cap, "RLIMIT_AS: %s", strerror(errno));
        return -1;
    }
    /* the soft limit sends SIGXCPU, which ends the process; the hard one would SIGKILL it a
     * second later, so both are the same number */
    if (o->cpu_s && set_limit(RLIMIT_CPU, (rlim_t)o->cpu_s)) {
        snprintf(why, cap, "RLIMIT_CPU: %s", strerror(errno));
        return -1;
    }
    /* no core files (they would hold the upload), few descriptors */
    if (set_limit(RLIMIT_CORE, 0) || set_limit(RLIMIT_NOFILE, 64)) {
        snprintf(why, cap, "resource limits: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---------- the seccomp filter ---------- */

#define FILTER_MAX 160

struct filter {
    struct sock_filter ins[FILTER_MAX];
    unsigned n;
};

static void emit(struct filter *f, struct sock_filter ins)
{
    if (f->n < FILTER_MAX)
        f->ins[f->n] = ins;
    f->n++; /* counted past the end too: install() refuses an overflowing program */
}

static const struct sock_filter RET_ALLOW = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
static const struct sock_filter RET_EPERM = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
static const struct sock_filter RET_ENOSYS = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
static const struct sock_filter LOAD_NR = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));

/* Deny system call nr with EPERM (the caller sees an ordinary failure). */
static void deny(struct filter *f, long nr)
{
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, 0, 1));
    emit(f, RET_EPERM);
}

/* Allow system call nr only when its first argument is this process (kill, tgkill: abort()
 * and raise() signal themselves; nothing else may be signalled). */
static void only_self(struct filter *f, long nr, __u32 pid)
{
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)nr, 0, 4));
    emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, pid, 0, 1));
    emit(f, RET_ALLOW);
    emit(f, RET_EPERM);
}

/* Allow clone only for a thread (CLONE_THREAD in its flags): a new process would outlive the
 * upload. clone3's flags are in memory a filter cannot read: it answers ENOSYS, and glibc
 * creates its threads with clone instead. */
static void threads_only(struct filter *f)
{
#ifdef __NR_clone3
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)__NR_clone3, 0, 1));
    emit(f, RET_ENOSYS);
#endif
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)__NR_clone, 0, 4));
    emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
    emit(f, RET_ALLOW);
    emit(f, RET_EPERM);
#ifdef __NR_fork
    deny(f, __NR_fork);
    deny(f, __NR_vfork);
#endif
}

#ifdef PB_AUDIT_ARCH
static void build_filter(struct filter *f)
{
    /* another architecture's calling convention (x86's 32-bit entry, x32) is killed */
    emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PB_AUDIT_ARCH, 1, 0));
    emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    emit(f, LOAD_NR);
#ifdef __x86_64__
    emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1));
    emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
    /* the network */
    deny(f, __NR_socket);
    deny(f, __NR_socketpair);
    /* other processes, and the limits */
    deny(f, __NR_process_vm_readv);
    deny(f, __NR_process_vm_writev);
    deny(f, __NR_tkill);
    deny(f, __NR_kcmp);
    deny(f, __NR_setsid); /* the converter's process group is what pb-media kills at the end */
    deny(f, __NR_setpgid);
    deny(f, __NR_prlimit64);
#ifdef __NR_setrlimit
    deny(f, __NR_setrlimit);
#endif
#ifdef __NR_pidfd_open
    deny(f, __NR_pidfd_open);
#endif
#ifdef __NR_pidfd_send_signal
    deny(f, __NR_pidfd_send_signal);
#endif
#ifdef __NR_pidfd_getfd
    deny(f, __NR_pidfd_getfd);
#endif
    /* files changed by name */
    static const long changes[] = {
#ifdef __NR_unlink
        __NR_unlink, __NR_rename, __NR_link, __NR_symlink, __NR_mkdir, __NR_rmdir, __NR_mknod, __NR_chmod, __NR_chown,
        __NR_lchown, __NR_utimes, __NR_utime, __NR_futimesat,
#endif
        __NR_unlinkat, __NR_renameat, __NR_linkat, __NR_symlinkat, __NR_mkdirat, __NR_mknodat, __NR_fchmodat,
        __NR_fchownat, __NR_truncate, __NR_utimensat, __NR_setxattr, __NR_lsetxattr, __NR_removexattr,
        __NR_lremovexattr,
#ifdef __NR_renameat2
        __NR_renameat2,
#endif
        /* kernel facilities a decoder never needs (io_uring would bypass the rules above) */
        __NR_io_uring_setup, __NR_bpf, __NR_perf_event_open, __NR_userfaultfd, __NR_keyctl, __NR_add_key,
        __NR_request_key, __NR_mount, __NR_umount2, __NR_unshare, __NR_setns, __NR_chroot, __NR_pivot_root,
        __NR_name_to_handle_at, __NR_open_by_handle_at,
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        deny(f, changes[i]);
    if (!PB_SANITIZED) {
        /* no program, no other process (LeakSanitizer clones one), no tracing, no file opened
         * by name: everything the decoder needs was loaded before this point */
        threads_only(f);
        deny(f, __NR_execve);
        deny(f, __NR_execveat);
        deny(f, __NR_ptrace);
        deny(f, __NR_openat);
#ifdef __NR_open
        deny(f, __NR_open);
        deny(f, __NR_creat);
#endif
#ifdef __NR_openat2
        deny(f, __NR_openat2);
#endif
    }
    __u32 self = (__u32)getpid();
    only_self(f, __NR_kill, self);
    only_self(f, __NR_tgkill, self);
    emit(f, RET_ALLOW);
}
#endif

/* Install the filter; "seccomp" or why not into state (cap bytes). -1 when the kernel refused
 * one it supports. */
static int sandbox(char *state, size_t cap)
{
#ifdef PB_AUDIT_ARCH
    static struct filter f;
    build_filter(&f);
    if (f.n > FILTER_MAX) {
        snprintf(state, cap, "filter too long (%u)", f.n);
        return -1;
    }
    struct sock_fprog prog = {.len = (unsigned short)f.n, .filter = f.ins};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(state, cap, "no_new_privs: %s", strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
        /* a kernel built without seccomp: the limits still hold */
        if (errno == EINVAL || errno == ENOSYS) {
            snprintf(state, cap, "off (the kernel has no seccomp filters)");
            return 0;
        }
        snprintf(state, cap, "seccomp: %s", strerror(errno));
        return -1;
    }
    snprintf(state, cap, PB_SANITIZED ? "seccomp (sanitizer build: files may be opened)" : "seccomp");
    return 0;
#else
    snprintf(state, cap, "off (no filter for this architecture)");
    return 0;
#endif
}

/* ---------- input and output ---------- */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* All of stdin into *buf (malloc'd), at most CONVERT_MAX_INPUT bytes. */
static int read_input(unsigned char **buf, size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    unsigned char *b = malloc(cap);
    if (!b)
        return -1;
    for (;;) {
        if (n == cap) {
            if (cap >= CONVERT_MAX_INPUT)
                goto fail;
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb)
                goto fail;
            b = nb;
            cap *= 2;
        }
        ssize_t r = read(0, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto fail;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *buf = b;
    *len = n;
    return 0;
fail:
    free(b);
    return -1;
}

static int reply(const struct convert_reply *rep, const struct pipeline_out *out)
{
    if (write_all(1, rep, sizeof *rep))
        return -1;
    if (rep->result == CONVERT_OK && (write_all(1, out->full, out->full_len) || write_all(1, out->thumb, out->thumb_len)))
        return -1;
    return 0;
}

static enum convert_result convert(const unsigned char *buf, size_t len, const struct media_limits *lim,
                                   struct convert_reply *rep, struct pipeline_out *out)
{
    enum media_format fmt = media_sniff(buf, len);
    if (fmt == MEDIA_FORMAT_NONE) { /* pb-media sniffs first: only a caller that did not */
        snprintf(rep->why, sizeof rep->why, "the content is not a JPEG, PNG or WebP image");
        return CONVERT_UNDECODABLE;
    }
    enum convert_result res =
        pipeline_process(fmt, buf, len, lim, out, rep->why, sizeof rep->why, rep->detail, sizeof rep->detail);
    if (res == CONVERT_OK && (out->full_len > CONVERT_MAX_JPEG || out->thumb_len > CONVERT_MAX_JPEG)) {
        pipeline_out_free(out);
        snprintf(rep->why, sizeof rep->why, "the image could not be processed");
        snprintf(rep->detail, sizeof rep->detail, "a JPEG of more than %u bytes", CONVERT_MAX_JPEG);
        res = CONVERT_FAILED;
    }
    if (res == CONVERT_OK) {
        rep->src_width = out->src_width;
        rep->src_height = out->src_height;
        rep->width = out->width;
        rep->height = out->height;
        rep->thumb_width = out->thumb_width;
        rep->thumb_height = out->thumb_height;
        rep->full_len = out->full_len;
        rep->thumb_len = out->thumb_len;
    }
    return res;
}

/* When the filter is installed: what it must refuse is refused (NULL), or what was not. */
static const char *filter_holds(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 || errno != EPERM) {
        if (fd >= 0)
            close(fd);
        return "a socket could be made";
    }
    if (PB_SANITIZED)
        return NULL;
    if ((fd = open("/dev/null", O_RDONLY)) >= 0 || errno != EPERM) {
        if (fd >= 0)
            close(fd);
        return "a file could be opened";
    }
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    if (p > 0 || errno != EPERM) {
        if (p > 0)
            waitpid(p, NULL, 0);
        return "a process could be started";
    }
    return NULL;
}

/* --check: the filter refuses what it must, and a 64×48 PNG with transparency, made here, goes
 * through the whole pipeline. */
static int self_check(const struct media_limits *lim, const char *state, const struct opts *o)
{
    VipsImage *im = NULL;
    void *png = NULL;
    size_t png_len = 0;
    int rc = CONVERT_EXIT_CANNOT_START;
    struct convert_reply rep = {0};
    struct pipeline_out out = {0};
    const char *leak = strncmp(state, "seccomp", 7) == 0 ? filter_holds() : NULL;
    if (leak) {
        fprintf(stderr, "pb-media-convert: the sandbox does not hold: %s\n", leak);
        goto done;
    }
    if (vips_black(&im, 64, 48, "bands", 4, NULL) || vips_pngsave_buffer(im, &png, &png_len, NULL)) {
        fprintf(stderr, "pb-media-convert: cannot make the check image: %s\n", vips_error_buffer());
        goto done;
    }
    enum convert_result res = convert(png, png_len, lim, &rep, &out);
    if (res != CONVERT_OK || rep.width != 64 || rep.thumb_width != 64) {
        fprintf(stderr, "pb-media-convert: the check image failed (%d): %s %s\n", (int)res, rep.why, rep.detail);
        goto done;
    }
    printf("ok sandbox=%s mem_mb=%lu%s cpu_s=%lu\n", state, o->mem_mb,
           PB_SANITIZED && o->mem_mb ? " (off: sanitizer build)" : "", o->cpu_s);
    rc = fflush(stdout) == 0 ? 0 : CONVERT_EXIT_CANNOT_START;
done:
    pipeline_out_free(&out);
    g_free(png);
    if (im)
        g_object_unref(im);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    char state[128] = "", detail[CONVERT_DETAIL_LEN] = "";
    close_others();
    if (parse_args(argc, argv, &o))
        return usage();
    if (apply_limits(&o, detail, sizeof detail)) {
        fprintf(stderr, "pb-media-convert: %s\n", detail);
        return CONVERT_EXIT_CANNOT_START;
    }
    if (!pipeline_init(argv[0], detail, sizeof detail)) {
        fprintf(stderr, "pb-media-convert: libvips cannot start: %s\n", detail);
        return CONVERT_EXIT_CANNOT_START;
    }
    int rc = CONVERT_EXIT_CANNOT_START;
    unsigned char *buf = NULL;
    size_t len = 0;
    struct convert_reply rep = {.magic = CONVERT_MAGIC};
    struct pipeline_out out = {0};
    if (sandbox(state, sizeof state)) {
        fprintf(stderr, "pb-media-convert: %s\n", state);
        goto done;
    }
    if (o.check) {
        rc = self_check(&o.lim, state, &o);
        goto done;
    }
    if (read_input(&buf, &len)) {
        fprintf(stderr, "pb-media-convert: cannot read the upload: %s\n", strerror(errno));
        goto done;
    }
    rep.result = (uint32_t)convert(buf, len, &o.lim, &rep, &out);
    free(buf); /* the upload's bytes are not needed while the reply is written */
    buf = NULL;
    rc = reply(&rep, &out) ? 1 : 0;
done:
    pipeline_out_free(&out);
    free(buf);
    pipeline_shutdown();
    return rc;
}
