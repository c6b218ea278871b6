//! Opening files that come from outside (bundles, snapshot folders): never through a
//! symbolic link, only regular files, and only the file that was checked.
//!
//! A district's archive can carry a link (`unzip` restores them): a bundle's
//! `orgs.csv` pointing at a `.env` must not be read, let alone echoed in a report.

use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::{Error, Result};

/// What a folder entry is, read without following links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed).
    Link,
    /// Anything else (a pipe, a socket, a device).
    Other,
}

/// The kind of `path`, without following a link.
pub(crate) fn kind(path: &Path) -> io::Result<Kind> {
    Ok(kind_of(&std::fs::symlink_metadata(path)?))
}

/// The error for a link or a special file inside a bundle or a snapshot folder.
pub(crate) fn refused(path: &Path, kind: Kind) -> Error {
    let what = match kind {
        Kind::Link => "is a symbolic link; links are never followed in bundles and snapshot folders",
        Kind::Dir => "is a folder, not a file",
        Kind::Other | Kind::File => "is not a regular file (a pipe, socket or device)",
    };
    Error::Bundle {
        path: path.to_owned(),
        message: what.into(),
    }
}

/// Opens the regular file at `path`, refusing a link or a special file, and checks
/// that the file opened is the one inspected (no swap in between).
pub(crate) fn open_regular(path: &Path) -> Result<(File, Metadata)> {
    let before = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?;
    let k = kind_of(&before);
    if k != Kind::File {
        return Err(refused(path, k));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.dev() != before.dev() || meta.ino() != before.ino() || !meta.is_file() {
        return Err(Error::Bundle {
            path: path.to_owned(),
            message: "was replaced while being opened".into(),
        });
    }
    Ok((file, meta))
}

fn kind_of(meta: &Metadata) -> Kind {
    let t = meta.file_type();
    if t.is_symlink() {
        Kind::Link
    } else if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    }
}
