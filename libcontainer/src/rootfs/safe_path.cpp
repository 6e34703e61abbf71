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
    return walk(cleaned, flags, Create::None, 0);
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

// One symlink met by a walk: its target's components go in front of `todo`, and an
// absolute target restarts from the root. Counts against the kernel's MAXSYMLINKS.
Result<void> SafeRoot::expand_link(int link_fd, int parent_fd, const std::string& cleaned, WalkState& w) const {
    if (++w.links > kMaxSymlinks) return Error(ELOOP, "open " + cleaned + " in " + path_);
    TRY(refuse_magic_link(link_fd, parent_fd, cleaned));
    char buf[PATH_MAX];
    ssize_t n = ::readlinkat(link_fd, "", buf, sizeof buf - 1);
    if (n < 0) return sys_error("readlink " + cleaned + " in " + path_);
    std::string_view target(buf, static_cast<size_t>(n));
    auto parts = split_components(target);
    w.todo.insert(w.todo.begin(), parts.begin(), parts.end());
    if (!target.empty() && target[0] == '/') w.dirs.clear();
    return {};
}

// The openat2 fallback, and the way to create paths: one O_PATH|O_NOFOLLOW openat per
// component, symlinks expanded by hand with the rootfs as "/", ".." popped from our own
// stack so it cannot leave the root. With `create`, a missing component is made (a
// directory, or for the last one a file when `create == Create::File`), so a dangling
// symlink gets its target made *inside* the root, as runc and crun do.
Result<UniqueFd> SafeRoot::walk(const std::string& cleaned, int flags, Create create, mode_t mode) const {
    WalkState w;
    for (auto& c : split_components(cleaned)) w.todo.push_back(std::move(c));
    mode_t last_mode = S_IFDIR;
    auto current = [&] { return w.dirs.empty() ? root_.get() : w.dirs.back().get(); };
    while (!w.todo.empty()) {
        std::string comp = std::move(w.todo.front());
        w.todo.pop_front();
        if (comp == "." || comp.empty()) continue;
        if (comp == "..") {
            if (!w.dirs.empty()) w.dirs.pop_back();
            last_mode = S_IFDIR;
            continue;
        }
        bool last = w.todo.empty();
        int fd = ::openat(current(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create != Create::None) {
            // `mode` is the file's, when making one; the directories above it get 0755.
            const bool file = last && create == Create::File;
            const mode_t m = file || create == Create::Dir ? mode : 0755;
            TRY_ASSIGN(UniqueFd made, make_component(current(), comp, file, m, cleaned));
            last_mode = file ? S_IFREG : S_IFDIR;
            w.dirs.push_back(std::move(made));
            continue;
        }
        if (fd < 0) return sys_error("open " + cleaned + " in " + path_);
        UniqueFd owned(fd);
        struct stat st {};
        if (::fstat(fd, &st) < 0) return sys_error("stat " + cleaned + " in " + path_);
        if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
            TRY(expand_link(fd, current(), cleaned, w));
            last_mode = S_IFDIR;
            continue;
        }
        if (!last && !S_ISDIR(st.st_mode)) return Error(ENOTDIR, "open " + cleaned + " in " + path_);
        last_mode = st.st_mode & S_IFMT;
        w.dirs.push_back(std::move(owned));
    }
    if ((flags & O_DIRECTORY) && last_mode != S_IFDIR)
        return Error(ENOTDIR, "open " + cleaned + " in " + path_);
    if (!w.dirs.empty()) return std::move(w.dirs.back());
    int fd = ::openat(root_.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open " + path_);
    return UniqueFd(fd);
}

// Creates `name` in `dir` (never through a symlink: mkdirat and O_CREAT|O_EXCL|O_NOFOLLOW
// do not follow one) and returns an O_PATH fd on it. EEXIST from mkdirat is a concurrent
// creation; whatever is there is then opened O_NOFOLLOW|O_DIRECTORY, so a symlink planted
// meanwhile fails (ENOTDIR) instead of being followed.
Result<UniqueFd> SafeRoot::make_component(int dir, const std::string& name, bool file, mode_t mode,
                                          const std::string& cleaned) const {
    if (file) {
        int fd = ::openat(dir, name.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) return sys_error("create " + cleaned + " in " + path_);
        ::close(fd);
        fd = ::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return sys_error("open " + cleaned + " in " + path_);
        return UniqueFd(fd);
    }
    if (::mkdirat(dir, name.c_str(), mode) < 0 && errno != EEXIST) return sys_error("mkdir " + cleaned + " in " + path_);
    int fd = ::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("mkdir " + cleaned + " in " + path_);
    return UniqueFd(fd);
}

Result<UniqueFd> SafeRoot::mkdir_all(std::string_view rel, mode_t mode) const {
    std::string cleaned = clean_path(rel);
    auto full = resolve(cleaned, O_DIRECTORY);
    if (full.ok() || full.error().code != ENOENT) return full;
    return walk(cleaned, O_DIRECTORY, Create::Dir, mode);
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
    auto existing = resolve(cleaned);
    if (existing.ok() || existing.error().code != ENOENT) return existing;
    // A dangling symlink: make its target, inside the root.
    return walk(cleaned, 0, Create::File, mode);
}

}  // namespace lc::rootfs
