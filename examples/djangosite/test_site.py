"""The example site's test: Django's signals run on cydispatch under pytest."""

import cydispatch.django


def test_django_signals_are_cydispatch():
    from django.core.signals import request_finished
    from django.dispatch import Signal

    assert Signal is cydispatch.django.Signal
    assert isinstance(request_finished, cydispatch.django.Signal)
