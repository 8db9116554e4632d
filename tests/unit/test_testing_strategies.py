"""The public strategies: valid payloads parse, invalid ones are refused with their code."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given

from ai_settings_core import codec
from ai_settings_core.errors import ValidationError
from ai_settings_core.testing import strategies as public

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("kind", public.PAYLOAD_KINDS)
def test_every_valid_payload_parses(kind):
    @given(public.valid_payloads(kind))
    def check(data):
        public.PARSERS[kind](data)

    check()


@pytest.mark.parametrize("kind", public.PAYLOAD_KINDS)
def test_every_invalid_payload_is_refused_with_its_code(kind):
    @given(public.invalid_payloads(kind))
    def check(payload):
        assert payload.kind == kind
        with pytest.raises(ValidationError) as caught:
            payload.parse()
        found = {(finding.code, finding.field) for finding in caught.value.findings}
        assert (payload.code, payload.field) in found

    check()


@given(public.invalid_payloads())
def test_invalid_payloads_of_every_kind_name_a_public_parser(payload):
    assert public.PARSERS[payload.kind] is getattr(codec, f"parse_{payload.kind}")


@given(public.organization_patches())
def test_organization_patches_survive_their_payload(patch):
    payload = public.patch_payload(patch)
    assert codec.parse_organization_patch(payload) == patch


@given(public.project_patches())
def test_project_patches_survive_their_payload(patch):
    payload = public.patch_payload(patch)
    assert codec.parse_project_patch(payload) == patch


@given(public.repository_patches())
def test_repository_patches_survive_their_payload(patch):
    payload = public.patch_payload(patch)
    assert codec.parse_repository_patch(payload) == patch


@given(public.organizations("acme"))
def test_organizations_hold_their_own_projects_once_by_id(state):
    ids = [project.project_id for project in state.projects]
    assert ids == sorted(set(ids))
    assert all(project.organization_id == "acme" for project in state.projects)
    if state.organization is not None:
        assert state.organization.organization_id == "acme"
        ceiling = state.organization.max_stopping_point
        assert ceiling is None or state.organization.stopping_point <= ceiling


def test_an_unknown_kind_is_refused():
    with pytest.raises(KeyError, match="organisation"):
        public.valid_payloads("organisation")
    with pytest.raises(KeyError):
        public.invalid_payloads("json")


def test_importing_the_testing_package_does_not_import_hypothesis():
    program = (
        "import sys, ai_settings_core.testing\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported'\n"
        "import ai_settings_core.testing.strategies\n"
        "assert 'hypothesis' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
