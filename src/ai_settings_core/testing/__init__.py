"""The storage contract suite and sample values, for a host's own adapter tests.

Subclass :class:`AdapterContract` in a test module (the subclass's name must start with
``Test``) and implement :meth:`~AdapterContract.make_uow_factory`::

    from ai_settings_core.testing import AdapterContract

    class TestMyStore(AdapterContract):
        def make_uow_factory(self, tmp_path):
            return MyStore(tmp_path / "db")

Importing this package needs pytest (a test dependency, not a runtime one).
"""

from __future__ import annotations

from ai_settings_core.testing._contract import AdapterContract
from ai_settings_core.testing._samples import (
    sample_audit_entry,
    sample_invariants,
    sample_project,
)

__all__ = ["AdapterContract", "sample_audit_entry", "sample_invariants", "sample_project"]
