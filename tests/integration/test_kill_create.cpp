// SIGKILL of `create` at several points of the bootstrap: whatever it left behind (a state dir
// without state, a half-made cgroup, a stage process blocked on a dead peer...), a following
// `delete --force ID` must remove completely.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace itest;

namespace {

// Processes of a killed bootstrap die asynchronously (parent-death signals, EOF on the sync
// socket): poll until they are gone, bounded so a real leftover fails instead of hanging.
void wait_processes_gone(const std::string& id, const std::string& bundle) {
    for (int i = 0; i < 500 && !processes_left(id, bundle).empty(); ++i) {
        reap_orphans();
        usleep(10000);
    }
}

// How long one undisturbed create takes here, so the kill points can also be spread over the
// whole bootstrap of a fast or slow runtime, not only its first milliseconds.
int full_create_us() {
    static int us = [] {
        Bundle b;
        b.set_args({"sleep", "1000"});
        std::string id = unique_id("createtime");
        ContainerGuard g(id);
        auto t0 = std::chrono::steady_clock::now();
        create(b, id);
        auto t = std::chrono::steady_clock::now() - t0;
        return static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(t).count());
    }();
    return us;
}

}  // namespace

TEST_CASE("SIGKILL of create at any point, then delete --force leaves nothing",
          "[kill-create]") {
    // Fixed points (ms) for the start, then fractions (negative: percent) of a full create.
    int point = GENERATE(0, 1, 2, 5, 10, -25, -50, -75, -90);
    int attempt = GENERATE(1, 2);
    int delay_us = point >= 0 ? point * 1000 : full_create_us() * -point / 100;
    Bundle b;
    b.set_args({"sleep", "1000"});
    std::string id = unique_id("killcreate");
    ContainerGuard g(id);
    INFO("SIGKILL after " << delay_us << " us, attempt " << attempt << ", id " << id);

    pid_t pid = spawn({runtime_path(), "--root", state_root(), "create", "--bundle", b.path(), id},
                      b.path());
    if (delay_us) usleep(static_cast<useconds_t>(delay_us));
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);

    auto d = rt({"delete", "--force", id});
    INFO("delete --force: " << d.describe());
    // delete --force may find no container (killed before anything was recorded); then it
    // may fail, but there must still be nothing left.
    wait_processes_gone(id, b.path());
    // runc 1.1 leaves the cgroup when killed after joining it but before saving its state.
    assert_nothing_left(id, b.path(), /*check_cgroups=*/!runtime_is_runc());
}

TEST_CASE("delete --force removes a state dir that a killed create left without .lock",
          "[kill-create]") {
    // The window between create's mkdir and its .lock is too short to hit by killing create;
    // make the leftover directly.
    std::string id = unique_id("barestate");
    ContainerGuard g(id);
    std::string dir = state_root() + "/" + id;
    REQUIRE((::mkdir(state_root().c_str(), 0700) == 0 || errno == EEXIST));
    REQUIRE(::mkdir(dir.c_str(), 0711) == 0);
    auto d = rt({"delete", "--force", id});
    INFO(d.describe());
    CHECK(d.exit_code == 0);
    CHECK_FALSE(state_dir_exists(id));
    auto plain = rt({"delete", id});
    CHECK(plain.exit_code != 0);
}
