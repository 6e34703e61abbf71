// What runs before libc's start-up (early_entry.cpp): the verb reader and the entry point's
// verdict on the CVE-2019-5736 re-exec, which .preinit_array (main.cpp) reads. Declarations
// only, so that the freestanding early_entry.cpp includes nothing that brings code.
#pragma once

namespace cort {

// The verb of a command line by main's global-flag rules (flags before it, values of the ones
// that take one skipped), or null when there is none or help/version is asked. Runs before
// libc is set up: no allocation, no libc call.
const char* early_verb(int argc, char* const* argv);

// create, run and exec: the verbs that put a process into a container.
bool verb_enters_container(const char* verb);

// What the entry point found (cort_entry_verdict). NotRun: the binary was not entered
// through cort_entry (a non-x86-64 build, or a test binary).
enum EntryVerdict : int {
    kEntryNotRun = 0,
    kEntryNotNeeded = 1,  // the verb never enters a container
    kEntryProtected = 2,  // the image is already a read-only mount or a sealed memfd
    kEntryFailed = 3,     // the cheap re-exec was refused: .preinit_array does the fallback
};

}  // namespace cort

extern "C" int cort_entry_verdict;
