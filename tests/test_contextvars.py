"""Context variables: receivers see the caller's, and the caller sees theirs.

Django up to 6.0 runs the concurrent parts of a send on copies of the
caller's context and drops what receivers change there (ticket 36714);
Django 6.1 runs the asynchronous receivers on one shared copy and carries its
changes back. cydispatch does as 6.1 does with any Django (see also
``test_django_bugs``, which compares with the installed Django).
"""

from __future__ import annotations

import asyncio
import contextvars

import pytest
from support import needs_async_receivers

pytestmark = needs_async_receivers  # Django 4.2 has none

var = contextvars.ContextVar("var")
other = contextvars.ContextVar("other")


def run_in_fresh_context(func, *args):
    """Run ``func`` in an empty context, so a test never leaks into another."""
    return contextvars.Context().run(func, *args)


def sync_reader(**kwargs):
    return var.get("unset")


async def async_reader(**kwargs):
    return var.get("unset")


def sync_writer(**kwargs):
    var.set("sync")
    return "sync"


async def async_writer(**kwargs):
    var.set("async")
    return "async"


def call(signal, method):
    """Send as ``method`` does and return the responses (``asend*`` inside ``asyncio.run``)."""
    if method.startswith("a"):
        # asyncio.run runs main on a copy of this context: hand its changes back.
        async def main():
            responses = await getattr(signal, method)(None)
            return responses, contextvars.copy_context()

        responses, after = asyncio.run(main())
        for variable, value in after.items():
            variable.set(value)
        return responses
    return getattr(signal, method)(None)


METHODS = ["send", "send_robust", "asend", "asend_robust"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("reader", [sync_reader, async_reader], ids=["sync", "async"])
def test_receivers_see_the_callers_context(signal, method, reader):
    signal.connect(reader)

    def body():
        var.set("caller")
        return call(signal, method)

    assert run_in_fresh_context(body) == [(reader, "caller")]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("writer", [sync_writer, async_writer], ids=["sync", "async"])
def test_receiver_changes_reach_the_caller(signal, method, writer):
    signal.connect(writer)

    def body():
        call(signal, method)
        return var.get("unset")

    assert run_in_fresh_context(body) == writer.__name__.split("_")[0]


@pytest.mark.parametrize("method", ["asend", "asend_robust"])
@pytest.mark.parametrize("writer", [sync_writer, async_writer], ids=["sync", "async"])
def test_receiver_changes_reach_the_awaiting_coroutine(signal, method, writer):
    signal.connect(writer)

    async def main():
        var.set("before")
        await getattr(signal, method)(None)
        return var.get()

    assert run_in_fresh_context(asyncio.run, main()) == writer.__name__.split("_")[0]


@pytest.mark.parametrize("method", METHODS)
def test_changes_of_several_receivers_all_reach_the_caller(signal, method):
    def sync_sets_other(**kwargs):
        other.set("from sync")

    async def async_sets_var(**kwargs):
        var.set("from async")

    signal.connect(async_sets_var)
    signal.connect(sync_sets_other)

    def body():
        call(signal, method)
        return var.get("unset"), other.get("unset")

    assert run_in_fresh_context(body) == ("from async", "from sync")


@pytest.mark.parametrize("method", METHODS)
def test_the_last_change_made_is_what_stays(signal, method):
    """The asynchronous receivers share one context: the change made last, in time, stays."""

    async def async_first(**kwargs):
        var.set("async first")

    async def async_second(**kwargs):
        await asyncio.sleep(0)
        var.set("async second")

    signal.connect(async_second)
    signal.connect(sync_writer)
    signal.connect(async_first)

    def body():
        call(signal, method)
        return var.get("unset")

    assert run_in_fresh_context(body) == "async second"


@pytest.mark.parametrize("method", METHODS)
def test_asynchronous_receivers_share_one_context(signal, method):
    """As in Django 6.1 (on every version here): each sees what the ones before it changed."""
    counter = contextvars.ContextVar("counter")

    async def bump(**kwargs):
        counter.set(counter.get() + 1)
        return counter.get()

    async def bump_again(**kwargs):
        await asyncio.sleep(0)
        counter.set(counter.get() + 1)
        return counter.get()

    signal.connect(bump)
    signal.connect(bump_again)

    def body():
        counter.set(1)
        responses = call(signal, method)
        return [r for _, r in responses], counter.get()

    assert run_in_fresh_context(body) == ([2, 3], 3)


@pytest.mark.parametrize("method", METHODS)
def test_unchanged_variables_keep_the_callers_value(signal, method):
    async def reads_only(**kwargs):
        return var.get()

    def sync_reads_only(**kwargs):
        return var.get()

    signal.connect(reads_only)
    signal.connect(sync_reads_only)

    def body():
        var.set("caller")
        responses = call(signal, method)
        return [r for _, r in responses], var.get()

    assert run_in_fresh_context(body) == (["caller", "caller"], "caller")


@pytest.mark.parametrize("method", ["send_robust", "asend_robust"])
def test_changes_made_before_a_caught_error_reach_the_caller(signal, method, caplog):
    async def sets_then_fails(**kwargs):
        var.set("before the error")
        raise ValueError("boom")

    signal.connect(sets_then_fails)

    def body():
        [(_, err)] = call(signal, method)
        return type(err), var.get("unset")

    assert run_in_fresh_context(body) == (ValueError, "before the error")


def test_sync_receivers_of_send_share_the_callers_context(signal):
    def first(**kwargs):
        var.set("first")

    def second(**kwargs):
        return var.get("unset")

    signal.connect(first)
    signal.connect(second)

    def body():
        responses = signal.send(None)
        return responses[1][1], var.get("unset")

    assert run_in_fresh_context(body) == ("first", "first")
