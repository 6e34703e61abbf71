// The process entry point of cort (linked with -e cort_entry on x86-64) and the verb reader it
// shares with main.
//
// Why an entry point of our own: create, run and exec re-exec themselves from a protected
// image before anything else (CVE-2019-5736, sys/exe_seal.hpp). Done from .preinit_array,
// that first image still ran all of static glibc's start-up, which on a virtual machine is
// mostly CPUID (glibc reads the cache geometry and CPU features leaf by leaf, ~150 of them,
// each a trap to the hypervisor: 7 µs apiece on the benchmark host): ~1.1 ms of a 13 ms `run`,
// thrown away by the exec. Here the re-exec happens before libc has run at all.
//
// Before libc's start-up there is no TLS (no errno, no stack-protector canary), and the
// IRELATIVE relocations that pick memcpy/strlen/memcmp are not applied yet. So this file calls
// no libc function: system calls are made inline, and it is compiled freestanding, without
// the stack protector, builtins, loop-to-memcpy rewriting or LTO (CMakeLists.txt), which
// `objdump -d` of cort_entry_reexec confirms has no call in it.
//
// Only the cheap path is taken here: the detached read-only bind mount. When it is refused
// (rootless, an old kernel, a seccomp filter), this returns and .preinit_array (main.cpp) does
// the whole job with libc, sealed memfd fallback included.
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#include "early_entry.hpp"

namespace cort {
namespace {

bool equals(const char* s, unsigned long n, const char* lit) {
    unsigned long i = 0;
    for (; i < n && lit[i] != 0; i++)
        if (s[i] != lit[i]) return false;
    return i == n && lit[i] == 0;
}

bool equals_any(const char* s, unsigned long n, const char* const* lits) {
    for (; *lits; lits++)
        if (equals(s, n, *lits)) return true;
    return false;
}

}  // namespace

const char* early_verb(int argc, char* const* argv) {
    static const char* const kWithValue[] = {"root", "log", "log-format", "rootless", "criu", nullptr};
    static const char* const kNoVerb[] = {"help", "h", "version", "v", nullptr};
    for (int i = 1; i < argc; i++) {
        const char* a = argv[i];
        if (a[0] != '-' || a[1] == 0) return a;
        if (a[1] == '-' && a[2] == 0) return i + 1 < argc ? argv[i + 1] : nullptr;
        const char* body = a + (a[1] == '-' ? 2 : 1);
        unsigned long n = 0;
        while (body[n] != 0 && body[n] != '=') n++;
        if (equals_any(body, n, kNoVerb)) return nullptr;
        if (body[n] == '=') continue;
        if (equals_any(body, n, kWithValue)) ++i;
    }
    return nullptr;
}

bool verb_enters_container(const char* verb) {
    if (!verb) return false;
    unsigned long n = 0;
    while (verb[n] != 0) n++;
    static const char* const kEnter[] = {"create", "run", "exec", nullptr};
    return equals_any(verb, n, kEnter);
}

}  // namespace cort

int cort_entry_verdict = cort::kEntryNotRun;

#if defined(__x86_64__)

namespace {

long raw_syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                 : "rcx", "r11", "memory");
    return ret;
}

constexpr long kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
constexpr long kReadOnlyMount = 1;  // ST_RDONLY in statfs.f_flags

// The same test as sys/exe_seal.cpp's: a sealed memfd, or a file on a read-only mount.
bool image_protected(int self) {
    long seals = raw_syscall(SYS_fcntl, self, F_GET_SEALS);
    if (seals >= 0 && (seals & kSeals) == kSeals) return true;
    struct statfs fs;
    return raw_syscall(SYS_fstatfs, self, reinterpret_cast<long>(&fs)) == 0 && (fs.f_flags & kReadOnlyMount) != 0;
}

}  // namespace

// Called from cort_entry with the initial stack (argc, argv..., 0, envp..., 0). Returns
// when no re-exec is needed or the cheap one failed; cort_entry_verdict says which.
extern "C" __attribute__((used, noinline)) void cort_entry_reexec(long* sp) {
    int argc = static_cast<int>(sp[0]);
    char** argv = reinterpret_cast<char**>(sp + 1);
    char** envp = argv + argc + 1;
    if (!cort::verb_enters_container(cort::early_verb(argc, argv))) {
        cort_entry_verdict = cort::kEntryNotNeeded;
        return;
    }
    cort_entry_verdict = cort::kEntryFailed;
    long self = raw_syscall(SYS_open, reinterpret_cast<long>("/proc/self/exe"), O_RDONLY | O_CLOEXEC);
    if (self < 0) return;
    if (image_protected(static_cast<int>(self))) {
        cort_entry_verdict = cort::kEntryProtected;
        raw_syscall(SYS_close, self);
        return;
    }
    long tree = raw_syscall(SYS_open_tree, self, reinterpret_cast<long>(""),
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    raw_syscall(SYS_close, self);
    if (tree < 0) return;
    struct mount_attr attr = {MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0};
    if (raw_syscall(SYS_mount_setattr, tree, reinterpret_cast<long>(""), AT_EMPTY_PATH,
                    reinterpret_cast<long>(&attr), sizeof attr) == 0)
        raw_syscall(SYS_execveat, tree, reinterpret_cast<long>(""), reinterpret_cast<long>(argv),
                    reinterpret_cast<long>(envp), AT_EMPTY_PATH);
    raw_syscall(SYS_close, tree);
}

// The ELF entry: the kernel leaves argc at (%rsp) and %rdx for _start (the exit hook, 0 for a
// static binary). Both are kept in callee-saved registers across the call, the stack aligned
// for it, and glibc's _start then runs as if it had been entered directly.
asm(R"(
    .text
    .globl cort_entry
    .type cort_entry, @function
cort_entry:
    endbr64
    mov %rsp, %rbx
    mov %rdx, %r12
    mov %rsp, %rdi
    and $-16, %rsp
    call cort_entry_reexec
    mov %rbx, %rsp
    mov %r12, %rdx
    jmp _start
    .size cort_entry, .-cort_entry
)");

#endif
