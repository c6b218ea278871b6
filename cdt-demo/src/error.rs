//! The crate's error type.

use std::io;
use std::path::PathBuf;

/// What can go wrong while writing demo data. Every message names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be created, written, synced, renamed or removed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The CSV writer failed on a file.
    #[error("cannot write CSV file {}: {source}", path.display())]
    Csv {
        /// The CSV file (inside a ZIP archive: `archive.zip/users.csv`).
        path: PathBuf,
        /// The cause.
        #[source]
        source: csv::Error,
    },
    /// The ZIP writer failed.
    #[error("cannot write ZIP archive {}: {source}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The cause.
        #[source]
        source: zip::result::ZipError,
    },
    /// The target folder exists and holds something that is not part of a `OneRoster`
    /// CSV bundle, so replacing it could destroy someone's files.
    #[error(
        "refusing to replace {}: it holds `{entry}`, which is not part of a OneRoster CSV bundle",
        path.display()
    )]
    NotABundle {
        /// The target folder (or file, when it is not a folder).
        path: PathBuf,
        /// The foreign entry.
        entry: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
