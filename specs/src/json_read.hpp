// Internal: typed reads from an already-parsed nlohmann::json tree. Every failure names the
// JSON path ("linux.resources.memory.limit: expected integer, got string"). Reads never
// throw: types are checked before any nlohmann accessor is used.
#pragma once
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lc/error.hpp"
#include "specs/runtime_spec.hpp"

namespace specs::detail {

using json = nlohmann::json;

// A JSON path kept as a chain of stack frames, so that the happy path never builds strings;
// str() renders it only when an error is reported.
class JPath {
public:
    JPath() = default;
    JPath(std::string_view root) : key_(root) {}
    JPath field(std::string_view key) const { return JPath(this, key, kNoIndex, false); }
    JPath index(size_t i) const { return JPath(this, {}, i, false); }
    // A key of a free-form map (annotations, sysctl): rendered as map["key"].
    JPath map_key(std::string_view key) const { return JPath(this, key, kNoIndex, true); }
    std::string str() const;

private:
    static constexpr size_t kNoIndex = static_cast<size_t>(-1);
    JPath(const JPath* parent, std::string_view key, size_t idx, bool quoted)
        : parent_(parent), key_(key), index_(idx), quoted_(quoted) {}
    void append_to(std::string& out) const;

    const JPath* parent_ = nullptr;
    std::string_view key_;
    size_t index_ = kNoIndex;
    bool quoted_ = false;
};

// "expected integer, got string" style name of a JSON value's type.
const char* type_name(const json& j);
lc::Error field_error(const JPath& p, std::string_view reason);
lc::Error type_error(const JPath& p, const char* expected, const json& got);
// Quotes a value for an error message: "pdi" -> "\"pdi\"".
std::string json_quote(std::string_view s);

lc::Result<void> read(const json& j, const JPath& p, std::string& out);
lc::Result<void> read(const json& j, const JPath& p, bool& out);
lc::Result<void> read_int(const json& j, const JPath& p, int64_t min, uint64_t max, int64_t& s,
                          uint64_t& u);

template <typename T>
    requires(std::integral<T> && !std::same_as<T, bool>)
lc::Result<void> read(const json& j, const JPath& p, T& out) {
    int64_t s = 0;
    uint64_t u = 0;
    TRY(read_int(j, p, static_cast<int64_t>(std::numeric_limits<T>::min()),
                 static_cast<uint64_t>(std::numeric_limits<T>::max()), s, u));
    out = std::is_signed_v<T> ? static_cast<T>(s) : static_cast<T>(u);
    return lc::ok();
}

// Struct readers (defined in parse_*.cpp). Declared before the container templates so that
// those templates find them by ordinary lookup.
lc::Result<void> read(const json& j, const JPath& p, Box& out);
lc::Result<void> read(const json& j, const JPath& p, User& out);
lc::Result<void> read(const json& j, const JPath& p, Rlimit& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxCapabilities& out);
lc::Result<void> read(const json& j, const JPath& p, Scheduler& out);
lc::Result<void> read(const json& j, const JPath& p, IOPriority& out);
lc::Result<void> read(const json& j, const JPath& p, CPUAffinity& out);
lc::Result<void> read(const json& j, const JPath& p, Process& out);
lc::Result<void> read(const json& j, const JPath& p, Root& out);
lc::Result<void> read(const json& j, const JPath& p, IDMapping& out);
lc::Result<void> read(const json& j, const JPath& p, Mount& out);
lc::Result<void> read(const json& j, const JPath& p, Hook& out);
lc::Result<void> read(const json& j, const JPath& p, Hooks& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxNamespace& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxDevice& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxDeviceCgroup& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxMemory& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxCPU& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxPids& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxWeightDevice& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxThrottleDevice& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxBlockIO& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxHugepageLimit& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxInterfacePriority& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxNetwork& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxRdma& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxResources& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxSyscallArg& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxSyscall& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxSeccomp& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxPersonality& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxIntelRdt& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxTimeOffset& out);
lc::Result<void> read(const json& j, const JPath& p, LinuxNetDevice& out);
lc::Result<void> read(const json& j, const JPath& p, MemoryPolicy& out);
lc::Result<void> read(const json& j, const JPath& p, Linux& out);
lc::Result<void> read(const json& j, const JPath& p, Spec& out);

// JSON null reads as "absent", like Go's encoding/json which runc relies on.
template <typename T>
lc::Result<void> read(const json& j, const JPath& p, std::optional<T>& out) {
    if (j.is_null()) {
        out.reset();
        return lc::ok();
    }
    T v{};
    TRY(read(j, p, v));
    out = std::move(v);
    return lc::ok();
}

template <typename T>
lc::Result<void> read(const json& j, const JPath& p, std::vector<T>& out) {
    out.clear();
    if (j.is_null()) return lc::ok();
    if (!j.is_array()) return type_error(p, "array", j);
    const auto& arr = j.get_ref<const json::array_t&>();
    out.resize(arr.size());
    for (size_t i = 0; i < arr.size(); ++i) TRY(read(arr[i], p.index(i), out[i]));
    return lc::ok();
}

template <typename T>
lc::Result<void> read(const json& j, const JPath& p, std::map<std::string, T>& out) {
    out.clear();
    if (j.is_null()) return lc::ok();
    if (!j.is_object()) return type_error(p, "object", j);
    for (const auto& [k, v] : j.get_ref<const json::object_t&>()) {
        T item{};
        TRY(read(v, p.map_key(k), item));
        out.emplace(k, std::move(item));
    }
    return lc::ok();
}

// The fields of one JSON object. opt() leaves the default when a key is absent or null;
// req() reports "missing required field".
class Object {
public:
    Object(const json& j, const JPath& p) : j_(j), p_(p) {}
    // Check first: Object assumes j is an object.
    static lc::Result<void> check(const json& j, const JPath& p) {
        if (!j.is_object()) return type_error(p, "object", j);
        return lc::ok();
    }

    template <typename T>
    lc::Result<void> opt(const char* key, T& out) const {
        const json* v = find(key);
        if (v == nullptr || v->is_null()) return lc::ok();
        return read(*v, p_.field(key), out);
    }
    template <typename T>
    lc::Result<void> req(const char* key, T& out) const {
        const json* v = find(key);
        if (v == nullptr || v->is_null()) return field_error(p_.field(key), "missing required field");
        return read(*v, p_.field(key), out);
    }
    bool has(const char* key) const {
        const json* v = find(key);
        return v != nullptr && !v->is_null();
    }
    const JPath& path() const { return p_; }

private:
    const json* find(const char* key) const {
        const auto& obj = j_.get_ref<const json::object_t&>();
        auto it = obj.find(key);
        return it == obj.end() ? nullptr : &it->second;
    }
    const json& j_;
    const JPath& p_;
};

// Parses text into a tree; a syntax error becomes "malformed JSON at line L, column C: why".
lc::Result<json> parse_text(std::string_view text);

// Runs a reader over freshly parsed text; nlohmann exceptions (which the readers avoid, but a
// library upgrade might add) become Errors rather than escaping.
template <typename T>
lc::Result<T> parse_as(std::string_view text, std::string_view root) {
    TRY_ASSIGN(json tree, parse_text(text));
    T out{};
    try {
        TRY(read(tree, JPath(root), out));
    } catch (const std::exception& e) {
        return lc::make_error(std::string("decode JSON: ") + e.what());
    }
    return out;
}

}  // namespace specs::detail
