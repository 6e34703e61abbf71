// The cgroupfs driver for all three layouts. A container's cgroup is one directory per
// mounted hierarchy: v1 hierarchies (Legacy, Hybrid) and/or one v2 hierarchy (Unified,
// or Hybrid's /sys/fs/cgroup/unified, which may host controllers such as hugetlb).
// Each resource controller is written in the v1 hierarchy that has it, else in the v2
// hierarchy that has it, else it is an error naming the field.
#pragma once
#include "cgroups/detect.hpp"
#include "cgroups/devices.hpp"
#include "cgroups/resources.hpp"
#include "cgroups/manager.hpp"
#include "cgroups/sub_cgroup.hpp"

namespace lc::cgroups {

class FsManager final : public Manager {
public:
    FsManager(Layout layout, std::vector<Hierarchy> hierarchies)
        : layout_(layout), hierarchies_(std::move(hierarchies)) {}

    Layout layout() const override { return layout_; }
    Result<void> create() override;
    Result<void> apply(pid_t pid) override;
    Result<void> check_not_frozen() override;
    Result<std::vector<std::string>> sub_cgroup_dirs(const SubCgroups& sub) const override {
        return cgroups::sub_cgroup_dirs(layout_, hierarchies_, sub);
    }
    Result<void> set(const specs::LinuxResources& r) override;
    Result<void> freeze(bool frozen) override;
    Result<bool> is_frozen() override;
    Result<void> kill_all(int sig) override;
    Result<std::vector<pid_t>> pids() override;
    Result<uint64_t> oom_kill_count() override;
    Result<Stats> stats() override;
    Result<OomWatch> watch_oom() override;
    Result<void> destroy() override;
    Result<void> undo_create() override;
    std::string to_json() const override;
    std::vector<CgroupMountSource> mount_sources() const override;

    const std::vector<Hierarchy>& hierarchies() const { return hierarchies_; }

private:
    const Hierarchy* v1_with(std::string_view controller) const;
    const Hierarchy* v2() const;
    Result<void> create_v1(const Hierarchy& h);
    Result<void> create_v2(const Hierarchy& h);
    Result<void> set_devices(const std::vector<specs::LinuxDeviceCgroup>& devs);
    Result<std::pair<size_t, int>> write_v1_device_rules(const std::string& path, const std::vector<DeviceRule>& rules);
    // One controller's writes, computed and validated but not yet written.
    struct PlannedWrites {
        UniqueFd dir;
        std::string path;
        Writes writes;
    };
    Result<PlannedWrites> plan_controller(const ControllerUse& use, const specs::LinuxResources& r);
    Result<void> freeze_v1(const Hierarchy& h, bool frozen);
    Result<void> freeze_v2(const Hierarchy& h, bool frozen);
    // The hierarchy whose cgroup.procs lists the container's processes most reliably.
    const Hierarchy& pids_hierarchy() const;

    Layout layout_;
    std::vector<Hierarchy> hierarchies_;
    // The directories create() made, parent first (for undo_create).
    std::vector<std::string> made_;
    // The v1 device rules this manager last wrote, in order ("line+" allow, "line-" deny).
    std::vector<std::string> v1_device_lines_;
};

}  // namespace lc::cgroups
