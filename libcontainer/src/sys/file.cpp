#include "sys/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace lc::sys {

Result<UniqueFd> open_fd(const std::string& path, int flags, mode_t mode) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return sys_error("open " + path);
    return UniqueFd(fd);
}

// The files read here are regular files (state), procfs and kernfs (cgroup) files. For all
// of them a read that returns less than asked is the end of the file (POSIX for regular
// files; seq_file fills the buffer until EOF), so a small file costs one read, not two.
static Result<std::string> read_all(int fd, const char* what) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error(std::string("read ") + what);
        }
        out.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof buf) break;
    }
    return out;
}

Result<std::string> read_file(const std::string& path) { return read_file_at(AT_FDCWD, path.c_str()); }

Result<std::string> read_file_at(int dirfd, const char* path) {
    int fd = ::openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_error(std::string("open ") + path);
    UniqueFd owned(fd);
    return read_all(fd, path);
}

Result<void> write_file(const std::string& path, std::string_view data) {
    return write_file_at(AT_FDCWD, path.c_str(), data);
}

Result<void> write_file_at(int dirfd, const char* path, std::string_view data) {
    int fd = ::openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return sys_error(std::string("open ") + path);
    UniqueFd owned(fd);
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) return sys_error(std::string("write ") + path);
    if (static_cast<size_t>(n) != data.size()) return Error(EIO, std::string("short write to ") + path);
    return {};
}

namespace {

Result<void> write_whole(int fd, std::string_view data, const std::string& what) {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("write " + what);
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

Result<void> write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return sys_error("create " + tmp);
    UniqueFd owned(fd);
    if (auto w = write_whole(fd, data, tmp); !w) {
        ::unlink(tmp.c_str());
        return w;
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        return sys_error("rename " + tmp + " to " + path, e);
    }
    return {};
}

Result<void> write_new_file(const std::string& path, std::string_view data, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return sys_error("create " + path);
    UniqueFd owned(fd);
    return write_whole(fd, data, path);
}

}  // namespace lc::sys
