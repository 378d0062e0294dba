#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: file_caps
short_description: Give a file an exact set of capabilities, safely (capctl set)
description:
  - Makes the capabilities of one file exactly C(capability), or removes them all, through
    C(capctl set) from capset.
  - A safe replacement for M(community.general.capabilities), with the same option names.
    The set is compared as a set (permitted, inheritable, effective and the namespace root
    id), never as text, so a second run changes nothing. The whole set is stated, not one
    capability added to what is there.
  - The file is written through a descriptor after a walk that follows no symbolic link and
    refuses a path (or a directory above it) that a user other than root could change, so the
    path cannot be raced (CVE-2026-4878); a file with several hard links is refused unless
    O(force_hardlinks=true).
version_added: "0.1.0"
author: capset developers
options:
  path:
    description: The file, absolute.
    type: path
    required: true
    aliases: [key]
  capability:
    description:
      - The file's whole capability set in C(cap_from_text(3)) form, as C(setcap) takes it,
        for example V(cap_net_raw=ep) or V(cap_net_bind_service+ep). Required with
        O(state=present).
    type: str
    aliases: [cap]
  state:
    description:
      - V(present) makes the set exactly O(capability); V(absent) removes every capability.
    type: str
    choices: [present, absent]
    default: present
  rootid:
    description:
      - Write a version 3 capability for the user namespace whose root is this host uid (it
        grants nothing on the host). Default 0, the host.
    type: int
  force_hardlinks:
    description: Accept a file with more than one hard link (each name gets the set).
    type: bool
    default: false
  capctl:
    description: The capctl binary, if it is not in /usr/bin or on PATH.
    type: path
notes:
  - Check mode reports exactly what a real run would change; diff mode shows the set before
    and after.
  - Requires capset's capctl on the managed host, run as root (or capsetd's authorization).
seealso:
  - module: community.general.capabilities
  - module: capset.hardening.policy
'''

EXAMPLES = r'''
- name: ping with CAP_NET_RAW instead of set-user-ID root
  capset.hardening.file_caps:
    path: /usr/bin/ping
    capability: cap_net_raw=ep

- name: no capabilities at all on a copied binary
  capset.hardening.file_caps:
    path: /opt/tool/bin/tool
    state: absent
'''

RETURN = r'''
path:
  description: The file.
  returned: always
  type: str
capabilities:
  description: Its capability set afterwards (in check mode, what it would be), as capctl prints it.
  returned: always
  type: str
  sample: cap_net_raw=ep
before:
  description: Its capability set before, '' for none.
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.capset.hardening.plugins.module_utils.capctl import (
    Capctl, CapctlError, caps_of, caps_text, same_caps)


def run(module, capctl):
    p = module.params
    path = p['path']
    _, got = capctl.json(['get', '--json', path], ok=(0, 1))
    before = caps_of(got)
    result = {'changed': False, 'path': path, 'before': caps_text(before)}
    if p['state'] == 'absent':
        result['capabilities'] = ''
        if before is not None:
            result['changed'] = True
            if not module.check_mode:
                capctl.json(['set', '--json', '-r', path])
    else:
        if not p['capability']:
            module.fail_json(msg='capability is required with state=present', **result)
        args = ['set', '--json']
        if p['rootid']:
            args += ['-n', str(p['rootid'])]
        if p['force_hardlinks']:
            args.append('-f')
        # What capctl makes of the text (without writing), compared as a set with what is there.
        _, plan = capctl.json(args[:2] + ['--dry-run'] + args[2:] + [p['capability'], path])
        wanted = (plan.get('results') or [{}])[0].get('capabilities')
        result['capabilities'] = caps_text(wanted)
        if not same_caps(before, wanted):
            result['changed'] = True
            if not module.check_mode:
                capctl.json(args + [p['capability'], path])
    if module._diff:
        result['diff'] = {'before': result['before'] + '\n', 'after': result['capabilities'] + '\n',
                          'before_header': path, 'after_header': path}
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True, aliases=['key']),
            capability=dict(type='str', aliases=['cap']),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            rootid=dict(type='int'),
            force_hardlinks=dict(type='bool', default=False),
            capctl=dict(type='path'),
        ),
        required_if=[('state', 'present', ['capability'])],
        supports_check_mode=True,
    )
    capctl = Capctl.for_module(module, module.params['capctl'])
    try:
        module.exit_json(**run(module, capctl))
    except CapctlError as e:
        module.fail_json(msg=e.message, rc=e.rc, stderr=e.stderr)


if __name__ == '__main__':
    main()
