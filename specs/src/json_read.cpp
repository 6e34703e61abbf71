#include "json_read.hpp"

#include <cmath>

namespace specs::detail {

void JPath::append_to(std::string& out) const {
    if (parent_ != nullptr) parent_->append_to(out);
    if (index_ != kNoIndex) {
        out += '[';
        out += std::to_string(index_);
        out += ']';
    } else if (quoted_) {
        out += '[';
        out += json_quote(key_);
        out += ']';
    } else if (!key_.empty()) {
        if (!out.empty()) out += '.';
        out += key_;
    }
}

std::string JPath::str() const {
    std::string out;
    append_to(out);
    return out;
}

const char* type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::object: return "object";
        case json::value_t::array: return "array";
        case json::value_t::string: return "string";
        case json::value_t::boolean: return "boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "integer";
        case json::value_t::number_float: return "number";
        case json::value_t::binary: return "binary";
        case json::value_t::discarded: break;
    }
    return "invalid value";
}

std::string json_quote(std::string_view s) {
    // dump() escapes control characters and quotes; replace keeps invalid UTF-8 from throwing.
    return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

lc::Error field_error(const JPath& p, std::string_view reason) {
    std::string path = p.str();
    if (path.empty()) return lc::make_error(std::string(reason));
    return lc::make_error(path + ": " + std::string(reason));
}

lc::Error type_error(const JPath& p, const char* expected, const json& got) {
    return field_error(p, std::string("expected ") + expected + ", got " + type_name(got));
}

lc::Result<void> read(const json& j, const JPath& p, std::string& out) {
    if (!j.is_string()) return type_error(p, "string", j);
    out = j.get_ref<const std::string&>();
    return lc::ok();
}

lc::Result<void> read(const json& j, const JPath& p, bool& out) {
    if (!j.is_boolean()) return type_error(p, "boolean", j);
    out = j.get<bool>();
    return lc::ok();
}

lc::Result<void> read_int(const json& j, const JPath& p, int64_t min, uint64_t max, int64_t& s,
                          uint64_t& u) {
    auto range = [&](const std::string& shown) {
        return field_error(p, "value " + shown + " out of range (" + std::to_string(min) + " to " +
                                  std::to_string(max) + ")");
    };
    if (j.is_number_unsigned()) {
        u = j.get<uint64_t>();
        if (u > max) return range(std::to_string(u));
        s = static_cast<int64_t>(u);
        return lc::ok();
    }
    if (j.is_number_integer()) {
        s = j.get<int64_t>();
        if (s < min) return range(std::to_string(s));
        // Negative values that passed min only reach signed fields; positive ones fit max
        // here because nlohmann stores every non-negative literal as number_unsigned.
        u = static_cast<uint64_t>(s);
        return lc::ok();
    }
    if (j.is_number_float()) {
        double d = j.get<double>();
        // Integers beyond 64 bits arrive as floats; say "out of range" rather than "not integer".
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 9.2e18)
            return range(j.dump());
        return field_error(p, "expected integer, got number " + j.dump());
    }
    return type_error(p, "integer", j);
}

lc::Result<json> parse_text(std::string_view text) {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // e.byte is the 1-based offset of the character that failed; count lines up to it.
        size_t end = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
        size_t line = 1, col = 1;
        for (size_t i = 0; i < end; ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        // nlohmann's text is "[json.exception.parse_error.101] parse error at line 3,
        // column 5: syntax error while parsing ...": keep only the reason.
        std::string why = e.what();
        if (auto pos = why.find("column "); pos != std::string::npos) {
            if (auto colon = why.find(": ", pos); colon != std::string::npos)
                why = why.substr(colon + 2);
        } else if (auto colon = why.find(": "); colon != std::string::npos) {
            why = why.substr(colon + 2);
        }
        return lc::make_error("malformed JSON at line " + std::to_string(line) + ", column " +
                              std::to_string(col) + ": " + why);
    } catch (const std::exception& e) {
        return lc::make_error(std::string("malformed JSON: ") + e.what());
    }
}

}  // namespace specs::detail
