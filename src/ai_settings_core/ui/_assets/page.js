// The settings page's script: plain JavaScript, no framework, nothing fetched from elsewhere.
// The server renders the page; this script edits it and saves through the JSON API
// (docs/http.md). Every write sends the version it was read at (If-Match), so a change made
// elsewhere meanwhile is a 412: the page says to reload and keeps what the user entered.
"use strict";

(function () {
  const root = document.getElementById("ai-settings");
  if (!root) return;
  const config = JSON.parse(root.dataset.config);
  const form = document.getElementById("settings-form");
  const success = root.querySelector('[data-test-id="success-message"]');
  const failure = root.querySelector('[data-test-id="error-message"]');
  const SETTINGS = [
    ["scan_enabled", "Issue Scanning", "scan-enabled"],
    ["fix_enabled", "Automatic Fixes", "fix-enabled"],
    ["stopping_point", "Stopping Point", "stopping-point"],
  ];
  const POINTS = [["suggestion", "Suggestion"], ["pull_request", "Pull Request"], ["merge", "Merge"]];
  const PROVIDERS = [["github", "GitHub"], ["gitlab", "GitLab"], ["bitbucket", "Bitbucket"]];
  const projects = new Map(); // project id -> {view, etag, draft, editor}
  let organization = readOrganization(); // the organization as last saved
  let orgVersion = config.version;

  // --- The JSON API ------------------------------------------------------------------------

  function enc(text) {
    return encodeURIComponent(text);
  }

  function projectPath(id) {
    return `${config.api}/projects/${enc(config.organization)}/${enc(id)}/ai-settings/`;
  }

  async function call(method, path, body, etag) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (etag) headers["If-Match"] = etag;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (error) {
      return { status: 0, body: { detail: "The server cannot be reached." } };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    return { status: response.status, body: data, etag: response.headers.get("ETag") };
  }

  // --- Messages and field errors -------------------------------------------------------------

  function say(text) {
    failure.hidden = true;
    success.textContent = text;
    success.hidden = false;
    success.focus();
  }

  function complain(text, reload) {
    success.hidden = true;
    failure.textContent = text;
    if (reload) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Reload the page";
      button.dataset.testId = "reload-page";
      button.addEventListener("click", () => window.location.reload());
      failure.append(" ", button);
    }
    failure.hidden = false;
    failure.focus();
  }

  function clearErrors(scope) {
    scope.querySelectorAll(".field-error").forEach((node) => {
      node.hidden = true;
      node.textContent = "";
    });
    scope.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  }

  // A DRF-shaped body as {"path.to.field": [messages]}.
  function flatten(body, prefix, out) {
    if (typeof body === "string") {
      (out[prefix] = out[prefix] || []).push(body);
    } else if (Array.isArray(body)) {
      body.forEach((item, index) =>
        typeof item === "string" ? flatten(item, prefix, out) : flatten(item, join(prefix, index), out)
      );
    } else if (body && typeof body === "object") {
      Object.keys(body).forEach((key) => flatten(body[key], join(prefix, key), out));
    }
    return out;
  }

  function join(prefix, key) {
    return prefix === "" ? String(key) : `${prefix}.${key}`;
  }

  // Show each message at its field in scope (the longest path that has a place), the rest
  // in the page's error message. Returns whether anything was shown at a field.
  function showErrors(scope, body, strip) {
    clearErrors(scope);
    const messages = flatten(body || {}, "", {});
    const unplaced = [];
    let first = null;
    Object.keys(messages).forEach((path) => {
      let key = strip && path.startsWith(strip) ? path.slice(strip.length) : path;
      let place = null;
      while (key && !place) {
        place = scope.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
        if (!place) key = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "";
      }
      const text = messages[path].join(" ");
      if (!place) {
        unplaced.push(text);
        return;
      }
      place.textContent = place.textContent ? `${place.textContent} ${text}` : text;
      place.hidden = false;
      const control = place.closest(".field")?.querySelector("input, select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        first = first || control;
      }
    });
    if (unplaced.length) complain(unplaced.join(" "));
    else if (first) complain("Some values are not valid: see the messages next to them.");
    if (first) first.focus();
  }

  // Whether an answer is a success; otherwise says why, at the fields of scope.
  function ok(result, scope, strip) {
    if (result.status >= 200 && result.status < 300) return true;
    if (result.status === 412 || result.status === 409) {
      complain(
        "Someone else changed these settings since this page was loaded. Reload the page to " +
          "see their changes, then make yours again: what you entered is kept until you reload.",
        true
      );
    } else if (result.status === 400) {
      showErrors(scope, result.body, strip);
    } else {
      const detail = result.body && result.body.detail ? result.body.detail : `HTTP ${result.status}`;
      complain(`Not saved: ${detail}`);
    }
    return false;
  }

  // --- The organization ---------------------------------------------------------------------

  function orgControl(name) {
    return form.querySelector(`#org-${name}`);
  }

  function readOrganization() {
    const locked = Array.from(form.querySelectorAll('input[name="locked"]:checked')).map((n) => n.value);
    return {
      scan_enabled: orgControl("scan_enabled").checked,
      fix_enabled: orgControl("fix_enabled").checked,
      stopping_point: orgControl("stopping_point").value,
      locked: locked.sort(),
      max_stopping_point: orgControl("max_stopping_point").value || null,
    };
  }

  function organizationPatch() {
    const now = readOrganization();
    const patch = {};
    Object.keys(now).forEach((key) => {
      if (JSON.stringify(now[key]) !== JSON.stringify(organization[key])) patch[key] = now[key];
    });
    return patch;
  }

  function savedOrganization(body) {
    organization = {
      scan_enabled: body.scan_enabled,
      fix_enabled: body.fix_enabled,
      stopping_point: body.stopping_point,
      locked: (body.locked || []).slice().sort(),
      max_stopping_point: body.max_stopping_point || null,
    };
    config.locked = organization.locked;
    const warnings = document.getElementById("organization-warnings");
    warnings.replaceChildren(...(body.warnings || []).map((item) => element("li", {}, item.message || String(item))));
  }

  // --- Projects -----------------------------------------------------------------------------

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([key, value]) => {
      if (value === false || value === null || value === undefined) return;
      if (key === "dataset") Object.assign(node.dataset, value);
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    children.forEach((child) => child !== null && child !== undefined && node.append(child));
    return node;
  }

  function sourceOf(source) {
    // As source_of() in _render.py: where a value comes from, in the page's words.
    if (!source) return "inherited";
    if (source.reason === "LOCKED") return "locked";
    if (source.reason === "CAPPED") return "capped";
    if (source.reason === "OVERRIDDEN" && (source.level === "project" || source.level === "repository")) {
      return "overridden";
    }
    return "inherited";
  }

  function badge(source) {
    return element("span", { class: `source source-${source}` }, source);
  }

  function emptyView(id) {
    return {
      project_id: id,
      scan_enabled_override: null,
      fix_enabled_override: null,
      stopping_point_override: null,
      repositories: [],
      sources: {},
      warnings: [],
    };
  }

  async function load(id) {
    const result = await call("GET", projectPath(id));
    if (result.status === 404) return { view: emptyView(id), etag: null };
    if (!ok(result, document.getElementById(`editor-${id}`))) return null;
    return { view: result.body, etag: result.etag };
  }

  function stored(state) {
    const values = {};
    SETTINGS.forEach(([name]) => (values[name] = state.view[`${name}_override`]));
    return values;
  }

  function projectPatch(state) {
    const before = stored(state);
    const patch = {};
    SETTINGS.forEach(([name]) => {
      if (state.draft[name] !== before[name]) patch[`${name}_override`] = state.draft[name];
    });
    return patch;
  }

  function settingField(state, name, label, hook) {
    const id = state.view.project_id;
    const locked = config.locked.includes(name);
    const draft = state.draft[name];
    const shown = draft === null ? organization[name] : draft;
    const dirty = draft !== stored(state)[name];
    const source = locked ? "locked" : dirty ? (draft === null ? "inherited" : "overridden") : sourceOf(state.view.sources[name]);
    const controlId = `project-${id}-${name}`;
    let control;
    if (name === "stopping_point") {
      control = element(
        "select",
        { id: controlId, dataset: { testId: `project-${hook}-select` }, disabled: locked },
        ...POINTS.map(([value, text]) => element("option", { value, selected: value === shown }, text))
      );
      control.value = shown;
      control.addEventListener("change", () => edit(state, name, control.value));
    } else {
      control = element("input", {
        type: "checkbox",
        role: "switch",
        id: controlId,
        checked: Boolean(shown),
        disabled: locked,
        dataset: { testId: `project-${hook}-toggle` },
      });
      control.addEventListener("change", () => edit(state, name, control.checked));
    }
    const inherit = element(
      "button",
      { type: "button", class: "link", hidden: draft === null || locked, dataset: { testId: `project-${hook}-inherit` } },
      "Inherit",
      element("span", { class: "visually-hidden" }, ` ${label} from the organization`)
    );
    inherit.addEventListener("click", () => edit(state, name, null));
    const labelled =
      name === "stopping_point"
        ? [element("label", { for: controlId }, label), control]
        : [element("label", { class: "switch" }, control, element("span", {}, label))];
    return element(
      "div",
      { class: "field", dataset: { field: `${name}_override` } },
      ...labelled,
      " ",
      badge(source),
      " ",
      inherit,
      locked ? element("p", { class: "help" }, "Locked by the organization: every project uses its value.") : null,
      element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: `${name}_override` } })
    );
  }

  function edit(state, name, value) {
    state.draft[name] = value;
    render(state);
    const focus = state.editor.querySelector(`#project-${CSS.escape(state.view.project_id)}-${name}`);
    if (focus && value !== null) focus.focus();
  }

  function render(state) {
    const id = state.view.project_id;
    const overriding = state.overriding;
    const toggle = element("input", {
      type: "checkbox",
      role: "switch",
      id: `override-${id}`,
      checked: overriding,
      dataset: { testId: "enable-project-override" },
    });
    toggle.addEventListener("change", () => {
      state.overriding = toggle.checked;
      if (!toggle.checked) SETTINGS.forEach(([name]) => (state.draft[name] = null));
      render(state);
      state.editor.querySelector(`#override-${CSS.escape(id)}`).focus();
    });
    const fields = element(
      "fieldset",
      { class: "overrides", disabled: !overriding },
      element("legend", {}, `Settings of ${id}`),
      ...SETTINGS.map(([name, label, hook]) => settingField(state, name, label, hook))
    );
    const reset = element("button", { type: "button", dataset: { testId: "reset-project" } }, "Reset to defaults");
    reset.addEventListener("click", () => resetProject(state));
    const warnings = (state.view.warnings || []).map((item) => element("li", {}, item.message || String(item)));
    state.editor.replaceChildren(
      element(
        "div",
        { class: "field" },
        element("label", { class: "switch" }, toggle, element("span", {}, "Override organization defaults")),
        element("p", { class: "help" }, "Off: the project follows every organization default.")
      ),
      fields,
      element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "non_field_errors" } }),
      element(
        "div",
        { class: "actions" },
        reset,
        element("span", { class: "help" }, " Clears every override of this project now.")
      ),
      warnings.length ? element("ul", { class: "warnings" }, ...warnings) : "",
      repositories(state)
    );
  }

  // --- Repositories -------------------------------------------------------------------------

  function repositoryPath(state, name) {
    return `${projectPath(state.view.project_id)}repositories/${enc(name)}/`;
  }

  // One branch rule per line: "PATTERN", or "PATTERN: STOPPING_POINT" for a branch with its
  // own stopping point (a pattern never holds ":", as on the command line).
  function patterns(text) {
    return text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "")
      .map((line) => {
        const colon = line.lastIndexOf(":");
        if (colon < 0) return line;
        const pattern = line.slice(0, colon).trim();
        const point = line.slice(colon + 1).trim();
        return point === "" ? pattern : { pattern, stopping_point_override: point };
      });
  }

  function ruleText(item) {
    if (typeof item === "string") return item;
    const point = item.stopping_point_override;
    return point ? `${item.pattern}: ${point}` : item.pattern;
  }

  function providerOf(name) {
    const key = name.split(":")[0];
    const found = PROVIDERS.find(([value]) => value === key);
    return found ? found[1] : key;
  }

  function repositoryItem(state, repository) {
    const name = repository.repository;
    const slug = name.replace(/[^A-Za-z0-9_-]/g, "-");
    const key = `repo-${state.view.project_id}-${slug}`;
    const ai = element("input", {
      type: "checkbox",
      role: "switch",
      id: `${key}-ai`,
      checked: repository.ai_enabled,
      dataset: { testId: "repository-ai-toggle" },
    });
    // A rule shows as its pattern, and ": STOPPING_POINT" when it has its own; the list is
    // sent back only when the user edits it, every rule with its stopping point.
    const shown = (repository.branch_patterns || []).map(ruleText);
    const branches = element(
      "textarea",
      { id: `${key}-branches`, rows: 2, spellcheck: "false", dataset: { testId: "repository-branches" } },
      shown.join("\n")
    );
    const save = element("button", { type: "button", dataset: { testId: "save-repository" } }, "Save repository");
    const remove = element(
      "button",
      { type: "button", dataset: { testId: "remove-repository" } },
      "Remove",
      element("span", { class: "visually-hidden" }, ` ${name}`)
    );
    const item = element(
      "li",
      { class: "repository", dataset: { repository: name } },
      element("h5", {}, name.slice(name.indexOf(":") + 1), " ", element("span", { class: "provider" }, providerOf(name))),
      element(
        "div",
        { class: "field" },
        element("label", { class: "switch" }, ai, element("span", {}, "AI enabled")),
        element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "ai_enabled" } })
      ),
      element(
        "div",
        { class: "field" },
        element("label", { for: `${key}-branches` }, "Branch patterns"),
        branches,
        element(
          "p",
          { class: "help" },
          "One per line; * matches within a path segment. Add \": suggestion\", \": pull_request\" or \": merge\" to give those branches their own stopping point."
        ),
        element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "branch_patterns" } })
      ),
      element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "non_field_errors" } }),
      element("div", { class: "actions" }, save, remove)
    );
    save.addEventListener("click", async () => {
      const body = { ai_enabled: ai.checked };
      const edited = patterns(branches.value);
      if (JSON.stringify(edited) !== JSON.stringify(patterns(shown.join("\n")))) {
        body.branch_patterns = edited;
      }
      const result = await call("PATCH", repositoryPath(state, name), body, state.etag);
      if (!ok(result, item)) return;
      accept(state, result);
      say(`Repository ${name} saved.`);
    });
    remove.addEventListener("click", async () => {
      const result = await call("DELETE", repositoryPath(state, name), undefined, state.etag);
      if (!ok(result, item)) return;
      accept(state, result);
      say(`Repository ${name} removed from ${state.view.project_id}.`);
    });
    return item;
  }

  function repositories(state) {
    const id = state.view.project_id;
    const key = `new-repo-${id}`;
    const provider = element(
      "select",
      { id: `${key}-provider`, dataset: { testId: "new-repository-provider" } },
      ...PROVIDERS.map(([value, text]) => element("option", { value }, text))
    );
    const name = element("input", {
      id: `${key}-name`,
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "owner/name",
      dataset: { testId: "new-repository-name" },
    });
    const branches = element("textarea", { id: `${key}-branches`, rows: 2, spellcheck: "false", dataset: { testId: "new-repository-branches" } });
    const ai = element("input", { type: "checkbox", role: "switch", id: `${key}-ai`, checked: true, dataset: { testId: "new-repository-ai" } });
    const add = element("button", { type: "button", dataset: { testId: "add-repository" } }, "Add repository");
    const box = element(
      "div",
      { class: "add-repository" },
      element("h5", {}, "Add a repository"),
      element("div", { class: "field" }, element("label", { for: provider.id }, "Provider"), provider),
      element(
        "div",
        { class: "field" },
        element("label", { for: name.id }, "Repository"),
        name,
        element("p", { class: "help" }, "owner/name, or group/sub/name on GitLab."),
        element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "repository" } })
      ),
      element(
        "div",
        { class: "field" },
        element("label", { for: branches.id }, "Branch patterns"),
        branches,
        element("p", { class: "help" }, "One per line, such as main or release/*."),
        element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "branch_patterns" } })
      ),
      element(
        "div",
        { class: "field" },
        element("label", { class: "switch" }, ai, element("span", {}, "AI enabled")),
        element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "ai_enabled" } })
      ),
      element("p", { class: "field-error", role: "alert", hidden: true, dataset: { errorFor: "non_field_errors" } }),
      add
    );
    add.addEventListener("click", async () => {
      const body = {
        repository: `${provider.value}:${name.value.trim()}`,
        ai_enabled: ai.checked,
        branch_patterns: patterns(branches.value),
      };
      const result = await call("POST", `${projectPath(id)}repositories/`, body, state.etag);
      if (!ok(result, box)) return;
      accept(state, result);
      say(`Repository ${body.repository} added to ${id}.`);
    });
    const list = (state.view.repositories || []).map((repository) => repositoryItem(state, repository));
    return element(
      "section",
      { class: "repositories", "aria-label": `Repositories of ${id}` },
      element("h4", {}, "Repositories"),
      list.length ? element("ul", { class: "repository-list" }, ...list) : element("p", { class: "hint" }, "No repository yet."),
      box
    );
  }

  // A project's new state from the API: keep the unsaved overrides, show the rest as saved.
  function accept(state, result) {
    const pending = projectPatch(state);
    state.view = result.body;
    state.etag = result.etag;
    SETTINGS.forEach(([name]) => {
      const key = `${name}_override`;
      state.draft[name] = key in pending ? pending[key] : state.view[key];
    });
    render(state);
    refreshSummaries();
  }

  async function resetProject(state) {
    const id = state.view.project_id;
    const result = await call("POST", `${projectPath(id)}reset/`, undefined, state.etag);
    if (!ok(result, state.editor)) return;
    state.view = result.body;
    state.etag = result.etag;
    SETTINGS.forEach(([name]) => (state.draft[name] = null));
    state.overriding = false;
    render(state);
    await refreshSummaries();
    say(`${id} now follows the organization defaults.`);
  }

  async function expand(button) {
    const item = button.closest(".project");
    const id = item.dataset.project;
    const editor = item.querySelector(".project-editor");
    const open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      button.setAttribute("aria-expanded", "false");
      editor.hidden = true;
      return;
    }
    if (!projects.has(id)) {
      const loaded = await load(id);
      if (!loaded) return;
      const state = { view: loaded.view, etag: loaded.etag, draft: {}, editor, overriding: false };
      SETTINGS.forEach(([name]) => (state.draft[name] = loaded.view[`${name}_override`]));
      state.overriding = SETTINGS.some(([name]) => state.draft[name] !== null);
      projects.set(id, state);
      render(state);
    }
    button.setAttribute("aria-expanded", "true");
    editor.hidden = false;
  }

  // The server's rendering of the projects' summaries, fetched again after a save.
  async function refreshSummaries() {
    let text;
    try {
      const response = await fetch(config.page, { credentials: "same-origin" });
      if (!response.ok) return;
      text = await response.text();
    } catch (error) {
      return;
    }
    const fresh = new DOMParser().parseFromString(text, "text/html");
    const list = document.getElementById("project-list");
    fresh.querySelectorAll("#project-list > .project").forEach((item) => {
      const id = item.dataset.project;
      const current = list.querySelector(`.project[data-project="${CSS.escape(id)}"]`);
      const summary = item.querySelector(".project-summary");
      if (!current) {
        list.append(document.importNode(item, true));
        return;
      }
      const old = current.querySelector(".project-summary");
      const selected = old.querySelector(".select-project")?.checked;
      const expanded = old.querySelector(".expand")?.getAttribute("aria-expanded");
      const copy = document.importNode(summary, true);
      copy.querySelector(".select-project").checked = Boolean(selected);
      copy.querySelector(".expand").setAttribute("aria-expanded", expanded || "false");
      old.replaceWith(copy);
    });
    updateCount();
  }

  function addProject() {
    const input = document.getElementById("new-project");
    const scope = input.closest(".field");
    clearErrors(scope);
    const id = input.value.trim();
    const place = scope.querySelector(".field-error");
    const problem = !id
      ? "Enter the project's id."
      : projects.has(id) || document.querySelector(`.project[data-project="${CSS.escape(id)}"]`)
        ? "That project is already listed."
        : null;
    if (problem) {
      place.textContent = problem;
      place.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    const editor = element("div", { class: "project-editor", id: `editor-${id}`, hidden: true });
    const button = element(
      "button",
      { type: "button", class: "expand", "aria-expanded": "false", "aria-controls": editor.id, dataset: { testId: "expand-project-settings" } },
      "Edit settings",
      element("span", { class: "visually-hidden" }, ` of ${id}`)
    );
    const item = element(
      "li",
      { class: "project", dataset: { project: id } },
      element(
        "div",
        { class: "project-summary" },
        element("h3", { class: "project-name" }, id, " ", element("span", { class: "badge" }, "New: saved with the page")),
        button
      ),
      editor
    );
    document.getElementById("project-list").append(item);
    input.value = "";
    expand(button).then(() => button.focus());
  }

  // --- Saving the page ----------------------------------------------------------------------

  async function save(event) {
    event.preventDefault();
    clearErrors(root);
    failure.hidden = true;
    success.hidden = true;
    const saved = [];
    const patch = organizationPatch();
    if (Object.keys(patch).length) {
      const result = await call(
        "PUT",
        `${config.api}/organizations/${enc(config.organization)}/ai-settings/`,
        patch,
        `"${orgVersion}"`
      );
      if (!ok(result, document.getElementById("organization"))) return;
      orgVersion = result.body.version;
      savedOrganization(result.body);
      saved.push("the organization defaults");
    }
    for (const [id, state] of projects) {
      const changes = projectPatch(state);
      if (!Object.keys(changes).length) continue;
      const result = await call("PUT", projectPath(id), changes, state.etag);
      if (!ok(result, state.editor)) {
        if (saved.length) failure.prepend(`Saved ${saved.join(", ")}; `);
        return;
      }
      state.view = result.body;
      state.etag = result.etag;
      saved.push(id);
    }
    projects.forEach((state) => render(state));
    await refreshSummaries();
    say(saved.length ? `Saved ${saved.join(", ")}.` : "Nothing to save: no value was changed.");
  }

  // --- Bulk changes -------------------------------------------------------------------------

  const bulk = document.getElementById("bulk");
  const apply = document.getElementById("bulk-apply");
  const impact = document.getElementById("bulk-impact");

  function bulkPath() {
    return `${config.api}/organizations/${enc(config.organization)}/ai-projects/bulk/`;
  }

  function selected() {
    return Array.from(root.querySelectorAll(".select-project:checked")).map((box) => box.value);
  }

  function updateCount() {
    document.getElementById("bulk-count").textContent = String(selected().length);
  }

  function bulkBody() {
    const body = { projects: selected() };
    if (document.getElementById("bulk-reset").checked) {
      body.reset = true;
      return body;
    }
    body.changes = {};
    bulk.querySelectorAll("select").forEach((select) => {
      const value = select.value;
      if (value === "keep") return;
      body.changes[select.name] = value === "inherit" ? null : value === "true" ? true : value === "false" ? false : value;
    });
    return body;
  }

  function staleBulk() {
    apply.disabled = true;
    impact.hidden = true;
    updateCount();
  }

  function describe(change) {
    const label = (SETTINGS.find(([name]) => name === change.field) || [change.field, change.field])[1];
    const text = (value) =>
      typeof value === "boolean" ? (value ? "On" : "Off") : (POINTS.find(([key]) => key === value) || [value, String(value)])[1];
    return `${label}: ${text(change.before)} → ${text(change.after)}`;
  }

  async function previewBulk() {
    clearErrors(bulk);
    failure.hidden = true;
    const body = bulkBody();
    if (!body.projects.length || (!body.reset && !Object.keys(body.changes).length)) {
      showErrors(bulk, { non_field_errors: [body.projects.length ? "Choose a change, or reset." : "Select at least one project."] });
      return;
    }
    const result = await call("POST", `${bulkPath()}preview/`, body);
    if (!ok(result, bulk)) return;
    const changed = result.body.projects;
    const items = changed.map((project) =>
      element("li", {}, element("strong", {}, project.project_id), ": ", project.changes.map(describe).join("; "))
    );
    impact.replaceChildren(
      element("h3", {}, "Impact preview"),
      element(
        "p",
        {},
        `${changed.length} of ${result.body.projects_considered} selected projects change their effective values.`
      ),
      items.length ? element("ul", {}, ...items) : ""
    );
    impact.hidden = false;
    apply.disabled = false;
    apply.focus();
  }

  async function applyBulk() {
    const body = bulkBody();
    const result = await call("POST", bulkPath(), body);
    if (!ok(result, bulk)) return;
    apply.disabled = true;
    for (const id of body.projects) {
      const state = projects.get(id);
      if (!state) continue;
      const loaded = await load(id);
      if (loaded) accept(state, { body: loaded.view, etag: loaded.etag });
    }
    await refreshSummaries();
    const changed = result.body.changed || [];
    say(`Applied to ${body.projects.length} projects; ${changed.length} changed${changed.length ? `: ${changed.join(", ")}` : ""}.`);
  }

  // --- Wiring -------------------------------------------------------------------------------

  form.addEventListener("submit", save);
  root.addEventListener("click", (event) => {
    const button = event.target.closest(".expand");
    if (button) expand(button);
  });
  root.addEventListener("change", (event) => {
    if (event.target.classList.contains("select-project")) staleBulk();
  });
  bulk.addEventListener("change", staleBulk);
  document.getElementById("bulk-preview").addEventListener("click", previewBulk);
  apply.addEventListener("click", applyBulk);
  document.getElementById("add-project").addEventListener("click", addProject);
  document.getElementById("new-project").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addProject();
    }
  });
  document.getElementById("discard").addEventListener("click", () => window.location.reload());
  root.dataset.ready = "true";
})();
