"""A traceback through the compiled send shows the ``.pyx`` lines it passed through.

Cython names each frame by the source path given at build time; setup.py
gives it relative to ``src/``, ``cydispatch/_cdispatch.pyx``, and the compiled
wheel ships the ``.pyx``, so ``linecache`` finds it through ``sys.path``,
beside the installed module, and pytest's reports (as IPython's) show the
lines. The standard ``traceback`` module does not: for a frame of an extension
module it asks the module's loader for the source, gets None, and stops there
(CPython issue 76978); worse, it leaves that answer in ``linecache`` for the
rest of the process, so after one such traceback pytest finds no lines either.
"""

from __future__ import annotations

import linecache
import os
import traceback

import pytest

pytestmark = pytest.mark.c_extension
SOURCE = "cydispatch/_cdispatch.pyx"


def test_the_compiled_sends_frames_show_their_source_lines():
    from cydispatch import _cdispatch

    def failing(**kwargs: object) -> None:
        raise LookupError("raised by the receiver")

    signal = _cdispatch.Signal()
    signal.connect(failing, weak=False)
    with pytest.raises(LookupError) as excinfo:
        signal.send(sender=None)

    frames = [(frame.f_code.co_filename, lineno) for frame, lineno in traceback.walk_tb(excinfo.tb)]
    compiled = [lineno for filename, lineno in frames if filename == SOURCE]
    assert compiled, frames
    # The file linecache finds is the one beside the module that ran.
    with open(os.path.join(os.path.dirname(_cdispatch.__file__), "_cdispatch.pyx"), encoding="utf-8") as pyx:
        beside = pyx.read().splitlines()
    # What an earlier test's standard traceback left (see above) would hide the lines.
    linecache.cache.pop(SOURCE, None)
    report = str(excinfo.getrepr(style="long"))
    for lineno in compiled:
        line = linecache.getline(SOURCE, lineno)
        assert line.strip() and line.rstrip("\n") == beside[lineno - 1]
        assert line.strip() in report
