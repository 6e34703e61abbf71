#include <catch2/catch.hpp>

#include "specs/json.hpp"
#include "specs/validate.hpp"

TEST_CASE("default spec round-trips and validates", "[specs]") {
    for (bool rootless : {false, true}) {
        auto text = specs::to_json_string(specs::default_spec(rootless), true);
        auto spec = specs::parse_config(text);
        REQUIRE(spec.ok());
        CHECK(specs::to_json_string(*spec, true) == text);
        auto v = specs::validate(*spec);
        INFO((v.ok() ? std::string() : v.error().text()));
        CHECK(v.ok());
    }
}
