"""What differs between the Django versions cydispatch follows: the one place that knows.

cydispatch behaves as the ``django.dispatch`` of the Django that is installed;
with none, as the newest Django that runs on this Python (6.1 from Python
3.12, 5.2 before: 6.x needs 3.12). The version is read once, when cydispatch
is imported, without importing Django (which costs more than cydispatch
itself): from ``django.VERSION`` when Django is already loaded, else from the
``VERSION`` line of its ``__init__.py``. What follows from it is chosen here,
as constants and functions, and never tested on a send.

What follows the installed Django (code written for it reaches into these):

* the shape of an entry of ``Signal.receivers``: ``(lookup_key, receiver)``
  in 4.2, ``(lookup_key, receiver, is_async)`` in 5.x,
  ``(lookup_key, receiver, sender_ref, is_async)`` from 6.0;
* what ``Signal._live_receivers()`` returns: one list in 4.2,
  ``(sync_receivers, async_receivers)`` from 5.0;
* whether a receiver is asynchronous: not in 4.2, which calls every receiver
  as a synchronous one (its entries have no ``is_async``: see
  ``_entries.matching_entries``);
* how asynchronous receivers run (see ``_bridge``): up to 6.0, ``asend``
  runs the synchronous batch concurrently with them and they are gathered
  (the first exception propagates, the others run on); from 6.1 the
  synchronous batch runs first and they run in a task group (a failure
  cancels the others; two or more raise an ``ExceptionGroup``);
* how many Python frames ``send`` puts between a sender and its receivers
  (``cydispatch.django``).

A new Django series is a new row of ``SERIES`` (which the test matrix,
``noxfile.py``, and the bounds in ``pyproject.toml`` follow: see
``tests/test_flavour.py``), and a fact below for each thing it changes.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import PathFinder

TYPE_CHECKING = False  # typing's, without importing typing: see cydispatch/__init__.py
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def installed_django() -> tuple[int, int] | None:
    """The ``(major, minor)`` version of the Django that is installed, or ``None``."""
    module = sys.modules.get("django")
    version = getattr(module, "VERSION", None)
    if version is not None:
        return int(version[0]), int(version[1])
    spec = PathFinder.find_spec("django")
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    with open(spec.origin, encoding="utf-8") as source:
        return version_line(source.read())


def version_line(source: str) -> tuple[int, int] | None:
    r"""``(major, minor)`` from the first line of ``source`` that starts ``VERSION = (major, minor``.

    What ``re.search(r"^VERSION\s*=\s*\(\s*(\d+)\s*,\s*(\d+)", source,
    re.MULTILINE)`` finds, without importing ``re`` (and ``enum`` with it), which
    would add milliseconds to ``import cydispatch``: ``\s`` is ``str.isspace``,
    ``\d`` ``str.isdecimal``, and ``^`` the start of the text or of a line.
    """
    start = 0
    while True:
        if source.startswith("VERSION", start):
            found = _version_tuple(source[start + len("VERSION"):])
            if found:
                return found
        start = source.find("\n", start) + 1
        if not start:
            return None


def _version_tuple(rest: str) -> tuple[int, int] | None:
    """``(major, minor)`` from ``rest`` of a line ``VERSION<rest>``, if it is ``= (major, minor...``."""
    rest = rest.lstrip()
    if not rest.startswith("="):
        return None
    rest = rest[1:].lstrip()
    if not rest.startswith("("):
        return None
    major, rest = _digits(rest[1:].lstrip())
    rest = rest.lstrip()
    if not major or not rest.startswith(","):
        return None
    minor, rest = _digits(rest[1:].lstrip())
    return (int(major), int(minor)) if minor else None


def _digits(text: str) -> tuple[str, str]:
    """The decimal digits ``text`` starts with, and what follows them."""
    end = 0
    while end < len(text) and text[end].isdecimal():
        end += 1
    return text[:end], text[end:]


#: Each Django series cydispatch follows, oldest first, with the Python
#: versions it supports (Django's own list): the one list of them. A literal,
#: so that ``noxfile.py``, which runs outside the project's environment, reads
#: it with ``ast`` for the test matrix; tests/test_flavour.py checks that the
#: ``Django>=...,<...`` bounds in pyproject.toml match its first and last rows.
SERIES = {
    (4, 2): ("3.10", "3.11", "3.12"),
    (5, 2): ("3.10", "3.11", "3.12", "3.13", "3.14"),
    (6, 0): ("3.12", "3.13", "3.14"),
    (6, 1): ("3.12", "3.13", "3.14", "3.15"),
}

#: The newest Django whose dispatcher cydispatch follows, on this Python: the
#: newest series whose oldest Python is not newer than this one.
NEWEST = max(
    series for series, pythons in SERIES.items()
    if tuple(int(part) for part in pythons[0].split(".")) <= sys.version_info[:2]
)

#: The Django version whose dispatcher this process follows.
DJANGO = installed_django() or NEWEST

#: Django 5.0 split ``_live_receivers()``'s result into ``(sync, async)``.
LIVE_RECEIVERS_SPLIT = DJANGO >= (5, 0)

#: Django 6.1 runs ``asend``'s synchronous batch before the asynchronous
#: receivers; before 6.1, concurrently with them (ticket 36714).
SYNC_BATCH_FIRST = DJANGO >= (6, 1)

#: Django 6.1 runs the asynchronous receivers in an ``asyncio.TaskGroup``;
#: before 6.1, with ``asyncio.gather`` (ticket 36714).
TASK_GROUP = DJANGO >= (6, 1)

#: How many Python frames Django's ``Signal.send`` puts between a sender and
#: its receivers: its own and, before Django 5.0, that of the list
#: comprehension it calls them in, a frame of its own before Python 3.12
#: (PEP 709). ``send_robust`` calls them in a loop: one frame.
SEND_FRAMES = 2 if DJANGO < (5, 0) and sys.version_info < (3, 12) else 1


class SenderId(int):
    """``id(sender)`` in a lookup key, carrying a reference to the sender in ``ref``.

    Before Django 6.0 an entry holds the sender's id and nothing else of it.
    The reference rides in the key (an int like any other: equal, hashed and
    shown as the id), so that a dead sender's reused id never matches
    (ticket 35801), also in entries saved and assigned back.
    """

    ref: Any


class SenderIds(tuple):  # type: ignore[type-arg]
    """``SenderId`` for a bound method sender, whose id is ``(id(instance), id(function))``."""

    ref: Any


def _with_sender(key: Any, sender_ref: Any) -> Any:
    if sender_ref is None:
        return key
    sender_id = (SenderIds if isinstance(key[1], tuple) else SenderId)(key[1])
    sender_id.ref = sender_ref
    return (key[0], sender_id)


# Each shape's unpack: an entry's receiver, sender id, sender reference and
# is_async. ``sender_ref`` is None where the entry has none (any sender, or an
# entry made by other code): the sender is then known by its id alone, as in
# Django. ``is_async`` is None where the shape has no such field (4.2): it is
# found from the receiver.


def _unpack_6(entry: tuple[Any, ...]) -> tuple[Any, Any, Any, bool | None]:
    return entry[1], entry[0][1], entry[2], entry[3]


def _unpack_5(entry: tuple[Any, ...]) -> tuple[Any, Any, Any, bool | None]:
    sender_id = entry[0][1]
    return entry[1], sender_id, getattr(sender_id, "ref", None), entry[2]


def _unpack_4(entry: tuple[Any, ...]) -> tuple[Any, Any, Any, bool | None]:
    sender_id = entry[0][1]
    return entry[1], sender_id, getattr(sender_id, "ref", None), None


#: The fields of an entry of ``receivers``, in order.
ENTRY_FIELDS: tuple[str, ...]
if DJANGO >= (6, 0):
    ENTRY_FIELDS = ("lookup_key", "receiver", "sender_ref", "is_async")
    unpack_entry = _unpack_6
elif DJANGO >= (5, 0):
    ENTRY_FIELDS = ("lookup_key", "receiver", "is_async")
    unpack_entry = _unpack_5
else:
    ENTRY_FIELDS = ("lookup_key", "receiver")
    unpack_entry = _unpack_4
_FIELDS = len(ENTRY_FIELDS)


def pack_entry(key: Any, receiver: Any, sender_ref: Any, is_async: bool) -> tuple[Any, ...]:
    """A new connection's entry, in the installed Django's shape (``ENTRY_FIELDS``).

    One function that tests the shape, rather than one chosen per shape as
    ``unpack_entry`` is: the compiled connect calls it at C speed.
    """
    if _FIELDS == 4:
        return (key, receiver, sender_ref, is_async)
    if _FIELDS == 3:
        return (_with_sender(key, sender_ref), receiver, is_async)
    return (_with_sender(key, sender_ref), receiver)


def live_receivers_result(sync_receivers: list[Any], async_receivers: list[Any]) -> Any:
    """What ``Signal._live_receivers()`` returns in this Django: ``(sync, async)``, or one list."""
    if LIVE_RECEIVERS_SPLIT:
        return sync_receivers, async_receivers
    return sync_receivers + async_receivers


def split_live_receivers(result: Any) -> tuple[Sequence[Any], Sequence[Any]]:
    """``(sync, async)`` from what a (possibly replaced) ``_live_receivers()`` returned.

    Before Django 5.0, every receiver it returns is called synchronously, as
    Django did: code that replaced ``_live_receivers`` gets Django's behaviour.
    """
    if LIVE_RECEIVERS_SPLIT:
        sync_receivers, async_receivers = result
        return sync_receivers, async_receivers
    return result, ()
