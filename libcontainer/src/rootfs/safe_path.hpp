// Resolving container paths inside the rootfs and never outside it (symlink-exchange
// attacks, CVE-2021-30465 and friends): every lookup starts from an fd on the root and
// treats absolute symlinks and ".." as if the rootfs were "/".
#pragma once
#include <sys/types.h>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "lc/error.hpp"
#include "lc/fd.hpp"

namespace lc::rootfs {

// Lexical clean of an absolute container path: "//a/./b/../c/" -> "/a/c"; ".." never goes
// above "/". Inside a SafeRoot this is safe: resolution is contained anyway.
std::string clean_path(std::string_view path);
// "/proc/self/fd/<fd>": the path mount(2) needs to act on an fd (follows the magic link).
std::string fd_path(int fd);

class SafeRoot {
public:
    // Opens `path` (a directory) with O_PATH. `path` is trusted (it is a host path).
    static Result<SafeRoot> open(const std::string& path);

    int fd() const { return root_.get(); }
    const std::string& path() const { return path_; }

    // Resolves `rel` (absolute or relative, both meaning "from the root") to an O_PATH fd.
    // Symlinks are followed, but only inside the root; procfs magic links
    // (/proc/self/fd/N, /proc/<pid>/root...) fail with ELOOP. `extra` is added to the open flags (O_DIRECTORY, O_NOFOLLOW...).
    Result<UniqueFd> resolve(std::string_view rel, int extra = 0) const;
    // Like `resolve`, creating missing directories (mode & ~umask), also where a dangling
    // symlink points (its target, taken inside the root). Returns an O_PATH fd.
    Result<UniqueFd> mkdir_all(std::string_view rel, mode_t mode = 0755) const;
    // Makes sure a regular file exists at `rel` (parents created, O_EXCL|O_NOFOLLOW so a
    // symlink planted at the last component is never followed out of the root; an existing
    // file or an in-root symlink to one is reused; a dangling symlink gets its target made
    // inside the root). Returns an O_PATH fd.
    Result<UniqueFd> create_file(std::string_view rel, mode_t mode = 0644) const;
    // Opens the parent directory of `rel` (creating it) and returns it with the base name.
    Result<std::pair<UniqueFd, std::string>> open_parent(std::string_view rel, bool create) const;

private:
    SafeRoot(UniqueFd fd, std::string path) : root_(std::move(fd)), path_(std::move(path)) {}
    enum class Create { None, Dir, File };
    struct WalkState {
        std::deque<std::string> todo;  // components still to walk
        std::vector<UniqueFd> dirs;    // dirs.back() is the current directory; empty: the root
        int links = 0;
    };
    Result<UniqueFd> resolve_openat2(const std::string& rel, int flags) const;
    Result<UniqueFd> walk(const std::string& cleaned, int flags, Create create, mode_t mode) const;
    Result<void> expand_link(int link_fd, int parent_fd, const std::string& cleaned, WalkState& w) const;
    Result<UniqueFd> make_component(int dir, const std::string& name, bool file, mode_t mode,
                                    const std::string& cleaned) const;

    UniqueFd root_;
    std::string path_;
};

// True when the test-only CORT_TEST_NO_OPENAT2=1 forces the component walk.
bool openat2_disabled_for_tests();

}  // namespace lc::rootfs
