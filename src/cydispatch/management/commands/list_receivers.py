"""``python manage.py list_receivers``: every signal of the project and what each one runs.

Built on ``cydispatch.inspect.connections()``: see it for what each field
means. Text groups the receivers by signal, in the order a send runs them,
each on two lines or more (its name, then its details) within ``WIDTH``
columns; ``--format json`` prints a list of objects, one per connection, with
the keys of ``cydispatch.inspect.Connection``.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...inspect import Connection, connections, signals

#: The widest a line of the text report should be: wider ones wrap in a terminal.
WIDTH = 100
#: The filters, each repeatable (``--signal post_save --signal pre_save``).
FILTERS = ("signal", "sender", "app")


class Command(BaseCommand):  # type: ignore[misc]  # Django is untyped here
    help = (
        "List every signal of the project (Django's own and the project's) with its receivers, in the order "
        "a send runs them (sync ones first, then async ones): qualified name, sender, weak or strong, sync or "
        "async, dispatch_uid, source file and line. Each filter can be given several times: a receiver is "
        "listed if it matches any value of each filter given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # action="append": a second --signal adds a signal rather than silently replacing the first.
        parser.add_argument(
            "--signal", action="append", metavar="NAME",
            help="a signal: its dotted name (django.db.models.signals.post_save) or attribute name (post_save)",
        )
        parser.add_argument(
            "--sender", action="append", metavar="APP_LABEL.MODEL",
            help="what a send from this model reaches: its receivers and those of any sender",
        )
        parser.add_argument(
            "--app", action="append", metavar="APP_LABEL",
            help="receivers defined in this app's modules, or connected to its models",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or json")

    def handle(self, *args: Any, **options: Any) -> None:
        for key in FILTERS:
            # call_command("list_receivers", signal="post_save") passes one string, not argparse's list.
            if isinstance(options[key], str):
                options[key] = [options[key]]
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
            names = [
                name for name in signals() if wanted is None or {name, name.rpartition(".")[2]} & set(wanted)
            ]
        if not found and not names:
            # An empty report would print a blank line, which reads as a failure to run.
            given = " ".join(f"--{key} {value}" for key in FILTERS for value in options[key] or ())
            self.stdout.write(f"No receivers match {given}.")
            return
        self.stdout.write(format_text(found, names))


def format_text(found: list[Connection], names: list[str]) -> str:
    """The text report: each signal (those in ``names`` even without receivers), its receivers below.

    Receivers come in the order a send runs them (``connections()``'s). Each
    takes two lines or more: its dotted name, then its details, wrapped to
    ``WIDTH`` columns between details.
    """
    by_signal: dict[str, list[Connection]] = {name: [] for name in names}
    for record in found:
        by_signal.setdefault(record.signal, []).append(record)
    lines = []
    for name in sorted(by_signal):
        records = by_signal[name]
        lines.append(f"{name} ({_count(records)})")
        for record in records:
            lines.append(f"  {record.receiver}")
            lines.extend(_wrap(_details(record), indent="      "))
    return "\n".join(lines)


def _count(records: list[Connection]) -> str:
    number = len(records)
    if number == 0:
        return "no receivers"
    counted = "1 receiver" if number == 1 else f"{number} receivers"
    asynchronous = sum(record.is_async for record in records)
    if asynchronous and asynchronous < number:
        # A send runs the async ones after the sync ones: say so where the order is not obvious.
        return f"{counted}: {number - asynchronous} sync, then {asynchronous} async"
    return counted


def _details(record: Connection) -> list[str]:
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
    return parts


def _wrap(parts: list[str], indent: str) -> list[str]:
    """``parts`` joined by two spaces on lines of at most ``WIDTH`` columns; a longer part has its own line."""
    lines: list[str] = []
    line = ""
    for part in parts:
        if line and len(indent) + len(line) + 2 + len(part) > WIDTH:
            lines.append(indent + line)
            line = ""
        line = f"{line}  {part}" if line else part
    lines.append(indent + line)
    return lines


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
