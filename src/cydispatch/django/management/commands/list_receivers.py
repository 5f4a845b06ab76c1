"""``python manage.py list_receivers``: every signal of the project and what each one runs.

Built on ``cydispatch.inspect.connections()``: see it for what each field
means. Text groups the receivers by signal, one line each; ``--format json``
prints a list of objects, one per connection, with the keys of
``cydispatch.inspect.Connection``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ....inspect import Connection, connections, signals


class Command(BaseCommand):  # type: ignore[misc]  # Django is untyped here
    help = (
        "List every signal of the project (Django's own and the project's) with its receivers: "
        "qualified name, source file and line, sender, weak or strong, sync or async, dispatch_uid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--signal",
            help="one signal: its dotted name (django.db.models.signals.post_save) or attribute name (post_save)",
        )
        parser.add_argument(
            "--sender",
            help="what a send from this model (app_label.Model) reaches: its receivers and those of any sender",
        )
        parser.add_argument(
            "--app", help="receivers defined in this app's modules, or connected to its models (an app label)"
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found = connections(signal=options["signal"], sender=options["sender"], app=options["app"])
        except LookupError as err:
            raise CommandError(str(err.args[0] if err.args else err)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps([record.as_dict() for record in found], indent=2))
            return
        # Without a filter on senders or apps, a signal without receivers is shown too.
        names = []
        if options["sender"] is None and options["app"] is None:
            wanted = options["signal"]
            names = [name for name in signals() if wanted in (None, name, name.rpartition(".")[2])]
        self.stdout.write(format_text(found, names))


def format_text(found: list[Connection], names: list[str]) -> str:
    """The text report: each signal (those in ``names`` even without receivers), its receivers below."""
    by_signal: dict[str, list[Connection]] = {name: [] for name in names}
    for record in found:
        by_signal.setdefault(record.signal, []).append(record)
    lines = []
    for name in sorted(by_signal):
        records = by_signal[name]
        lines.append(f"{name} ({_count(len(records))})")
        width = max((len(record.receiver) for record in records), default=0)
        for record in records:
            lines.append(f"  {record.receiver:<{width}}  {_details(record)}")
    return "\n".join(lines)


def _count(number: int) -> str:
    return "no receivers" if number == 0 else "1 receiver" if number == 1 else f"{number} receivers"


def _details(record: Connection) -> str:
    parts = [
        f"sender={record.sender}",
        "weak" if record.weak else "strong",
        "async" if record.is_async else "sync",
    ]
    if record.kind != "function":
        parts.append(record.kind)
    if record.dispatch_uid is not None:
        parts.append(f"dispatch_uid={record.dispatch_uid!r}")
    parts.append(_where(record))
    return "  ".join(parts)


def _where(record: Connection) -> str:
    if record.file is None:
        return "(no source)"
    return f"{_short(record.file, record.module)}:{record.line}"


def _short(file: str, module: str | None) -> str:
    """``file`` from the directory its top-level package is in, if it is ``module``'s; else as it is."""
    parts = (module or "").split(".")
    path = os.path.normpath(file).split(os.sep)
    package = path[-1] == "__init__.py"
    named = path[-len(parts) - 1 : -1] if package else path[-len(parts) :]
    if not parts[0] or len(path) <= len(parts) or [os.path.splitext(part)[0] for part in named] != parts:
        return file
    return os.path.join(*path[-len(parts) - package :])
