# -*- coding: utf-8 -*-
# Copyright: capset developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One policy file in ROOT/etc/capset/policy.d, as the policy and unit modules handle it:
staged in a directory only root can change (capctl's trust rule reads it there), checked by
capctl's parser, installed by an atomic rename, removed."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import tempfile

from ansible_collections.capset.hardening.plugins.module_utils.capctl import CapctlError


def read_bytes(path):
    """The bytes of the file at `path`, or None where it cannot be read."""
    try:
        with open(path, 'rb') as f:
            return f.read()
    except IOError:
        return None


def run_with_policy_file(module, capctl, name, run):
    """`run(module, capctl, policy_file)` for the policy file `name` under the module's root,
    the result the task's; a bad name or a capctl failure fails the task with its message."""
    try:
        with PolicyFile(name, module.params['root']) as pf:
            module.exit_json(**run(module, capctl, pf))
    except ValueError as e:
        module.fail_json(msg=str(e))
    except CapctlError as e:
        module.fail_json(msg=e.message, rc=e.rc, stderr=e.stderr)


class PolicyFile(object):
    def __init__(self, name, root=None):
        if '/' in name or name.startswith('.') or not name.endswith('.yaml'):
            raise ValueError("a policy file's name ends in .yaml and has no '/': %r" % name)
        self.name = name
        self.root = root
        self.path = os.path.join(root or '/', 'etc/capset/policy.d', name)
        self.scratch = None
        self.staged = None

    def __enter__(self):
        self.scratch = tempfile.mkdtemp(prefix='capset-ansible.',
                                        dir='/run' if os.path.isdir('/run') else None)
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.scratch, ignore_errors=True)
        return False

    def root_args(self):
        return ['--root', self.root] if self.root else []

    def current(self):
        """The installed file's bytes, or None."""
        return read_bytes(self.path)

    def stage(self, text):
        """Writes `text` (bytes) where capctl will read it; returns its path."""
        self.staged = os.path.join(self.scratch, self.name)
        with open(self.staged, 'wb') as f:
            f.write(text)
        os.chmod(self.staged, 0o644)
        return self.staged

    def errors(self, capctl):
        """capctl policy check's errors for the staged file, each as 'NAME:LINE:COLUMN: ...'."""
        rc, doc = capctl.json(['policy', 'check', '--json', self.staged], ok=(0, 1))
        found = [d for d in doc.get('diagnostics', []) if d.get('severity') == 'error']
        if rc != 0 and not found:
            found = [{'line': 0, 'column': 0, 'message': 'refused (capctl policy check exit %d)' % rc}]
        return ['%s:%s:%s: %s' % (self.name, d.get('line'), d.get('column'), d.get('message'))
                for d in found]

    def install(self):
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        tmp = os.path.join(directory, '.%s.ansible' % self.name)
        shutil.copyfile(self.staged, tmp)
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.path)  # the loader ignores dot files; the rename is atomic

    def remove(self):
        os.unlink(self.path)
