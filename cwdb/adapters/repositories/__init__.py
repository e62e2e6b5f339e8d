"""One adapter per repository port, written once over a runner of either dialect.

Each adapter binds the statements of its SQL file (``sql/<repository>.sql``,
or ``sql/postgresql/<repository>.sql``: the same query names) and runs them
through the ``Runner`` protocol; it never imports a driver.

``crud.py`` holds the five generic CRUD methods and the insert/update/delete
helpers they share with the other adapters; ``dependencies.py`` the
dependency graph that phases and tasks share; ``documented.py`` gives each
adapter's methods its port's docstrings and signatures.
"""
