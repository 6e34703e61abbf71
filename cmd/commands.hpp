#pragma once
#include "cli.hpp"
#include "plan/plan.hpp"

namespace cort {

int cmd_create(const GlobalOptions&, const ParsedArgs&);
int cmd_run(const GlobalOptions&, const ParsedArgs&);
int cmd_start(const GlobalOptions&, const ParsedArgs&);
int cmd_state(const GlobalOptions&, const ParsedArgs&);
int cmd_kill(const GlobalOptions&, const ParsedArgs&);
int cmd_delete(const GlobalOptions&, const ParsedArgs&);
int cmd_list(const GlobalOptions&, const ParsedArgs&);
int cmd_spec(const GlobalOptions&, const ParsedArgs&);
int cmd_features(const GlobalOptions&, const ParsedArgs&);
int cmd_exec(const GlobalOptions&, const ParsedArgs&);
const std::vector<FlagSpec>& exec_flags();
int cmd_update(const GlobalOptions&, const ParsedArgs&);
int cmd_pause(const GlobalOptions&, const ParsedArgs&);
int cmd_resume(const GlobalOptions&, const ParsedArgs&);
int cmd_ps(const GlobalOptions&, const ParsedArgs&);
int cmd_events(const GlobalOptions&, const ParsedArgs&);
const std::vector<FlagSpec>& update_flags();

// Shared by create and run: the flags and their translation into CreateOptions.
const std::vector<FlagSpec>& create_flags();
lc::Result<lc::CreateOptions> create_options(const GlobalOptions& g, const ParsedArgs& a, const std::string& id);
// systemd socket activation: how many fds from 3 are ours (LISTEN_PID names this process).
unsigned listen_fds_from_env();

}  // namespace cort
