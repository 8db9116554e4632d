"""The settings page in a real browser (headless Chromium), served by ``ai-settings serve``.

The first test is the seed's own end-to-end flow, translated line by line from its Playwright
(TypeScript) to Playwright for Python. Each test saves screenshots of the states it reaches:
to a temporary folder, or to ``$AI_SETTINGS_UI_SCREENSHOTS`` (``docs/ui`` for the docs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ai_settings_core import BranchPattern, BranchRule, StoppingPoint
from ai_settings_core.changes import OrganizationPatch, ProjectPatch, RepositoryPatch
from ai_settings_core.domain.settings import RepositorySettings
from ai_settings_core.domain.values import RepositoryRef
from tests.e2e.ui_support import (
    ADMIN,
    CHROMIUM_FLAGS,
    SCREENSHOTS_VARIABLE,
    Server,
    chromium_path,
    require_browser,
    serve,
)

PAGE = "/organizations/test-org/settings/ai/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module's tests."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=list(CHROMIUM_FLAGS)
        )
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``ai-settings serve`` on a fresh SQLite file."""
    with serve(tmp_path / "settings.db") as running:
        yield running


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where this test's screenshots go."""
    folder = os.environ.get(SCREENSHOTS_VARIABLE)
    path = Path(folder) if folder else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh tab (its own context) on the server, at a phone's width unless a test widens it."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1024, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors  # the script never threw


def add_project(server: Server, project: str, **overrides: object) -> None:
    """Store ``project`` with a repository (and any overrides), as another client would."""
    service = server.service()
    repository = RepositorySettings(RepositoryRef.parse(f"github:test-org/{project}"))
    service.add_repository(ADMIN, "test-org", project, repository)
    if overrides:
        service.update_project(ADMIN, "test-org", project, ProjectPatch(**overrides))


def summary(page: Any, project: str, setting: str) -> str:
    """A project's summary of one setting as shown: its value and where it comes from."""
    cell = page.locator(f'.project[data-project="{project}"] .project-summary')
    return " ".join(cell.locator(f'[data-setting="{setting}"] dd').inner_text().split())


def test_the_seeds_end_to_end_flow(page: Any, server: Server, shots: Path) -> None:
    from playwright.sync_api import expect

    add_project(server, "web")
    # Navigate to organization settings
    page.goto("/organizations/test-org/settings/ai/")
    page.screenshot(path=shots / "page.png", full_page=True)

    # Configure organization defaults
    page.click('[data-test-id="scan-enabled-toggle"]')
    page.click('[data-test-id="fix-enabled-toggle"]')
    page.select_option('[data-test-id="stopping-point-select"]', "pull_request")

    # Expand project settings
    page.click('[data-test-id="expand-project-settings"]')

    # Configure project override
    page.click('[data-test-id="enable-project-override"]')
    page.click('[data-test-id="project-fix-enabled-toggle"]')
    page.screenshot(path=shots / "project-override.png", full_page=True)

    # Save changes
    page.click('[data-test-id="save-settings"]')

    # Verify success message
    expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    page.screenshot(path=shots / "saved.png", full_page=True)

    # What the flow saved, read back from the store.
    service = server.service()
    organization = service.get_organization(ADMIN, "test-org")
    assert organization.resolution.scan_enabled.value is False
    assert organization.resolution.fix_enabled.value is True
    assert organization.settings.stopping_point is StoppingPoint.PULL_REQUEST
    project = service.get_project(ADMIN, "test-org", "web").project
    assert project.fix_enabled_override is True  # it showed the saved Off, and was switched on
    assert project.scan_enabled_override is None
    assert project.stopping_point_override is None
    assert summary(page, "web", "fix_enabled") == "On OVERRIDDEN"


def test_the_seeds_component_tests_find_their_texts_and_labels(page: Any, server: Server) -> None:
    """The seed's unit tests (OrganizationAISettings) query these names; so can a user."""
    from playwright.sync_api import expect

    add_project(server, "web", fix_enabled_override=True)
    page.goto(PAGE)
    for text in ("Issue Scanning", "Automatic Fixes", "Stopping Point", "Custom Settings"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    page.get_by_label("Enable Issue Scanning").click()
    page.get_by_text("Save Changes").click()
    expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    organization = server.service().get_organization(ADMIN, "test-org").resolution
    assert (organization.scan_enabled.value, organization.fix_enabled.value) == (False, False)
    assert organization.stopping_point.value is StoppingPoint.PULL_REQUEST


def test_an_organization_change_shows_in_the_projects_it_reaches(
    page: Any, server: Server, shots: Path
) -> None:
    from playwright.sync_api import expect

    add_project(server, "web")
    add_project(server, "api", fix_enabled_override=False)
    page.goto(PAGE)
    assert summary(page, "web", "fix_enabled") == "Off INHERITED"
    assert summary(page, "api", "fix_enabled") == "Off OVERRIDDEN"
    expect(
        page.locator('.project[data-project="api"] [data-test-id="custom-settings"]')
    ).to_have_text("Custom Settings")

    page.get_by_label("Automatic Fixes").first.check()
    page.click('[data-test-id="save-settings"]')
    expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    # web inherits the new default; api keeps its own value.
    expect(
        page.locator('.project[data-project="web"] [data-setting="fix_enabled"] dd')
    ).to_contain_text("On")
    assert summary(page, "web", "fix_enabled") == "On INHERITED"
    assert summary(page, "api", "fix_enabled") == "Off OVERRIDDEN"

    # Locking the setting overrules api's override; a ceiling caps a project's stopping point.
    add_project(server, "docs", stopping_point_override=StoppingPoint.MERGE)
    page.reload()
    page.check('[data-test-id="lock-fix_enabled"]')
    page.select_option('[data-test-id="max-stopping-point-select"]', "pull_request")
    page.click('[data-test-id="save-settings"]')
    expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    expect(
        page.locator('.project[data-project="api"] [data-setting="fix_enabled"] dd')
    ).to_contain_text("locked")
    assert summary(page, "api", "fix_enabled") == "On LOCKED"
    assert summary(page, "docs", "stopping_point") == "Pull Request CAPPED"
    page.screenshot(path=shots / "inheritance.png", full_page=True)


def test_a_validation_error_shows_at_its_field_and_saves_nothing(
    page: Any, server: Server, shots: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(PAGE)
    page.select_option('[data-test-id="stopping-point-select"]', "merge")
    page.select_option('[data-test-id="max-stopping-point-select"]', "suggestion")
    page.click('[data-test-id="save-settings"]')
    error = page.locator('[data-field="stopping_point"] .field-error')
    expect(error).to_be_visible()
    expect(error).to_contain_text('above the organization\'s maximum stopping point "suggestion"')
    expect(page.locator("#org-stopping_point")).to_have_attribute("aria-invalid", "true")
    expect(page.locator('[data-test-id="success-message"]')).to_be_hidden()
    page.screenshot(path=shots / "validation-error.png", full_page=True)
    assert server.service().get_organization(ADMIN, "test-org").version == 0

    page.select_option('[data-test-id="stopping-point-select"]', "suggestion")
    page.click('[data-test-id="save-settings"]')
    expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    expect(error).to_be_hidden()


def test_a_change_from_a_second_tab_is_a_conflict_that_keeps_the_input(
    browser: Any, page: Any, server: Server, shots: Path
) -> None:
    from playwright.sync_api import expect

    add_project(server, "web")
    page.goto(PAGE)
    second = page.context.new_page()
    second.goto(PAGE)
    second.click('[data-test-id="fix-enabled-toggle"]')
    second.click('[data-test-id="save-settings"]')
    expect(second.locator('[data-test-id="success-message"]')).to_be_visible()

    page.click('[data-test-id="scan-enabled-toggle"]')
    page.select_option('[data-test-id="stopping-point-select"]', "suggestion")
    page.click('[data-test-id="save-settings"]')
    error = page.locator('[data-test-id="error-message"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("Reload the page")
    expect(page.locator('[data-test-id="reload-page"]')).to_be_visible()
    # The input is kept: the switch and the choice are as the user left them.
    expect(page.locator('[data-test-id="scan-enabled-toggle"]')).not_to_be_checked()
    expect(page.locator('[data-test-id="stopping-point-select"]')).to_have_value("suggestion")
    page.screenshot(path=shots / "conflict.png", full_page=True)
    organization = server.service().get_organization(ADMIN, "test-org")
    assert organization.resolution.scan_enabled.value is True  # the stale write did not land
    assert organization.resolution.fix_enabled.value is True  # the second tab's did

    page.click('[data-test-id="reload-page"]')
    expect(page.locator('[data-test-id="fix-enabled-toggle"]')).to_be_checked()


def test_a_bulk_change_is_previewed_before_it_is_applied(
    page: Any, server: Server, shots: Path
) -> None:
    from playwright.sync_api import expect

    for project in ("api", "docs", "web"):
        add_project(server, project)
    server.service().update_organization(ADMIN, "test-org", OrganizationPatch(fix_enabled=False))
    server.service().update_project(
        ADMIN, "test-org", "docs", ProjectPatch(fix_enabled_override=True)
    )
    page.goto(PAGE)
    apply = page.locator('[data-test-id="bulk-apply"]')
    expect(apply).to_be_disabled()
    page.check('.project[data-project="api"] [data-test-id="select-project"]')
    page.check('.project[data-project="docs"] [data-test-id="select-project"]')
    expect(page.locator("#bulk-count")).to_have_text("2")
    page.select_option('[data-test-id="bulk-fix_enabled_override"]', "true")
    page.click('[data-test-id="bulk-preview"]')
    impact = page.locator('[data-test-id="bulk-impact"]')
    expect(impact).to_contain_text("1 of 2 selected projects change")
    expect(impact).to_contain_text("api: Automatic Fixes: Off → On")
    expect(apply).to_be_enabled()
    page.screenshot(path=shots / "bulk-preview.png", full_page=True)
    assert (
        server.service().get_project(ADMIN, "test-org", "api").project.fix_enabled_override is None
    )

    # A change after the preview needs a new preview.
    page.check('.project[data-project="web"] [data-test-id="select-project"]')
    expect(apply).to_be_disabled()
    page.click('[data-test-id="bulk-preview"]')
    expect(impact).to_contain_text("2 of 3 selected projects change")
    page.click('[data-test-id="bulk-apply"]')
    expect(page.locator('[data-test-id="success-message"]')).to_contain_text(
        "Applied to 3 projects"
    )
    service = server.service()
    for project in ("api", "docs", "web"):
        assert service.get_project(ADMIN, "test-org", project).project.fix_enabled_override is True
    assert summary(page, "api", "fix_enabled") == "On OVERRIDDEN"
    page.screenshot(path=shots / "bulk-applied.png", full_page=True)


def test_repositories_are_added_changed_and_removed(page: Any, server: Server, shots: Path) -> None:
    from playwright.sync_api import expect

    add_project(server, "web")
    page.goto(PAGE)
    page.click('[data-test-id="expand-project-settings"]')
    editor = page.locator("#editor-web")
    editor.get_by_label("Provider").select_option("gitlab")
    editor.get_by_label("Repository", exact=True).fill("group/sub/api")
    editor.locator('[data-test-id="new-repository-branches"]').fill("main\nrelease /*")
    page.click('[data-test-id="add-repository"]')
    error = editor.locator('.add-repository [data-error-for="branch_patterns"]')
    expect(error).to_contain_text("may not contain whitespace")
    page.screenshot(path=shots / "repository-error.png", full_page=True)

    editor.locator('[data-test-id="new-repository-branches"]').fill("main\nrelease/*")
    page.click('[data-test-id="add-repository"]')
    expect(page.locator('[data-test-id="success-message"]')).to_contain_text(
        "gitlab:group/sub/api added"
    )
    added = editor.locator('.repository[data-repository="gitlab:group/sub/api"]')
    expect(added).to_contain_text("GitLab")
    expect(added.locator('[data-test-id="repository-branches"]')).to_have_value("main\nrelease/*")
    page.screenshot(path=shots / "repositories.png", full_page=True)

    added.get_by_label("AI enabled").uncheck()
    added.locator('[data-test-id="save-repository"]').click()
    expect(page.locator('[data-test-id="success-message"]')).to_contain_text("saved")
    stored = server.service().get_project(ADMIN, "test-org", "web").project.repositories
    assert [(str(item.repository), item.ai_enabled) for item in stored] == [
        ("github:test-org/web", True),
        ("gitlab:group/sub/api", False),
    ]

    added.locator('[data-test-id="remove-repository"]').click()
    expect(page.locator('[data-test-id="success-message"]')).to_contain_text("removed")
    expect(added).to_have_count(0)
    stored = server.service().get_project(ADMIN, "test-org", "web").project.repositories
    assert [str(item.repository) for item in stored] == ["github:test-org/web"]


def test_a_branch_rule_keeps_its_stopping_point_through_the_page(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    add_project(server, "web")
    repository = "github:test-org/web"
    server.service().update_repository(
        ADMIN,
        "test-org",
        "web",
        RepositoryRef.parse(repository),
        RepositoryPatch(
            branch_patterns=(
                BranchRule(BranchPattern("release/*"), StoppingPoint.SUGGESTION),
                BranchRule(BranchPattern("*")),
            )
        ),
    )
    page.goto(PAGE)
    page.click('[data-test-id="expand-project-settings"]')
    item = page.locator(f'#editor-web .repository[data-repository="{repository}"]')
    branches = item.locator('[data-test-id="repository-branches"]')
    expect(branches).to_have_value("release/*: suggestion\n*")

    def rules() -> list[tuple[str, StoppingPoint | None]]:
        stored = server.service().get_project(ADMIN, "test-org", "web").project
        return [
            (rule.pattern.text, rule.stopping_point_override)
            for rule in stored.repositories[0].branch_patterns
        ]

    # Saving without touching the list keeps every rule as it is.
    item.get_by_label("AI enabled").uncheck()
    item.locator('[data-test-id="save-repository"]').click()
    expect(page.locator('[data-test-id="success-message"]')).to_contain_text("saved")
    assert rules() == [("release/*", StoppingPoint.SUGGESTION), ("*", None)]

    # Editing the list writes each line's rule, its stopping point included.
    branches.fill("main: merge\nrelease/*: suggestion\n*")
    item.locator('[data-test-id="save-repository"]').click()
    expect(page.locator('[data-test-id="success-message"]')).to_contain_text("saved")
    assert rules() == [
        ("main", StoppingPoint.MERGE),
        ("release/*", StoppingPoint.SUGGESTION),
        ("*", None),
    ]


def test_the_page_works_from_the_keyboard_on_a_phone(
    page: Any, server: Server, shots: Path
) -> None:
    from playwright.sync_api import expect

    add_project(server, "web", stopping_point_override=StoppingPoint.SUGGESTION)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(PAGE)
    page.focus('[data-test-id="expand-project-settings"]')
    page.keyboard.press("Enter")
    toggle = page.locator('[data-test-id="enable-project-override"]')
    expect(toggle).to_be_checked()  # the project overrides something
    page.focus('[data-test-id="project-stopping-point-inherit"]')
    page.keyboard.press("Enter")
    page.focus('[data-test-id="save-settings"]')
    page.keyboard.press("Enter")
    expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    page.screenshot(path=shots / "phone.png", full_page=True)
    project = server.service().get_project(ADMIN, "test-org", "web").project
    assert project.stopping_point_override is None
    # Every control has a name a screen reader reads.
    unnamed = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
            .filter((node) => node.type !== 'hidden' && !node.labels?.length
                && !node.getAttribute('aria-label') && !node.textContent.trim())
            .map((node) => node.outerHTML)"""
    )
    assert unnamed == []
