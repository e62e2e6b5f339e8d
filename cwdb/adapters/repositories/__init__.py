"""One APSW adapter per repository port, over the statements of ``sql/<repository>.sql``.

``crud.py`` holds the five generic CRUD methods and the insert/update/delete
helpers they share with the other adapters; ``dependencies.py`` the
dependency graph that phases and tasks share; ``documented.py`` gives each
adapter's methods its port's docstrings and signatures.
"""
