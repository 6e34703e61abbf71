#include "rootfs/safe_path.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <deque>

#include "sys/syscalls.hpp"

namespace lc::rootfs {
namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's MAXSYMLINKS
constexpr ino_t kProcRootIno = 1;  // PROC_ROOT_INO

std::vector<std::string> split_components(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) out.emplace_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// Relative form of a cleaned absolute path, as openat() wants it ("." for the root).
std::string relative(const std::string& cleaned) {
    return cleaned == "/" ? std::string(".") : cleaned.substr(1);
}

bool openat2_missing = false;  // set once the kernel said ENOSYS

// What RESOLVE_NO_MAGICLINKS refuses, for the walk: procfs links below the procfs root
// (/proc/<pid>/{exe,cwd,root,fd/N,ns/...}). Links in the procfs root ("self", "mounts",
// "net") are plain symlinks and stay allowed. Costs an fstatfs per symlink only.
Result<void> refuse_magic_link(int link_fd, int parent_fd, const std::string& path) {
    struct statfs sf {};
    if (::fstatfs(link_fd, &sf) < 0) return sys_error("statfs " + path);
    if (sf.f_type != PROC_SUPER_MAGIC) return {};
    struct stat parent {};
    if (::fstat(parent_fd, &parent) < 0) return sys_error("stat " + path);
    if (parent.st_ino == kProcRootIno) return {};
    return Error(ELOOP, "open " + path + ": refusing to follow a procfs magic link");
}

}  // namespace

bool openat2_disabled_for_tests() {
    // Read on every call (no syscall involved) so one test process can cover both paths.
    const char* v = std::getenv("CORT_TEST_NO_OPENAT2");
    return v != nullptr && std::string_view(v) == "1";
}

std::string clean_path(std::string_view path) {
    std::vector<std::string> parts;
    for (auto& c : split_components(path)) {
        if (c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(std::move(c));
    }
    std::string out;
    for (const auto& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Result<SafeRoot> SafeRoot::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open rootfs " + path);
    return SafeRoot(UniqueFd(fd), path);
}

Result<UniqueFd> SafeRoot::resolve(std::string_view rel, int extra) const {
    std::string cleaned = clean_path(rel);
    int flags = O_PATH | O_CLOEXEC | (extra & (O_DIRECTORY | O_NOFOLLOW));
    if (!openat2_missing && !openat2_disabled_for_tests()) {
        auto r = resolve_openat2(cleaned, flags);
        if (r.ok() || r.error().code != ENOSYS) return r;
        openat2_missing = true;
    }
    return resolve_walk(cleaned, flags);
}

Result<UniqueFd> SafeRoot::resolve_openat2(const std::string& cleaned, int flags) const {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel = relative(cleaned);
    for (int attempt = 0;; ++attempt) {
        int fd = sys::openat2(root_.get(), rel.c_str(), &how);
        if (fd >= 0) return UniqueFd(fd);
        // EAGAIN: a concurrent rename made the kernel give up on ".." safety; retry a little.
        if (errno == EAGAIN && attempt < 16) continue;
        return sys_error("open " + cleaned + " in " + path_);
    }
}

// The openat2 fallback: one O_PATH|O_NOFOLLOW openat per component, symlinks expanded by
// hand with the rootfs as "/", ".." popped from our own stack so it cannot leave the root.
Result<UniqueFd> SafeRoot::resolve_walk(const std::string& cleaned, int flags) const {
    std::deque<std::string> todo;
    for (auto& c : split_components(cleaned)) todo.push_back(std::move(c));
    std::vector<UniqueFd> dirs;  // dirs.back() is the current directory; empty means the root
    int links = 0;
    mode_t last_mode = S_IFDIR;
    auto current = [&] { return dirs.empty() ? root_.get() : dirs.back().get(); };
    while (!todo.empty()) {
        std::string comp = std::move(todo.front());
        todo.pop_front();
        if (comp == "." || comp.empty()) continue;
        if (comp == "..") {
            if (!dirs.empty()) dirs.pop_back();
            last_mode = S_IFDIR;
            continue;
        }
        int fd = ::openat(current(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return sys_error("open " + cleaned + " in " + path_);
        UniqueFd owned(fd);
        struct stat st {};
        if (::fstat(fd, &st) < 0) return sys_error("stat " + cleaned + " in " + path_);
        bool last = todo.empty();
        if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
            if (++links > kMaxSymlinks) return Error(ELOOP, "open " + cleaned + " in " + path_);
            TRY(refuse_magic_link(fd, current(), cleaned));
            char buf[PATH_MAX];
            ssize_t n = ::readlinkat(fd, "", buf, sizeof buf - 1);
            if (n < 0) return sys_error("readlink " + cleaned + " in " + path_);
            std::string_view target(buf, static_cast<size_t>(n));
            auto parts = split_components(target);
            todo.insert(todo.begin(), parts.begin(), parts.end());
            if (!target.empty() && target[0] == '/') dirs.clear();
            last_mode = S_IFDIR;
            continue;
        }
        if (!last && !S_ISDIR(st.st_mode)) return Error(ENOTDIR, "open " + cleaned + " in " + path_);
        last_mode = st.st_mode & S_IFMT;
        dirs.push_back(std::move(owned));
    }
    if ((flags & O_DIRECTORY) && last_mode != S_IFDIR)
        return Error(ENOTDIR, "open " + cleaned + " in " + path_);
    if (!dirs.empty()) return std::move(dirs.back());
    int fd = ::openat(root_.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open " + path_);
    return UniqueFd(fd);
}

Result<UniqueFd> SafeRoot::mkdir_all(std::string_view rel, mode_t mode) const {
    std::string cleaned = clean_path(rel);
    auto full = resolve(cleaned, O_DIRECTORY);
    if (full.ok() || full.error().code != ENOENT) return full;
    // Find the deepest existing ancestor, then create downwards from it without following
    // anything: a dangling symlink in the way makes the openat below fail (ENOTDIR).
    auto comps = split_components(cleaned);
    size_t have = comps.size();
    UniqueFd dir;
    while (have > 0) {
        --have;
        std::string prefix;
        for (size_t i = 0; i < have; ++i) prefix += "/" + comps[i];
        auto r = resolve(prefix.empty() ? "/" : prefix, O_DIRECTORY);
        if (r.ok()) {
            dir = std::move(r).value();
            break;
        }
        if (r.error().code != ENOENT) return std::move(r).error();
    }
    for (size_t i = have; i < comps.size(); ++i) {
        if (::mkdirat(dir.get(), comps[i].c_str(), mode) < 0 && errno != EEXIST)
            return sys_error("mkdir " + cleaned + " in " + path_);
        int fd = ::openat(dir.get(), comps[i].c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return sys_error("mkdir " + cleaned + " in " + path_);
        dir.reset(fd);
    }
    return dir;
}

Result<std::pair<UniqueFd, std::string>> SafeRoot::open_parent(std::string_view rel, bool create) const {
    std::string cleaned = clean_path(rel);
    if (cleaned == "/") return Error(EINVAL, "open parent of / in " + path_);
    size_t slash = cleaned.rfind('/');
    std::string dir = slash == 0 ? "/" : cleaned.substr(0, slash);
    std::string base = cleaned.substr(slash + 1);
    auto fd = create ? mkdir_all(dir) : resolve(dir, O_DIRECTORY);
    if (!fd.ok()) return std::move(fd).error();
    return std::pair<UniqueFd, std::string>(std::move(fd).value(), std::move(base));
}

Result<UniqueFd> SafeRoot::create_file(std::string_view rel, mode_t mode) const {
    std::string cleaned = clean_path(rel);
    TRY_ASSIGN(auto parent, open_parent(cleaned, true));
    auto& [pfd, base] = parent;
    int fd = ::openat(pfd.get(), base.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) {
        ::close(fd);
        int pfd2 = ::openat(pfd.get(), base.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pfd2 < 0) return sys_error("open " + cleaned + " in " + path_);
        return UniqueFd(pfd2);
    }
    if (errno != EEXIST) return sys_error("create " + cleaned + " in " + path_);
    // Already there (maybe an in-root symlink such as /etc/resolv.conf -> ../run/...).
    return resolve(cleaned);
}

}  // namespace lc::rootfs
