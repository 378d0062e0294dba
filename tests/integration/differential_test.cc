// SPDX-License-Identifier: LGPL-2.1-or-later
// Differential tests against libcap: for a few hundred capability texts, valid and invalid,
//   (1) capctl set TEXT + getcap   ==  setcap TEXT + getcap    (same acceptance, same bytes)
//   (2) setcap TEXT + capctl get   ==  setcap TEXT + getcap    (byte for byte)
// The texts are generated from a fixed seed, so a failure names a reproducible text. The
// sanitizer build checks the first fifth of them (the hand-written ones first).
#include <gtest/gtest.h>

#include <random>

#include "capset/file_caps.h"
#include "capset/iab.h"
#include "test_util.h"

namespace capset::testing {
namespace {

std::vector<std::string> GenerateTexts(size_t count) {
  const std::vector<std::string> names = {"cap_chown",
                                          "cap_dac_override",
                                          "cap_kill",
                                          "cap_setuid",
                                          "cap_setfcap",
                                          "cap_net_bind_service",
                                          "cap_net_raw",
                                          "cap_net_admin",
                                          "cap_sys_admin",
                                          "cap_sys_time",
                                          "cap_sys_module",
                                          "cap_bpf",
                                          "cap_checkpoint_restore",
                                          "CAP_NET_RAW",
                                          "Cap_Sys_Nice",
                                          "all",
                                          "0",
                                          "13",
                                          "40",
                                          "41",
                                          "45",
                                          "63",
                                          "64",
                                          "cap_bogus",
                                          "cap_",
                                          "net_raw",
                                          "-1"};
  const std::vector<std::string> ops = {"=", "+", "-"};
  const std::vector<std::string> flags = {"",   "e",   "i",   "p",  "ep", "ei",
                                          "ip", "eip", "pie", "pe", "x",  "EP"};
  std::vector<std::string> texts = {"=",
                                    "=p",
                                    "=ep",
                                    "=eip",
                                    "all=ep",
                                    "all+p",
                                    "cap_net_raw=ep",
                                    " cap_net_raw=ep",
                                    "cap_net_raw=ep ",
                                    "cap_net_raw=ep  cap_chown+i",
                                    "cap_net_raw,cap_chown=p",
                                    "cap_net_raw, cap_chown=p",
                                    "cap_net_raw=p cap_net_raw-p",
                                    "all=p cap_sys_admin-p",
                                    "cap_net_raw+e",
                                    "cap_net_raw+ep cap_chown+p",
                                    "=e",
                                    "",
                                    " ",
                                    "cap_net_raw=p\t",
                                    "cap_net_raw==p",
                                    "cap_net_raw=p=e",
                                    "cap_net_raw+p+e",
                                    "cap_net_raw=pe+i",
                                    "cap_net_raw=p,cap_chown=i",
                                    "cap_chown,cap_chown=p",
                                    "all-p",
                                    "all=",
                                    "cap_net_raw+",
                                    "=p cap_net_raw-e",
                                    "all=ep cap_setfcap-ep"};
  std::mt19937 rng(20261122);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  while (texts.size() < count) {
    std::string t;
    const int clauses = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < clauses; ++c) {
      if (c) t += (rng() % 5 == 0) ? "  " : " ";
      const int n = static_cast<int>(rng() % 3);
      for (int i = 0; i <= n; ++i) {
        if (i) t += ",";
        t += pick(names);
      }
      t += pick(ops) + pick(flags);
      if (rng() % 6 == 0) t += pick(ops) + pick(flags);
    }
    texts.push_back(t);
  }
  texts.resize(count);
  return texts;
}

class DifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    ours_ = dir_.MakeFile("ours");
    ref_ = dir_.MakeFile("ref");
  }
  ScratchDir dir_{ScratchDir::Fs::kTmpfs};
  std::string ours_, ref_;
};

TEST_F(DifferentialTest, SetAndGetAgreeWithLibcap) {
  int accepted = 0, rejected = 0, unstorable_effective = 0;
  const std::vector<std::string> texts = GenerateTexts(SubprocessRepeats(400));
  for (const std::string& text : texts) {
    SCOPED_TRACE("text: '" + text + "'");
    RunCommand({SetcapPath(), "-r", ref_});
    RunCommand({SetcapPath(), "-r", ours_});

    const CommandResult ref_set = RunCommand({SetcapPath(), text, ref_});
    const CommandResult our_set = RunCommand({CapctlPath(), "set", text, ours_});
    ASSERT_EQ(ref_set.exit_code == 0, our_set.exit_code == 0)
        << "setcap: " << ref_set.exit_code << " " << ref_set.err
        << "\ncapctl: " << our_set.exit_code << " " << our_set.err;
    (ref_set.exit_code == 0 ? accepted : rejected)++;
    if (our_set.exit_code != 0) {
      EXPECT_FALSE(our_set.err.empty());
      EXPECT_EQ(RawCapXattr(ours_), "") << "a refused text wrote something";
      continue;
    }
    // (1) same bytes on disk, same getcap line.
    EXPECT_EQ(RawCapXattr(ours_), RawCapXattr(ref_));
    const std::string ref_line = RunCommand({GetcapPath(), ref_}).out;
    EXPECT_EQ(ReplaceAll(RunCommand({GetcapPath(), ours_}).out, ours_, ref_), ref_line);
    // (2) capctl get reads libcap's file exactly as getcap does.
    EXPECT_EQ(RunCommand({CapctlPath(), "get", ref_}).out, ref_line);
    // and capctl -v verifies what setcap -v verifies, except for one deliberate difference:
    // when the text asks for effective bits the file cannot store (e.g. "cap_x+e" with no p
    // or i), setcap -v rejects the file setcap itself just wrote; capctl compares what a file
    // can hold, and says OK (documented in capctl(1)).
    const std::string our_verify = RunCommand({CapctlPath(), "set", "-v", text, ref_}).out;
    const std::string ref_verify = RunCommand({SetcapPath(), "-v", text, ref_}).out;
    const CapState asked = *CapState::FromText(text);
    const FileCaps stored = *FileCaps::FromText(text);
    if (asked.effective == stored.EffectiveMask()) {
      EXPECT_EQ(our_verify, ref_verify);
    } else {
      EXPECT_EQ(our_verify, ref_ + ": OK\n");
      EXPECT_EQ(ref_verify, ref_ + " differs in [e]\n");
      ++unstorable_effective;
    }
  }
  // The generator must exercise both sides: more than a quarter of the texts each.
  EXPECT_GT(accepted, static_cast<int>(texts.size() / 4));
  EXPECT_GT(rejected, static_cast<int>(texts.size() / 4));
  std::printf(
      "differential: %d texts accepted by both, %d rejected by both (%d with effective "
      "bits a file cannot store)\n",
      accepted, rejected, unstorable_effective);
}

}  // namespace
}  // namespace capset::testing
