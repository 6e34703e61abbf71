// rfc3339_now computes the UTC date itself (no gmtime_r, which loads /etc/localtime): it must
// agree with gmtime_r.
#include <time.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "lc/log.hpp"

TEST_CASE("rfc3339_now is the current UTC time with nanoseconds", "[log]") {
    for (int attempt = 0;; ++attempt) {
        time_t before = ::time(nullptr);
        std::string s = lc::log::rfc3339_now();
        time_t after = ::time(nullptr);
        if (before != after && attempt < 3) continue;  // crossed a second: try again
        tm t{};
        ::gmtime_r(&before, &t);
        char want[96];
        std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec);
        REQUIRE(s.size() == 30);
        CHECK(s.substr(0, 20) == want);
        CHECK(s.back() == 'Z');
        break;
    }
}
