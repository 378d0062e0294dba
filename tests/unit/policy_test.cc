// SPDX-License-Identifier: LGPL-2.1-or-later
// The policy parser, the layered loader and the lint rules.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "capset/policy_loader.h"
#include "capset/policy_parser.h"
#include "capset/service_plan.h"
#include "capset/unit_gen.h"

namespace capset {
namespace {

std::vector<std::string> Messages(const std::vector<Diagnostic>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.ToString());
  return out;
}

bool HasMessage(const std::vector<Diagnostic>& d, const std::string& text) {
  for (const auto& x : d) {
    if (x.ToString().find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(PolicyParserTest, ParsesAllSections) {
  ParsedPolicy p = ParsePolicy(R"(version: 1
files:
  - path: /usr/bin/ping
    caps: cap_net_raw=p
    package: iputils-ping
    fallback: setuid
    mode: "0755"
services:
  nginx.service:
    user: www-data
    ambient: [CAP_NET_BIND_SERVICE]
    bounding: [cap_net_bind_service, CAP_SETUID]
    template: network-daemon
    settings:
      ReadWritePaths: [/var/lib/nginx, /var/log/nginx]
      ProtectHome: read-only
users:
  - match: "@netadmin"
    inheritable: [cap_net_admin]
    ambient: [cap_net_raw]
    drop-bounding: [cap_sys_module]
capsetd:
  allow:
    - group: capset-admin
      actions: [apply, verify]
)",
                               "p.yaml");
  ASSERT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  ASSERT_EQ(p.policy.files.size(), 1u);
  EXPECT_EQ(p.policy.files[0].caps.permitted, CapBit(13));
  EXPECT_EQ(p.policy.files[0].fallback, FileEntry::Fallback::kSetuid);
  EXPECT_EQ(*p.policy.files[0].mode, 0755u);
  ASSERT_EQ(p.policy.services.size(), 1u);
  const ServicePolicy& s = p.policy.services[0];
  EXPECT_EQ(s.name, "nginx.service");
  EXPECT_EQ(s.ambient, CapBit(10));
  EXPECT_EQ(*s.bounding, CapBit(10) | CapBit(7));
  EXPECT_EQ(s.settings.size(), 3u);
  EXPECT_EQ(s.where.line, 9);
  EXPECT_EQ(s.key_where.at("ambient").line, 11);
  ASSERT_EQ(p.policy.users.size(), 1u);
  EXPECT_EQ(p.policy.users[0].inheritable, CapBit(12) | CapBit(13));  // ambient implies inheritable
  EXPECT_EQ(p.policy.users[0].drop_bounding, CapBit(16));
  ASSERT_EQ(p.policy.capsetd_allow.size(), 1u);
}

TEST(PolicyParserTest, ErrorsNameFileLineColumnAndWhatWasExpected) {
  ParsedPolicy p = ParsePolicy(R"(services:
  a.service:
    usr: x
    ambient: [cap_net_raw, cap_bogus]
    no-new-privileges: maybe
  notaunit:
    user: x
  b.service:
    settings:
      User: root
files:
  - path: relative
    caps: cap_net_raw=p
  - caps: cap_chown=p
frobnicate: 1
version: 2
)",
                               "bad.yaml");
  EXPECT_FALSE(p.ok());
  const auto m = Messages(p.diagnostics);
  EXPECT_TRUE(HasMessage(p.diagnostics, "bad.yaml:3:5: error: unknown key 'usr'"))
      << ::testing::PrintToString(m);
  EXPECT_TRUE(
      HasMessage(p.diagnostics, "bad.yaml:4:28: error: 'ambient': unknown capability 'cap_bogus'"));
  EXPECT_TRUE(HasMessage(p.diagnostics,
                         "bad.yaml:5:24: error: 'no-new-privileges': expected true or false"));
  EXPECT_TRUE(HasMessage(p.diagnostics, "bad.yaml:6:3: error: expected a service unit name"));
  EXPECT_TRUE(HasMessage(p.diagnostics, "User= is written by capset; use the 'user' key"));
  EXPECT_TRUE(
      HasMessage(p.diagnostics, "bad.yaml:12:11: error: 'path': expected a normalized absolute"));
  EXPECT_TRUE(HasMessage(p.diagnostics, "bad.yaml:14:5: error: file entry without 'path'"));
  EXPECT_TRUE(HasMessage(p.diagnostics, "bad.yaml:15:1: error: unknown key 'frobnicate'"));
  EXPECT_TRUE(HasMessage(p.diagnostics, "bad.yaml:16:10: error: unsupported policy version"));
  EXPECT_TRUE(p.policy.services.empty());
}

TEST(PolicyParserTest, InvalidYamlAndDuplicates) {
  ParsedPolicy p = ParsePolicy("services: [unclosed\n", "y.yaml");
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(HasMessage(p.diagnostics, "y.yaml:"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_TRUE(HasMessage(p.diagnostics, "invalid YAML"));
  p = ParsePolicy("services:\n  a.service:\n    user: x\n  a.service:\n    user: y\n", "d.yaml");
  EXPECT_TRUE(HasMessage(p.diagnostics, "d.yaml:4:3: error: duplicate service 'a.service'"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  p = ParsePolicy("", "empty.yaml");
  EXPECT_TRUE(p.ok());
  p = ParsePolicy("# only a comment\n---\n", "comment.yaml");
  EXPECT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
}

TEST(PolicyParserTest, ADuplicateFileEntryNamesTheFirst) {
  ParsedPolicy p = ParsePolicy(
      "files:\n  - {path: /usr/bin/a, caps: cap_net_raw=p}\n"
      "  - {path: /usr/bin/b, caps: cap_net_raw=p}\n  - {path: /usr/bin/a, caps: cap_chown=p}\n"
      "  - {path: /usr/bin/b, caps: cap_chown=p}\n  - {path: /usr/bin/c, caps: cap_chown=p}\n",
      "d.yaml");
  EXPECT_TRUE(HasMessage(p.diagnostics,
                         "d.yaml:4:5: error: duplicate file entry for '/usr/bin/a' (first at "
                         "d.yaml:2:5)"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_TRUE(HasMessage(p.diagnostics,
                         "d.yaml:5:5: error: duplicate file entry for '/usr/bin/b' (first at "
                         "d.yaml:3:5)"));
  ASSERT_EQ(p.policy.files.size(), 3u);
  EXPECT_EQ(p.policy.files[0].caps_text, "cap_net_raw=p");
  EXPECT_EQ(p.policy.files[2].path, "/usr/bin/c");
}

TEST(PolicyParserTest, FileModeOthersCouldWriteIsRefused) {
  ParsedPolicy p = ParsePolicy(
      "files:\n  - {path: /bin/ping, caps: cap_net_raw=p, mode: \"0775\"}\n", "m.yaml");
  EXPECT_TRUE(HasMessage(p.diagnostics, "m.yaml:2:50: error: 'mode': 0775 lets users other"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_TRUE(p.policy.files.empty());
}

TEST(PolicyParserTest, YamlDetails) {
  // A key without ':' is a syntax error, with where libyaml was and what it was reading.
  ParsedPolicy p = ParsePolicy("services:\n  a.service:\n    user: x\n  b.service\n", "k.yaml");
  EXPECT_TRUE(HasMessage(p.diagnostics,
                         "k.yaml:5:1: error: invalid YAML: could not find expected ':' (while "
                         "scanning a simple key at line 4, column 3)"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  // A second document would be ignored by a reader that takes the first: it is an error.
  p = ParsePolicy("services: {}\n---\nservices:\n  evil.service: {user: root}\n", "two.yaml");
  EXPECT_TRUE(HasMessage(p.diagnostics, "two.yaml:2:1: error: invalid YAML: more than one"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  // YAML 1.2 nulls are not strings; a quoted "null" is.
  for (const char* null_value : {"~", "null", "NULL", ""}) {
    p = ParsePolicy(std::string("services:\n  a.service:\n    user: ") + null_value + "\n",
                    "n.yaml");
    EXPECT_TRUE(HasMessage(p.diagnostics, "'user': a user name or number (a non-empty string)"))
        << null_value << ::testing::PrintToString(Messages(p.diagnostics));
  }
  p = ParsePolicy("services:\n  a.service:\n    user: \"null\"\n", "q.yaml");
  ASSERT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_EQ(p.policy.services[0].user, "null");
  // Anchors and aliases, flow and block styles.
  p = ParsePolicy(
      "services:\n  a.service:\n    user: a\n    ambient: &net [CAP_NET_RAW]\n"
      "  b.service: {user: b, ambient: *net}\n",
      "alias.yaml");
  ASSERT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  ASSERT_EQ(p.policy.services.size(), 2u);
  EXPECT_EQ(p.policy.services[1].ambient, CapBit(13));
  EXPECT_EQ(p.policy.services[1].where.ToString(), "alias.yaml:5:3");
}

// Issue 12: deep nesting cost time quadratic in depth inside libyaml's loader (80 KB kept the
// generator 5.9 s; 30,000 levels in 60 KB made a login take 7.4 s); aliases could make the
// parser walk a node a billion times. Both are refused before a document is built.
TEST(PolicyParserTest, DeepOrExplodingDocumentsAreRefusedUpFront) {
  const std::string deep = "users: " + std::string(30000, '[') + std::string(30000, ']') + "\n";
  ParsedPolicy p = ParsePolicy(deep, "deep.yaml");
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(HasMessage(p.diagnostics, "deep.yaml:1:71: error: invalid YAML: nested deeper "
                                        "than 64 levels"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  // 64 levels are fine (a policy needs 4 or 5).
  const std::string ok = "x: " + std::string(63, '[') + std::string(63, ']') + "\n";
  p = ParsePolicy(ok, "ok.yaml");
  EXPECT_FALSE(HasMessage(p.diagnostics, "nested deeper")) << ::testing::PrintToString(
      Messages(p.diagnostics));

  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += (k ? ", *a" : "*a") + std::to_string(i - 1);
    laughs += "]\n";
  }
  p = ParsePolicy(laughs, "laughs.yaml");
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(HasMessage(p.diagnostics, "more than 1000000 nodes once its aliases are expanded"))
      << ::testing::PrintToString(Messages(p.diagnostics));
}

ServicePolicy Service(const std::string& yaml) {
  ParsedPolicy p = ParsePolicy("services:\n  s.service:\n" + yaml, "l.yaml");
  EXPECT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  return p.policy.services.at(0);
}

UnitTemplate Template(const std::string& body) {
  return *ParseUnitTemplate("[Service]\n" + body, "t", "t.conf");
}

TEST(LintTest, AmbientMustBeInBoundingIncludingWhatSandboxingRemoves) {
  auto s = Service(
      "    user: u\n    ambient: [cap_net_raw, cap_sys_time]\n    bounding: [cap_net_raw]\n");
  auto d = LintService(s, nullptr, {});
  EXPECT_TRUE(HasMessage(d,
                         "l.yaml:4:5: error: s.service: ambient capabilities CAP_SYS_TIME are "
                         "not in 'bounding'"))
      << ::testing::PrintToString(Messages(d));

  s = Service(
      "    user: u\n    ambient: [cap_sys_time, cap_sys_rawio, cap_syslog, cap_sys_module]\n");
  UnitTemplate t = Template(
      "ProtectClock=yes\nPrivateDevices=true\nProtectKernelLogs=on\nProtectKernelModules=1\n");
  d = LintService(s, &t, {});
  EXPECT_TRUE(HasMessage(d, "ProtectClock=yes (set by template t) removes CAP_SYS_TIME"));
  EXPECT_TRUE(HasMessage(d, "PrivateDevices=yes (set by template t) removes CAP_SYS_RAWIO"));
  EXPECT_TRUE(HasMessage(d, "ProtectKernelLogs=yes (set by template t) removes CAP_SYSLOG"));
  EXPECT_TRUE(HasMessage(d, "ProtectKernelModules=yes (set by template t) removes CAP_SYS_MODULE"));
  // The policy's own settings override the template's.
  s = Service("    user: u\n    ambient: [cap_sys_time]\n    settings:\n      ProtectClock: no\n");
  EXPECT_TRUE(LintService(s, &t, {}).empty());
}

TEST(LintTest, AmbientUnderPrivateUsersGrantsNothingOnTheHost) {
  UnitTemplate t = Template("PrivateUsers=yes\n");
  auto s = Service("    user: u\n    ambient: [cap_net_bind_service]\n");
  EXPECT_TRUE(HasMessage(LintService(s, &t, {}), "PrivateUsers=yes (set by template t) puts the "
                                                 "service in its own user namespace"));
  EXPECT_TRUE(LintService(Service("    user: u\n"), &t, {}).empty());
}

TEST(LintTest, AmbientForRootDoesNothing) {
  EXPECT_TRUE(
      HasMessage(LintService(Service("    user: root\n    ambient: [cap_net_raw]\n"), nullptr, {}),
                 "ambient capabilities under User=root do nothing"));
  EXPECT_TRUE(HasMessage(LintService(Service("    ambient: [cap_net_raw]\n"), nullptr, {}),
                         "without 'user' or 'dynamic-user'"));
  EXPECT_TRUE(
      LintService(Service("    dynamic-user: true\n    ambient: [cap_net_raw]\n"), nullptr, {})
          .empty());
}

TEST(LintTest, FileCapabilitiesUnderNoNewPrivileges) {
  LintOptions opt;
  opt.file_caps = [](const std::string& p) -> std::optional<FileCaps> {
    if (p == "/usr/bin/ping") return *FileCaps::FromText("cap_net_raw=p");
    return std::nullopt;
  };
  auto d = LintService(Service("    user: u\n    exec: /usr/bin/ping\n"), nullptr, opt);
  EXPECT_TRUE(HasMessage(d, "grant nothing: 'no-new-privileges' is true"));
  UnitTemplate t = Template("RestrictSUIDSGID=yes\n");
  d = LintService(Service("    user: u\n    exec: /usr/bin/ping\n    no-new-privileges: false\n"),
                  &t, opt);
  EXPECT_TRUE(HasMessage(d, "RestrictSUIDSGID= implies NoNewPrivileges=yes"))
      << ::testing::PrintToString(Messages(d));
  EXPECT_TRUE(LintService(Service("    user: u\n    exec: /usr/bin/ping\n    no-new-privileges: "
                                  "false\n"),
                          nullptr, opt)
                  .empty());
  EXPECT_TRUE(LintService(Service("    user: u\n    exec: /usr/bin/true\n"), nullptr, opt).empty());
}

TEST(LintTest, SetuidLostToSeccompOnSystemd255) {
  auto s = Service(
      "    user: u\n    ambient: [cap_setgid]\n    bounding: [cap_setgid, cap_setuid]\n"
      "    settings:\n      SystemCallFilter: '@system-service'\n");
  LintOptions opt;
  opt.systemd_version = 255;
  auto d = LintService(s, nullptr, opt);
  EXPECT_TRUE(HasMessage(d, "error: s.service: CAP_SETUID is in the bounding set but not ambient"))
      << ::testing::PrintToString(Messages(d));
  opt.systemd_version = 252;
  EXPECT_TRUE(LintService(s, nullptr, opt).empty());
  opt.systemd_version = 0;
  EXPECT_TRUE(HasMessage(LintService(s, nullptr, opt), "warning:"));
  auto fixed = Service(
      "    user: u\n    ambient: [cap_setuid]\n    settings:\n      "
      "SystemCallFilter: '@system-service'\n");
  opt.systemd_version = 256;
  EXPECT_TRUE(LintService(fixed, nullptr, opt).empty());
}

TEST(RenderTest, DropInResetsAndSetsCapabilities) {
  auto s = Service(
      "    user: www\n    ambient: [cap_net_bind_service]\n    secure-bits: [noroot]\n"
      "    settings:\n      ReadWritePaths: [/a, /b]\n");
  UnitTemplate t = Template("ProtectSystem=strict\n");
  Result<std::string> rendered = RenderDropIn(s, &t);
  ASSERT_TRUE(rendered.ok()) << rendered.status().message();
  const std::string& text = *rendered;
  for (const char* line : {"[Service]\n", "User=www\n",
                           "AmbientCapabilities=\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n",
                           "CapabilityBoundingSet=\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
                           "NoNewPrivileges=yes\n", "SecureBits=noroot\n", "ProtectSystem=strict\n",
                           "ReadWritePaths=/a\nReadWritePaths=/b\n", "from l.yaml"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST(UnitTemplateTest, RejectsOtherSectionsAndWrongHeaders) {
  EXPECT_FALSE(ParseUnitTemplate("[Unit]\nA=b\n", "x", "x.conf").ok());
  EXPECT_FALSE(ParseUnitTemplate("A=b\n", "x", "x.conf").ok());
  EXPECT_FALSE(ParseUnitTemplate("# capset-template: y\n[Service]\n", "x", "x.conf").ok());
  Result<UnitTemplate> t =
      ParseUnitTemplate("# exposure: 1.5\n# description: d\n[Service]\nA = b\n", "x", "x.conf");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->exposure, 1.5);
  EXPECT_EQ(t->settings[0], (std::pair<std::string, std::string>{"A", "b"}));
}

}  // namespace
}  // namespace capset
