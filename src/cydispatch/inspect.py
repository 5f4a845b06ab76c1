"""What runs when a signal is sent: every connection of every signal, as plain records.

``connections()`` answers "what runs when this model is saved?" without
reaching into a signal's internals: it lists each live connection of the
signals that loaded modules define, with where its receiver is written, its
sender, and how it is held. ``python manage.py list_receivers`` prints the
same (see ``cydispatch.django``). Both backends and Django's own ``Signal``
(a project that has not called ``cydispatch.django.install()``) are read
alike, in every Django shape cydispatch follows.

A connection is read from its entry of ``receivers`` through
``_flavour.unpack_entry``, the one place that knows the entry's shape in the
installed Django (4.2, 5.x, 6.x), so nothing here depends on that shape.
Signals are found once per call, as attributes of loaded modules; one held
elsewhere only (a class attribute, a local) can be given as ``signal``.
"""

from __future__ import annotations

import ast
import sys
import types
import weakref
from collections.abc import Hashable, Iterator
from dataclasses import asdict, dataclass
from difflib import get_close_matches
from functools import partial
from inspect import getsourcefile, getsourcelines, unwrap
from typing import Any

from ._flavour import unpack_entry
from ._keys import _make_id, any_sender
from ._validation import code_flags, is_async

__all__ = ["Connection", "connections", "signals"]

#: The classes a signal is an instance of, by ``(module, name)``: Django's own
#: and both of cydispatch's backends (``cydispatch.django.Signal`` and
#: ``ModelSignal`` are subclasses). Matched by name so that no backend is
#: imported here and Django's class is recognised after ``install()`` has
#: replaced the name ``django.dispatch.Signal``.
SIGNAL_CLASSES = frozenset(
    {
        ("django.dispatch.dispatcher", "Signal"),
        ("cydispatch._pydispatch", "Signal"),
        ("cydispatch._cdispatch", "Signal"),
    }
)

#: Django's class of the signals whose senders are models.
MODEL_SIGNAL = ("django.db.models.signals", "ModelSignal")

#: JSON has no other scalars: any other ``dispatch_uid`` is shown by its ``repr``.
_JSON_SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Connection:
    """One connection of a signal: a receiver, the sender it waits for, and how it is held.

    ``signal`` is the signal's dotted name (module and attribute). ``receiver``
    is the receiver's dotted name: ``module.qualname`` of the function, of
    the bound method's function, of a ``functools.partial``'s function, or of
    the class of a callable instance. ``kind`` says which of those it is:
    ``"function"``, ``"method"``, ``"partial"``, ``"instance"`` or ``"other"``.
    ``file`` and ``line`` locate the code (for a decorated function, the line
    of its first decorator, as ``inspect`` reports it); ``None`` where there is
    no Python source (a builtin). ``sender`` is ``"any"`` for a connection to
    every sender, a model's label (``"shop.Product"``) for a model, the dotted
    name of another class, else the sender's ``repr``. ``weak`` is false for
    ``weak=False``; ``is_async`` says whether the receiver is a coroutine
    function (sent by ``asend`` concurrently, by ``send`` through
    ``async_to_sync``). ``dispatch_uid`` is the connection's uid, or ``None``.
    """

    signal: str
    receiver: str
    kind: str
    module: str | None
    file: str | None
    line: int | None
    sender: str
    weak: bool
    is_async: bool
    dispatch_uid: Hashable | None

    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (a uid that is not a JSON scalar is given by its ``repr``)."""
        data = asdict(self)
        uid = self.dispatch_uid
        if uid is not None and not isinstance(uid, _JSON_SCALARS):
            data["dispatch_uid"] = repr(uid)
        return data


def connections(signal: Any = None, sender: Any = None, app: Any = None) -> list[Connection]:
    """Every live connection of every signal, in signal-name order, then in the order a send runs them.

    A send calls a signal's synchronous receivers first, in connection order,
    then its asynchronous ones (``send`` through ``async_to_sync``, ``asend``
    concurrently): the records of each signal come in that order.

    ``signal`` keeps one signal's: a signal object, its dotted name
    (``"django.db.models.signals.post_save"``) or its attribute name
    (``"post_save"``, which may name several signals). ``sender`` keeps the
    connections a send from that sender reaches (as ``receivers_for`` does):
    those to it and, on the signals it sends, those to any sender; it is the
    sender itself or, once Django is set up, a model's label
    (``"shop.Product"``). The signals a sender sends are taken to be those
    with a connection to it, the model signals (``pre_save``, ...) for a
    model, and the one ``signal`` names, if given. ``app`` keeps the
    connections whose receiver is defined in that app's modules or whose
    sender is one of its models; it is an app label once Django is set up,
    else a top-level module name. Each of the three may also be a list (or
    tuple) of such values, which keeps what any of them keeps; the three
    filters together keep what each of them keeps. An unknown signal name,
    model label or app label raises ``LookupError``, whose message suggests
    the closest known names.
    """
    found = _find_signals()
    wanted_signals = _several(signal)
    if wanted_signals is None:
        chosen = [(name, obj) for name, (obj, _) in found.items()]
    else:
        chosen_names: dict[str, Any] = {}
        for wanted in wanted_signals:
            if isinstance(wanted, str):
                matched = {name: obj for name, (obj, aliases) in found.items() if _named(wanted, aliases)}
                if not matched:
                    raise LookupError(
                        f"no loaded module defines a signal named {wanted!r}" + _hint(wanted, _signal_names(found))
                    )
            else:
                matched = {name: obj for name, (obj, _) in found.items() if obj is wanted}
                matched = matched or {_signal_name(wanted): wanted}
            chosen_names.update(matched)
        chosen = sorted(chosen_names.items(), key=lambda item: item[0])
    targets = None if sender is None else [_sender_target(one) for one in _several(sender) or ()]
    app_filters = None if app is None else [_app_target(one) for one in _several(app) or ()]
    models = _models_by_id()
    result = []
    for name, obj in chosen:
        records = list(_read(name, obj, models))
        if targets is not None:
            kept: set[int] = set()
            for target in targets:
                own = [item for item in records if item[0].sender != "any" and _is_target(item[1], item[2], target)]
                sends = own or signal is not None or (_model_label(target) is not None and _is_model_signal(obj))
                kept.update(id(item) for item in own)
                if sends:
                    kept.update(id(item) for item in records if item[0].sender == "any")
            records = [item for item in records if id(item) in kept]
        # The order a send runs them in (sorted is stable: connection order within each).
        records.sort(key=lambda item: item[0].is_async)
        for record, sender_object, _ in records:
            if app_filters is None or any(_in_app(record, sender_object, *one) for one in app_filters):
                result.append(record)
    return result


def _several(value: Any) -> list[Any] | None:
    """``None``, or ``value`` as a list of values: a list or tuple is several, anything else one."""
    if value is None:
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _hint(wanted: str, known: list[str]) -> str:
    """``"; did you mean 'x'?"`` with the names of ``known`` closest to ``wanted``, or ``""``."""
    lowered = {name.lower(): name for name in known}
    close = [lowered[name] for name in get_close_matches(wanted.lower(), list(lowered), n=3)]
    if not close:
        return ""
    shown = [repr(name) for name in close]
    return f"; did you mean {' or '.join([', '.join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)}?"


def _signal_names(found: dict[str, tuple[Any, list[str]]]) -> list[str]:
    # A signal is asked for by dotted or attribute name: both are suggested,
    # from its best name only (not where it is imported, as into __main__).
    return sorted({*found, *(name.rpartition(".")[2] for name in found)})


def signals() -> dict[str, Any]:
    """Every signal that a loaded module defines, by dotted name, sorted.

    A signal bound to several names (imported elsewhere) is named once: where
    a module's source assigns it (rather than imports it), preferably in a
    module called ``signals``, public, and with the shortest name, as
    ``django.db.models.signals.post_save``.
    """
    return {name: obj for name, (obj, _) in _find_signals().items()}


def _find_signals() -> dict[str, tuple[Any, list[str]]]:
    # Signal -> (its best name, every name); by best name, sorted.
    is_signal_class: dict[type, bool] = {}
    named: dict[int, tuple[Any, list[tuple[Any, ...]]]] = {}
    for module_name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType):
            continue
        try:
            namespace = list(vars(module).items())
        except (TypeError, RuntimeError):  # a module that hides its __dict__, or one being changed
            continue
        for attribute, value in namespace:
            # type(value) only: a lazy object (django.conf.settings) answers
            # isinstance by evaluating itself.
            kind = type(value)
            known = is_signal_class.get(kind)
            if known is None:
                known = is_signal_class[kind] = any(
                    (getattr(cls, "__module__", None), cls.__name__) in SIGNAL_CLASSES for cls in kind.__mro__
                )
            if known:
                rank = _rank(module_name, attribute)
                named.setdefault(id(value), (value, []))[1].append(rank)
    found = {}
    for value, ranks in named.values():
        if len(ranks) > 1:  # imported elsewhere too: the module that assigns it is its home
            ranks = [(not _assigns(*rank[-1].rsplit(".", 1)), *rank) for rank in ranks]
        ranks.sort()
        found[ranks[0][-1]] = (value, [rank[-1] for rank in ranks])
    return dict(sorted(found.items()))


def _rank(module_name: str, attribute: str) -> tuple[Any, ...]:
    # Lower is a better name: a ``signals`` module, public, not __main__, short.
    parts = module_name.split(".")
    private = any(part.startswith("_") for part in parts) or attribute.startswith("_")
    return (parts[-1] != "signals", module_name == "__main__", private, len(parts), f"{module_name}.{attribute}")


def _assigns(module_name: str, attribute: str) -> bool:
    """Whether the module's source assigns ``attribute`` at its top level (rather than imports it)."""
    try:
        tree = _module_tree(module_name)
    except (OSError, SyntaxError, TypeError, ValueError):  # no source to read
        return False
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign
        ) else []
        if any(isinstance(target, ast.Name) and target.id == attribute for target in targets):
            return True
    return False


def _module_tree(module_name: str) -> ast.Module:
    file = getsourcefile(sys.modules[module_name])
    if file is None:
        raise OSError(f"no source for {module_name}")
    with open(file, "rb") as source:
        return ast.parse(source.read(), file)


def _signal_name(signal: Any) -> str:
    # A signal that no module defines: named by its object.
    return f"<{type(signal).__qualname__} at {id(signal):#x}>"


def _named(wanted: str, names: list[str]) -> bool:
    return any(wanted == name or wanted == name.rpartition(".")[2] for name in names)


def _read(name: str, signal: Any, models: dict[Any, Any]) -> Iterator[tuple[Connection, Any, Any]]:
    """``signal``'s live connections, in order: each record with its sender (None: any or unknown) and id."""
    for entry in list(signal.receivers):
        receiver_field, sender_id, sender_ref, entry_is_async = unpack_entry(entry)
        weak = isinstance(receiver_field, weakref.ReferenceType)
        live = receiver_field() if weak else receiver_field
        if live is None:
            continue  # a dead receiver, not swept yet: it will never run
        if any_sender(sender_id):
            sender_object, sender_label = None, "any"
        else:
            if sender_ref is not None:
                sender_object = sender_ref()
                if sender_object is None:
                    continue  # a dead sender: nothing can send from it again
            else:  # an entry without a reference (Django's own before 6.0): known by id
                sender_object = models.get(sender_id)
            sender_label = _sender_label(sender_object, sender_id)
        if entry_is_async is None:  # Django 4.2's shape has no such field
            entry_is_async = is_async(live, code_flags(live))
        key = entry[0][0]
        uid = None if key == _make_id(live) else key
        kind, code, described = _code_of(live)
        file, line = _source_of(code)
        yield (
            Connection(
                signal=name,
                receiver=_dotted(described),
                kind=kind,
                module=getattr(described, "__module__", None),
                file=file,
                line=line,
                sender=sender_label,
                weak=weak,
                is_async=bool(entry_is_async),
                dispatch_uid=uid,
            ),
            sender_object,
            sender_id,
        )


def _code_of(receiver: Any) -> tuple[str, Any, Any]:
    """``(kind, the object whose source is the receiver's, the object that names it)``."""
    if isinstance(receiver, partial):
        _, code, described = _code_of(receiver.func)
        return "partial", code, described
    if isinstance(receiver, (types.FunctionType, types.BuiltinFunctionType)):
        return "function", receiver, receiver
    func = getattr(receiver, "__func__", None)
    if func is not None and hasattr(receiver, "__self__"):
        return "method", func, func
    if isinstance(receiver, type) or hasattr(receiver, "__code__"):
        return "function", receiver, receiver  # a class, or a compiled function (Cython's)
    call = getattr(type(receiver), "__call__", None)  # noqa: B004 - the class's, not callable()
    if call is not None and not isinstance(call, types.WrapperDescriptorType):
        return "instance", call, type(receiver)
    return "other", None, type(receiver)


def _source_of(code: Any) -> tuple[str | None, int | None]:
    if code is None:
        return None, None
    try:
        code = unwrap(code)  # a decorator's wrapper: the decorated function's source
    except ValueError:  # a cycle of __wrapped__
        pass
    try:
        file = getsourcefile(code)
    except TypeError:  # a builtin
        return None, None
    func_code = getattr(code, "__code__", None)
    line = getattr(func_code, "co_firstlineno", None)
    if line is None and file is not None:
        try:
            line = getsourcelines(code)[1]
        except (OSError, TypeError):
            line = None
    return file, line


def _dotted(obj: Any) -> str:
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    module = getattr(obj, "__module__", None)
    return f"{module}.{qualname}" if module else str(qualname)


def _model_label(obj: Any) -> str | None:
    if isinstance(obj, type):
        label = getattr(getattr(obj, "_meta", None), "label", None)
        if isinstance(label, str):
            return label
    return None


def _sender_label(sender: Any, sender_id: Any) -> str:
    if sender is None:
        return f"<unknown sender id {sender_id!r}>"
    label = _model_label(sender)
    if label is not None:
        return label
    if isinstance(sender, type):
        return _dotted(sender)
    return repr(sender)


def _django_apps() -> Any:
    """Django's app registry once its models are loaded, else ``None`` (Django is never imported here)."""
    registry = sys.modules.get("django.apps")
    apps = getattr(registry, "apps", None)
    return apps if apps is not None and apps.models_ready else None


def _models_by_id() -> dict[Any, Any]:
    # The senders an entry knows by id alone are told apart among the models.
    apps = _django_apps()
    if apps is None:
        return {}
    return {_make_id(model): model for model in apps.get_models(include_auto_created=True)}


def _sender_target(sender: Any) -> Any:
    if not isinstance(sender, str):
        return sender
    apps = _django_apps()
    if apps is None:
        raise LookupError(f"a sender given by label ({sender!r}) needs Django's models loaded (django.setup())")
    try:
        return apps.get_model(sender)
    except (LookupError, ValueError):
        labels = [model._meta.label for model in apps.get_models()]
        raise LookupError(f"no model labelled {sender!r}" + _hint(sender, labels)) from None


def _is_model_signal(signal: Any) -> bool:
    # Django's ModelSignal, by name (see SIGNAL_CLASSES): its senders are models.
    return any((getattr(cls, "__module__", None), cls.__name__) == MODEL_SIGNAL for cls in type(signal).__mro__)


def _is_target(sender: Any, sender_id: Any, target: Any) -> bool:
    if sender is None:  # known by its id alone (Django's own entries before 6.0)
        return bool(sender_id == _make_id(target))
    return sender is target or (type(sender) is types.MethodType and sender == target)


def _app_target(app: str) -> tuple[str, str]:
    """``(label, module name)`` of an app; without Django's registry, ``app`` is both."""
    apps = _django_apps()
    if apps is None:
        return app, app
    try:
        config = apps.get_app_config(app)
    except LookupError:
        labels = [config.label for config in apps.get_app_configs()]
        raise LookupError(f"no installed app labelled {app!r}" + _hint(app, labels)) from None
    return config.label, config.name


def _in_app(record: Connection, sender: Any, label: str, module_name: str) -> bool:
    module = record.module or ""
    if module == module_name or module.startswith(module_name + "."):
        return True
    meta = getattr(sender, "_meta", None) if isinstance(sender, type) else None
    return getattr(meta, "app_label", None) == label
