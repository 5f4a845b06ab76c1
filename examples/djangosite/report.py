"""What each entry point's process reports: which class Django built its signals with,
and the request signals' receivers called by a request through the entry point."""

import asyncio
import wsgiref.util

import cydispatch.django


def signals(entry_point):
    from django.core.signals import request_finished
    from django.db.models.signals import post_save

    on_cydispatch = all(isinstance(signal, cydispatch.django.Signal) for signal in (request_finished, post_save))
    print(f"{entry_point}: Django's signals run on cydispatch: {on_cydispatch}")


def _count_request_signals():
    from django.core.signals import request_finished, request_started

    seen = []

    def record(signal, sender, **kwargs):
        seen.append("started" if signal is request_started else "finished")

    request_started.connect(record, weak=False)
    request_finished.connect(record, weak=False)
    return seen


def wsgi_request(application):
    signals("wsgi.py")
    seen = _count_request_signals()
    environ = {}
    wsgiref.util.setup_testing_defaults(environ)
    response = application(environ, lambda status, headers: None)
    body = b"".join(response)
    response.close()  # runs request_finished, as a WSGI server does
    print(f"wsgi.py: GET / -> {body.decode()!r}, request signals: {seen}")


def asgi_request(application):
    signals("asgi.py")
    seen = _count_request_signals()
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [],
             "server": ("testserver", 80)}
    requests = [{"type": "http.request", "body": b"", "more_body": False}]
    body = []

    async def receive():
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # then the client stays connected

    async def send(message):
        body.append(message.get("body", b""))

    asyncio.run(application(scope, receive, send))
    print(f"asgi.py: GET / -> {b''.join(body).decode()!r}, request signals: {seen}")
