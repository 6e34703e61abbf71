#include "cgroups/cgroup_fs.hpp"

#include "sys/file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "cgroups/paths.hpp"

namespace lc::cgroups::fs {

Result<void> mkdir_all(const std::string& path, std::vector<std::string>* created) {
    if (::mkdir(path.c_str(), 0755) == 0) {
        if (created) created->push_back(path);
        return {};
    }
    if (errno == EEXIST) return {};
    if (errno != ENOENT) return sys_error("mkdir " + path);
    // Only walk up when the parent is missing: the common case is one mkdir.
    size_t slash = path.find_last_of('/');
    if (slash == 0 || slash == std::string::npos) return sys_error("mkdir " + path, ENOENT);
    TRY(mkdir_all(path.substr(0, slash), created));
    if (::mkdir(path.c_str(), 0755) < 0) {
        if (errno == EEXIST) return {};
        return sys_error("mkdir " + path);
    }
    if (created) created->push_back(path);
    return {};
}

Result<UniqueFd> open_dir(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("open " + path);
    return UniqueFd(fd);
}

bool exists_at(int dirfd, const std::string& file) { return ::faccessat(dirfd, file.c_str(), F_OK, 0) == 0; }

// With AT_FDCWD the file is taken relative to `dir`, not to the process's cwd.
static std::string at_path(int dirfd, const std::string& dir, const std::string& file) {
    return dirfd == AT_FDCWD ? dir + "/" + file : file;
}

Result<void> write_at(int dirfd, const std::string& dir, const std::string& file, std::string_view value) {
    int fd = ::openat(dirfd, at_path(dirfd, dir, file).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sys_error("write " + dir + "/" + file);
    UniqueFd owned(fd);
    ssize_t n;
    do {
        n = ::write(fd, value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sys_error("write " + dir + "/" + file);
    return {};
}

Result<std::string> read_at(int dirfd, const std::string& dir, const std::string& file) {
    // One read for a small file: sys::read_file_at stops at the first short read.
    return sys::read_file_at(dirfd, at_path(dirfd, dir, file).c_str());
}

static Result<void> write_one(int dirfd, const std::string& dir, const FileWrite& w) {
    if (!w.alt_file.empty() && !exists_at(dirfd, w.file) && exists_at(dirfd, w.alt_file)) {
        FileWrite alt = w;
        alt.file = w.alt_file;
        alt.alt_file.clear();
        return write_one(dirfd, dir, alt);
    }
    auto r = write_at(dirfd, dir, w.file, w.value);
    if (r.ok()) return r;
    if (w.if_exists && (r.error().code == ENOENT || r.error().code == EOPNOTSUPP)) return {};
    return std::move(r).error().wrap(w.field);
}

Result<void> write_all(int dirfd, const std::string& dir, const Writes& writes) {
    std::vector<const FileWrite*> later;
    for (const auto& w : writes) {
        auto r = write_one(dirfd, dir, w);
        if (!r.ok()) {
            if (w.retry_einval_at_end && r.error().code == EINVAL) {
                later.push_back(&w);
                continue;
            }
            return r;
        }
    }
    for (const auto* w : later) TRY(write_one(dirfd, dir, *w));
    return {};
}

static Result<void> collect_pids(const std::string& dir, std::vector<pid_t>& out) {
    auto procs = read_at(AT_FDCWD, dir, "cgroup.procs");
    if (!procs.ok()) {
        // The cgroup went away under us: nothing in it.
        if (procs.error().code == ENOENT) return {};
        return std::move(procs).error();
    }
    for (const auto& line : split(*procs, '\n'))
        if (!line.empty()) out.push_back(static_cast<pid_t>(std::atoi(line.c_str())));
    DIR* d = ::opendir(dir.c_str());
    if (!d) return errno == ENOENT ? Result<void>() : Result<void>(sys_error("open " + dir));
    std::vector<std::string> subdirs;
    while (dirent* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        subdirs.push_back(dir + "/" + e->d_name);
    }
    ::closedir(d);
    for (const auto& s : subdirs) TRY(collect_pids(s, out));
    return {};
}

Result<std::vector<pid_t>> read_pids_recursive(const std::string& dir) {
    std::vector<pid_t> out;
    TRY(collect_pids(dir, out));
    return out;
}

static Result<void> rmdir_retry(const std::string& dir) {
    long delay_us = 1000;
    long waited_us = 0;
    for (;;) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
        if (errno != EBUSY || waited_us >= 1000000) return sys_error("remove cgroup " + dir);
        // Exiting tasks keep the cgroup busy until they are fully reaped.
        timespec ts{0, delay_us * 1000};
        ::nanosleep(&ts, nullptr);
        waited_us += delay_us;
        delay_us = std::min(delay_us * 2, 100000L);
    }
}

Result<void> remove_tree(const std::string& dir) {
    // The common case is a leaf cgroup whose tasks are gone: one rmdir. EBUSY means child
    // cgroups or tasks still exiting; only then list it.
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY && errno != ENOTEMPTY) return sys_error("remove cgroup " + dir);
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        if (errno == ENOENT) return {};
        return sys_error("open " + dir);
    }
    std::vector<std::string> subdirs;
    while (dirent* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
        subdirs.push_back(dir + "/" + e->d_name);
    }
    ::closedir(d);
    for (const auto& s : subdirs) TRY(remove_tree(s));
    return rmdir_retry(dir);
}

uint64_t parse_key_value(std::string_view content, std::string_view key) {
    for (const auto& line : split(content, '\n')) {
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ' ')
            return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10);
    }
    return 0;
}

}  // namespace lc::cgroups::fs
