// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/systemd_manager.h"

#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstring>

namespace capset {
namespace {

constexpr const char kDest[] = "org.freedesktop.systemd1";
constexpr const char kManagerPath[] = "/org/freedesktop/systemd1";
constexpr const char kManager[] = "org.freedesktop.systemd1.Manager";
constexpr const char kUnitIface[] = "org.freedesktop.systemd1.Unit";
constexpr const char kServiceIface[] = "org.freedesktop.systemd1.Service";
constexpr uint64_t kJobTimeoutUs = 120ULL * 1000 * 1000;
constexpr uint64_t kTickUs = 500ULL * 1000;

struct BusError {
  sd_bus_error e{};  // SD_BUS_ERROR_NULL, without its C compound literal
  ~BusError() { sd_bus_error_free(&e); }
  std::string Say(int r) const {
    return e.message ? std::string(e.message) : std::string(std::strerror(-r));
  }
};

struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;

class BusManager final : public SystemdManager {
 public:
  explicit BusManager(sd_bus* bus) : bus_(bus) {}
  ~BusManager() override { sd_bus_flush_close_unref(bus_); }

  Result<UnitInfo> GetUnit(const std::string& name) override {
    CAPSET_ASSIGN_OR_RETURN(std::string path, UnitPath(name));
    UnitInfo u;
    u.name = name;
    CAPSET_ASSIGN_OR_RETURN(u.load_state, String(path, kUnitIface, "LoadState"));
    CAPSET_ASSIGN_OR_RETURN(u.active_state, String(path, kUnitIface, "ActiveState"));
    CAPSET_ASSIGN_OR_RETURN(u.fragment_path, String(path, kUnitIface, "FragmentPath"));
    if (u.load_state != "loaded") return u;
    CAPSET_ASSIGN_OR_RETURN(u.user, String(path, kServiceIface, "User"));
    CAPSET_ASSIGN_OR_RETURN(u.group, String(path, kServiceIface, "Group"));
    CAPSET_ASSIGN_OR_RETURN(u.control_group, String(path, kServiceIface, "ControlGroup"));
    CAPSET_ASSIGN_OR_RETURN(u.slice, String(path, kServiceIface, "Slice"));
    CAPSET_ASSIGN_OR_RETURN(u.working_directory,
                            String(path, kServiceIface, "WorkingDirectory"));
    BusError err;
    int dynamic = 0;
    if (int r = sd_bus_get_property_trivial(bus_, kDest, path.c_str(), kServiceIface,
                                            "DynamicUser", &err.e, 'b', &dynamic);
        r < 0) {
      return Status(Code::kIoError, "Failed to read DynamicUser= of " + name + ": " + err.Say(r));
    }
    u.dynamic_user = dynamic != 0;
    // StateDirectory= and its kin are relative to these roots (system services).
    const std::pair<const char*, const char*> kDirs[] = {{"StateDirectory", "/var/lib/"},
                                                         {"CacheDirectory", "/var/cache/"},
                                                         {"LogsDirectory", "/var/log/"},
                                                         {"RuntimeDirectory", "/run/"}};
    for (const auto& [property, root] : kDirs) {
      CAPSET_ASSIGN_OR_RETURN(std::vector<std::string> dirs,
                              Strings(path, kServiceIface, property));
      for (const std::string& d : dirs) u.own_directories.push_back(root + d);
    }
    CAPSET_ASSIGN_OR_RETURN(u.exec, FirstExec(path));
    return u;
  }

  Result<BusProperties> Properties(const std::string& name, const std::string& iface) override {
    CAPSET_ASSIGN_OR_RETURN(std::string path, UnitPath(name));
    BusError err;
    sd_bus_message* m = nullptr;
    int r = sd_bus_call_method(bus_, kDest, path.c_str(), "org.freedesktop.DBus.Properties",
                               "GetAll", &err.e, &m, "s", iface.c_str());
    Message reply(m);
    if (r < 0) {
      return Status(Code::kIoError, "Failed to read the properties of " + name + ": " + err.Say(r));
    }
    BusProperties out;
    if ((r = sd_bus_message_enter_container(m, 'a', "{sv}")) < 0) return Parse(r, "GetAll");
    while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
      const char* key = nullptr;
      if ((r = sd_bus_message_read(m, "s", &key)) < 0) return Parse(r, "GetAll");
      const char* sig = nullptr;
      if ((r = sd_bus_message_peek_type(m, nullptr, &sig)) < 0) return Parse(r, "GetAll");
      const std::string signature = sig ? sig : "";
      if ((r = sd_bus_message_enter_container(m, 'v', signature.c_str())) < 0) {
        return Parse(r, "GetAll");
      }
      BusValue v;
      v.signature = signature;
      CAPSET_ASSIGN_OR_RETURN(bool kept, ReadValue(m, v));
      if ((r = sd_bus_message_exit_container(m)) < 0) return Parse(r, "GetAll");
      if ((r = sd_bus_message_exit_container(m)) < 0) return Parse(r, "GetAll");
      if (kept) out.emplace(key, std::move(v));
    }
    if (r < 0) return Parse(r, "GetAll");
    return out;
  }

  Result<std::vector<ListedUnit>> ListServices() override {
    BusError err;
    sd_bus_message* m = nullptr;
    int r = sd_bus_call_method(bus_, kDest, kManagerPath, kManager, "ListUnits", &err.e, &m, "");
    Message reply(m);
    if (r < 0) return Status(Code::kIoError, "Failed to list systemd's units: " + err.Say(r));
    std::vector<ListedUnit> out;
    if ((r = sd_bus_message_enter_container(m, 'a', "(ssssssouso)")) < 0) {
      return Parse(r, "ListUnits");
    }
    for (;;) {
      const char *id, *description, *load, *active, *sub, *following, *path, *job_type,
          *job_path;
      uint32_t job_id = 0;
      r = sd_bus_message_read(m, "(ssssssouso)", &id, &description, &load, &active, &sub,
                              &following, &path, &job_id, &job_type, &job_path);
      if (r < 0) return Parse(r, "ListUnits");
      if (r == 0) break;
      const std::string name = id;
      const std::string suffix = ".service";
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back({name, load, active, sub});
      }
    }
    return out;
  }

  Result<std::string> ActiveState(const std::string& name) override {
    CAPSET_ASSIGN_OR_RETURN(std::string path, UnitPath(name));
    return String(path, kUnitIface, "ActiveState");
  }

  Status Reload() override {
    BusError err;
    Message reply;
    sd_bus_message* m = nullptr;
    const int r = sd_bus_call_method(bus_, kDest, kManagerPath, kManager, "Reload", &err.e, &m, "");
    reply.reset(m);
    if (r < 0) return Status(Code::kIoError, "Failed to reload systemd: " + err.Say(r));
    return Status::Ok();
  }

  Status Restart(const std::string& name) override { return Job("RestartUnit", name, "restart"); }
  Status Stop(const std::string& name) override { return Job("StopUnit", name, "stop"); }

 private:
  Result<std::string> UnitPath(const std::string& name) {
    BusError err;
    sd_bus_message* m = nullptr;
    int r = sd_bus_call_method(bus_, kDest, kManagerPath, kManager, "LoadUnit", &err.e, &m, "s",
                               name.c_str());
    Message reply(m);
    if (r < 0) return Status(Code::kNotFound, "Failed to load unit " + name + ": " + err.Say(r));
    const char* path = nullptr;
    if ((r = sd_bus_message_read(m, "o", &path)) < 0) return Parse(r, "LoadUnit");
    return std::string(path);
  }

  Result<std::string> String(const std::string& path, const char* iface, const char* property) {
    BusError err;
    char* value = nullptr;
    const int r =
        sd_bus_get_property_string(bus_, kDest, path.c_str(), iface, property, &err.e, &value);
    if (r < 0) return Status(Code::kIoError, std::string("Failed to read ") + property + ": " +
                                                 err.Say(r));
    std::string out = value ? value : "";
    free(value);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocates with malloc
    return out;
  }

  Result<std::vector<std::string>> Strings(const std::string& path, const char* iface,
                                           const char* property) {
    BusError err;
    char** values = nullptr;
    const int r =
        sd_bus_get_property_strv(bus_, kDest, path.c_str(), iface, property, &err.e, &values);
    if (r < 0) return Status(Code::kIoError, std::string("Failed to read ") + property + ": " +
                                                 err.Say(r));
    std::vector<std::string> out;
    for (char** v = values; v && *v; ++v) {
      out.emplace_back(*v);
      free(*v);  // NOLINT(cppcoreguidelines-no-malloc)
    }
    free(values);  // NOLINT(cppcoreguidelines-no-malloc)
    return out;
  }

  // ExecStart is a(sasbttttuii): (path, argv, ignore-errors, timestamps..., pid, code, status).
  Result<std::string> FirstExec(const std::string& path) {
    BusError err;
    sd_bus_message* m = nullptr;
    int r = sd_bus_get_property(bus_, kDest, path.c_str(), kServiceIface, "ExecStart", &err.e, &m,
                                "a(sasbttttuii)");
    Message reply(m);
    if (r < 0) return Status(Code::kIoError, "Failed to read ExecStart: " + err.Say(r));
    if ((r = sd_bus_message_enter_container(m, 'a', "(sasbttttuii)")) < 0) {
      return Parse(r, "ExecStart");
    }
    if ((r = sd_bus_message_enter_container(m, 'r', "sasbttttuii")) <= 0) {
      if (r < 0) return Parse(r, "ExecStart");
      return std::string();
    }
    const char* program = nullptr;
    if ((r = sd_bus_message_read(m, "s", &program)) < 0) return Parse(r, "ExecStart");
    return std::string(program ? program : "");
  }

  // Reads the value the message is at into `v`, by its signature; false (and skipped) for a
  // shape BusValue does not hold.
  static Result<bool> ReadValue(sd_bus_message* m, BusValue& v) {
    const std::string& sig = v.signature;
    int r = 0;
    if (sig == "b") {
      int b = 0;
      r = sd_bus_message_read(m, "b", &b);
      v.flag = b != 0;
    } else if (sig == "t" || sig == "x") {
      uint64_t n = 0;
      r = sd_bus_message_read_basic(m, sig[0], &n);
      v.number = n;
    } else if (sig == "u" || sig == "i") {
      uint32_t n = 0;
      r = sd_bus_message_read_basic(m, sig[0], &n);
      v.number = n;
    } else if (sig == "q") {
      uint16_t n = 0;
      r = sd_bus_message_read_basic(m, 'q', &n);
      v.number = n;
    } else if (sig == "y") {
      uint8_t n = 0;
      r = sd_bus_message_read_basic(m, 'y', &n);
      v.number = n;
    } else if (sig == "s" || sig == "o") {
      const char* t = nullptr;
      r = sd_bus_message_read_basic(m, sig[0], &t);
      v.text = t ? t : "";
    } else if (sig == "as") {
      r = ReadStrings(m, v.strings);
    } else if (sig == "(bas)") {
      if ((r = sd_bus_message_enter_container(m, 'r', "bas")) < 0) return Parse(r, "GetAll");
      int b = 0;
      if ((r = sd_bus_message_read(m, "b", &b)) < 0) return Parse(r, "GetAll");
      v.flag = b != 0;
      if ((r = ReadStrings(m, v.strings)) < 0) return Parse(r, "GetAll");
      r = sd_bus_message_exit_container(m);
    } else if (sig == "a(ss)") {
      if ((r = sd_bus_message_enter_container(m, 'a', "(ss)")) < 0) return Parse(r, "GetAll");
      const char *a = nullptr, *b = nullptr;
      while ((r = sd_bus_message_read(m, "(ss)", &a, &b)) > 0) v.strings.emplace_back(a);
      if (r < 0) return Parse(r, "GetAll");
      r = sd_bus_message_exit_container(m);
    } else if (sig == "a(iayu)") {
      if ((r = sd_bus_message_enter_container(m, 'a', "(iayu)")) < 0) return Parse(r, "GetAll");
      while ((r = sd_bus_message_enter_container(m, 'r', "iayu")) > 0) {
        BusValue::Ip ip;
        int32_t family = 0;
        const void* data = nullptr;
        size_t size = 0;
        uint32_t prefix = 0;
        if ((r = sd_bus_message_read(m, "i", &family)) < 0 ||
            (r = sd_bus_message_read_array(m, 'y', &data, &size)) < 0 ||
            (r = sd_bus_message_read(m, "u", &prefix)) < 0 ||
            (r = sd_bus_message_exit_container(m)) < 0) {
          return Parse(r, "GetAll");
        }
        ip.family = family;
        ip.address.assign(static_cast<const uint8_t*>(data),
                          static_cast<const uint8_t*>(data) + size);
        ip.prefix = prefix;
        v.ips.push_back(std::move(ip));
      }
      if (r < 0) return Parse(r, "GetAll");
      r = sd_bus_message_exit_container(m);
    } else {
      if ((r = sd_bus_message_skip(m, sig.c_str())) < 0) return Parse(r, "GetAll");
      return false;
    }
    if (r < 0) return Parse(r, "GetAll");
    return true;
  }

  static int ReadStrings(sd_bus_message* m, std::vector<std::string>& out) {
    int r = sd_bus_message_enter_container(m, 'a', "s");
    if (r < 0) return r;
    const char* t = nullptr;
    while ((r = sd_bus_message_read_basic(m, 's', &t)) > 0) out.emplace_back(t);
    if (r < 0) return r;
    return sd_bus_message_exit_container(m);
  }

  static Status Parse(int r, const char* what) {
    return Status(Code::kIoError, std::string("Failed to parse systemd's reply to ") + what +
                                      ": " + std::strerror(-r));
  }

  struct JobWait {
    std::string job;
    std::string result;
    bool done = false;
  };

  static int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* w = static_cast<JobWait*>(userdata);
    uint32_t id = 0;
    const char *path = nullptr, *unit = nullptr, *result = nullptr;
    if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
    if (!w->job.empty() && w->job == path) {
      w->result = result;
      w->done = true;
    }
    return 0;
  }

  Status Job(const char* method, const std::string& name, const char* verb) {
    JobWait wait;
    sd_bus_slot* slot = nullptr;
    // The match first: a job that ends before the call returns is not missed.
    int r = sd_bus_match_signal(bus_, &slot, kDest, kManagerPath, kManager, "JobRemoved",
                                OnJobRemoved, &wait);
    if (r < 0) return Status(Code::kIoError, std::string("Failed to watch systemd's jobs: ") +
                                                 std::strerror(-r));
    std::unique_ptr<sd_bus_slot, sd_bus_slot* (*)(sd_bus_slot*)> owned(slot, sd_bus_slot_unref);
    BusError err;
    sd_bus_message* m = nullptr;
    // Older managers send job signals only to subscribers; "already subscribed" is no error.
    (void)sd_bus_call_method(bus_, kDest, kManagerPath, kManager, "Subscribe", nullptr, &m, "");
    Message(m).reset();
    m = nullptr;
    r = sd_bus_call_method(bus_, kDest, kManagerPath, kManager, method, &err.e, &m, "ss",
                           name.c_str(), "replace");
    Message reply(m);
    if (r < 0) return Status(Code::kIoError, "Failed to " + std::string(verb) + " " + name +
                                                 ": " + err.Say(r));
    const char* job = nullptr;
    if ((r = sd_bus_message_read(m, "o", &job)) < 0) return Parse(r, method);
    wait.job = job;
    uint64_t waited = 0;
    while (!wait.done) {
      r = sd_bus_process(bus_, nullptr);
      if (r < 0) return Status(Code::kIoError, std::string("Lost systemd's bus: ") +
                                                   std::strerror(-r));
      if (r > 0) continue;
      if (waited >= kJobTimeoutUs) {
        return Status(Code::kIoError, "Timed out waiting for systemd to " + std::string(verb) +
                                          " " + name);
      }
      sd_bus_wait(bus_, kTickUs);
      waited += kTickUs;
    }
    if (wait.result != "done") {
      return Status(Code::kIoError, "Failed to " + std::string(verb) + " " + name +
                                        ": the job's result is '" + wait.result +
                                        "' (see 'systemctl status " + name + "' and 'journalctl -u " +
                                        name + "')");
    }
    return Status::Ok();
  }

  sd_bus* bus_;
};

}  // namespace

Result<std::unique_ptr<SystemdManager>> SystemdManager::Connect() {
  sd_bus* bus = nullptr;
  int r = sd_bus_open_system(&bus);
  if (r < 0) {
    return Status(Code::kNotSupported, std::string("Failed to connect to systemd's bus: ") +
                                           std::strerror(-r) + " (is systemd running?)");
  }
  return std::unique_ptr<SystemdManager>(new BusManager(bus));
}

std::string CgroupEscape(const std::string& name) {
  // systemd's controllers (its CGroupController table, the BPF pseudo-controllers included).
  static const char* const kControllers[] = {"cpu",
                                             "cpuacct",
                                             "cpuset",
                                             "io",
                                             "blkio",
                                             "memory",
                                             "devices",
                                             "pids",
                                             "bpf-firewall",
                                             "bpf-devices",
                                             "bpf-foreign",
                                             "bpf-socket-bind",
                                             "bpf-restrict-network-interfaces"};
  bool escape = name.empty() || name[0] == '_' || name[0] == '.' || name == "notify_on_release" ||
                name == "release_agent" || name == "tasks" || name.rfind("cgroup.", 0) == 0;
  const size_t dot = name.rfind('.');  // what is before the last dot, as systemd reads it
  if (!escape && dot != std::string::npos) {
    const std::string prefix = name.substr(0, dot);
    for (const char* c : kControllers) escape = escape || prefix == c;
  }
  return escape ? "_" + name : name;
}

std::string SliceCgroupPath(const std::string& slice) {
  if (slice.empty() || slice == "-.slice") return "/";
  const std::string suffix = ".slice";
  std::string base = slice;
  if (base.size() > suffix.size() && base.compare(base.size() - suffix.size(), suffix.size(),
                                                  suffix) == 0) {
    base.resize(base.size() - suffix.size());
  }
  // Each '-' separated prefix is a parent slice: a-b-c.slice is in a-b.slice in a.slice.
  std::string path;
  for (size_t dash = base.find('-'); dash != std::string::npos; dash = base.find('-', dash + 1)) {
    path += "/" + CgroupEscape(base.substr(0, dash) + suffix);
  }
  return path + "/" + CgroupEscape(base + suffix);
}

}  // namespace capset
