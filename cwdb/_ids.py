"""Fast nanoid generation, in nanoid's exact format.

``nanoid.generate()`` draws 21 symbols from its 64-character URL-safe
alphabet. Because 64 divides 256, masking each random byte to 6 bits gives
the same uniform distribution, so one ``os.urandom`` call and one
``bytes.translate`` make an id several times faster than the reference
implementation (``scripts/bench.py`` measures it). The ``nanoid`` package
is therefore a test dependency only: ``tests/test_codec.py`` checks the
alphabet and size here against ``nanoid.resources``.
"""

from __future__ import annotations

import os
from typing import Final

ALPHABET: Final = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIZE: Final = 21
_TABLE: Final = bytes(ord(ALPHABET[byte & 63]) for byte in range(256))


def new_id() -> str:
    """A 21-character nanoid from the OS's cryptographic random source."""
    return os.urandom(SIZE).translate(_TABLE).decode("ascii")


def new_ids(count: int) -> str:
    """``count`` nanoids concatenated: id ``i`` is ``[i * SIZE : (i + 1) * SIZE]``.

    One ``os.urandom`` call for a whole batch halves the cost per id again.
    """
    return os.urandom(SIZE * count).translate(_TABLE).decode("ascii")
