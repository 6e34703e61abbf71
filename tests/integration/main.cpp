// The one translation unit that defines Catch2's main for cort_integration_tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
