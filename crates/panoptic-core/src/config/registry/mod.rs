//! The action registry: every action type described once — its name, keys with their kinds,
//! who runs it, which timeout applies, a smallest valid example and how it decodes. The
//! decoder, the known-key hints, did-you-mean, `panoptic schema` and the dispatch all derive
//! from these entries; adding an action is one entry here plus its runner.

mod ai;
mod assertions;
mod cloud;
mod evidence;
mod interaction;
mod navigation;
mod network;

use super::read::{Field, Kind, check_file_name};
use super::step::{ActionSpec, Args, Need};

/// Every group of entries, in the order the docs list them.
static GROUPS: &[&[ActionSpec]] = &[
    navigation::SPECS,
    interaction::SPECS,
    assertions::SPECS,
    evidence::SPECS,
    network::SPECS,
    ai::SPECS,
    cloud::SPECS,
];

/// Every action type this build runs.
pub fn actions() -> impl Iterator<Item = &'static ActionSpec> {
    GROUPS.iter().flat_map(|g| g.iter())
}

/// The entry of the step that opens an app's url before its actions.
pub fn opening_navigation() -> &'static ActionSpec {
    navigation::navigate()
}

/// The entry of the steps a `mocks:` list holds (written there without `type`).
pub fn mock_step() -> &'static ActionSpec {
    network::mock()
}

/// The entry of a `type` name.
pub fn spec(name: &str) -> Option<&'static ActionSpec> {
    actions().find(|s| s.name == name)
}

/// Every type name this build runs, for hints.
pub fn action_types() -> Vec<&'static str> {
    actions().map(|s| s.name).collect()
}

/// The Go tool's enterprise actions, replaced by the server's API keys, roles and audit log.
pub const ENTERPRISE_TYPES: &[&str] = &[
    "user_create",
    "user_delete",
    "user_update",
    "team_create",
    "team_delete",
    "team_update",
    "role_assign",
    "permission_grant",
    "audit_log",
    "compliance_report",
];

/// Keys every step may carry.
pub const COMMON: &[Field] = &[
    Field::new("name", Kind::Text, "Step name (defaults to the type and its target)"),
    Field::new("type", Kind::Text, "What the step does"),
    Field::new(
        "timeout",
        Kind::Duration,
        "Overrides the action/navigation/expect timeout of this step",
    ),
    Field::new(
        "optional",
        Kind::Bool,
        "A failure of this step is recorded but does not fail the test",
    ),
    Field::new("screenshot", Kind::Bool, "Take a screenshot after the step"),
    Field::new(
        "retries",
        Kind::Int { min: 0, max: 10 },
        "Extra tries of this step before it fails",
    ),
    Field::new("description", Kind::Text, "Free text, kept from the Go tool"),
];

pub(super) const SELECTOR: Field = Field::new("selector", Kind::Locator, "Locator of the element");
pub(super) const TARGET: Field = Field::new("target", Kind::Locator, "Alias of `selector` (the Go tool's name)");
pub(super) const NEEDS_SELECTOR: &[Need] = &[Need::One(&["selector", "target"])];
/// The keys of an action that only needs a target element.
pub(super) const ON_ELEMENT: &[Field] = &[SELECTOR, TARGET];
pub(super) const OPTIONAL_SELECTOR: Need = Need::AtMostOne(&["selector", "target"]);

/// A step's picture file name (the first of `keys` present): relative to
/// `<output>/screenshots/`, checked; a bad one is reported at its position.
pub(super) fn screenshot_file(a: &mut Args<'_, '_, '_>, keys: &[&str]) -> Option<String> {
    let node = keys.iter().find_map(|k| a.node(k))?;
    let f = super::read::string(a.cx, node, "filename")?;
    if let Err(e) = check_file_name(&f) {
        a.error_at(
            node.pos,
            format!("`filename`: {e}"),
            Some("screenshot file names are relative to <output>/screenshots/"),
        );
    }
    Some(f)
}
