//! The built-in tools are registered under stable ids.

use cdt_core::Registry;

#[test]
fn registry_pins_builtin_tool_ids() {
    cdt_tools::link();
    let registry = Registry::builtin().expect("tool ids are unique");
    assert_eq!(
        registry.ids(),
        [
            "campus-transfer",
            "missing-data",
            "parent-conflicts",
            "student-mismatch"
        ]
    );
    for tool in registry.tools() {
        let spec = tool.spec();
        assert!(!spec.title.is_empty() && !spec.description.is_empty(), "{}", spec.id);
        assert!(!spec.inputs.is_empty(), "{}", spec.id);
    }
}
