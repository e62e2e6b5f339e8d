"""The agents repository port (skeleton: methods to come)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class AgentRepository(Protocol):
    """Agent rows."""
