#include <unistd.h>

#include <catch2/catch.hpp>

#include "sys/proc.hpp"

using lc::sys::parse_proc_stat;

TEST_CASE("proc stat: fields after the last ')' even when comm holds ') ('", "[proc]") {
    // comm = "a) (b c) R 9" : a hostile name that fakes field boundaries.
    std::string line = "123 (a) (b c) R 9) S 77 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1 2";
    auto st = parse_proc_stat(line);
    REQUIRE(st);
    CHECK(st->state == 'S');
    CHECK(st->ppid == 77);
    CHECK(st->start_time == 987654);
}

TEST_CASE("proc stat: malformed input is rejected", "[proc]") {
    CHECK_FALSE(parse_proc_stat(""));
    CHECK_FALSE(parse_proc_stat("123 (x R 1"));
    CHECK_FALSE(parse_proc_stat("123 (x) R 1 2 3"));
}

TEST_CASE("proc stat: our own process", "[proc]") {
    auto st = lc::sys::read_proc_stat(::getpid());
    REQUIRE(st.ok());
    CHECK(st->state == 'R');
    CHECK(st->ppid == ::getppid());
    CHECK(st->start_time > 0);
    CHECK(lc::sys::read_proc_stat(999999999).error().code == ENOENT);
}
