"""A pytest plugin that installs cydispatch before pytest-django sets Django up.

Load it ahead of pytest-django, from the command line or from ``addopts``
(see pytest.ini): a ``conftest.py`` is read after pytest-django has called
``django.setup()``, too late for ``install()``.
"""

import cydispatch.django

cydispatch.django.install()
