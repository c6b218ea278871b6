//! Customer settings files: `<settings_dir>/<customer_id>.json`, read from disk and
//! parsed by [`Customer::from_file_text`].

use std::path::{Path, PathBuf};

use cdt_core::{Customer, Error, Result};

use crate::environments::{self, Environments};

/// Loads `<dir>/<customer_id>.json`, checking that the file declares that id.
pub fn load(dir: &Path, customer_id: &str) -> Result<Customer> {
    Customer::check_id(customer_id)?;
    let path = dir.join(format!("{customer_id}.json"));
    if !path.is_file() {
        return Err(Error::CustomerNotFound {
            id: customer_id.to_owned(),
            path,
        });
    }
    from_file(&path)?.check_declared_id(&path, customer_id)
}

/// Reads and validates one settings file.
pub fn from_file(path: &Path) -> Result<Customer> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Customer::from_file_text(path, &text)
}

/// The real path of `path`, named in `customer`'s settings at `field`: relative to the
/// settings folder, and confined to it or to the administrator's `data_roots`
/// (`_environments.json`), links resolved. Anything else is a settings error naming the
/// file and the field.
pub fn resolve_path(customer: &Customer, path: &Path, field: &str) -> Result<PathBuf> {
    let dir = &customer.settings_dir;
    let roots = if dir.join(environments::FILE_NAME).is_file() {
        Environments::load(dir)?.data_roots
    } else {
        Vec::new()
    };
    crate::confine::settings_path(dir, &roots, path).map_err(|message| Error::Config {
        path: dir.join(format!("{}.json", customer.customer_id)),
        field: Some(field.to_owned()),
        message: format!("field `{field}`: {message}"),
    })
}

/// Lists the customer ids of a settings folder, sorted. Files whose name starts with
/// `_` (such as `_environments.json`) are not customers.
pub fn list(dir: &Path) -> Result<Vec<String>> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(std::result::Result::ok)
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "json").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        // `_environments.json` and other `_`-files are settings, not customers.
        .filter(|id| !id.starts_with('_'))
        .collect();
    ids.sort();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{
        "customer_id": "demo-district",
        "customer_name": "Demo Unified",
        "active": true,
        "integration": {"type": "oneroster_csv", "location": {"kind": "path", "path": "bundle"}},
        "bookmarked_environment": "staging",
        "bookmarked_org_id": "bm-org-1",
        "platform": {"type": "embedded", "path": "platform.sqlite"}
    }"#;

    #[test]
    fn a_settings_folder_is_listed_and_loaded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("demo-district.json"), GOOD).unwrap();
        std::fs::write(
            dir.path().join("_environments.json"),
            r#"{"staging": {}, "production": {}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("renamed.json"), GOOD).unwrap();
        assert_eq!(list(dir.path()).unwrap(), ["demo-district", "renamed"]);
        let c = load(dir.path(), "demo-district").unwrap();
        assert_eq!(c.settings_dir, dir.path());
        assert_eq!(
            resolve_path(&c, Path::new("bundle"), "integration.location.path").unwrap(),
            dir.path().canonicalize().unwrap().join("bundle")
        );
        let e = resolve_path(&c, Path::new("/etc/passwd"), "platform.path").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("demo-district.json") && text.contains("field `platform.path`") && text.contains("outside"),
            "{text}"
        );
        let e = load(dir.path(), "renamed").unwrap_err();
        assert!(e.to_string().contains("named `renamed.json`"), "{e}");
        assert!(matches!(
            load(dir.path(), "nobody"),
            Err(Error::CustomerNotFound { .. })
        ));
        assert!(matches!(load(dir.path(), "../etc"), Err(Error::Input { .. })));
    }
}
