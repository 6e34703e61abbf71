#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "rootfs/safe_path.hpp"
#include "child_runner.hpp"
#include "test_tree.hpp"

using lc::rootfs::clean_path;
using lc::rootfs::SafeRoot;
using rootfs_test::same_file;
using rootfs_test::TempDir;

TEST_CASE("clean_path", "[rootfs][safe_path]") {
    CHECK(clean_path("/") == "/");
    CHECK(clean_path("") == "/");
    CHECK(clean_path("//a/./b/../c/") == "/a/c");
    CHECK(clean_path("/../../etc") == "/etc");
    CHECK(clean_path("a/b") == "/a/b");
    CHECK(clean_path("/a/..") == "/");
}

namespace {

// <tmp>/root is the rootfs; <tmp>/etc/outside is what an escape would reach.
struct Tree {
    TempDir tmp;
    std::string root = tmp / "root";
    Tree() {
        rootfs_test::mkdirs(root + "/etc");
        rootfs_test::mkdirs(root + "/a/b");
        rootfs_test::mkdirs(tmp / "etc");
        rootfs_test::write_file(root + "/etc/passwd", "inside");
        rootfs_test::write_file(tmp / "etc/outside", "outside");
        REQUIRE(::symlink("/etc", (root + "/abs").c_str()) == 0);
        REQUIRE(::symlink("../../../../../etc", (root + "/up").c_str()) == 0);
        REQUIRE(::symlink("/../../etc", (root + "/absup").c_str()) == 0);
        REQUIRE(::symlink("../../etc", (root + "/a/b/rel").c_str()) == 0);
        REQUIRE(::symlink("/nonexistent/x", (root + "/dangling").c_str()) == 0);
        REQUIRE(::symlink("loop2", (root + "/loop1").c_str()) == 0);
        REQUIRE(::symlink("loop1", (root + "/loop2").c_str()) == 0);
        REQUIRE(::symlink("passwd", (root + "/etc/pw").c_str()) == 0);
    }
};

}  // namespace

TEST_CASE("SafeRoot resolves symlinks inside the root only", "[rootfs][safe_path]") {
    for (bool fallback : {false, true}) {
        CAPTURE(fallback);
        rootfs_test::with_openat2_fallback(fallback, [] {
            Tree t;
            auto root = SafeRoot::open(t.root);
            REQUIRE(root.ok());
            for (const char* p : {"/etc/passwd", "abs/passwd", "/up/passwd", "absup/passwd", "/a/b/rel/passwd",
                                  "/a/b/../../etc/passwd", "../../etc/passwd", "/etc/pw"}) {
                CAPTURE(p);
                auto fd = root->resolve(p);
                REQUIRE(fd.ok());
                CHECK(same_file(fd->get(), t.root + "/etc/passwd"));
            }
            for (const char* p : {"/up/outside", "/absup/outside", "/a/b/rel/outside", "../etc/outside"}) {
                CAPTURE(p);
                auto fd = root->resolve(p);
                REQUIRE_FALSE(fd.ok());
                CHECK(fd.error().code == ENOENT);
            }
            auto root_fd = root->resolve("/");
            REQUIRE(root_fd.ok());
            CHECK(same_file(root_fd->get(), t.root));
            auto loop = root->resolve("/loop1");
            REQUIRE_FALSE(loop.ok());
            CHECK(loop.error().code == ELOOP);
            auto nofollow = root->resolve("/abs", O_NOFOLLOW);
            REQUIRE(nofollow.ok());
            CHECK(same_file(nofollow->get(), t.root + "/abs"));
            auto notdir = root->resolve("/etc/passwd/x");
            REQUIRE_FALSE(notdir.ok());
            CHECK(notdir.error().code == ENOTDIR);
            CHECK(root->resolve("/etc/passwd", O_DIRECTORY).error().code == ENOTDIR);
        });
    }
}

TEST_CASE("SafeRoot creates inside the root only", "[rootfs][safe_path]") {
    for (bool fallback : {false, true}) {
        CAPTURE(fallback);
        rootfs_test::with_openat2_fallback(fallback, [] {
            Tree t;
            auto root = SafeRoot::open(t.root);
            REQUIRE(root.ok());
            auto d = root->mkdir_all("/up/new/dir");
            REQUIRE(d.ok());
            CHECK(same_file(d->get(), t.root + "/etc/new/dir"));
            CHECK(::access((t.tmp / "etc/new").c_str(), F_OK) < 0);

            auto d2 = root->mkdir_all("/x/../../../y/z");
            REQUIRE(d2.ok());
            CHECK(same_file(d2->get(), t.root + "/y/z"));

            auto existing = root->mkdir_all("/absup");
            REQUIRE(existing.ok());
            CHECK(same_file(existing->get(), t.root + "/etc"));

            auto f = root->create_file("/a/b/rel/newfile");
            REQUIRE(f.ok());
            CHECK(same_file(f->get(), t.root + "/etc/newfile"));
            CHECK(::access((t.tmp / "etc/newfile").c_str(), F_OK) < 0);

            // Reusing an existing file through an in-root symlink.
            auto pw = root->create_file("/etc/pw");
            REQUIRE(pw.ok());
            CHECK(same_file(pw->get(), t.root + "/etc/passwd"));

            // A dangling symlink gets its target made, inside the root (runc and crun do the
            // same): absolute, relative and ".."-laden targets alike.
            auto df = root->create_file("/dangling");
            REQUIRE(df.ok());
            CHECK(same_file(df->get(), t.root + "/nonexistent/x"));
            CHECK(::access("/nonexistent", F_OK) < 0);
            REQUIRE(::symlink("../../../../up/dir/made", (t.root + "/a/b/dangle").c_str()) == 0);
            auto dd = root->mkdir_all("/a/b/dangle/sub");
            REQUIRE(dd.ok());
            CHECK(same_file(dd->get(), t.root + "/etc/dir/made/sub"));
            CHECK(::access((t.tmp / "etc/dir").c_str(), F_OK) < 0);
            REQUIRE(::symlink("../../../../../new/file", (t.root + "/etc/dangle-file").c_str()) == 0);
            auto nf = root->create_file("/etc/dangle-file");
            REQUIRE(nf.ok());
            CHECK(same_file(nf->get(), t.root + "/new/file"));
            struct stat made {};
            REQUIRE(::stat((t.root + "/new").c_str(), &made) == 0);
            CHECK((made.st_mode & 0111) != 0);  // a file's parents are searchable
            CHECK(::access((t.tmp / "new").c_str(), F_OK) < 0);

            // A file in the way of a directory.
            auto blocked = root->mkdir_all("/etc/passwd/sub");
            REQUIRE_FALSE(blocked.ok());
            CHECK(blocked.error().code == ENOTDIR);
        });
    }
}

TEST_CASE("SafeRoot refuses procfs magic links", "[rootfs][safe_path][root]") {
    Tree t;
    rootfs_test::mkdirs(t.root + "/proc");
    std::string out = rootfs_test::run_in_child(CLONE_NEWNS, [&]() -> std::string {
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) return "make / rslave failed";
        if (::mount("proc", (t.root + "/proc").c_str(), "proc", 0, nullptr) < 0) return "mount proc failed";
        rootfs_test::Checks c;
        for (bool fallback : {false, true}) {
            std::string mode = fallback ? " (walk)" : " (openat2)";
            rootfs_test::with_openat2_fallback(fallback, [&] {
                auto root = SafeRoot::open(t.root);
                if (!root.ok()) {
                    c.expect(false, "open root" + mode);
                    return;
                }
                c.expect(root->resolve("/proc/self/status").ok(), "/proc/self/status resolves" + mode);
                c.expect(root->resolve("/proc/mounts").ok(), "/proc/mounts resolves" + mode);
                for (const char* magic : {"/proc/self/root", "/proc/self/fd/0", "/proc/self/cwd/etc", "/proc/self/exe"}) {
                    auto r = root->resolve(magic);
                    c.expect(!r.ok() && r.error().code == ELOOP, std::string(magic) + " refused" + mode + (r.ok() ? " ok" : " " + r.error().text()));
                }
            });
        }
        return c.fails;
    });
    CHECK(out == "");
}
