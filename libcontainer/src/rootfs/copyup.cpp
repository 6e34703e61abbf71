// "tmpcopyup": a tmpfs mounted over a directory starts with a copy of what it hides (podman
// uses it for /etc-like mount points). Everything is *at-relative to fds taken inside the
// rootfs, never following symlinks, so a hostile image cannot redirect the copy.
#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/steps.hpp"

namespace lc::rootfs {
namespace {

constexpr int kMaxDepth = 64;

Result<void> copy_file(int src_dir, int dst_dir, const char* name, const struct stat& st, const std::string& what) {
    int in = ::openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0) return sys_error("open " + what);
    UniqueFd in_fd(in);
    int out = ::openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0) return sys_error("create " + what);
    UniqueFd out_fd(out);
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = ::sendfile(out, in, nullptr, static_cast<size_t>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("copy " + what);
        if (n == 0) break;  // the file shrank meanwhile
        left -= n;
    }
    return {};
}

Result<void> copy_entry(int src_dir, int dst_dir, const char* name, const std::string& what, int depth);

Result<void> copy_dir_contents(int src_dir, int dst_dir, const std::string& what, int depth) {
    if (depth > kMaxDepth) return Error(ELOOP, "copy " + what + ": too deep");
    int rd = ::openat(src_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rd < 0) return sys_error("open " + what);
    DIR* dir = ::fdopendir(rd);
    if (dir == nullptr) {
        ::close(rd);
        return sys_error("read directory " + what);
    }
    ScopeExit close_dir([dir] { ::closedir(dir); });
    while (struct dirent* e = ::readdir(dir)) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        TRY(copy_entry(src_dir, dst_dir, e->d_name, what + "/" + e->d_name, depth));
    }
    return {};
}

Result<void> copy_entry(int src_dir, int dst_dir, const char* name, const std::string& what, int depth) {
    struct stat st {};
    if (::fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("stat " + what);
    if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst_dir, name, 0700) < 0) return sys_error("mkdir " + what);
        int s = ::openat(src_dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0) return sys_error("open " + what);
        UniqueFd s_fd(s);
        int d = ::openat(dst_dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0) return sys_error("open " + what);
        UniqueFd d_fd(d);
        TRY(copy_dir_contents(s, d, what, depth + 1));
    } else if (S_ISREG(st.st_mode)) {
        TRY(copy_file(src_dir, dst_dir, name, st, what));
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src_dir, name, target.data(), target.size());
        if (n < 0) return sys_error("readlink " + what);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dst_dir, name) < 0) return sys_error("symlink " + what);
    } else if (::mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0) {
        return sys_error("mknod " + what);
    }
    if (::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) return sys_error("chown " + what);
    // After chown (which drops setuid bits) and exact (no umask); links have no mode.
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dst_dir, name, st.st_mode & 07777, 0) < 0)
        return sys_error("chmod " + what);
    return {};
}

}  // namespace

Result<void> copy_up(int hidden_dir, int tmpfs_root, const std::string& dest, bool keep_root_mode) {
    struct stat st {};
    if (::fstat(hidden_dir, &st) < 0) return sys_error("stat " + dest);
    TRY(copy_dir_contents(hidden_dir, tmpfs_root, dest, 0));
    // The tmpfs root takes the hidden directory's owner, and its mode unless "mode=" was given.
    std::string root = fd_path(tmpfs_root);
    if (::chown(root.c_str(), st.st_uid, st.st_gid) < 0) return sys_error("chown " + dest);
    if (!keep_root_mode && ::chmod(root.c_str(), st.st_mode & 07777) < 0) return sys_error("chmod " + dest);
    return {};
}

}  // namespace lc::rootfs
