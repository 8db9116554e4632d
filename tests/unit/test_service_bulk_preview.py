"""``SettingsService.preview_bulk_update``: what a bulk change would do, with nothing written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.changes import ProjectPatch, diff_effective
from ai_settings_core.domain.permissions import PROJECT_READ
from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.errors import PermissionDeniedError, ValidationError
from tests.strategies import (
    identifiers,
    optional_bools,
    optional_stopping_points,
    organization_settings,
    project_lists,
)

ADMIN = Actor("test", "acme", ALL_SCOPES)
KEEP = st.just("keep")

project_patches = st.builds(
    lambda scan, fix, point: ProjectPatch(
        **{
            name: value
            for name, value in (
                ("scan_enabled_override", scan),
                ("fix_enabled_override", fix),
                ("stopping_point_override", point),
            )
            if value != "keep"
        }
    ),
    KEEP | optional_bools,
    KEEP | optional_bools,
    KEEP | optional_stopping_points,
)


def _seeded(organization, projects) -> tuple[MemoryStore, SettingsService]:
    store = MemoryStore()
    with store.unit_of_work(organization_id="acme") as uow:
        if organization is not None:
            uow.organizations.save(organization)
        for project in projects:
            uow.projects.save(project)
        uow.commit()
    return store, SettingsService(store.unit_of_work)


def _stored(store: MemoryStore, ids: list[str]) -> dict[str, ProjectSettings]:
    with store.unit_of_work(read_only=True) as uow:
        return dict(uow.projects.get_many("acme", ids))


@given(
    organization=st.none() | organization_settings("acme"),
    projects=project_lists,
    extra=st.lists(identifiers, max_size=3),
    patch=st.none() | project_patches,
)
def test_the_preview_is_what_the_bulk_change_does(organization, projects, extra, patch) -> None:
    store, service = _seeded(organization, projects)
    ids = [project.project_id for project in projects] + extra
    reset = patch is None
    before = _stored(store, ids)
    try:
        impact = service.preview_bulk_update(ADMIN, "acme", ids, patch, reset=reset)
    except ValidationError as error:
        refused = error.findings
    else:
        refused = None
    if refused is not None:
        with pytest.raises(ValidationError) as also:
            service.bulk_update(ADMIN, "acme", ids, patch, reset=reset)
        assert also.value.findings == refused  # the same findings, the same paths
        return
    assert _stored(store, ids) == before  # nothing was written
    service.bulk_update(ADMIN, "acme", ids, patch, reset=reset)
    after = _stored(store, ids)
    expected = [
        (pid, changes)
        for pid in dict.fromkeys(ids)
        if (changes := diff_effective(organization, before.get(pid), organization, after.get(pid)))
    ]
    assert [(item.project_id, item.changes) for item in impact.projects] == expected
    assert impact.projects_considered == len(set(ids))
    assert impact.organization == ()


def test_a_preview_needs_only_read_access_to_each_project() -> None:
    _store, service = _seeded(None, ())
    reader = Actor("reader", "acme", frozenset({PROJECT_READ}), projects=frozenset({"web"}))
    patch = ProjectPatch(fix_enabled_override=True)
    impact = service.preview_bulk_update(reader, "acme", ["web"], patch)
    assert [item.project_id for item in impact.projects] == ["web"]
    with pytest.raises(PermissionDeniedError):
        service.preview_bulk_update(reader, "acme", ["web", "api"], patch)
    with pytest.raises(TypeError):
        service.preview_bulk_update(reader, "acme", ["web"], patch, reset=True)
