//! Writes that cannot be redirected or left half-done: the one way `cdt` writes a
//! file or a folder (snapshots, demo bundles and archives, the embedded store, case
//! lists).
//!
//! Each write goes to a temporary name beside the target, created exclusively
//! (`O_CREAT | O_EXCL`: a planted file or symbolic link there is never followed or
//! reused) with a random name and owner-only permissions, is synced to disk, then
//! renamed over the target, and the parent folder is synced. A folder is written the
//! same way as a whole: readers see the old folder or the new one, never a mix; an
//! interrupted write leaves the target as it was.
//!
//! Errors are plain [`std::io::Error`]s; each caller names the path in its own error
//! type.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name; [`AtomicFile::commit`] puts it in
/// place, dropping it without committing removes it.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing `path` (its folder must exist): a new, owner-only temporary file
    /// beside it.
    pub fn create(path: &Path) -> io::Result<Self> {
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", file_name(path)?))
            .suffix(".tmp")
            .tempfile_in(parent(path))?;
        Ok(Self {
            tmp,
            path: path.to_owned(),
        })
    }

    /// The temporary file, to write to.
    pub fn file(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// The temporary file's path (for a writer that must open the file itself, such
    /// as SQLite: the file exists, is empty and is ours).
    #[must_use]
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Syncs the file and renames it over the target.
    pub fn commit(self) -> io::Result<()> {
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        sync_dir(parent(&self.path));
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically (see the module documentation).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.file().write_all(bytes)?;
    f.commit()
}

/// A folder being written under a temporary name; [`AtomicDir::commit`] puts it in
/// place as a whole, dropping it without committing removes it.
#[derive(Debug)]
pub struct AtomicDir {
    tmp: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl AtomicDir {
    /// Starts writing the folder `path`: a new, owner-only temporary folder beside it
    /// (the parent is created if needed).
    ///
    /// An existing `path` is replaced at commit only if it is a real folder (not a
    /// symbolic link) whose every entry is a regular file for which `replaceable`
    /// answers true (an earlier write of the same kind); otherwise this fails with
    /// [`io::ErrorKind::AlreadyExists`] naming the entry, and nothing is written.
    pub fn create(path: &Path, replaceable: impl Fn(&str) -> bool) -> io::Result<Self> {
        check_replaceable(path, &replaceable)?;
        let parent = parent(path);
        fs::create_dir_all(parent)?;
        let prefix = format!(".{}.", file_name(path)?);
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let tmp = builder.tempdir_in(parent)?;
        Ok(Self {
            tmp: Some(tmp),
            path: path.to_owned(),
        })
    }

    /// Creates the file `name` in the folder being written (exclusively, owner-only).
    pub fn create_file(&self, name: &str) -> io::Result<File> {
        if name.contains(['/', '\\']) || name == ".." || name == "." || name.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{name}` is not a plain file name"),
            ));
        }
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        opts.open(self.temp_path().join(name))
    }

    /// The temporary folder's path.
    #[must_use]
    pub fn temp_path(&self) -> &Path {
        self.tmp.as_ref().map_or(Path::new(""), tempfile::TempDir::path)
    }

    /// Syncs every file written, then renames the folder over the target (an earlier
    /// folder there is moved aside first and removed after).
    pub fn commit(mut self) -> io::Result<()> {
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        for entry in fs::read_dir(tmp.path())? {
            File::open(entry?.path())?.sync_all()?;
        }
        sync_dir(tmp.path());
        let tmp = tmp.keep();
        let result = replace_dir(&tmp, &self.path);
        if result.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        sync_dir(parent(&self.path));
        result
    }
}

/// Fails unless `dir` is absent or a real folder holding only regular files that
/// `replaceable` accepts.
fn check_replaceable(dir: &Path, replaceable: &dyn Fn(&str) -> bool) -> io::Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let refuse = |what: String| {
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("exists and is not replaced: {what}"),
        ))
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link".into());
    }
    if !meta.is_dir() {
        return refuse("it is not a folder".into());
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_file() || !replaceable(&name) {
            return refuse(format!("it holds `{}`", cdt_core::text::one_line(&name)));
        }
    }
    Ok(())
}

/// Moves the finished folder `tmp` to `dir`, replacing an earlier folder there.
fn replace_dir(tmp: &Path, dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(tmp, dir);
    }
    // The earlier folder goes to a fresh, unpredictable name beside it first.
    let aside = tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name(dir)?))
        .suffix(".old")
        .tempdir_in(parent(dir))?
        .keep();
    fs::remove_dir(&aside)?;
    fs::rename(dir, &aside)?;
    if let Err(e) = fs::rename(tmp, dir) {
        let _ = fs::rename(&aside, dir);
        return Err(e);
    }
    fs::remove_dir_all(&aside)
}

fn file_name(path: &Path) -> io::Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes a rename durable (best effort: not every platform can sync a folder).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_file_is_written_owner_only_and_a_planted_link_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let target = dir.path().join("cases.json");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        write_file(&target, b"new").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert!(!fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
        #[cfg(unix)]
        assert_eq!(mode(&target), 0o600);
        // Nothing is left beside it.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn an_uncommitted_file_leaves_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.zip");
        fs::write(&target, "old").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.file().write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_is_replaced_as_a_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("snap");
        let csv = |n: &str| Path::new(n).extension().is_some_and(|e| e == "csv");
        for content in ["one", "two"] {
            let w = AtomicDir::create(&target, csv).unwrap();
            w.create_file("a.csv").unwrap().write_all(content.as_bytes()).unwrap();
            w.commit().unwrap();
            assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), content);
        }
        #[cfg(unix)]
        {
            assert_eq!(mode(&target), 0o700);
            assert_eq!(mode(&target.join("a.csv")), 0o600);
        }
        // Dropped before commit: the earlier folder is intact, nothing left beside it.
        {
            let w = AtomicDir::create(&target, csv).unwrap();
            w.create_file("a.csv").unwrap().write_all(b"half").unwrap();
        }
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "two");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
        // A folder holding something else is not replaced.
        fs::write(target.join("notes.txt"), "mine").unwrap();
        let e = AtomicDir::create(&target, csv).unwrap_err();
        assert!(e.to_string().contains("notes.txt"), "{e}");
        assert!(AtomicDir::create(&target, csv).is_err());
        assert!(target.join("notes.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_that_is_a_link_is_refused_and_its_target_untouched() {
        let root = tempfile::tempdir().unwrap();
        let victim = root.path().join("victim");
        fs::create_dir(&victim).unwrap();
        fs::write(victim.join("a.csv"), "keep").unwrap();
        let target = root.path().join("snap");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        let e = AtomicDir::create(&target, |_| true).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read_to_string(victim.join("a.csv")).unwrap(), "keep");
    }

    #[test]
    fn file_names_in_a_folder_cannot_leave_it() {
        let root = tempfile::tempdir().unwrap();
        let w = AtomicDir::create(&root.path().join("d"), |_| true).unwrap();
        for bad in ["../x", "a/b", "..", ""] {
            assert_eq!(
                w.create_file(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }
}
