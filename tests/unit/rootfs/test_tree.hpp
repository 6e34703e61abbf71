// Helpers for the rootfs tests: a temporary directory removed (without following symlinks)
// at scope exit, and small file-tree builders.
#pragma once
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace rootfs_test {

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/cort-rootfs-test-XXXXXX";
        char* p = ::mkdtemp(tmpl);
        path_ = p ? p : "";
    }
    ~TempDir() {
        if (path_.empty()) return;
        ::nftw(
            path_.c_str(),
            [](const char* p, const struct stat*, int, FTW*) { return ::remove(p) < 0 ? 0 : 0; },
            16, FTW_DEPTH | FTW_PHYS);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

private:
    std::string path_;
};

inline void mkdirs(const std::string& path) {
    std::string cur;
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i == path.size() || path[i] == '/') {
            cur = path.substr(0, i);
            ::mkdir(cur.c_str(), 0755);
        }
    }
}

inline void write_file(const std::string& path, const std::string& content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (::write(fd, content.data(), content.size()) < 0) {
    }
    ::close(fd);
}

inline bool same_file(int fd, const std::string& path) {
    struct stat a {}, b {};
    return ::fstat(fd, &a) == 0 && ::lstat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Runs `body` with CORT_TEST_NO_OPENAT2 set or unset, restoring the previous state.
template <typename F>
void with_openat2_fallback(bool fallback, F&& body) {
    const char* old = ::getenv("CORT_TEST_NO_OPENAT2");
    std::string saved = old ? old : "";
    if (fallback)
        ::setenv("CORT_TEST_NO_OPENAT2", "1", 1);
    else
        ::unsetenv("CORT_TEST_NO_OPENAT2");
    body();
    if (old)
        ::setenv("CORT_TEST_NO_OPENAT2", saved.c_str(), 1);
    else
        ::unsetenv("CORT_TEST_NO_OPENAT2");
}

}  // namespace rootfs_test
