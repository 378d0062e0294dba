#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# capctl's bash completion, with the real bash-completion framework: commands, subcommands,
# options, capability names after ',' and '+', and policy files.
#   completion_test.sh COMPLETION_FILE
set -uo pipefail
framework=/usr/share/bash-completion/bash_completion
[[ -r $framework ]] || { echo "SKIP: bash-completion is not installed" >&2; exit 77; }
complete_line() { # the words of a command line; prints the completions, sorted
  bash --norc -c '
    source "$1"; source "$2"; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _capctl capctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$framework" "$1" "${@:2}"
}
fail=0
expect() { # description, expected (space-separated), words...
  local got
  got=$(complete_line "$completion" "${@:3}" | tr '\n' ' ' | sed 's/ $//')
  if [[ $got == "$2" ]]; then echo "ok: $1"; else echo "FAIL: $1: got '$got', want '$2'" >&2; fail=1; fi
}
completion=$1
expect "commands" "policy" capctl po
expect "policy verbs (a)" "apply" capctl policy ap
expect "apply options" "--daemon --dry-run" capctl policy apply --d
expect "a capability after a comma" "cap_net_admin,cap_net_raw" capctl set cap_net_admin,cap_net_r
expect "a capability after +" "cap_setfcap+cap_setfcap cap_setfcap+cap_setgid cap_setfcap+cap_setpcap cap_setfcap+cap_setuid" \
  capctl set cap_setfcap+cap_set
expect "unit verbs" "generate" capctl unit g
expect "get options" "--json" capctl get --j
expect "audit options" "--services" capctl audit --se
expect "audit: the threshold" "--fail-above" capctl audit --services --fa
expect "profile: merge is a verb" "merge" capctl profile merg
expect "profile merge options" "--output" capctl profile merge --o
expect "profile options" "--unit --user" capctl profile --u
expect "profile: the command's own options after it" "--help" capctl profile -- capctl --hel
exit $fail
