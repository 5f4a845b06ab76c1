"""The management commands of the ``cydispatch.django`` app.

They live here, in ``cydispatch`` rather than ``cydispatch.django``, because
Django finds an app's commands in the ``management`` package of the module
its ``AppConfig.name`` names, and ``manage.py help`` files them under that
name's last component: here ``[cydispatch]``, where ``cydispatch.django``
would give ``[django]``, among Django's own (see ``cydispatch.django.apps``).
"""
