"""Django's own signals on cydispatch: ``install()``.

Django builds its signals when their modules are first imported
(``django.core.signals``, ``django.db.models.signals``, ``django.test.signals``,
``django.contrib.auth.signals``, ...), each with ``from django.dispatch import
Signal``. ``install()`` makes that name, and ``receiver``, cydispatch's before
those modules run, so every signal Django builds afterwards runs on cydispatch:
``ModelSignal`` too, being a subclass. A signal that already exists cannot be
converted (receivers may hold it, and it may hold receivers), so a late call
raises instead of switching half of Django over.

The class installed is ``cydispatch.django.Signal``: ``cydispatch.Signal`` plus
the two things Django's own code expects of ``Signal`` beyond its API (see
the class). ``cydispatch.Signal`` itself stays free of them.

Added to ``INSTALLED_APPS``, ``"cydispatch.django"`` is also an app (see
``apps``) with one management command, ``list_receivers``: every signal of
the project with what it runs (see ``cydispatch.inspect``).

There is deliberately no switch that works without a line of code (an
environment variable read at interpreter start-up through a ``.pth`` file):
see the manual, docs/django.md.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import django  # noqa: F401 - this package is for Django: without it, its import fails here

from .. import USE_EXTENSIONS
from .. import Signal as _BaseSignal
from .._decorator import receiver
from .._flavour import SEND_FRAMES

if TYPE_CHECKING:
    from .._calls import Receiver, Responses

__all__ = ["Signal", "install", "receiver"]

#: Where Django defines ``Signal`` and ``receiver``; both modules get ours.
DISPATCHER = "django.dispatch.dispatcher"
PACKAGE = "django.dispatch"

_TOO_LATE = """\
cydispatch.django.install() was called too late: loaded modules already hold \
Django's own Signal class or signals built on it ({found}), which cannot be \
moved to cydispatch. Call install() before django.setup() and before anything \
imports django.db, django.core.signals, django.test or your models: as the \
first lines of manage.py, wsgi.py and asgi.py, and of your test bootstrap. \
(The settings module is too late: django-admin and django.setup() load \
Django's signals before they import the settings; run python -m \
cydispatch.django instead of django-admin.)"""

#: Added to the message when OpenTelemetry's runner loaded Django before the program.
_UNDER_OPENTELEMETRY = """ \
Under opentelemetry-instrument, which loads Django before your program starts, \
set {variable}=1 in the runner's environment: cydispatch's start-up hook then \
installs before the runner loads Django, and this call does nothing."""
#: A module that only OpenTelemetry's runner (``opentelemetry-instrument``) imports.
_OPENTELEMETRY_RUNNER = "opentelemetry.instrumentation.auto_instrumentation"


def _one_frame(calls: Callable[[], Responses]) -> Responses:
    # The frame Django's send and send_robust call receivers in: see Signal.
    return calls()


def _two_frames(calls: Any) -> Responses:
    # The frames of Django 4.2's send (its list comprehension's too), or
    # the one of its send_robust.
    return calls() if calls.robust else _one_frame(calls)


#: The compiled backend's ``_send_frame`` (see ``Signal``).
_SEND_FRAME = _one_frame if SEND_FRAMES == 1 else _two_frames


class Signal(_BaseSignal):
    """``django.dispatch.Signal`` once ``install()`` has run.

    It is ``cydispatch.Signal`` with two of Django's couplings to its own
    dispatcher kept:

    * Django's lazy-reference system check (``signals.E001``) recognises a
      ``connect`` waiting for a model given as ``"app_label.Model"`` by the
      function's ``__module__`` and ``__name__``, ``("django.dispatch.dispatcher",
      "connect")``; ``connect`` here reports that module, where this class is
      installed.
    * Django's pure-Python ``send`` puts one Python frame between the sender
      and its receivers, and receivers count on it: ``django.test.signals``
      warns about an overridden ``DATABASES`` with a ``stacklevel`` that
      points at the ``override_settings`` line through that frame. The
      compiled backend's ``send`` is a C function and adds no frame; it is
      given Django's (``_send_frame``), entered only when there are receivers
      to call, at a cost of about 0.1 µs. The pure backend's ``send`` already
      is that frame (Django 4.2 on Python 3.10 and 3.11 has a second one in
      ``send``, which a Python ``send`` here adds).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if USE_EXTENSIONS:
            self._send_frame = _SEND_FRAME

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Make this signal a copy (see ``cydispatch._patching.set_state``), with Django's frame."""
        super().__setstate__(state)
        if USE_EXTENSIONS:
            self._send_frame = _SEND_FRAME

    def connect(
        self,
        receiver: Receiver,
        sender: Any = None,
        weak: bool = True,
        dispatch_uid: Hashable | None = None,
    ) -> None:
        super().connect(receiver, sender, weak, dispatch_uid)

    connect.__doc__ = _BaseSignal.connect.__doc__
    connect.__module__ = DISPATCHER

    if not USE_EXTENSIONS and SEND_FRAMES == 2:

        def send(self, sender: Any, **named: Any) -> Responses:
            return super().send(sender, **named)

        send.__doc__ = _BaseSignal.send.__doc__


def install() -> None:
    """Make ``django.dispatch.Signal`` and ``receiver`` cydispatch's, for all of Django.

    Call it once, before Django builds its signals: as the first lines of
    ``manage.py``, ``wsgi.py``, ``asgi.py`` and of a test bootstrap, before
    ``django.setup()`` and before anything imports ``django.db`` or
    ``django.core.signals``; in place of ``django-admin``, run ``python -m
    cydispatch.django``. Calling it again does nothing. Called too late
    (a loaded module already holds Django's ``Signal``, a subclass or a
    signal built on it), it raises ``RuntimeError`` and changes nothing.
    """
    import django.dispatch
    import django.dispatch.dispatcher

    modules = (django.dispatch.dispatcher, django.dispatch)
    if all(module.Signal is Signal for module in modules):
        return
    found = _built_on(django.dispatch.dispatcher.Signal)
    if found:
        shown = ", ".join(found[:6]) + (f" and {len(found) - 6} more" if len(found) > 6 else "")
        message = _TOO_LATE.format(found=shown)
        if _OPENTELEMETRY_RUNNER in sys.modules:
            from .._startup import ENVIRONMENT_VARIABLE

            message += _UNDER_OPENTELEMETRY.format(variable=ENVIRONMENT_VARIABLE)
        raise RuntimeError(message)
    for module in modules:
        module.Signal = Signal
        module.receiver = receiver


def _built_on(django_signal: type) -> list[str]:
    """Name what loaded modules hold of ``django_signal``: signals built on it, it, subclasses.

    Each object is named once, preferably where Django's convention defines
    signals (a module named ``...signals``); signals come first. Only types
    are inspected (``type(value)``, never ``isinstance``): a lazy object such
    as ``django.conf.settings`` answers ``isinstance`` by evaluating itself.
    """
    found: dict[int, tuple[bool, bool, str]] = {}
    for module_name, module in list(sys.modules.items()):
        if module_name in (DISPATCHER, PACKAGE) or not issubclass(type(module), types.ModuleType):
            continue
        try:
            namespace = list(vars(module).items())
        except TypeError:  # a module type that hides its __dict__
            continue
        for name, value in namespace:
            kind = type(value)
            is_class = issubclass(kind, type) and issubclass(value, django_signal)
            if is_class or issubclass(kind, django_signal):
                key = (is_class, not module_name.endswith("signals"), f"{module_name}.{name}")
                found[id(value)] = min(found.get(id(value), key), key)
    return [full_name for *_, full_name in sorted(found.values())]
