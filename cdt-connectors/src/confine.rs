//! Paths named in settings files stay inside the settings folder, or inside a folder an
//! administrator allowed (`data_roots` in `_environments.json`).
//!
//! A customer file is edited by more people than the machine's administrator, and the
//! service runs it with the service's rights: a path in it must not reach `/etc`, a
//! home folder or another customer's data, whether by an absolute path, by `..` or by
//! a symbolic link on the way. The check is made on the real path (links resolved),
//! and that real path is what is opened.

use std::path::{Component, Path, PathBuf};

/// The real path of `path` (relative paths against `settings_dir`) if it lies inside
/// `settings_dir` or one of `roots` (relative roots against `settings_dir`); otherwise
/// a message for the caller's typed error. The path need not exist yet: its deepest
/// existing folder is resolved and the rest appended.
pub(crate) fn settings_path(settings_dir: &Path, roots: &[PathBuf], path: &Path) -> Result<PathBuf, String> {
    if path.as_os_str().is_empty() {
        return Err("must not be empty".into());
    }
    let real =
        real_path(&settings_dir.join(path)).map_err(|e| format!("`{}` cannot be resolved: {e}", path.display()))?;
    let allowed = std::iter::once(settings_dir.to_owned())
        .chain(roots.iter().map(|r| settings_dir.join(r)))
        .filter_map(|base| real_path(&base).ok());
    for base in allowed {
        if real.starts_with(&base) {
            return Ok(real);
        }
    }
    Err(format!(
        "`{}` is outside the settings folder (it resolves to {}); an administrator can allow a folder with \
         `data_roots` in `_environments.json`",
        path.display(),
        real.display()
    ))
}

/// `path` made absolute and lexically normal, then its deepest existing ancestor
/// resolved through links, with the rest of the path appended.
fn real_path(path: &Path) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path)?;
    let mut normal = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    let mut existing = normal.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(real) => {
                return Ok(rest.iter().rev().fold(real, |p, part| p.join(part)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                    return Err(e);
                };
                rest.push(name.to_owned());
                existing = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_the_settings_folder_are_resolved() {
        let root = tempfile::tempdir().unwrap();
        let settings = root.path().join("settings");
        std::fs::create_dir_all(settings.join("data")).unwrap();
        let real = settings.canonicalize().unwrap();
        assert_eq!(
            settings_path(&settings, &[], Path::new("data")).unwrap(),
            real.join("data")
        );
        // Not existing yet, and `..` that stays inside.
        assert_eq!(
            settings_path(&settings, &[], Path::new("data/../new/x.sqlite")).unwrap(),
            real.join("new/x.sqlite")
        );
    }

    #[test]
    fn absolute_paths_dotdot_and_links_out_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let settings = root.path().join("settings");
        std::fs::create_dir_all(&settings).unwrap();
        std::fs::create_dir_all(root.path().join("other")).unwrap();
        for bad in ["/etc/passwd", "../other", "./../../etc", ""] {
            assert!(settings_path(&settings, &[], Path::new(bad)).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("other"), settings.join("link")).unwrap();
            let e = settings_path(&settings, &[], Path::new("link/bundle")).unwrap_err();
            assert!(e.contains("outside the settings folder"), "{e}");
        }
    }

    #[test]
    fn a_data_root_allows_a_folder_outside() {
        let root = tempfile::tempdir().unwrap();
        let settings = root.path().join("settings");
        std::fs::create_dir_all(&settings).unwrap();
        std::fs::create_dir_all(root.path().join("drops/d1")).unwrap();
        let roots = [PathBuf::from("../drops")];
        let real = root.path().canonicalize().unwrap();
        assert_eq!(
            settings_path(&settings, &roots, Path::new("../drops/d1")).unwrap(),
            real.join("drops/d1")
        );
        let abs = root.path().join("drops/d1");
        assert!(settings_path(&settings, &roots, &abs).is_ok());
        // A sibling whose name merely starts like the root is not inside it.
        std::fs::create_dir_all(root.path().join("drops-evil")).unwrap();
        assert!(settings_path(&settings, &roots, Path::new("../drops-evil")).is_err());
    }
}
