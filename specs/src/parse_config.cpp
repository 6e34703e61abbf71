// Entry points: config.json, `exec --process`, `update --resources`, stored hooks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "json_read.hpp"
#include "lc/fd.hpp"
#include "specs/json.hpp"

namespace specs {
namespace detail {

lc::Result<void> read(const json& j, const JPath& p, Spec& out) {
    TRY(Object::check(j, p));
    Object o(j, p);
    TRY(o.req("ociVersion", out.oci_version));
    TRY(o.opt("process", out.process));
    TRY(o.opt("root", out.root));
    TRY(o.opt("hostname", out.hostname));
    TRY(o.opt("domainname", out.domainname));
    TRY(o.opt("mounts", out.mounts));
    TRY(o.opt("hooks", out.hooks));
    TRY(o.opt("annotations", out.annotations));
    TRY(o.opt("linux", out.linux));
    return lc::ok();
}

namespace {

lc::Result<std::string> read_whole_file(const std::string& path) {
    lc::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return lc::sys_error("open `" + path + "`");
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return lc::sys_error("stat `" + path + "`");
    std::string data;
    // st_size is a hint only (procfs and pipes report 0); the loop reads to EOF regardless.
    data.resize(st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096);
    size_t used = 0;
    for (;;) {
        if (used == data.size()) data.resize(data.size() * 2);
        ssize_t n = ::read(fd.get(), data.data() + used, data.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return lc::sys_error("read `" + path + "`");
        }
        if (n == 0) break;
        used += static_cast<size_t>(n);
    }
    data.resize(used);
    return data;
}

}  // namespace
}  // namespace detail

lc::Result<Spec> parse_config(std::string_view text) { return detail::parse_as<Spec>(text, ""); }

lc::Result<Spec> load_config(const std::string& path) {
    TRY_ASSIGN(std::string text, detail::read_whole_file(path));
    auto spec = parse_config(text);
    if (!spec.ok()) return std::move(spec).error().wrap(path);
    return spec;
}

lc::Result<Process> parse_process(std::string_view text) {
    return detail::parse_as<Process>(text, "");
}

lc::Result<LinuxResources> parse_resources(std::string_view text) {
    return detail::parse_as<LinuxResources>(text, "");
}

lc::Result<Hooks> parse_hooks(std::string_view text) { return detail::parse_as<Hooks>(text, ""); }

}  // namespace specs
