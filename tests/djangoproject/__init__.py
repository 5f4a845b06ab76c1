"""A small Django project for ``test_django_integration``, run in subprocesses.

``shop`` has the models (a foreign key and a many-to-many relation);
``audit``, listed before it, connects receivers to them by string sender
(``"shop.Product"``), which stay pending until ``shop``'s models exist;
``broken`` (``settings_broken`` only) refers to a model that does not exist.
``scenarios`` drives it all and prints a JSON report; ``manage.py`` is a
project's usual entry point, with ``install()`` at its top.
"""
