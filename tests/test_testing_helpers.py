"""cydispatch.testing and the pytest plugin's fixtures, on every kind of signal.

Each scenario runs on the backend's ``Signal``, on ``cydispatch.django.Signal``
(Django's own signals after ``install()``) and on ``django.dispatch.Signal``
in the same test, and all three must observe the same (``on_each``). The
plugin's entry point is proved with ``pytester``, in a fresh pytest that is
given no conftest.
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from unittest import mock

import django.dispatch
import pytest
from support import needs_async_receivers

import cydispatch.django
from cydispatch.testing import SignalCall, SignalRecorder, capture, mute

#: The plugin's module, and whether its entry point is installed (pytest then
#: loaded it before this module; without it, this module loads it).
PLUGIN = "_cydispatch_pytest"
INSTALLED = [entry for entry in entry_points(group="pytest11") if entry.value == PLUGIN]
pytest_plugins = ["pytester"] if INSTALLED else ["pytester", PLUGIN]

ROOT = Path(__file__).resolve().parent.parent
SEND_METHODS = {"send", "send_robust", "asend", "asend_robust"}


def on_each(Signal, scenario):
    """Run ``scenario`` on the backend's Signal, cydispatch.django's and Django's; return what all observe."""
    ours = scenario(Signal)
    assert scenario(cydispatch.django.Signal) == ours
    assert scenario(django.dispatch.Signal) == ours
    return ours


def named(name, response=None):
    def receiver(**kwargs):
        return name if response is None else response(**kwargs)

    receiver.__name__ = name
    return receiver


def failing(**kwargs):
    raise ValueError("failing")


def shown(responses):
    """``[(receiver, response), ...]`` as names and responses (receivers differ between signals)."""
    if responses is None:
        return None
    return [(receiver.__name__, repr(response)) for receiver, response in responses]


def observed(call):
    return call.method, call.sender, call.named, shown(call.responses), repr(call.exception)


def own_attributes(signal):
    return set(vars(signal)) & (SEND_METHODS | {"_live_receivers"})


class Sender:
    def __repr__(self):
        return "<Sender>"


SENDER = Sender()


# -- recording -------------------------------------------------------------------------


def test_a_recorder_sees_sender_named_arguments_and_the_receivers_that_ran(Signal):
    def scenario(Signal):
        signal = Signal()
        first, second = named("first"), named("second", lambda order_id, **kwargs: order_id * 2)
        signal.connect(first, weak=False)
        signal.connect(second, sender=SENDER, weak=False)
        with capture(signal) as sent:
            responses = signal.send(sender=SENDER, order_id=21)
            signal.send(None, order_id=1)
            signal.send_robust(SENDER, order_id=2)
        assert sent.calls[0].responses == responses
        assert sent.calls[0].receivers == [first, second]
        return [observed(call) for call in sent.calls]

    assert on_each(Signal, scenario) == [
        ("send", SENDER, {"order_id": 21}, [("first", "'first'"), ("second", "42")], "None"),
        ("send", None, {"order_id": 1}, [("first", "'first'")], "None"),
        ("send_robust", SENDER, {"order_id": 2}, [("first", "'first'"), ("second", "4")], "None"),
    ]


def test_sends_without_receivers_and_failing_sends_are_recorded(Signal):
    def scenario(Signal):
        signal = Signal()
        with capture(signal) as sent:
            signal.send(SENDER, step=1)
            signal.connect(failing)
            signal.connect(named("after"), weak=False)
            with pytest.raises(ValueError, match="failing"):
                signal.send(SENDER, step=2)
            signal.send_robust(SENDER, step=3)
        assert sent.calls[1].receivers is None
        return [observed(call) for call in sent.calls]

    assert on_each(Signal, scenario) == [
        ("send", SENDER, {"step": 1}, [], "None"),
        ("send", SENDER, {"step": 2}, None, "ValueError('failing')"),
        ("send_robust", SENDER, {"step": 3}, [("failing", "ValueError('failing')"), ("after", "'after'")], "None"),
    ]


@needs_async_receivers
def test_asynchronous_receivers_and_asend(Signal):
    def scenario(Signal):
        signal = Signal()

        async def late(**kwargs):
            await asyncio.sleep(0)
            return "late"

        signal.connect(late)
        signal.connect(named("plain"), weak=False)
        with capture(signal) as sent:
            assert inspect.iscoroutinefunction(signal.asend)
            asyncio.run(signal.asend(SENDER, step=1))
            asyncio.run(signal.asend_robust(SENDER, step=2))
            signal.send(SENDER, step=3)
            signal.connect(failing)
            with pytest.raises(ValueError):
                asyncio.run(signal.asend(SENDER, step=4))
        return [observed(call) for call in sent.calls]

    both = [("plain", "'plain'"), ("late", "'late'")]
    assert on_each(Signal, scenario) == [
        ("asend", SENDER, {"step": 1}, both, "None"),
        ("asend_robust", SENDER, {"step": 2}, both, "None"),
        ("send", SENDER, {"step": 3}, both, "None"),
        ("asend", SENDER, {"step": 4}, None, "ValueError('failing')"),
    ]


def test_a_send_from_a_receiver_comes_after_the_send_that_called_it(Signal):
    def scenario(Signal):
        signal = Signal()

        def resend(depth, **kwargs):
            if depth:
                signal.send(SENDER, depth=depth - 1)
            return depth

        signal.connect(resend)
        with capture(signal) as sent:
            signal.send(SENDER, depth=2)
        return [(call.named["depth"], shown(call.responses)) for call in sent.calls]

    assert on_each(Signal, scenario) == [(2, [("resend", "2")]), (1, [("resend", "1")]), (0, [("resend", "0")])]


# -- assertions ------------------------------------------------------------------------


def test_the_assertions(Signal):
    def scenario(Signal):
        signal = Signal()
        with capture(signal) as sent:
            sent.assert_not_sent()
            signal.send(SENDER, order_id=1, items=["tea"])
            signal.send(None, order_id=2)
            signal.send(None, order_id=2)
        assert sent.assert_sent() is sent.calls[-1]
        assert sent.assert_sent(order_id=1) is sent.calls[0]
        assert sent.assert_sent(sender=SENDER, order_id=mock.ANY, items=["tea"]) is sent.calls[0]
        assert sent.assert_sent(sender=None) is sent.calls[2]
        assert sent.assert_sent_once(sender=SENDER) is sent.calls[0]
        sent.assert_not_sent(order_id=3)
        sent.assert_not_sent(sender=SENDER, order_id=2)
        sent.assert_not_sent(colour=mock.ANY)
        assert sent.matching(order_id=2) == sent.calls[1:]
        failures = []
        for check in (
            lambda: sent.assert_sent(order_id=3),
            lambda: sent.assert_sent_once(order_id=2),
            lambda: sent.assert_not_sent(sender=None),
        ):
            with pytest.raises(AssertionError) as failure:
                check()
            failures.append(str(failure.value).replace(repr(signal), "<signal>"))
        sent.reset()
        assert sent.calls == []
        with pytest.raises(AssertionError) as failure:
            sent.assert_sent()
        failures.append(str(failure.value).replace(repr(signal), "<signal>"))
        return failures

    recorded = (
        "3 sends recorded:\n"
        "  <SignalCall send(sender=<Sender>, order_id=1, items=['tea'])>\n"
        "  <SignalCall send(sender=None, order_id=2)>\n"
        "  <SignalCall send(sender=None, order_id=2)>"
    )
    assert on_each(Signal, scenario) == [
        f"no send of <signal> matching order_id=3; {recorded}",
        f"expected one send of <signal> matching order_id=2, found 2; {recorded}",
        f"expected no send of <signal> matching sender=None, found 2; {recorded}",
        "no send of <signal>; 0 sends recorded",
    ]


def test_a_call_and_a_recorder_show_what_they_hold(Signal):
    signal = Signal()
    recorder = SignalRecorder(signal)
    assert repr(recorder) == f"<SignalRecorder of {signal!r}, stopped, 0 sends>"
    with recorder:
        signal.send(SENDER, order_id=1)
        assert repr(recorder) == f"<SignalRecorder of {signal!r}, recording, 1 send>"
    assert repr(recorder.calls[0]) == "<SignalCall send(sender=<Sender>, order_id=1)>"
    assert SignalCall("asend", None, {}).receivers is None


# -- what recording leaves -------------------------------------------------------------


def test_recording_changes_no_result_and_leaves_nothing_behind(Signal):
    def scenario(Signal):
        signal = Signal()
        signal.connect(named("first"), weak=False)
        signal.connect(failing)
        plain = [shown(signal.send_robust(SENDER, order_id=1)), signal.has_listeners(SENDER)]
        with capture(signal):
            recorded = [shown(signal.send_robust(SENDER, order_id=1)), signal.has_listeners(SENDER)]
            assert own_attributes(signal) == SEND_METHODS & set(dir(signal))
        assert recorded == plain
        assert own_attributes(signal) == set()
        return plain

    on_each(Signal, scenario)


def test_recorders_of_one_signal_share_it_and_may_stop_in_any_order(Signal):
    def scenario(Signal):
        signal = Signal()
        first, second = SignalRecorder(signal).start(), SignalRecorder(signal).start()
        signal.send(SENDER, step=1)
        first.stop()
        first.stop()  # stopping twice does nothing
        signal.send(SENDER, step=2)
        with pytest.raises(RuntimeError, match="already recording"):
            second.start()
        second.stop()
        signal.send(SENDER, step=3)
        assert own_attributes(signal) == set()
        return [call.named for call in first.calls], [call.named for call in second.calls]

    assert on_each(Signal, scenario) == ([{"step": 1}], [{"step": 1}, {"step": 2}])


def test_a_method_the_instance_had_is_put_back(Signal):
    def scenario(Signal):
        signal = Signal()
        with mock.patch.object(signal, "send", return_value=None) as patched:
            with capture(signal) as sent:
                assert signal.send(SENDER, step=1) is None
            assert signal.send is patched
        with capture(signal):
            # Replaced after recording began, as mock.patch.object would: left alone.
            signal.send = "theirs"
        assert signal.send == "theirs"
        return [call.named for call in sent.calls]

    assert on_each(Signal, scenario) == [{"step": 1}]


def test_only_signals_are_recorded_or_muted():
    with pytest.raises(TypeError, match="has no send method"):
        capture(object())
    with pytest.raises(TypeError, match="neither muted"), mute(object()):
        pass


# -- muting ----------------------------------------------------------------------------


@needs_async_receivers
def test_mute_calls_no_receiver_of_any_of_its_signals(Signal):
    def scenario(Signal):
        signals = [Signal(), Signal()]
        for signal in signals:
            signal.connect(named("first"), weak=False)
        with mute(*signals):
            observed = [signal.send(SENDER, step=1) for signal in signals]
            observed += [signal.send_robust(SENDER, step=2) for signal in signals]
            observed += [asyncio.run(signal.asend(SENDER, step=3)) for signal in signals]
        observed += [shown(signal.send(SENDER, step=4)) for signal in signals]
        return observed

    assert on_each(Signal, scenario) == [[]] * 6 + [[("first", "'first'")]] * 2


def test_mute_keeps_every_connection(Signal):
    def scenario(Signal):
        signal = Signal()
        kept, dropped, added = named("kept"), named("dropped"), named("added")
        signal.connect(kept, weak=False)
        signal.connect(dropped, weak=False)
        with pytest.raises(KeyError), mute(signal):
            signal.connect(added, weak=False)
            assert signal.disconnect(dropped)
            raise KeyError("the test fails")
        assert own_attributes(signal) == set()
        return shown(signal.send(SENDER))

    assert on_each(Signal, scenario) == [("kept", "'kept'"), ("added", "'added'")]


def test_mutes_nest_and_overlap(Signal):
    def scenario(Signal):
        signal = Signal()
        signal.connect(named("first"), weak=False)
        outer, inner = mute(signal), mute(signal)
        outer.__enter__()
        inner.__enter__()
        outer.__exit__(None, None, None)
        still = signal.send(SENDER)
        inner.__exit__(None, None, None)
        return still, shown(signal.send(SENDER))

    assert on_each(Signal, scenario) == ([], [("first", "'first'")])


def test_a_recorder_sees_muted_sends(Signal):
    def scenario(Signal):
        signal = Signal()
        signal.connect(named("first"), weak=False)
        with capture(signal) as sent, mute(signal):
            signal.send(SENDER, step=1)
        return [observed(call) for call in sent.calls]

    assert on_each(Signal, scenario) == [("send", SENDER, {"step": 1}, [], "None")]


def test_has_listeners_while_muted_follows_the_signal(Signal):
    """Documented: cydispatch's muted() keeps the connections visible; on Django's, none are found."""
    for kind, expected in ((Signal, True), (cydispatch.django.Signal, True), (django.dispatch.Signal, False)):
        signal = kind()
        signal.connect(named("first"), weak=False)
        with mute(signal):
            assert signal.has_listeners(SENDER) is expected
        assert signal.has_listeners(SENDER)


def test_muting_django_s_signal_puts_back_its_own_live_receivers():
    signal = django.dispatch.Signal()
    signal.connect(named("first"), weak=False)
    traced = []

    def tracing(sender):
        traced.append(sender)
        return django.dispatch.Signal._live_receivers(signal, sender)

    signal._live_receivers = tracing
    with mute(signal):
        assert signal.send(SENDER) == []
    assert signal._live_receivers is tracing
    assert shown(signal.send(SENDER)) == [("first", "'first'")]
    assert traced == [SENDER]


# -- the fixtures ----------------------------------------------------------------------


def test_capture_signal_fixture(Signal, capture_signal):
    signals = [Signal(), cydispatch.django.Signal(), django.dispatch.Signal()]
    recorders = [capture_signal(signal) for signal in signals]
    for signal, recorder in zip(signals, recorders):
        signal.connect(named("first"), weak=False)
        signal.send(SENDER, order_id=42)
        assert isinstance(recorder, SignalRecorder)
        assert shown(recorder.assert_sent_once(sender=SENDER, order_id=42).responses) == [("first", "'first'")]


def test_mute_signals_fixture(Signal, mute_signals):
    signals = [Signal(), cydispatch.django.Signal(), django.dispatch.Signal()]
    for signal in signals:
        signal.connect(named("first"), weak=False)
    mute_signals(*signals[:2])
    mute_signals(signals[2])
    assert [signal.send(SENDER) for signal in signals] == [[], [], []]


def test_the_plugin_imports_neither_cydispatch_nor_django_at_start_up():
    code = (
        "import sys; import _cydispatch_pytest; "
        "print(sorted(name for name in sys.modules if name.partition('.')[0] in ('cydispatch', 'django')))"
    )
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_entry_point_names_the_plugin():
    if INSTALLED:
        assert [entry.name for entry in INSTALLED] == ["cydispatch"]
    else:
        tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())
        assert project["project"]["entry-points"]["pytest11"] == {"cydispatch": PLUGIN}


#: A test module for the pytester run: the fixtures on every kind of signal,
#: and what a test leaves, even a failing one, is gone for the next test.
AFTER_TEARDOWN = """
import django.dispatch
import {backend} as backend
import cydispatch.django

SIGNALS = [backend.Signal(), cydispatch.django.Signal(), django.dispatch.Signal()]


def receiver(**kwargs):
    return "ran"


for signal in SIGNALS:
    signal.connect(receiver)


def test_1_fails_with_recorders_and_muted_signals(capture_signal, mute_signals):
    recorders = [capture_signal(signal) for signal in SIGNALS]
    mute_signals(*SIGNALS)
    for signal, recorder in zip(SIGNALS, recorders):
        assert signal.send(sender=None) == []
        recorder.assert_sent_once(sender=None)
    raise AssertionError("the test fails")


def test_2_all_is_back():
    for signal in SIGNALS:
        assert not {{"send", "send_robust", "asend", "asend_robust", "_live_receivers"}} & set(vars(signal))
        assert signal.send(sender=None) == [(receiver, "ran")]
"""


def test_the_entry_point_gives_the_fixtures_with_no_conftest(backend, pytester, monkeypatch):
    """The documented example and ``AFTER_TEARDOWN`` pass, in a fresh pytest given no conftest.

    With the entry point installed, nothing names the plugin; otherwise
    (running from a source tree) ``-p`` loads it as the entry point would.
    """
    pytester.makepyfile(test_after_teardown=AFTER_TEARDOWN.format(backend=backend.__name__))
    pytester.makepyfile(test_shop=(ROOT / "examples" / "testing" / "test_shop.py").read_text())
    assert not list(pytester.path.glob("conftest.py"))
    options = [] if INSTALLED else ["-p", PLUGIN]
    # The example's cydispatch.Signal is the backend's.
    monkeypatch.setenv("CYDISPATCH_NO_EXTENSIONS", "1" if backend.__name__ == "cydispatch._pydispatch" else "")
    result = pytester.runpytest_subprocess(*options, "-W", "error", "-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["E   *AssertionError: the test fails"])
