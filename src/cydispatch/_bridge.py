"""Synchronous and asynchronous receivers together, as the installed Django runs them.

``send`` and ``send_robust`` call the synchronous receivers, then run the
asynchronous ones concurrently behind one ``async_to_sync``. ``asend`` and
``asend_robust`` call the synchronous ones in one batch behind
``sync_to_async``: up to Django 6.0 concurrently with the asynchronous ones
(whose tasks start first), from 6.1 before them (``_flavour.SYNC_BATCH_FIRST``).
Results come synchronous first, each group in connection order.

The asynchronous receivers run gathered up to Django 6.0 (the first
exception propagates, the others run on) and in a task group from 6.1 (an
exception cancels the others and propagates alone; two or more raise an
``ExceptionGroup``): see ``_flavour.TASK_GROUP``.

Context variables, on every version, as Django 6.1 handles them (ticket
36714; earlier Djangos drop the changes): the asynchronous receivers share
one copy of the caller's context, and what they changed in it is set in the
caller's context when they are done, even when one failed. A synchronous
batch that runs concurrently with them (up to 6.0) has a copy of its own,
carried back first, in result order.

Each asynchronous receiver gets a task: awaiting one receiver in the
caller's task would be cheaper but visibly different from Django.
``asyncio.current_task()`` would be the caller's; ``asend`` would no longer
yield to the event loop when the receiver does not; a receiver that swallows
the caller's cancellation would cancel it for good (a task group raises it
anyway); a receiver's own ``CancelledError`` would not end as it does in a
task; and from 6.1 the exception that propagates would lose its
``__context__`` (the unwrapped group). From 6.1 the tasks run as in a task
group, without the ``TaskGroup`` object: see ``run_concurrently``;
``tests/test_asend_tasks.py`` compares each of these with Django's, with one
receiver and with two.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
from collections.abc import Awaitable, Coroutine, Generator, Mapping, Sequence
from types import CoroutineType
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from asgiref.sync import async_to_sync, sync_to_async

from ._calls import call_async_robust, call_receivers, call_receivers_robust
from ._flavour import SYNC_BATCH_FIRST, TASK_GROUP

if TYPE_CHECKING:
    from ._calls import Receiver, Responses


class _SignalLike(Protocol):
    _muted: int

    def _receivers_to_call(self, sender: Any) -> tuple[Sequence[Receiver], Sequence[Receiver]]: ...


#: Whether a task can be given the context it runs in, and counts its cancellations (Python 3.11).
TASK_CONTEXT = sys.version_info >= (3, 11)

if TASK_CONTEXT:

    def _tasks_in(context: contextvars.Context, awaitables: Sequence[Awaitable[Any]]) -> list[asyncio.Future[Any]]:
        """A task per awaitable, which awaits it in ``context`` (which the tasks share), in order."""
        loop = asyncio.get_running_loop()
        return [
            loop.create_task(call if type(call) is CoroutineType else _coroutine(call), context=context)
            for call in awaitables
        ]

else:

    def _tasks_in(context: contextvars.Context, awaitables: Sequence[Awaitable[Any]]) -> list[asyncio.Future[Any]]:
        """A task per awaitable, which awaits it in ``context``: Python 3.10's tasks take no context."""
        return [asyncio.ensure_future(_InContext(call, context)) for call in awaitables]

    class _InContext:
        """Awaits ``awaitable`` with each of its steps run in ``context``.

        The task that awaits this keeps its own context, and the receiver's
        code runs in the shared one.
        """

        __slots__ = ("_awaitable", "_context")

        def __init__(self, awaitable: Awaitable[Any], context: contextvars.Context) -> None:
            self._awaitable = awaitable
            self._context = context

        def __await__(self) -> Generator[Any, Any, Any]:
            steps = self._awaitable.__await__()
            run = self._context.run
            step: Any = steps.send
            value: Any = None
            while True:
                try:
                    yielded = run(step, value)
                except StopIteration as done:
                    return done.value
                try:
                    value = yield yielded
                except GeneratorExit:
                    steps.close()
                    raise
                except BaseException as err:  # a cancellation, thrown in: pass it on
                    step, value = steps.throw, err
                else:
                    step = steps.send


def _coroutine(awaitable: Awaitable[Any]) -> Coroutine[Any, Any, Any]:
    """``awaitable`` as a coroutine, which a task needs (a marked function may return any awaitable)."""
    if asyncio.iscoroutine(awaitable):
        return awaitable

    async def awaiting() -> Any:
        return await awaitable

    return awaiting()


_MISSING: Any = object()


def _restore(context: contextvars.Context, before: contextvars.Context) -> None:
    """Set in the current context what receivers changed in ``context`` (a copy of ``before``).

    Each changed variable is set where its value differs, as Django 6.1 does;
    a variable left alone is not, so that copies made side by side (a
    concurrent synchronous batch) cannot undo each other's changes.
    """
    for variable, value in context.items():
        if before.get(variable, _MISSING) is value:
            continue
        try:
            if variable.get() != value:
                variable.set(value)
        except LookupError:
            variable.set(value)


#: What ``loop.create_task`` is on asyncio's own event loops.
_BASE_CREATE_TASK = asyncio.BaseEventLoop.create_task


def _plain(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether ``loop`` is asyncio's own, without a task factory: its ``create_task`` would only make the task.

    There a task is made with the class that ``create_task`` makes, looked
    up as it looks it up (``asyncio.tasks.Task``), a Python call less per
    receiver; in debug mode its creation traceback ends in the send either
    way. Another loop's ``create_task``, or a task factory, may make its
    tasks its own way, or start one as it makes it: there each task is made
    by ``create_task`` and keeps its done callback.
    """
    return type(loop).create_task is _BASE_CREATE_TASK and loop._task_factory is None  # type: ignore[attr-defined]


class _Group:
    """What a task group keeps of its tasks while they run: their failures, and whether it aborted."""

    __slots__ = ("tasks", "calls", "pending", "any_cancelled", "errors", "aborting", "waiter", "done_callback")

    def __init__(self) -> None:
        self.tasks: list[asyncio.Future[Any]] = []
        #: what each task awaits
        self.calls: Sequence[Awaitable[Any]] = ()
        #: the tasks whose end the group has not counted yet
        self.pending = 0
        #: whether a task was cancelled (see _all_ended)
        self.any_cancelled = False
        #: the failures, in the order the tasks ended
        self.errors: list[BaseException] = []
        self.aborting = False
        self.waiter: asyncio.Future[None] | None = None
        self.done_callback = self.task_done

    def abort(self) -> None:
        """Cancel every task still running (once: the group aborts once)."""
        self.aborting = True
        for task in self.tasks:
            if not task.done():
                task.cancel()

    def task_done(self, task: asyncio.Future[Any]) -> None:
        """A task's done callback: count it, keep its failure, abort the others on the first.

        The caller is woken when the last task ended, and on the first
        failure: a task group cancels its caller then, which resumes a turn
        later and waits again for the tasks still running.
        """
        self.pending -= 1
        wake = not self.pending
        if task.cancelled():
            self.any_cancelled = True
        else:
            error = task.exception()
            if error is not None:
                self.errors.append(error)
                if not self.aborting:
                    self.abort()
                    wake = True
        if wake and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)
        if not self.pending:
            _all_ended(self)


class _Gathering(asyncio.Future):  # type: ignore[type-arg]
    """What ``asyncio.gather`` returns for its tasks, for tasks that count their own ends (see ``_counted``).

    Its outcome is gather's, set at the same turn: the first failure or
    cancellation of a task at once (the others run on), else the results
    once every task ended; cancelling it cancels the tasks still running,
    and it then ends as they do (in a ``CancelledError`` when none was
    cancelled).
    """

    __slots__ = ("tasks", "calls", "pending", "any_cancelled", "cancel_requested", "done_callback")

    def __init__(self, *, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self.tasks: list[asyncio.Future[Any]] = []
        #: what each task awaits
        self.calls: Sequence[Awaitable[Any]] = ()
        #: the tasks whose end it has not counted yet
        self.pending = 0
        #: whether a task was cancelled (see _all_ended)
        self.any_cancelled = False
        self.cancel_requested = False
        self.done_callback = self.task_done

    def cancel(self, msg: Any = None) -> bool:
        """Cancel the tasks still running; whether one was (then the tasks' ends end this)."""
        if self.done():
            return False
        cancelled = False
        for task in self.tasks:
            if task.cancel(msg=msg):
                cancelled = True
        if cancelled:
            self.cancel_requested = True
        return cancelled

    def task_done(self, task: Any) -> None:
        """A task's done callback: count it; end this on its failure or cancellation, or as the last."""
        self.pending -= 1
        if task.cancelled():
            self.any_cancelled = True
            if not self.done():
                self.set_exception(task._make_cancelled_error())
        else:
            error = task.exception()  # retrieved, also once this one's outcome is set
            if self.done():
                pass
            elif error is not None:
                self.set_exception(error)
            elif not self.pending:
                if self.cancel_requested:
                    # gather makes this error of its last task, whichever ended last.
                    self.set_exception(self.tasks[-1]._make_cancelled_error())  # type: ignore[attr-defined]
                else:
                    self.set_result([each.result() for each in self.tasks])
        if not self.pending:
            _all_ended(self)


def _all_ended(group: _Group | _Gathering) -> None:
    """What ``group`` does once every task ended: let go of its done callback, close the coroutines never started.

    The callback (a method of the group's) and the group are a cycle, which
    the garbage collector would otherwise have to find after each send.

    A task cancelled before it started never runs ``_counted``, which never
    awaits its receiver's coroutine: closed, it does not warn that it was
    never awaited, as it does not when it is the task's own coroutine (which
    the cancellation then ends before its first line). Once every task
    ended, each coroutine is either done or never started: closing one that
    is done does nothing.
    """
    del group.done_callback
    if group.any_cancelled:
        for call in group.calls:
            if type(call) is CoroutineType:
                call.close()


async def _counted(group: _Group | _Gathering, awaitable: Awaitable[Any]) -> Any:
    """Await ``awaitable`` in a task of ``group``, which then needs no done callback unless it failed or is last.

    A done callback costs a turn of the event loop's machinery, about as much
    as a receiver that does little. A task group (or gather) learns of each
    task's end from its callback, a turn after the task ended; what it does
    then is only seen when the task failed or was cancelled (the others are
    cancelled, or the gather ends) or was the last (the caller resumes). So
    the task keeps its callback in those cases, and counts itself otherwise.

    The task is made with the callback, which is removed here: a task
    cancelled before it started never runs this, and is counted by it.
    """
    task: Any = asyncio.current_task()
    task.remove_done_callback(group.done_callback)
    try:
        result = await awaitable
    except BaseException:
        task.add_done_callback(group.done_callback)
        raise
    if group.pending == 1:
        task.add_done_callback(group.done_callback)
    else:
        group.pending -= 1
    return result


def _start(
    group: _Group | _Gathering, context: contextvars.Context, awaitables: Sequence[Awaitable[Any]]
) -> list[asyncio.Future[Any]]:
    """A task per awaitable, in order, run in ``context`` (which they share), whose ends ``group`` counts.

    On asyncio's own loop (see ``_plain``) each task starts a turn after it is
    made, so its done callback is there to be removed when it does (see
    ``_counted``); elsewhere each task keeps it.
    """
    loop = asyncio.get_running_loop()
    if TASK_CONTEXT and _plain(loop):
        Task = asyncio.tasks.Task
        tasks: list[asyncio.Future[Any]] = [
            Task(_counted(group, call), loop=loop, context=context) for call in awaitables
        ]
    else:
        tasks = _tasks_in(context, awaitables)
    group.tasks, group.calls, group.pending = tasks, awaitables, len(tasks)
    for task in tasks:
        task.add_done_callback(group.done_callback)
    return tasks


def _gather(context: contextvars.Context, awaitables: Sequence[Awaitable[Any]]) -> asyncio.Future[list[Any]]:
    """What ``asyncio.gather`` of a task per awaitable, run in ``context``, returns (see ``_Gathering``)."""
    gathering = _Gathering(loop=asyncio.get_running_loop())
    _start(gathering, context, awaitables)
    return gathering


def _fail(errors: list[BaseException]) -> NoReturn:
    """Raise what a task group raises for its tasks' ``errors`` (in the order the tasks ended), as Django sees it.

    The first ``SystemExit`` or ``KeyboardInterrupt`` propagates alone;
    otherwise the failures, in a group that Django unwraps when it holds one
    (the failure is then chained to the group).
    """
    for error in errors:
        if isinstance(error, (SystemExit, KeyboardInterrupt)):
            raise error
    group = BaseExceptionGroup("unhandled errors in a TaskGroup", errors)  # type: ignore[name-defined,unused-ignore]  # noqa: F821
    if len(errors) > 1:
        raise group from None
    try:
        raise group from None
    except BaseExceptionGroup:  # type: ignore[name-defined,unused-ignore]  # noqa: F821
        raise errors[0]  # noqa: B904 - chained to the group, as in Django


def _results(
    tasks: Sequence[asyncio.Future[Any]], errors: list[BaseException], cancellation: BaseException | None
) -> list[Any]:
    """The results of a group's ``tasks``, or what it raises (``cancellation``: the caller's, caught meanwhile).

    Failures come first (see ``_fail``), then the caller's cancellation. A
    task cancelled of itself (or by the group) leaves its response ``None``.
    """
    if errors:
        _fail(errors)
    if cancellation is not None:
        raise cancellation
    return [None if task.cancelled() else task.result() for task in tasks]


def _result(task: asyncio.Task[Any], cancellation: BaseException | None) -> Any:
    """``_results`` of a group of ``task`` alone, without the lists."""
    if task.cancelled():
        if cancellation is not None:
            raise cancellation
        return None
    error = task.exception()
    if error is not None:
        _fail([error])
    if cancellation is not None:
        raise cancellation
    return task.result()


def _wake(waiter: asyncio.Future[None], _task: object) -> None:
    if not waiter.done():
        waiter.set_result(None)


if TASK_GROUP:

    async def run_concurrently(receivers: Sequence[Receiver], awaitables: Sequence[Awaitable[Any]]) -> Responses:
        """Run the asynchronous receivers' calls as Django 6.1 does; return the responses.

        One coroutine, awaited straight from ``asend``: each layer between the
        caller and the tasks costs about as much as a receiver that does
        little. A coroutine goes to its task as it is, without calling
        ``_coroutine``: a call per receiver, in the common case, saved.

        The tasks run as in an ``asyncio.TaskGroup``, without one: its
        bookkeeping costs a tenth of a send to ten receivers and a fifth of
        one to a single receiver (see ``_Group``). They are awaited through a
        future of their own, as the group awaits them, so that a cancellation
        of the caller reaches the caller first; the tasks are then cancelled
        (without the caller's message, as the group cancels them) and awaited
        to their end. The first failure cancels the others, and wakes the
        caller. The event loop runs as many steps as with the group, and each
        task ends in a done callback only where the group's would be seen (see
        ``_counted``).
        """
        before, shared = contextvars.copy_context(), contextvars.copy_context()
        loop = asyncio.get_running_loop()
        if len(awaitables) == 1:
            # One task (the commonest case) needs none of the group's
            # bookkeeping, nor its lists: it is awaited, and its failure
            # taken, at its end.
            call = awaitables[0]
            coroutine = call if type(call) is CoroutineType else _coroutine(call)
            if _plain(loop):
                task = asyncio.tasks.Task(coroutine, loop=loop, context=shared)
            else:
                task = loop.create_task(coroutine, context=shared)
            cancellation = None
            try:
                while not task.done():
                    waiter = loop.create_future()
                    task.add_done_callback(functools.partial(_wake, waiter))
                    try:
                        await waiter
                    except asyncio.CancelledError as err:
                        if cancellation is None:
                            cancellation = err
                            task.cancel()
            finally:
                _restore(shared, before)
            return [(receivers[0], _result(task, cancellation))]
        group = _Group()
        tasks = _start(group, shared, awaitables)
        cancellation = None
        try:
            while group.pending > 0:
                group.waiter = loop.create_future()
                try:
                    await group.waiter
                except asyncio.CancelledError as err:
                    if not group.aborting:
                        cancellation = err
                        group.abort()
        finally:
            _restore(shared, before)
        return list(zip(receivers, _results(tasks, group.errors, cancellation)))

else:

    async def run_concurrently(receivers: Sequence[Receiver], awaitables: Sequence[Awaitable[Any]]) -> Responses:
        """Run the asynchronous receivers' calls (one or more) gathered, as Django up to 6.0 does; return the responses.

        Two or more are gathered as ``asyncio.gather`` gathers them, with a
        done callback only where its callback would be seen (see
        ``_Gathering``). One task (the commonest case) is awaited directly,
        which costs half of gathering it: a cancellation of the caller
        reaches the task at once, as ``gather`` passes it on, and the task's
        failure or cancellation propagates as from ``gather``. A task that
        goes on despite the caller's cancellation ends the send in the
        ``CancelledError`` that ``gather`` makes of it: the caller's
        ``Task.cancelling()`` tells that the cancellation reached the task
        (from Python 3.11; 3.10 gathers). The caller then resumes a turn of
        the event loop sooner than after ``gather``.
        """
        before, shared = contextvars.copy_context(), contextvars.copy_context()
        caller = asyncio.current_task() if TASK_CONTEXT and len(awaitables) == 1 else None
        try:
            if caller is None:
                results = await _gather(shared, awaitables)
            else:
                (task,) = _tasks_in(shared, awaitables)
                requests = caller.cancelling()
                results = [await task]
                if caller.cancelling() > requests:
                    # The error gather makes of a task that its cancellation reached and that went on.
                    raise task._make_cancelled_error()  # type: ignore[attr-defined]
        finally:
            _restore(shared, before)
        return list(zip(receivers, results))


def _async_calls(
    signal: object, sender: object, named: Mapping[str, Any],
    receivers: Sequence[Receiver], robust: bool,
) -> list[Coroutine[Any, Any, Any]]:
    if robust:
        return [call_async_robust(r, signal, sender, named) for r in receivers]
    return [r(signal=signal, sender=sender, **named) for r in receivers]


def send_to_async_receivers(
    signal: object, sender: object, named: Mapping[str, Any],
    receivers: Sequence[Receiver], robust: bool,
) -> Responses:
    """Run asynchronous ``receivers`` concurrently from synchronous code."""

    async def run_all() -> Responses:
        return await run_concurrently(receivers, _async_calls(signal, sender, named, receivers, robust))

    return async_to_sync(run_all)()


# Made once, not per send as Django does: a SyncToAsync keeps no state
# between calls, and making one costs more than a send to one receiver.
_call_sync = sync_to_async(call_receivers)
_call_sync_robust = sync_to_async(call_receivers_robust)


async def _no_responses() -> Responses:
    return []


def asend(signal: _SignalLike, sender: object, named: Mapping[str, Any], robust: bool) -> Awaitable[Responses]:
    """What ``Signal.asend`` (``robust=False``) and ``Signal.asend_robust`` await.

    The receivers are found now, and one coroutine returned that does the
    rest: a coroutine of this function's own would be one more layer, which
    every step of the receivers' tasks goes through.
    """
    if signal._muted:
        return _no_responses()
    sync_receivers, async_receivers = signal._receivers_to_call(sender)
    call_sync = _call_sync_robust if robust else _call_sync
    if not async_receivers:
        if not sync_receivers:
            return _no_responses()
        # sync_to_async carries the batch's context changes back itself.
        return call_sync(signal, sender, named, sync_receivers)
    # An empty synchronous batch is not run at all: Django 6.1 awaits a
    # coroutine that returns [] in its place, which nothing can observe.
    if not sync_receivers:
        return run_concurrently(async_receivers, _async_calls(signal, sender, named, async_receivers, robust))
    if SYNC_BATCH_FIRST:
        return _sync_batch_first(call_sync(signal, sender, named, sync_receivers), signal, sender, named,
                                 async_receivers, robust)
    calls = _async_calls(signal, sender, named, async_receivers, robust)
    return _sync_batch_beside(call_sync(signal, sender, named, sync_receivers), async_receivers, calls)


async def _sync_batch_first(
    batch: Awaitable[Responses], signal: object, sender: object, named: Mapping[str, Any],
    receivers: Sequence[Receiver], robust: bool,
) -> Responses:
    """The synchronous batch, then the asynchronous receivers, called only then (Django 6.1)."""
    responses = await batch
    return responses + await run_concurrently(receivers, _async_calls(signal, sender, named, receivers, robust))


async def _sync_batch_beside(
    batch: Awaitable[Responses], receivers: Sequence[Receiver], calls: Sequence[Awaitable[Any]]
) -> Responses:
    """The synchronous batch concurrently with the asynchronous receivers (Django up to 6.0).

    As there, the asynchronous receivers' tasks are created, and so start,
    before the one that runs the synchronous batch.
    """
    before, shared, own = contextvars.copy_context(), contextvars.copy_context(), contextvars.copy_context()
    receivers_done = _gather(shared, calls)
    try:
        sync_responses: Responses
        sync_responses, results = await asyncio.gather(*_tasks_in(own, [batch]), receivers_done)
    finally:
        _restore(own, before)
        _restore(shared, before)
    return sync_responses + list(zip(receivers, results))
