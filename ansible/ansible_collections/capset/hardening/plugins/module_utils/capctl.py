# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running capctl and reading its --json documents: the one place the modules call it.

capctl decides everything (what a capability set is, whether a file is safe to write, what
the policy says); the modules only ask it and report. A capctl that cannot be found, exits
with an unexpected status, or prints something that is not its JSON fails the task with
capctl's own message (it names the file, line and column of a policy error)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json


class CapctlError(Exception):
    """capctl failed: `message` is what it said (its stderr, or its JSON errors)."""

    def __init__(self, message, rc=None, stdout='', stderr=''):
        super(CapctlError, self).__init__(message)
        self.message = message
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


class Capctl(object):
    """capctl on the managed host. `run` is AnsibleModule.run_command (or a fake in tests)."""

    def __init__(self, run, binary):
        self._run = run
        self.binary = binary

    @classmethod
    def for_module(cls, module, binary=None):
        path = binary or module.get_bin_path('capctl', required=False,
                                             opt_dirs=['/usr/bin', '/usr/local/bin'])
        if not path:
            module.fail_json(msg="capctl is not installed on the host (install capset's package)")
        return cls(module.run_command, path)

    def json(self, args, ok=(0,), data=None):
        """Runs capctl ARGS (with --json among them) and returns (rc, document). An exit status
        outside `ok`, or output that is no JSON object, raises CapctlError."""
        rc, out, err = self._run([self.binary] + list(args), data=data,
                                 environ_update={'LC_ALL': 'C.UTF-8'})
        doc = None
        if out.strip():
            try:
                doc = json.loads(out)
            except ValueError:
                doc = None
        if rc not in ok or not isinstance(doc, dict):
            raise CapctlError(describe_failure(args, rc, err, doc), rc, out, err)
        return rc, doc


def unit_verify(capctl):
    """`capctl unit verify --json`: (exit status, its document with each unit's diff as
    '- [Service] Key=Value' lines). (None, None) for a capctl older than 'unit verify' (a
    usage error, exit 2): the drop-ins cannot be compared there."""
    try:
        rc, doc = capctl.json(['unit', 'verify', '--json'], ok=(0, 1, 3))
    except CapctlError as e:
        if e.rc == 2:
            return None, None
        raise
    for u in doc.get('units', []):
        u['diff'] = ['%s %s' % (d.get('op'), d.get('directive')) for d in u.get('diff', [])]
    return rc, doc


def describe_failure(args, rc, err, doc):
    """capctl's own words for a failure: its stderr, else the errors in its JSON."""
    lines = [line for line in (err or '').splitlines() if line.strip()]
    if isinstance(doc, dict):
        for e in doc.get('errors') or []:
            lines.append(e.get('error', str(e)) if isinstance(e, dict) else str(e))
        for d in doc.get('diagnostics') or []:
            if isinstance(d, dict) and d.get('severity') == 'error':
                lines.append('%s:%s:%s: %s' % (d.get('file'), d.get('line'), d.get('column'),
                                               d.get('message')))
    if not lines:
        lines.append('exit status %s' % rc)
    return 'capctl %s: %s' % (' '.join(a for a in args if not a.startswith('-')) or args[0],
                               '; '.join(lines))


def caps_of(doc):
    """The capabilities of the one file of a `capctl get --json` document, or None."""
    files = doc.get('files') or []
    if not files:
        return None
    return files[0].get('capabilities')


def same_caps(a, b):
    """Whether two capctl capability objects are the same set: permitted, inheritable,
    effective and the namespace root id (never compared as text)."""
    if a is None or b is None:
        return a is None and b is None
    return (sorted(a.get('permitted') or []) == sorted(b.get('permitted') or []) and
            sorted(a.get('inheritable') or []) == sorted(b.get('inheritable') or []) and
            bool(a.get('effective')) == bool(b.get('effective')) and
            int(a.get('rootid') or 0) == int(b.get('rootid') or 0))


def caps_text(caps):
    """'cap_net_raw=ep' (and ' [rootid=N]' for a namespaced one), or '' for none."""
    if caps is None:
        return ''
    text = caps.get('text', '')
    if caps.get('rootid'):
        text += ' [rootid=%d]' % int(caps['rootid'])
    return text
