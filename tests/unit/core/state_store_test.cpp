#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "state/container_id.hpp"
#include "state/state_store.hpp"

namespace fs = std::filesystem;

namespace {
struct TempRoot {
    std::string path;
    TempRoot() {
        char tmpl[] = "/tmp/cort-state-test-XXXXXX";
        path = ::mkdtemp(tmpl);
        path += "/root";
    }
    ~TempRoot() { fs::remove_all(fs::path(path).parent_path()); }
};
}  // namespace

TEST_CASE("state store: create, save, load, list, remove", "[state]") {
    TempRoot t;
    lc::StateStore store(t.path);
    auto lock = store.create_dir("c1");
    REQUIRE(lock.ok());
    struct stat st;
    REQUIRE(::stat(t.path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    lc::ContainerState s;
    s.id = "c1";
    s.pid = 1234;
    s.pid_start_time = 99;
    s.bundle = "/b";
    s.annotations["k"] = "v";
    s.namespace_paths["pid"] = "/proc/1234/ns/pid";
    REQUIRE(store.save(s).ok());
    auto back = store.load("c1");
    REQUIRE(back.ok());
    CHECK(back->pid == 1234);
    CHECK(back->pid_start_time == 99);
    CHECK(back->annotations.at("k") == "v");
    CHECK(back->namespace_paths.at("pid") == "/proc/1234/ns/pid");
    // Atomic write leaves no temp file behind.
    size_t files = 0;
    for (auto& e : fs::directory_iterator(store.dir("c1"))) files += e.path().filename().string().find(".tmp") != std::string::npos;
    CHECK(files == 0);
    auto ids = store.list();
    REQUIRE(ids.ok());
    CHECK(*ids == std::vector<std::string>{"c1"});
    REQUIRE(store.remove("c1").ok());
    CHECK_FALSE(store.exists("c1"));
    CHECK(store.load("c1").error().text() == "container \"c1\" does not exist");
}

TEST_CASE("state store: a duplicate id is refused", "[state]") {
    TempRoot t;
    lc::StateStore store(t.path);
    REQUIRE(store.create_dir("dup").ok());
    auto again = store.create_dir("dup");
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().text() == "container with id \"dup\" already exists");
}

TEST_CASE("state store: the lock is exclusive across open files", "[state]") {
    TempRoot t;
    lc::StateStore store(t.path);
    auto held = store.create_dir("l");
    REQUIRE(held.ok());
    int fd = ::open((store.dir("l") + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK(::flock(fd, LOCK_EX | LOCK_NB) < 0);
    CHECK(errno == EWOULDBLOCK);
    held->reset();
    CHECK(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    ::close(fd);
}

TEST_CASE("state store: a directory without state.json loads as creating-or-stopped", "[state]") {
    TempRoot t;
    lc::StateStore store(t.path);
    REQUIRE(store.create_dir("half").ok());
    auto s = store.load("half");
    REQUIRE(s.ok());
    CHECK(s->pid == 0);
}

TEST_CASE("container ids", "[state]") {
    for (const char* good : {"a", "abc-DEF_1.2+x", "0"}) CHECK(lc::validate_container_id(good).ok());
    for (const char* bad : {"", ".", "..", "../x", "a/b", "a b", "x\n"}) {
        auto r = lc::validate_container_id(bad);
        CHECK_FALSE(r.ok());
    }
    CHECK(lc::validate_container_id("../evil").error().text().find("invalid character") != std::string::npos);
}
