"""Run libvirt-python's own unit tests (its tests/ folder, unmodified) with
whichever libvirt module is first on sys.path, and print one JSON object:
{test id: [outcome, why]} where outcome is pass, fail, error or skip and
`why` says, for failures, the observed cause:
- "missing-api": the test needs an API this module lacks (an AttributeError
  on a libvirt object or module, an ImportError of a libvirt module, or
  VIR_ERR_NO_SUPPORT);
- "other": anything else.

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
    if issubclass(etype, ImportError) and (value.name or "").startswith("libvirt"):
        return "missing-api: " + str(value)
    # unittest's loader reports a module that failed to import as an
    # ImportError carrying the original traceback: judge its last line.
    text = str(value)
    if issubclass(etype, ImportError) and text.startswith("Failed to import test module"):
        lines = [l for l in text.strip().splitlines() if l.strip()]
        last = lines[-1].strip() if lines else ""
        if (last.startswith(("ModuleNotFoundError", "ImportError")) and "'libvirt" in last) or (
                last.startswith("AttributeError") and ("vir" in last or "libvirt" in last)):
            return "missing-api: " + last
        return "other: " + last
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
    import libvirt
    result = Collect()
    stderr = sys.stderr
    for name in sorted(os.listdir(tests)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        mod = name[:-3]
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName(mod)
        except BaseException as e:  # a module that fails to import (or exits)
            kind, _, detail = why((type(e), e, e.__traceback__)).partition(": ")
            result.out[mod] = ["error", "%s: import: %s" % (kind, detail)]
            continue
        sys.stderr = io.StringIO()  # libvirt prints reported errors there
        try:
            suite.run(result)
        finally:
            sys.stderr = stderr
    print(json.dumps(result.out, sort_keys=True))


if __name__ == "__main__":
    main()
