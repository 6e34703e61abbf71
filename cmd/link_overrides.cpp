// Link-time replacements for three pieces of the C and C++ runtimes that cort does not need,
// each of which would otherwise pull a large part of glibc or libstdc++ into the static
// binary (docs/benchmark.md, "Third pass": 1.73 -> 1.39 MiB together with LTO). Behaviour is
// unchanged for cort: it never translates messages, and the other two only ever run on a bug.
#include <unistd.h>

#include <cstdlib>
#include <string>

// libstdc++'s default terminate handler demangles the type of an uncaught exception, which
// links its whole demangler (~55 KB) into the static binary. An uncaught exception is a bug
// in cort; abort() after saying so is all that is needed.
namespace __gnu_cxx {
void __verbose_terminate_handler() {
    static const char msg[] = "cort: terminate called (uncaught exception)\n";
    [[maybe_unused]] ssize_t n = ::write(2, msg, sizeof msg - 1);
    std::abort();
}
}  // namespace __gnu_cxx

// cort never calls setlocale(), so in its "C" locale glibc's message catalogs would hand
// back every message (strerror's texts) untranslated anyway. Declaring that here, as the
// identity, keeps gettext's catalog loader out of the static binary (~40 KB measured; iconv
// itself stays, glibc's stdio needs it). Declared in <libintl.h>.
extern "C" char* __dcgettext(const char*, const char* msgid, int) { return const_cast<char*>(msgid); }
extern "C" char* dcgettext(const char*, const char* msgid, int) { return const_cast<char*>(msgid); }

// libseccomp's assert()s would otherwise link glibc's wide-character printf (~20 KB) just
// to format the failure; this says the same and aborts the same way.
extern "C" [[noreturn]] void __assert_fail(const char* expr, const char* file, unsigned int line, const char* fn) noexcept {
    std::string msg = std::string("cort: ") + file + ":" + std::to_string(line) + ": " + fn + ": assertion `" + expr + "' failed\n";
    [[maybe_unused]] ssize_t n = ::write(2, msg.data(), msg.size());
    std::abort();
}
