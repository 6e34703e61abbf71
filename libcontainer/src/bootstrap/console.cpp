#include "bootstrap/console.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <linux/magic.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "specs/json.hpp"
#include "sys/file.hpp"
#include "sys/syscalls.hpp"

namespace lc::console {

Result<UniqueFd> connect_socket(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return plain_error(EINVAL, "--console-socket: path \"" + path + "\" is empty or too long for a unix socket");
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return sys_error("socket");
    while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        if (errno == EINTR) continue;
        // Go's lower-case errno text, as runc prints it: engines match on these words.
        int err = errno;
        std::string text = std::strerror(err);
        if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
        return plain_error(err, "dial unix " + path + ": connect: " + text);
    }
    return fd;
}

namespace {

Result<void> check_devpts_node(int fd, const std::string& what) {
    struct statfs sf {};
    struct stat st {};
    if (::fstatfs(fd, &sf) < 0 || ::fstat(fd, &st) < 0) return sys_error("stat " + what);
    if (sf.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode))
        return plain_error(EPERM, what + " is not a pty on a devpts filesystem, refusing to use it");
    return {};
}

Result<void> bind_console(int slave_fd, const std::string& slave_path) {
    // runc creates /dev/console when missing and binds the slave over it.
    mode_t old = ::umask(0);
    int f = ::open("/dev/console", O_CREAT | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    ::umask(old);
    if (f < 0) return sys_error("create /dev/console");
    ::close(f);
    UniqueFd target(::open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target) return sys_error("open /dev/console");
    struct stat st {};
    if (::fstat(target.get(), &st) < 0) return sys_error("stat /dev/console");
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
        return plain_error(EPERM, "/dev/console is neither a file nor a device, refusing to mount over it");
    UniqueFd tree(sys::open_tree(slave_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
    if (!tree) return sys_error("clone a mount of " + slave_path);
    if (sys::move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return sys_error("bind " + slave_path + " on /dev/console");
    return {};
}

Result<void> send_fd(int sock, const std::string& name, int fd) {
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{const_cast<char*>(name.data()), name.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    sys::attach_fds(msg, cbuf, &fd, 1);
    while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
        if (errno == EINTR) continue;
        return sys_error("send the pty master over the console socket");
    }
    return {};
}

}  // namespace

Result<void> setup_console(int socket_fd, const std::optional<specs::Box>& size, bool mount_console) {
    if (socket_fd < 0) return plain_error(EINVAL, "process.terminal: no console socket to send the pty master to");
    // The container's /dev/ptmx (a symlink to pts/ptmx after the rootfs setup), so the pty
    // belongs to the container's devpts instance, never the host's.
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return sys_error("open /dev/ptmx");
    int unlock = 0;
    if (::ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return sys_error("unlockpt");
    unsigned ptn = 0;
    if (::ioctl(master.get(), TIOCGPTN, &ptn) < 0) return sys_error("ptsname");
    std::string slave_path = "/dev/pts/" + std::to_string(ptn);
    // TIOCGPTPEER opens the peer through the master itself: no path lookup that a
    // container process could swap for another file.
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) {
        if (errno != EINVAL && errno != ENOTTY) return sys_error("open the pty peer");
        slave.reset(::open(slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!slave) return sys_error("open " + slave_path);
    }
    if (size && (size->height || size->width)) {
        winsize ws{};
        ws.ws_row = static_cast<unsigned short>(size->height);
        ws.ws_col = static_cast<unsigned short>(size->width);
        if (::ioctl(master.get(), TIOCSWINSZ, &ws) < 0) return sys_error("process.consoleSize: set window size");
    }
    // CVE-2025-52565: the pty must be a devpts node, and the bind must come from that very
    // node and land on the container's own /dev/console file, never on a path the image or
    // a racing process could have turned into a symlink (e.g. to /proc/sysrq-trigger).
    TRY(check_devpts_node(slave.get(), slave_path));
    if (mount_console) TRY(bind_console(slave.get(), slave_path));
    TRY(send_fd(socket_fd, "/dev/ptmx", master.get()));
    master.reset();
    for (int i = 0; i < 3; i++)
        if (::dup2(slave.get(), i) < 0) return sys_error("dup the pty onto stdio");
    if (::ioctl(0, TIOCSCTTY, 0) < 0) return sys_error("make the pty the controlling terminal");
    return {};
}

Result<UniqueFd> recv_master(int socket_fd) {
    char name[4096];
    char cbuf[CMSG_SPACE(sizeof(int) * 4)] = {};
    iovec iov{name, sizeof name};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    ssize_t n;
    while ((n = ::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC)) < 0)
        if (errno != EINTR) return sys_error("receive the pty master");
    UniqueFd got;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (!got) got.reset(fd);
            else ::close(fd);
        }
    }
    if (!got) return plain_error(EPROTO, "console socket: no pty master received");
    return got;
}

Result<Listener> Listener::make() {
    char tmpl[] = "/tmp/cort-tty-XXXXXX";
    if (!::mkdtemp(tmpl)) return sys_error("mkdtemp");
    Listener l;
    l.dir_ = tmpl;
    l.path_ = l.dir_ + "/console.sock";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, l.path_.c_str(), l.path_.size());
    l.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!l.fd_) return sys_error("socket");
    if (::bind(l.fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return sys_error("bind " + l.path_);
    if (::listen(l.fd_.get(), 1) < 0) return sys_error("listen " + l.path_);
    return l;
}

Listener::~Listener() {
    if (path_.empty()) return;
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
}

Result<UniqueFd> Listener::accept_master() const {
    UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) return sys_error("accept on " + path_);
    return recv_master(c.get());
}

}  // namespace lc::console
