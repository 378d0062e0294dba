# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit module's policy entry: every value quoted so that none can start another key, a
second document or a second directive (capctl's parser then refuses control characters)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

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


# The drop-in systemd reads: its drift is a change, repaired by a reload (capctl unit verify).

import json

from ansible_collections.capset.hardening.plugins.module_utils.capctl import Capctl


class FakePolicyFile(object):
    """The installed entry (bytes or None) and what the module did with it."""

    def __init__(self, installed):
        self.installed = installed
        self.path = '/etc/capset/policy.d/ansible-web.yaml'
        self.staged = '/run/x/ansible-web.yaml'
        self.text = None
        self.actions = []

    def current(self):
        return self.installed

    def stage(self, text):
        self.text = text

    def errors(self, capctl):
        return []

    def root_args(self):
        return []

    def install(self):
        self.actions.append('install')
        self.installed = self.text

    def remove(self):
        self.actions.append('remove')
        self.installed = None


class FakeUnitCapctl(object):
    """capctl unit lint/generate/verify; `states` are the verdicts verify returns in turn."""

    def __init__(self, states):
        self.states = list(states)

    def __call__(self, argv, data=None, environ_update=None):
        args = argv[1:]
        if args[:2] == ['unit', 'lint']:
            return 0, json.dumps({'ok': True, 'units': []}), ''
        if args[:2] == ['unit', 'generate']:
            return 0, json.dumps({'units': [{'service': 'web.service', 'drop_in': '[Service]\nUser=www-data\n'}]}), ''
        if args[:2] == ['unit', 'verify']:
            state = self.states.pop(0)
            units = [] if state is None else [{
                'service': 'web.service', 'state': state, 'path': '/run/systemd/generator/web.service.d/50-capset.conf',
                'diff': [] if state == 'ok' else [{'op': '-', 'directive': '[Service] User=root'},
                                                  {'op': '+', 'directive': '[Service] User=www-data'}]}]
            return (0 if state in (None, 'ok') else 3), json.dumps({'ok': state in (None, 'ok'), 'units': units}), ''
        raise AssertionError(args)


class FakeUnitModule(object):
    def __init__(self, check_mode=False, **kw):
        self.params = dict(params(user='www-data', ambient=[]), state='present', root=None,
                           daemon_reload=True, restart=False)
        self.params.update(kw)
        self.check_mode = check_mode
        self._diff = False
        self.commands = []

    def run_command(self, argv, check_rc=False):
        self.commands.append(argv)
        return 0, '', ''

    def fail_json(self, **kw):
        raise RuntimeError(kw['msg'])


def installed_entry():
    return unit.entry_text(params(user='www-data', ambient=[]))


def test_an_edited_drop_in_is_a_change_repaired_by_a_reload(monkeypatch):
    monkeypatch.setattr(unit, 'systemd_runs', lambda p: True)
    m, pf = FakeUnitModule(), FakePolicyFile(installed_entry())
    r = unit.run(m, Capctl(FakeUnitCapctl(['drift', 'ok']), 'capctl'), pf)
    assert r['changed'] and r['drop_in_state'] == 'drift'
    assert r['drop_in_diff'] == ['- [Service] User=root', '+ [Service] User=www-data']
    assert pf.actions == []  # the entry was right: only the drop-in is regenerated
    assert m.commands == [['systemctl', 'daemon-reload']]


def test_check_mode_reports_the_drift_and_reloads_nothing(monkeypatch):
    monkeypatch.setattr(unit, 'systemd_runs', lambda p: True)
    m, pf = FakeUnitModule(check_mode=True), FakePolicyFile(installed_entry())
    r = unit.run(m, Capctl(FakeUnitCapctl(['missing']), 'capctl'), pf)
    assert r['changed'] and r['drop_in_state'] == 'missing'
    assert m.commands == [] and pf.actions == []


def test_in_sync_changes_nothing(monkeypatch):
    monkeypatch.setattr(unit, 'systemd_runs', lambda p: True)
    m, pf = FakeUnitModule(), FakePolicyFile(installed_entry())
    r = unit.run(m, Capctl(FakeUnitCapctl(['ok']), 'capctl'), pf)
    assert not r['changed'] and m.commands == []


def test_a_drop_in_the_reload_does_not_repair_fails_the_task(monkeypatch):
    monkeypatch.setattr(unit, 'systemd_runs', lambda p: True)
    m, pf = FakeUnitModule(), FakePolicyFile(installed_entry())
    with pytest.raises(RuntimeError, match='still drift'):
        unit.run(m, Capctl(FakeUnitCapctl(['drift', 'drift']), 'capctl'), pf)


def test_a_stale_drop_in_after_the_entry_went_is_removed_by_a_reload(monkeypatch):
    monkeypatch.setattr(unit, 'systemd_runs', lambda p: True)
    m, pf = FakeUnitModule(state='absent'), FakePolicyFile(None)
    r = unit.run(m, Capctl(FakeUnitCapctl(['stale', None]), 'capctl'), pf)
    assert r['changed'] and r['drop_in_state'] == 'stale'
    assert m.commands == [['systemctl', 'daemon-reload']]


def test_diff_mode_never_reads_a_drop_in_through_a_link(tmp_path):
    secret = tmp_path / 'secret'
    secret.write_text('root:x:0:0\n')
    link = tmp_path / '50-capset.conf'
    link.symlink_to(secret)
    assert unit.read_text(str(link)) == ''
    real = tmp_path / 'real.conf'
    real.write_text('[Service]\nUser=root\n')
    assert unit.read_text(str(real)) == '[Service]\nUser=root\n'
