"""The scenarios' own machinery: their checks catch wrong work, their limits, Django built in bulk."""

from __future__ import annotations

import asyncio
import gc

import pytest
import scenarios
from adapters import ADAPTERS, DJANGO, PURE
from crowds import Store
from scenarios import SCENARIOS, SCENARIOS_BY_NAME


@pytest.mark.parametrize("name", ["send-live-senders-10", "send-new-sender"])
def test_a_send_from_the_wrong_sender_fails_verification(name: str) -> None:
    workload = SCENARIOS_BY_NAME[name].workload()
    case = workload.case(PURE)
    case.verify()
    stuck = workload.live[0] if workload.live else Store()
    send = case.signal.send
    wrong = scenarios._check_turns(ADAPTERS[PURE], lambda: send(stuck, a=1, b=2), workload, case.signal, False)
    with pytest.raises(AssertionError):
        wrong()
    case.close()


def test_pure_limit_is_tighter_only_where_sends_come_from_many_senders() -> None:
    for scenario in SCENARIOS:
        (pure,) = [limit for limit in scenario.limits if limit.implementation == PURE]
        many = bool(scenario.live_senders or scenario.new_sender)
        assert (pure.factor, pure.baseline) == ((0.8 if many else 1.0), DJANGO), scenario.name


def test_django_built_in_bulk_holds_what_connecting_one_by_one_does() -> None:
    receivers = scenarios.make_function_receivers(scenarios.BULK_FROM)
    senders = [None] * len(receivers)
    django = ADAPTERS[DJANGO]
    one_by_one, bulk = django.new_signal(), django.new_signal()
    for receiver in receivers:
        django.connect(one_by_one, receiver)
    django.connect_all(bulk, receivers, senders)
    assert type(bulk.receivers) is list
    assert [entry[0] for entry in bulk.receivers] == [entry[0] for entry in one_by_one.receivers]
    assert bulk.send(None, a=1, b=2) == one_by_one.send(None, a=1, b=2)
    for signal in (one_by_one, bulk):
        scenarios._release_django_finalizers(signal)


@pytest.mark.parametrize("kind", ["call", "acall"])
def test_a_timing_run_pays_for_the_reference_cycles_its_calls_left(kind: str) -> None:
    # The runs are timed with the collector off: a call that leaves a cycle
    # would otherwise cost nothing for it. Each run collects them, timed.
    class InACycle:
        def __init__(self) -> None:
            self.cycle = self

    def leave_a_cycle() -> None:
        InACycle()

    async def aleave_a_cycle() -> None:
        leave_a_cycle()

    case = scenarios.Case(scenario=SCENARIOS[0], implementation=DJANGO, call=leave_a_cycle, verify=lambda: None)
    if kind == "acall":
        case.loop, case.acall = asyncio.new_event_loop(), aleave_a_cycle
    gc.disable()
    try:
        case.time(100)
        # Counted among the objects the collector tracks, not by collecting:
        # other tests' garbage may be collected too.
        assert not [obj for obj in gc.get_objects() if type(obj) is InACycle]
    finally:
        gc.enable()
        if case.loop is not None:
            case.loop.close()
