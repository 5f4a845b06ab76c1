"""cydispatch's pytest plugin: the fixtures ``capture_signal`` and ``mute_signals``.

pytest loads it wherever cydispatch is installed, through the ``pytest11``
entry point named ``cydispatch`` (``-p no:cydispatch`` turns it off); no
conftest is needed. The fixtures are ``cydispatch.testing``'s recorder and
muting, ended when the test ends (see docs/testing.md).

It is a module of its own, outside the ``cydispatch`` package, as Hypothesis's
plugin (``_hypothesis_pytestplugin``) is outside ``hypothesis``: pytest
imports every plugin at start-up, and importing the package would run
``cydispatch/__init__.py``, which chooses and imports a backend, before a
conftest could set ``CYDISPATCH_NO_EXTENSIONS``. So this module imports
pytest alone; a fixture imports ``cydispatch.testing`` (and Django only
through the signals a test gives it) when a test asks for it.
"""

from __future__ import annotations

import pytest

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from cydispatch.testing import SignalRecorder


@pytest.fixture
def capture_signal() -> Iterator[Callable[[Any], SignalRecorder]]:
    """Record what a signal sends, from now to the end of the test.

    ``capture_signal(signal)`` returns a started ``cydispatch.testing.SignalRecorder``:
    ``.calls`` lists the sends (sender, named arguments, the receivers that
    ran and what they returned), and ``assert_sent(sender=..., **named)``,
    ``assert_sent_once`` and ``assert_not_sent`` check them. Call it once per
    signal to record; each recorder stops when the test ends.
    """
    from cydispatch.testing import SignalRecorder

    recorders: list[SignalRecorder] = []

    def capture_signal(signal: Any) -> SignalRecorder:
        recorder = SignalRecorder(signal).start()
        recorders.append(recorder)
        return recorder

    yield capture_signal
    for recorder in reversed(recorders):
        recorder.stop()


@pytest.fixture
def mute_signals() -> Iterator[Callable[..., None]]:
    """Mute signals from now to the end of the test: ``mute_signals(pre_save, post_save)``.

    Every send of a muted signal calls nothing and returns ``[]``; its
    connections stay as they are, and are all there after the test, whatever
    it did (see ``cydispatch.testing.mute``). Call it as often as needed.
    """
    from contextlib import ExitStack

    from cydispatch.testing import mute

    with ExitStack() as stack:

        def mute_signals(*signals: Any) -> None:
            stack.enter_context(mute(*signals))

        yield mute_signals
