# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""file_caps' decisions against a fake capctl: compared as sets, idempotent, check mode
writes nothing, absent removes only what is there, capctl's errors fail the task."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible_collections.capset.hardening.plugins.module_utils.capctl import Capctl, CapctlError
from ansible_collections.capset.hardening.plugins.modules import file_caps


def caps(text, permitted, effective=True, rootid=0):
    return {'text': text, 'permitted': permitted, 'inheritable': [], 'effective': effective,
            'rootid': rootid, 'host_effective': True}


class FakeCapctl(object):
    """Answers capctl's commands from a dict path -> capabilities (None: none)."""

    def __init__(self, files):
        self.files = files
        self.calls = []

    def __call__(self, argv, data=None, environ_update=None):
        args = argv[1:]
        self.calls.append(args)
        path = args[-1]
        if args[0] == 'get':
            c = self.files.get(path)
            return 0, json.dumps({'errors': [], 'files': [{'path': path, 'capabilities': c}] if c else []}), ''
        if args[0] == 'set' and '-r' in args:
            if not self.files.get(path):
                return 1, json.dumps({'errors': [{'error': 'no capabilities to remove'}], 'results': []}), ''
            self.files[path] = None
            return 0, json.dumps({'errors': [], 'results': [{'outcome': 'removed'}]}), ''
        if args[0] == 'set':
            text = args[-2]
            if text == 'cap_bogus=ep':
                return 2, '', "capctl: unknown capability 'cap_bogus'\n"
            want = caps('cap_net_raw=ep', ['cap_net_raw']) if text in ('cap_net_raw=ep', 'cap_net_raw+ep') \
                else caps('cap_net_raw=p', ['cap_net_raw'], effective=False)
            if '--dry-run' not in args:
                self.files[path] = want
            return 0, json.dumps({'errors': [], 'results': [{'capabilities': want, 'outcome': 'set'}]}), ''
        raise AssertionError(args)


class FakeModule(object):
    def __init__(self, params, check_mode=False, diff=False):
        base = {'state': 'present', 'rootid': None, 'force_hardlinks': False, 'capability': None}
        base.update(params)
        self.params = base
        self.check_mode = check_mode
        self._diff = diff

    def fail_json(self, **kw):
        raise RuntimeError(kw['msg'])


def writes(fake):
    return [c for c in fake.calls if c[0] == 'set' and '--dry-run' not in c]


def test_same_set_other_spelling_changes_nothing():
    fake = FakeCapctl({'/usr/bin/ping': caps('cap_net_raw=ep', ['cap_net_raw'])})
    r = file_caps.run(FakeModule({'path': '/usr/bin/ping', 'capability': 'cap_net_raw+ep'}), Capctl(fake, 'capctl'))
    assert r['changed'] is False
    assert writes(fake) == []


def test_a_different_set_is_written_and_the_second_run_is_clean():
    fake = FakeCapctl({'/usr/bin/ping': caps('cap_net_raw=ep', ['cap_net_raw'])})
    m = FakeModule({'path': '/usr/bin/ping', 'capability': 'cap_net_raw=p'}, diff=True)
    r = file_caps.run(m, Capctl(fake, 'capctl'))
    assert r['changed'] is True
    assert r['diff'] == {'before': 'cap_net_raw=ep\n', 'after': 'cap_net_raw=p\n',
                         'before_header': '/usr/bin/ping', 'after_header': '/usr/bin/ping'}
    assert len(writes(fake)) == 1
    assert file_caps.run(m, Capctl(fake, 'capctl'))['changed'] is False


def test_check_mode_predicts_and_writes_nothing():
    fake = FakeCapctl({'/usr/bin/ping': None})
    r = file_caps.run(FakeModule({'path': '/usr/bin/ping', 'capability': 'cap_net_raw=ep'}, check_mode=True),
                      Capctl(fake, 'capctl'))
    assert r['changed'] is True
    assert r['capabilities'] == 'cap_net_raw=ep'
    assert writes(fake) == []
    assert fake.files['/usr/bin/ping'] is None


def test_absent_removes_what_is_there_and_nothing_else():
    fake = FakeCapctl({'/a': caps('cap_net_raw=ep', ['cap_net_raw']), '/b': None})
    assert file_caps.run(FakeModule({'path': '/a', 'state': 'absent'}), Capctl(fake, 'capctl'))['changed'] is True
    assert fake.files['/a'] is None
    assert file_caps.run(FakeModule({'path': '/b', 'state': 'absent'}), Capctl(fake, 'capctl'))['changed'] is False
    assert [c for c in writes(fake) if '/b' in c] == []


def test_a_namespace_root_id_is_part_of_the_set():
    fake = FakeCapctl({'/a': caps('cap_net_raw=ep', ['cap_net_raw'], rootid=100000)})
    r = file_caps.run(FakeModule({'path': '/a', 'capability': 'cap_net_raw=ep'}), Capctl(fake, 'capctl'))
    assert r['changed'] is True  # rootid 100000 grants nothing on the host
    assert r['before'] == 'cap_net_raw=ep [rootid=100000]'


def test_capctls_message_fails_the_task():
    fake = FakeCapctl({'/a': None})
    with pytest.raises(CapctlError) as e:
        file_caps.run(FakeModule({'path': '/a', 'capability': 'cap_bogus=ep'}), Capctl(fake, 'capctl'))
    assert "unknown capability 'cap_bogus'" in e.value.message
