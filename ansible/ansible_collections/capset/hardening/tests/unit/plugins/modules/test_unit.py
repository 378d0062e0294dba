# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit module's policy entry: every value quoted so that none can start another key, a
second document or a second directive (capctl's parser then refuses control characters)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.capset.hardening.plugins.modules import unit


def params(**kw):
    p = {'name': 'web.service', 'user': None, 'group': None, 'dynamic_user': False, 'ambient': [],
         'bounding': None, 'template': None, 'no_new_privileges': True, 'settings': {}}
    p.update(kw)
    return p


def test_an_entry_is_one_services_mapping():
    text = unit.entry_text(params(user='www-data', ambient=['cap_net_bind_service'],
                                  template='web-server', settings={'ReadWritePaths': ['/a', '/b']}))
    assert text.decode() == (
        '# Written by the Ansible module capset.hardening.unit: change the play, not this file.\n'
        'services:\n  "web.service":\n    user: "www-data"\n'
        '    ambient: ["cap_net_bind_service"]\n    template: "web-server"\n'
        '    no-new-privileges: true\n    settings:\n      "ReadWritePaths": ["/a", "/b"]\n')


def test_hostile_values_stay_inside_their_quotes():
    text = unit.entry_text(params(user='x\nExecStartPre=/bin/sh', group='g": 1\n  other.service:',
                                  settings={'Environment': 'A=1\\'}))
    lines = text.decode().splitlines()
    assert len(lines) == 9  # no value added a line
    assert 'user: "x\\nExecStartPre=/bin/sh"' in lines[3]
    assert lines[4] == '    group: "g\\": 1\\n  other.service:"'


def test_a_dynamic_user_and_an_explicit_bounding_set():
    text = unit.entry_text(params(dynamic_user=True, ambient=[], bounding=['cap_setuid'],
                                  no_new_privileges=False)).decode()
    assert '    dynamic-user: true\n' in text
    assert '    bounding: ["cap_setuid"]\n' in text
    assert '    no-new-privileges: false\n' in text
