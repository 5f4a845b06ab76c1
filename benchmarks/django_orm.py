"""An ORM ``save()`` loop with three ``post_save`` receivers: stock Django against ``install()``.

    python benchmarks/django_orm.py [--saves N] [--rounds R] [--pure]

Each configuration runs in a subprocess of its own (``install()`` is
process-global): one on Django's dispatcher, one after
``cydispatch.django.install()`` (the compiled backend, or the pure one with
``--pure``). Both do the same work: a model on SQLite in memory, three
``post_save`` receivers, and ``R`` timed rounds of ``N`` calls of
``instance.save()`` (an UPDATE, a ``pre_save`` and a ``post_save`` each), with
the garbage collector off. The processes alternate, round by round, so that
drift of the machine falls on both; the figure is the median round, in
nanoseconds per ``save()``. The ratio is installed over stock: below 1 is
faster. Most of a ``save()`` is the ORM and SQLite, not its signals, so the
ratio is close to 1 by nature; the difference in ns is the signals' share.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time

CHILD_FLAG = "--child"


def child(mode: str, saves: int) -> None:
    """Run in a subprocess: time rounds of ``saves`` saves, one per line of stdin."""
    if mode == "install":
        import cydispatch.django

        cydispatch.django.install()

    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()

    from django.db import connection, models
    from django.db.models.signals import post_save

    class Item(models.Model):
        name = models.CharField(max_length=40)
        count = models.IntegerField(default=0)

        class Meta:
            app_label = "bench"

    with connection.schema_editor() as editor:
        editor.create_model(Item)

    seen = []

    def count_saves(sender, instance, created, **kwargs):
        seen.append(created)

    def touch(sender, instance, **kwargs):
        instance.count += 0

    class Auditor:
        def on_save(self, sender, instance, **kwargs):
            return instance.pk

    auditor = Auditor()
    post_save.connect(count_saves, sender=Item)
    post_save.connect(touch, sender=Item)
    post_save.connect(auditor.on_save)  # any sender, a bound method

    item = Item.objects.create(name="item")
    backend = type(post_save).__mro__[-2].__module__
    gc.disable()
    for _ in sys.stdin:
        del seen[:]
        start = time.perf_counter_ns()
        for _ in range(saves):
            item.name = "item"
            item.save()
        elapsed = time.perf_counter_ns() - start
        assert len(seen) == saves
        print(json.dumps({"backend": backend, "ns": elapsed / saves}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=2000, help="saves per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--pure", action="store_true", help="install the pure-Python backend")
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("CYDISPATCH_NO_EXTENSIONS", None)
    if args.pure:
        env["CYDISPATCH_NO_EXTENSIONS"] = "1"
    children = {
        mode: subprocess.Popen(
            [sys.executable, __file__, CHILD_FLAG, mode, str(args.saves)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for mode in ("stock", "install")
    }
    timings: dict[str, list[float]] = {mode: [] for mode in children}
    backends = {}
    try:
        for round_number in range(args.rounds + 1):  # round 0 warms up
            for mode, process in children.items():
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write("go\n")
                process.stdin.flush()
                result = json.loads(process.stdout.readline())
                backends[mode] = result["backend"]
                if round_number:
                    timings[mode].append(result["ns"])
    finally:
        for process in children.values():
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            process.wait()
            process.stdout.close()

    import django

    stock, installed = (statistics.median(timings[mode]) for mode in ("stock", "install"))
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}: "
          f"{args.rounds} rounds of {args.saves} save() calls, 3 post_save receivers")
    print(f"  stock Django ({backends['stock']}): {stock:9.0f} ns per save()")
    print(f"  install()    ({backends['install']}): {installed:9.0f} ns per save()")
    print(f"  ratio {installed / stock:.3f} (installed / stock), difference {installed - stock:+.0f} ns")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
