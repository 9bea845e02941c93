"""The standard library's module names, on every Python the output may run on.

Output of the command line runs on any supported interpreter, whichever wrote it
(user guide). A module of the program named like a module of the standard library of
*another* version than the rewriter's (``imp``, removed in 3.12; ``tomllib``, new in
3.11) is the standard library's there when the standard library comes first on
``sys.path`` (the program installed in site-packages): the names of all of them count
(review R18 y1).
"""

from __future__ import annotations

import sys

#: Public modules some supported version (3.10-3.13) has and this one may lack.
_OTHER_VERSIONS = frozenset(
    {
        # removed in 3.12
        "asynchat", "asyncore", "distutils", "imp", "smtpd",
        # removed in 3.13
        "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap", "msilib", "nis",
        "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
        # removed in 3.11
        "binhex",
        # new in 3.11
        "tomllib",
    }
)

STDLIB_MODULE_NAMES: frozenset[str] = frozenset(sys.stdlib_module_names) | _OTHER_VERSIONS
