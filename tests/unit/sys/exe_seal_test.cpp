#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "sys/exe_seal.hpp"

namespace {

std::string fake_elf(std::initializer_list<std::pair<size_t, size_t>> segments) {
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(segments.size());
    std::string out(reinterpret_cast<const char*>(&eh), sizeof eh);
    for (auto [off, size] : segments) {
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_offset = off;
        ph.p_filesz = size;
        out.append(reinterpret_cast<const char*>(&ph), sizeof ph);
    }
    return out;
}

}  // namespace

TEST_CASE("elf_exec_size: the end of the furthest segment", "[exe_seal]") {
    auto head = fake_elf({{0, 0x1000}, {0x1000, 0x5000}, {0x7000, 0x200}});
    CHECK(lc::sys::elf_exec_size(head, 0x100000) == 0x7200);
}

TEST_CASE("elf_exec_size: never less than the program headers", "[exe_seal]") {
    auto head = fake_elf({{0, 8}});
    CHECK(lc::sys::elf_exec_size(head, 4096) == head.size());
}

TEST_CASE("elf_exec_size: refuses what it cannot read", "[exe_seal]") {
    CHECK(lc::sys::elf_exec_size("not an elf", 100) == 0);
    auto head = fake_elf({{0, 0x9000}});
    CHECK(lc::sys::elf_exec_size(head, 0x1000) == 0);                // segment past the end of file
    CHECK(lc::sys::elf_exec_size(head.substr(0, 70), 0x100000) == 0);  // truncated program headers
    auto wrap = fake_elf({{~size_t{0} - 4, 16}});
    CHECK(lc::sys::elf_exec_size(wrap, 0x100000) == 0);
}

TEST_CASE("elf_exec_size: this test binary", "[exe_seal]") {
    int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    char head[4096];
    ssize_t n = ::pread(fd, head, sizeof head, 0);
    ::close(fd);
    REQUIRE(n > 0);
    size_t size = lc::sys::elf_exec_size(std::string_view(head, static_cast<size_t>(n)), static_cast<size_t>(st.st_size));
    CHECK(size > 0);
    CHECK(size <= static_cast<size_t>(st.st_size));
    CHECK_FALSE(lc::sys::self_exe_is_sealed());
}
