"""The storage contract suite: what every adapter must do, as pytest tests a host can run.

Subclass :class:`AdapterContract` in a test module (the subclass's name must start with
``Test``) and implement :meth:`~AdapterContract.make_uow_factory`::

    from ai_settings_core.testing import AdapterContract

    class TestMyStore(AdapterContract):
        def make_uow_factory(self, tmp_path):
            return MyStore(tmp_path / "db")

The suite is built from one mixin per concern, each in its own module and each standing on
:class:`~ai_settings_core.testing._base.ContractBase` (the store under test):

- ``_versions``: versions and compare-and-set;
- ``_round_trips``: round trips of every stored field, and refusals with a field path;
- ``_units``: units of work, their ends and their isolation;
- ``_listing``: listing and pages, loading an organization;
- ``_audit``: the audit log;
- ``_expiry``: expiries of overrides and locks;
- ``_feed``: the change feed (generations, change records, listeners).

A new concern is a new mixin module, added to :class:`AdapterContract`'s bases below. The
library runs the same suite against its in-memory and SQLite adapters. Importing this module
needs pytest (a test dependency, not a runtime one).
"""

from __future__ import annotations

from ai_settings_core.testing._audit import AuditContract
from ai_settings_core.testing._expiry import ExpiryContract
from ai_settings_core.testing._feed import FeedContract
from ai_settings_core.testing._listing import ListingContract
from ai_settings_core.testing._round_trips import RoundTripsContract
from ai_settings_core.testing._scoping import ScopedUnitContract
from ai_settings_core.testing._units import UnitsOfWorkContract
from ai_settings_core.testing._versions import VersionsContract

__all__ = ["AdapterContract"]


class AdapterContract(
    VersionsContract,
    RoundTripsContract,
    UnitsOfWorkContract,
    ListingContract,
    AuditContract,
    ScopedUnitContract,
    ExpiryContract,
    FeedContract,
):
    """The contract every storage adapter passes; subclass it as ``Test...`` to run it.

    It is every part of the suite at once; :meth:`make_uow_factory` is the one method a
    subclass provides.
    """
