"""The floor (``floor.py``, compiled on demand) does exactly the yardstick's and the compiled send's work."""

from __future__ import annotations

import pytest
from adapters import COMPILED, FLOOR, YARDSTICK
from floor import make_floor
from scenarios import SCENARIOS_BY_NAME


@pytest.mark.c_extension
@pytest.mark.parametrize("name", ["send-10-functions", "send-10-methods", "send_robust-10-functions"])
def test_the_floor_returns_what_the_yardstick_and_the_compiled_send_return(name: str) -> None:
    workload = SCENARIOS_BY_NAME[name].workload()
    cases = [workload.case(implementation) for implementation in (FLOOR, YARDSTICK, COMPILED)]
    floor, yardstick, compiled = (case.call() for case in cases)
    assert floor == yardstick == compiled == workload.expected()
    for case in cases:
        case.close()


def test_the_floor_passes_signal_sender_and_named_arguments_by_keyword() -> None:
    class Listener:
        def on_signal(self, **named: object) -> tuple[object, dict[str, object]]:
            return self, named

    def function(**named: object) -> dict[str, object]:
        return named

    listener = Listener()
    floor = make_floor([function, listener.on_signal], "SIGNAL")
    for named in ({}, {"a": 1}, {"a": 1, "b": 2}):
        expected = {"signal": "SIGNAL", "sender": "S", **named}
        assert floor.send("S", **named) == [(function, expected), (listener.on_signal, (listener, expected))]


@pytest.mark.parametrize("weak_methods", [False, True])
def test_a_floor_for_weak_methods_makes_each_bound_method_of_its_results(weak_methods: bool) -> None:
    # As a dispatcher that holds the method weakly must: an equal bound
    # method, made for the send, where the yardstick returns the one it holds.
    class Listener:
        def on_signal(self, **named: object) -> str:
            return "called"

    listener = Listener()
    method = listener.on_signal
    floor = make_floor([method], None, weak_methods=weak_methods)
    ((receiver, response),) = floor.send("S")
    assert (receiver, response) == (method, "called")
    assert (receiver is method) is not weak_methods


def test_the_robust_floor_returns_a_receivers_exception_in_place_of_its_response() -> None:
    error = ValueError("receiver failed")

    def failing(**named: object) -> None:
        raise error

    def function(**named: object) -> dict[str, object]:
        return named

    floor = make_floor([failing, function], None)
    with pytest.raises(ValueError):
        floor.send("S")
    assert floor.send_robust("S") == [(failing, error), (function, {"signal": None, "sender": "S"})]


def test_the_floor_takes_the_sender_as_its_one_positional_argument() -> None:
    floor = make_floor([], None)
    assert floor.send("S") == []
    with pytest.raises(TypeError, match="sender"):
        floor.send(sender="S")
