"""A module imported on first use, for the faces: ``dbsynth --help`` and ``dbsynth inspect``
must not pay for pandas, numpy and the model (about half a second) before they do anything."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it when an attribute is first read.

    Declare the real module under ``TYPE_CHECKING`` beside it so type checkers see the module."""

    def __init__(self, name: str) -> None:
        self._name = name

    def module(self) -> ModuleType:
        """The real module (imported now if it was not yet)."""
        return importlib.import_module(self._name)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.module(), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
