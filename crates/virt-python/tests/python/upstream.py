"""Run libvirt-python's own unit tests (its tests/ folder, unmodified) with
whichever libvirt module is first on sys.path, and print one JSON object:
{test id: [outcome, why]} where outcome is pass, fail, error or skip and
`why` says, for failures, whether the test needs an API this module lacks
("missing-api": AttributeError on a libvirt object, or VIR_ERR_NO_SUPPORT)
or something else went wrong ("other").

Usage: python3 upstream.py TESTS_DIR
"""

import io
import json
import os
import sys
import unittest


def why(err):
    etype, value, _tb = err
    import libvirt
    if etype is AttributeError and "vir" in str(value) or (
            etype is AttributeError and "libvirt" in str(value)):
        return "missing-api: " + str(value)
    if issubclass(etype, libvirt.libvirtError) and value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
        return "missing-api: " + str(value)
    return "other: %s: %s" % (etype.__name__, str(value).splitlines()[0] if str(value) else "")


class Collect(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.out = {}

    def addSuccess(self, test):
        self.out[test.id()] = ["pass", ""]

    def addFailure(self, test, err):
        self.out[test.id()] = ["fail", why(err)]

    def addError(self, test, err):
        self.out[test.id()] = ["error", why(err)]

    def addSkip(self, test, reason):
        self.out[test.id()] = ["skip", reason]


def main():
    tests = os.path.abspath(sys.argv[1])
    sys.path.insert(1, tests)  # eventmock, as the tests expect
    result = Collect()
    stderr = sys.stderr
    for name in sorted(os.listdir(tests)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        mod = name[:-3]
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName(mod)
        except BaseException as e:  # a module that fails to import (or exits)
            result.out[mod] = ["error", "other: import: %s: %s" % (type(e).__name__, e)]
            continue
        sys.stderr = io.StringIO()  # libvirt prints reported errors there
        try:
            suite.run(result)
        finally:
            sys.stderr = stderr
    print(json.dumps(result.out, sort_keys=True))


if __name__ == "__main__":
    main()
