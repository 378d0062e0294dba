// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl audit --services' decisions over gathered facts: who runs as root, where the
// suggestion comes from (a kept profile wins over the knowledge base; none for a service
// capset knows nothing about), the policy that covers a service, and the predicted exposure
// with capset's drop-in, as systemd-analyze would compute it.
#include "capset/service_audit.h"

#include <gtest/gtest.h>

#include "capset/policy_parser.h"
#include "capset/unit_files.h"

namespace capset {
namespace {

ServiceFacts Facts(const std::string& name, const std::string& unit) {
  ServiceFacts f;
  f.name = name;
  f.assignments = ParseUnitFile(unit, "/usr/lib/systemd/system/" + name);
  f.settings = SecuritySettingsOf(f.assignments, {});
  for (const auto& a : f.assignments) {
    if (a.key == "ExecStart") f.exec = a.value.substr(0, a.value.find(' '));
  }
  return f;
}

ServiceAuditContext Context() {
  ServiceAuditContext c;
  c.exists = [](const std::string&) { return true; };
  c.load_template = [](const std::string& name) -> Result<UnitTemplate> {
    return ParseUnitTemplate("[Service]\nProtectKernelTunables=yes\nProtectControlGroups=yes\n",
                             name, name + ".conf");
  };
  return c;
}

TEST(ServiceAuditTest, ARootDaemonCapsetKnowsGetsTheKnowledgeBasesEntry) {
  ServiceFinding f = AuditService(
      Facts("ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n"), Context());
  EXPECT_TRUE(f.runs_as_root);
  EXPECT_EQ(f.exposure.value, 96u);
  ASSERT_TRUE(f.suggestion);
  EXPECT_EQ(f.suggestion->source, "knowledge-base");
  ASSERT_TRUE(f.suggestion->entry.service);
  EXPECT_TRUE(f.suggestion->entry.service->keep_root);
  EXPECT_FALSE(f.suggestion->entry.service->no_new_privileges);  // its sessions run sudo
  ASSERT_TRUE(f.suggestion->exposure_after);
  EXPECT_LT(*f.suggestion->exposure_after, 96u);
  // The prediction is the exposure of the unit with the drop-in appended.
  Result<std::string> text = SuggestedServicesPolicy({f});
  ASSERT_TRUE(text.ok());
  const ParsedPolicy p = ParsePolicy(*text, "s.yaml");
  ASSERT_TRUE(p.ok()) << *text;
  ASSERT_EQ(p.policy.services.size(), 1u);
  EXPECT_EQ(p.policy.services[0].user, std::optional<std::string>("root"));
  EXPECT_EQ(p.policy.services[0].ambient, 0u);
}

TEST(ServiceAuditTest, AKeptProfileWinsAndAnUnknownDaemonGetsANote) {
  ServiceAuditContext c = Context();
  c.stored_profile = [](const std::string& unit) -> std::optional<std::pair<PolicyEntry, std::string>> {
    if (unit != "ssh.service") return std::nullopt;
    PolicyEntry e;
    e.needed = CapMask{1} << 10;
    ServicePolicyInput in;
    in.unit = unit;
    in.user = "sshd-user";
    e.service = in;
    return std::make_pair(e, "/var/lib/capset/profiles/ssh.service.json");
  };
  ServiceFinding f = AuditService(Facts("ssh.service", "[Service]\nExecStart=/usr/sbin/sshd\n"), c);
  ASSERT_TRUE(f.suggestion);
  EXPECT_EQ(f.suggestion->source, "profile");
  EXPECT_EQ(f.suggestion->reference, "/var/lib/capset/profiles/ssh.service.json");

  f = AuditService(Facts("mystery.service", "[Service]\nExecStart=/opt/mystery\n"), c);
  EXPECT_FALSE(f.suggestion);
  ASSERT_EQ(f.notes.size(), 1u);
  EXPECT_NE(f.notes[0].find("capctl profile --unit mystery.service"), std::string::npos);
}

TEST(ServiceAuditTest, RootIsWhatItsProcessesAreAndPolicyCoverageIsNamed) {
  ServiceFacts facts = Facts("web.service", "[Service]\nUser=www\nExecStart=/usr/bin/web\n");
  ServiceProcess p;
  p.uid = p.euid = 0;  // the unit says www, but this process is root (a setuid helper, say)
  p.permitted = 0x400;
  facts.processes = {p};
  ParsedPolicy policy = ParsePolicy(
      "services:\n  web.service:\n    user: www\n    ambient: [cap_net_bind_service]\n", "p.yaml");
  ASSERT_TRUE(policy.ok());
  ServiceAuditContext c = Context();
  c.policy = &policy.policy;
  ServiceFinding f = AuditService(facts, c);
  EXPECT_TRUE(f.runs_as_root);
  EXPECT_EQ(f.held, 0x400u);
  EXPECT_EQ(f.policy_where, "p.yaml:2:3");
}

}  // namespace
}  // namespace capset
