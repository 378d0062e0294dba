// SPDX-License-Identifier: LGPL-2.1-or-later
// The policy a profile writes (files: and services: entries, lint-clean YAML whatever the
// names), the profile document it is kept in and read back from, merging several, and the
// transient drop-in of capctl profile --unit.
#include <gtest/gtest.h>
#include <linux/capability.h>

#include <nlohmann/json.hpp>

#include "capset/ipc/json_text.h"
#include "capset/policy_parser.h"
#include "capset/profile_document.h"
#include "capset/systemd_manager.h"
#include "capset/unit_profile.h"
#include "common/status_matchers.h"

namespace capset {
namespace {

using ::testing::HasSubstr;
using testing::IsOk;
using testing::StatusIs;

PolicyEntry Service(const std::string& unit, CapMask needed) {
  ServicePolicyInput in;
  in.unit = unit;
  in.user = "websvc";
  in.exec = "/usr/bin/python3";
  in.template_name = "network-daemon";
  in.sandbox.read_write_paths = {"/srv/web"};
  PolicyEntry e;
  e.program = in.exec;
  e.service = in;
  e.needed = needed;
  return e;
}

PolicyEntry File(const std::string& path, CapMask needed, bool raises) {
  PolicyEntry e;
  e.program = path;
  e.needed = needed;
  e.raises_effective = raises;
  e.verified = true;
  return e;
}

// The text parses as a policy with no diagnostics.
Policy Parsed(const std::string& text) {
  ParsedPolicy r = ParsePolicy(text, "generated.yaml");
  for (const auto& d : r.diagnostics) ADD_FAILURE() << d.ToString() << "\n" << text;
  return r.policy;
}

TEST(ProfilePolicyTest, ServicesAndFilesInOneDocument) {
  const Result<std::string> text =
      RenderPolicy({Service("web.service", CapBit(CAP_NET_BIND_SERVICE)),
                    File("/usr/bin/ping", CapBit(CAP_NET_RAW), true),
                    File("/usr/bin/true", 0, false)});
  ASSERT_THAT(text.status(), IsOk());
  const Policy p = Parsed(*text);
  ASSERT_EQ(p.services.size(), 1u);
  EXPECT_EQ(p.services[0].name, "web.service");
  EXPECT_EQ(p.services[0].user, "websvc");
  EXPECT_EQ(p.services[0].ambient, CapBit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(p.services[0].bounding, CapBit(CAP_NET_BIND_SERVICE));
  EXPECT_EQ(p.services[0].template_name, "network-daemon");
  EXPECT_EQ(p.services[0].settings,
            (std::vector<std::pair<std::string, std::string>>{{"ReadWritePaths", "/srv/web"}}));
  ASSERT_EQ(p.files.size(), 1u);  // a program that needs nothing gets no entry
  EXPECT_EQ(p.files[0].path, "/usr/bin/ping");
  EXPECT_THAT(*text, HasSubstr("cap_net_raw=p"));
  EXPECT_EQ(*RenderPolicy({File("/usr/bin/true", 0, false)}), "");
}

TEST(ProfilePolicyTest, HostileNamesStayInTheirStringsAndComments) {
  PolicyEntry e = Service("web.service", 0);
  e.service->sandbox.read_write_paths = {"/srv/with space", "/srv/new\nline", "/srv/ok"};
  e.service->sandbox.notes = {"it wrote /x\nservices:\n  evil.service: {}"};
  e.sources = {"a\nb.json"};
  const Result<std::string> text = RenderPolicy({e});
  ASSERT_THAT(text.status(), IsOk());
  const Policy p = Parsed(*text);
  ASSERT_EQ(p.services.size(), 1u);
  // Only the path systemd reads as one path is in ReadWritePaths=; the others are comments.
  EXPECT_EQ(p.services[0].settings,
            (std::vector<std::pair<std::string, std::string>>{{"ReadWritePaths", "/srv/ok"}}));
  EXPECT_THAT(*text, HasSubstr("# It wrote /srv/with space"));
  EXPECT_THAT(*text, HasSubstr("# It wrote /srv/new\\x0aline"));
  EXPECT_THAT(*text, HasSubstr("# Note: it wrote /x\\x0aservices:"));
  EXPECT_THAT(*text, HasSubstr("# From a\\x0ab.json"));
}

TEST(ProfilePolicyTest, ARootServiceIsToldHowToLeaveRoot) {
  PolicyEntry e = Service("web.service", 0);
  e.service->user.reset();
  const Result<std::string> text = RenderPolicy({e});
  ASSERT_THAT(text.status(), IsOk());
  EXPECT_THAT(*text, HasSubstr("profile it with --user USER"));
  EXPECT_FALSE(Parsed(*text).services.at(0).user);
}

// `e` written as a profile document and read back.
Result<PolicyEntry> RoundTrip(const PolicyEntry& e, const std::string& source) {
  nlohmann::json doc;
  SetPolicyEntryJson(doc, e);
  return ReadProfileDocument(DumpJson(doc), source);
}

TEST(ProfilePolicyTest, TheDocumentReadsBackAsWritten) {
  PolicyEntry e = Service("web.service", CapBit(CAP_NET_BIND_SERVICE) | CapBit(CAP_CHOWN));
  e.service->sandbox.address_families = {"AF_NETLINK"};
  e.service->sandbox.syscalls = {"chroot"};
  e.service->group = "www";
  Result<PolicyEntry> back = RoundTrip(e, "a.json");
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(back->needed, e.needed);
  ASSERT_TRUE(back->service);
  EXPECT_EQ(back->service->unit, "web.service");
  EXPECT_EQ(back->service->user, "websvc");
  EXPECT_EQ(back->service->group, "www");
  EXPECT_EQ(back->service->sandbox.read_write_paths, e.service->sandbox.read_write_paths);
  EXPECT_EQ(back->service->sandbox.address_families, e.service->sandbox.address_families);
  EXPECT_EQ(back->service->sandbox.syscalls, e.service->sandbox.syscalls);
  EXPECT_EQ(back->sources, std::vector<std::string>{"a.json"});

  // A program whose name is not UTF-8 comes back byte for byte.
  const PolicyEntry f = File("/opt/\xff\xfe", CapBit(CAP_NET_RAW), false);
  Result<PolicyEntry> fback = RoundTrip(f, "f.json");
  ASSERT_THAT(fback.status(), IsOk());
  EXPECT_EQ(fback->program, f.program);
  EXPECT_FALSE(fback->service);
}

TEST(ProfilePolicyTest, ABadDocumentSaysWhereAndWhat) {
  EXPECT_THAT(ReadProfileDocument("{", "x.json").status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("x.json: not a JSON object")));
  EXPECT_THAT(ReadProfileDocument(R"({"version": 2})", "x.json").status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("'version': expected 1")));
  EXPECT_THAT(ReadProfileDocument(R"({"version": 1, "program": "/p", "needed": ["cap_nope"]})",
                                  "x.json")
                  .status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("not 'cap_nope'")));
  EXPECT_THAT(ReadProfileDocument(R"({"version": 1, "program": "relative", "needed": []})",
                                  "x.json")
                  .status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("an absolute path")));
  EXPECT_THAT(ReadProfileDocument(R"({"version": 1, "program": "/p", "needed": [],
                                      "service": {"unit": "../../etc/x.service"}})",
                                  "x.json")
                  .status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("service.unit")));
}

TEST(ProfilePolicyTest, MergingTakesTheUnionAndTheWeakerProof) {
  PolicyEntry a = File("/usr/bin/tool", CapBit(CAP_NET_RAW), true);
  a.sources = {"a.json"};
  PolicyEntry b = File("/usr/bin/tool", CapBit(CAP_NET_ADMIN), false);
  b.verified = false;
  b.sources = {"b.json"};
  PolicyEntry s1 = Service("web.service", CapBit(CAP_NET_BIND_SERVICE));
  PolicyEntry s2 = Service("web.service", CapBit(CAP_CHOWN));
  s2.service->sandbox.read_write_paths = {"/var/cache/web"};
  Result<std::vector<PolicyEntry>> merged = MergeEntries({a, s1, b, s2});
  ASSERT_THAT(merged.status(), IsOk());
  ASSERT_EQ(merged->size(), 2u);
  const PolicyEntry& tool = (*merged)[0];
  EXPECT_EQ(tool.needed, CapBit(CAP_NET_RAW) | CapBit(CAP_NET_ADMIN));
  EXPECT_FALSE(tool.raises_effective);  // one run did not raise it: =ep
  EXPECT_FALSE(tool.verified);
  EXPECT_EQ(tool.sources, (std::vector<std::string>{"a.json", "b.json"}));
  const PolicyEntry& web = (*merged)[1];
  EXPECT_EQ(web.needed, CapBit(CAP_NET_BIND_SERVICE) | CapBit(CAP_CHOWN));
  EXPECT_EQ(web.service->sandbox.read_write_paths,
            (std::vector<std::string>{"/srv/web", "/var/cache/web"}));
  Result<std::string> text = RenderPolicy(*merged);
  ASSERT_THAT(text.status(), IsOk());
  EXPECT_THAT(*text, HasSubstr("cap_net_admin,cap_net_raw=ep"));
  Parsed(*text);

  PolicyEntry root = Service("web.service", 0);
  root.service->user.reset();
  EXPECT_THAT(MergeEntries({s1, root}).status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("profiled as different users")));
}

TEST(UnitProfileTest, ThePermissiveDropInGrantsEverythingAndSaysSo) {
  UnitProfileOptions o;
  o.unit = "web.service";
  o.grant = CapBit(CAP_NET_BIND_SERVICE) | CapBit(CAP_CHOWN);
  o.user = "websvc";
  Result<std::string> text = PermissiveDropIn(o);
  ASSERT_THAT(text.status(), IsOk());
  EXPECT_THAT(*text, HasSubstr("CapabilityBoundingSet=\nCapabilityBoundingSet=CAP_CHOWN "
                               "CAP_NET_BIND_SERVICE\n"));
  EXPECT_THAT(*text, HasSubstr("AmbientCapabilities=\nAmbientCapabilities=CAP_CHOWN "
                               "CAP_NET_BIND_SERVICE\n"));
  EXPECT_THAT(*text, HasSubstr("DynamicUser=no\nUser=websvc\n"));
  o.user = "evil\nExecStartPre=/bin/sh";
  EXPECT_THAT(PermissiveDropIn(o).status(), StatusIs(Code::kInvalidArgument, ::testing::_));
  o.user.reset();
  o.group = "%n";
  EXPECT_THAT(PermissiveDropIn(o).status(), StatusIs(Code::kInvalidArgument, ::testing::_));
}

TEST(UnitProfileTest, OnlyServiceNamesAreProfiled) {
  EXPECT_THAT(ValidServiceName("web.service"), IsOk());
  EXPECT_THAT(ValidServiceName("getty@tty1.service"), IsOk());
  for (const char* bad : {"web", "web.socket", "../x.service", "a/b.service", "-.service",
                          "we\nb.service", ""}) {
    EXPECT_THAT(ValidServiceName(bad), StatusIs(Code::kInvalidArgument, ::testing::_)) << bad;
  }
  EXPECT_THAT(ValidServiceName(std::string(120, 'a') + ".service"),
              StatusIs(Code::kInvalidArgument, ::testing::_));
}

TEST(UnitProfileTest, CgroupNamesAreEscapedAsSystemdDoes) {
  EXPECT_EQ(CgroupEscape("web.service"), "web.service");
  EXPECT_EQ(CgroupEscape("cpu.service"), "_cpu.service");
  EXPECT_EQ(CgroupEscape("cgroup.procs.service"), "_cgroup.procs.service");
  EXPECT_EQ(CgroupEscape("_x.service"), "__x.service");
  EXPECT_EQ(CgroupEscape("cpus.service"), "cpus.service");
  EXPECT_EQ(CgroupEscape("io.web.service"), "io.web.service");  // "io.web" is no controller
  EXPECT_EQ(SliceCgroupPath("memory.slice"), "/_memory.slice");
}

TEST(UnitProfileTest, SlicesNestByTheirDashes) {
  EXPECT_EQ(SliceCgroupPath("system.slice"), "/system.slice");
  EXPECT_EQ(SliceCgroupPath("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
  EXPECT_EQ(SliceCgroupPath("-.slice"), "/");
  EXPECT_EQ(SliceCgroupPath(""), "/");
}

}  // namespace
}  // namespace capset
