#include "cgroups/units.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace lc::cgroups {

Result<int64_t> parse_ram_bytes(std::string_view text, std::string_view flag) {
    auto bad = [&] {
        return plain_error(EINVAL, "invalid value for " + std::string(flag) + ": invalid size \"" + std::string(text) + "\"");
    };
    if (text == "-1") return int64_t{-1};
    // <digits>[.<digits>]... [ ] [kmgtp] [i] [b]   (go-units' sizeRegex)
    size_t i = 0;
    auto digits = [&] {
        size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        return i > start;
    };
    if (!digits()) return bad();
    while (i < text.size() && text[i] == '.') {
        ++i;
        if (!digits()) return bad();
    }
    std::string number(text.substr(0, i));
    if (i < text.size() && text[i] == ' ') ++i;
    int power = 0;
    if (i < text.size()) {
        static constexpr std::string_view kUnits = "kmgtp";
        size_t u = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
        if (u != std::string_view::npos) {
            power = static_cast<int>(u) + 1;
            ++i;
        }
    }
    if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
    if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
    if (i != text.size()) return bad();
    // go-units parses the number as a float ("1.2.3" is accepted by its regex but not by
    // ParseFloat, so it is an error there too).
    if (std::count(number.begin(), number.end(), '.') > 1) return bad();
    char* end = nullptr;
    double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return bad();
    v *= std::pow(1024.0, power);
    if (!(v < 9223372036854775808.0)) return bad();
    return static_cast<int64_t>(v);
}

}  // namespace lc::cgroups
