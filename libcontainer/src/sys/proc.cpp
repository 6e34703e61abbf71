#include "sys/proc.hpp"

#include <charconv>
#include <string>

#include "sys/file.hpp"

namespace lc::sys {

std::optional<ProcStat> parse_proc_stat(std::string_view s) {
    // comm (field 2) may hold spaces and ')' itself: fields resume after the last ')'.
    auto close = s.rfind(')');
    if (close == std::string_view::npos || close + 2 >= s.size()) return std::nullopt;
    std::string_view rest = s.substr(close + 2);  // starts at field 3 (state)
    ProcStat st;
    if (auto open = s.find('('); open != std::string_view::npos && open < close)
        st.comm = std::string(s.substr(open + 1, close - open - 1));
    int field = 3;
    size_t pos = 0;
    while (pos < rest.size() && field <= 22) {
        size_t end = rest.find(' ', pos);
        if (end == std::string_view::npos) end = rest.size();
        std::string_view tok = rest.substr(pos, end - pos);
        if (field == 3) {
            if (tok.empty()) return std::nullopt;
            st.state = tok[0];
        } else if (field == 4) {
            if (std::from_chars(tok.data(), tok.data() + tok.size(), st.ppid).ec != std::errc()) return std::nullopt;
        } else if (field == 22) {
            if (std::from_chars(tok.data(), tok.data() + tok.size(), st.start_time).ec != std::errc())
                return std::nullopt;
            return st;
        }
        pos = end + 1;
        ++field;
    }
    return std::nullopt;
}

Result<ProcStat> read_proc_stat(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    auto content = read_file(path);
    if (!content) return std::move(content).error();
    auto st = parse_proc_stat(*content);
    if (!st) return Error(EINVAL, "parse " + path);
    return *st;
}

}  // namespace lc::sys
