// Error and Result<T>: the only error channel in libcontainer (no exceptions).
#pragma once
#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lc {

struct Error {
    int code = 0;     // errno value, 0 when not a syscall failure
    std::string msg;  // "<verb> <object>" context chain, outermost first
    bool plain = false;  // the message says it all: text() adds no strerror(code)

    Error() = default;
    Error(int c, std::string m) : code(c), msg(std::move(m)) {}

    // Prefix context: Error{EPERM,"mount /proc"}.wrap("rootfs") -> "rootfs: mount /proc".
    Error wrap(std::string_view ctx) && {
        msg = std::string(ctx) + ": " + msg;
        return std::move(*this);
    }
    Error wrap(std::string_view ctx) const& { return Error(*this).wrap(ctx); }
    // Full text as printed to the user: "mount proc to /proc: Operation not permitted".
    std::string text() const;
};

// An error from errno at the call site.
Error sys_error(std::string what, int err = errno);
// An error with no errno at all.
inline Error make_error(std::string what) { return Error(0, std::move(what)); }
// An error that is not a syscall failure (bad input, a state conflict): the code is kept
// for callers that branch on it, but the text is the message alone.
inline Error plain_error(int code, std::string what) {
    Error e(code, std::move(what));
    e.plain = true;
    return e;
}

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : err_(std::move(e)), failed_(true) {}
    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return err_; }
    Error&& error() && { return std::move(err_); }

private:
    Error err_;
    bool failed_ = false;
};

inline Result<void> ok() { return {}; }

}  // namespace lc

// Propagate a failed Result, optionally adding context.
#define LC_CONCAT2(a, b) a##b
#define LC_CONCAT(a, b) LC_CONCAT2(a, b)
#define TRY(expr)                                          \
    do {                                                   \
        auto&& LC_CONCAT(r_, __LINE__) = (expr);           \
        if (!LC_CONCAT(r_, __LINE__).ok())                 \
            return std::move(LC_CONCAT(r_, __LINE__)).error(); \
    } while (0)
#define TRY_CTX(expr, ctx)                                                \
    do {                                                                  \
        auto&& LC_CONCAT(r_, __LINE__) = (expr);                          \
        if (!LC_CONCAT(r_, __LINE__).ok())                                \
            return std::move(LC_CONCAT(r_, __LINE__)).error().wrap(ctx);  \
    } while (0)
// Assign the value of a Result or propagate its error: TRY_ASSIGN(auto fd, open_x());
#define TRY_ASSIGN(decl, expr)                                   \
    auto LC_CONCAT(ra_, __LINE__) = (expr);                      \
    if (!LC_CONCAT(ra_, __LINE__).ok())                          \
        return std::move(LC_CONCAT(ra_, __LINE__)).error();      \
    decl = std::move(LC_CONCAT(ra_, __LINE__)).value()
// A syscall returning -1 on failure becomes an Error with "what".
#define TRY_SYS(expr, what)                                      \
    do {                                                         \
        if ((expr) < 0)                                          \
            return ::lc::sys_error(what);                        \
    } while (0)
