//! Opening a OneRoster bundle: a ZIP, a folder, or a single CSV file.
//!
//! Files are found by name without case, at the root or in one sub-folder. A ZIP is
//! read in place (nothing is extracted), with limits against hostile archives: entry
//! names with `..` or absolute paths are refused, and every entry is read through a
//! cap on its size and on the archive's total, whatever sizes the archive declares.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Limits on what a bundle may hold. The defaults fit a district of a million users.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest one file may be once decompressed.
    pub max_file_bytes: u64,
    /// The most all files together may be once decompressed.
    pub max_total_bytes: u64,
    /// The largest decompressed/compressed ratio of a ZIP entry.
    pub max_ratio: u64,
    /// The most entries a ZIP may have.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 4 << 30,
            max_total_bytes: 16 << 30,
            max_ratio: 200,
            max_entries: 1_000,
        }
    }
}

/// A bundle opened for reading its files by name.
pub(crate) enum Bundle {
    /// A folder; `dir` is where the CSV files are.
    Folder { dir: PathBuf },
    /// A single CSV file, known by its file name.
    Single { path: PathBuf, name: String },
    /// A ZIP archive; `prefix` is the folder inside it that holds the files.
    Zip {
        path: PathBuf,
        archive: Box<zip::ZipArchive<BufReader<File>>>,
        names: Vec<String>,
        prefix: String,
        limits: Limits,
        total: u64,
    },
}

impl Bundle {
    /// Opens a ZIP, a folder or a CSV file.
    pub(crate) fn open(path: &Path, limits: Limits) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Ok(Self::Folder {
                dir: find_folder(path)?,
            });
        }
        let mut magic = [0u8; 4];
        let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
        let n = f.read(&mut magic).map_err(|e| Error::io(path, e))?;
        if n == 4 && magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06" {
            return Self::open_zip(path, limits);
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if !name.to_ascii_lowercase().ends_with(".csv") {
            return Err(Error::Bundle {
                path: path.to_owned(),
                message: "not a OneRoster bundle: expected a ZIP, a folder or a .csv file".into(),
            });
        }
        Ok(Self::Single {
            path: path.to_owned(),
            name,
        })
    }

    fn open_zip(path: &Path, limits: Limits) -> Result<Self> {
        let zerr = |m: String| Error::Zip {
            path: path.to_owned(),
            message: m,
        };
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let archive =
            zip::ZipArchive::new(BufReader::new(file)).map_err(|e| zerr(format!("not a readable ZIP: {e}")))?;
        if archive.len() > limits.max_entries {
            return Err(zerr(format!(
                "{} entries, more than the limit of {}",
                archive.len(),
                limits.max_entries
            )));
        }
        let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        for name in &names {
            let p = Path::new(name);
            let hostile = name.starts_with('/')
                || name.starts_with('\\')
                || name.contains(":\\")
                || p.components()
                    .any(|c| matches!(c, Component::ParentDir | Component::RootDir | Component::Prefix(_)));
            if hostile {
                return Err(zerr(format!("entry `{name}` points outside the archive")));
            }
        }
        let csvs: Vec<&String> = names
            .iter()
            .filter(|n| n.to_ascii_lowercase().ends_with(".csv") && !n.starts_with("__MACOSX/"))
            .collect();
        let mut prefixes: Vec<String> = csvs
            .iter()
            .map(|n| n.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default())
            .collect();
        prefixes.sort();
        prefixes.dedup();
        let prefix = match prefixes.as_slice() {
            [] => return Err(zerr("the archive holds no CSV file".into())),
            [one] => one.clone(),
            many => {
                // Prefer the folder that holds users.csv or manifest.csv.
                let key = csvs.iter().find(|n| {
                    let l = n.to_ascii_lowercase();
                    l.ends_with("manifest.csv") || l.ends_with("users.csv")
                });
                match key {
                    Some(n) => n.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default(),
                    None => {
                        return Err(zerr(format!(
                            "CSV files are spread over several folders ({}); expected one",
                            many.join(", ")
                        )));
                    }
                }
            }
        };
        Ok(Self::Zip {
            path: path.to_owned(),
            archive: Box::new(archive),
            names,
            prefix,
            limits,
            total: 0,
        })
    }

    /// What this bundle is, for reports.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Folder { dir } => format!("folder {}", dir.display()),
            Self::Single { path, .. } => format!("file {}", path.display()),
            Self::Zip { path, .. } => format!("ZIP {}", path.display()),
        }
    }

    /// Reads a file of the bundle (e.g. `users.csv`), matched without case. `None` when
    /// the bundle has no such file.
    pub(crate) fn read(&mut self, file: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Self::Folder { dir } => {
                let Some(p) = find_in_dir(dir, file)? else {
                    return Ok(None);
                };
                std::fs::read(&p).map(Some).map_err(|e| Error::io(p, e))
            }
            Self::Single { path, name } => {
                if !name.eq_ignore_ascii_case(file) {
                    return Ok(None);
                }
                std::fs::read(&*path).map(Some).map_err(|e| Error::io(path.clone(), e))
            }
            Self::Zip {
                path,
                archive,
                names,
                prefix,
                limits,
                total,
            } => {
                let wanted = format!("{prefix}{file}").to_ascii_lowercase();
                let Some(name) = names.iter().find(|n| n.to_ascii_lowercase() == wanted) else {
                    return Ok(None);
                };
                let zerr = |m: String| Error::Zip {
                    path: path.clone(),
                    message: format!("entry `{name}`: {m}"),
                };
                let entry = archive.by_name(name).map_err(|e| zerr(e.to_string()))?;
                let declared = entry.size();
                let compressed = entry.compressed_size().max(1);
                if declared > limits.max_file_bytes {
                    return Err(zerr(format!(
                        "declares {declared} bytes, more than the limit of {}",
                        limits.max_file_bytes
                    )));
                }
                if declared / compressed > limits.max_ratio {
                    return Err(zerr(format!(
                        "compression ratio {} is over the limit of {} (a zip bomb?)",
                        declared / compressed,
                        limits.max_ratio
                    )));
                }
                // Never trust the declared size: cap what is actually inflated.
                let budget = limits
                    .max_file_bytes
                    .min(limits.max_total_bytes.saturating_sub(*total))
                    .min(compressed.saturating_mul(limits.max_ratio));
                let mut buf = Vec::with_capacity(usize::try_from(declared.min(budget)).unwrap_or(0));
                entry
                    .take(budget + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| zerr(format!("cannot inflate: {e}")))?;
                if buf.len() as u64 > budget {
                    return Err(zerr(format!(
                        "inflates past its limit of {budget} bytes (size, ratio or archive total); the archive may be a zip bomb"
                    )));
                }
                *total += buf.len() as u64;
                Ok(Some(buf))
            }
        }
    }
}

/// The folder holding the CSV files: `dir` itself, or its only sub-folder with CSVs.
fn find_folder(dir: &Path) -> Result<PathBuf> {
    if has_csv(dir)? {
        return Ok(dir.to_owned());
    }
    let mut subs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() && has_csv(&p)? {
            subs.push(p);
        }
    }
    match subs.len() {
        1 => Ok(subs.remove(0)),
        0 => Err(Error::Bundle {
            path: dir.to_owned(),
            message: "no CSV file in this folder or its sub-folders".into(),
        }),
        _ => Err(Error::Bundle {
            path: dir.to_owned(),
            message: "CSV files are in several sub-folders; point at one of them".into(),
        }),
    }
}

fn has_csv(dir: &Path) -> Result<bool> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        if p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn find_in_dir(dir: &Path, file: &str) -> Result<Option<PathBuf>> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        if p.is_file()
            && p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.eq_ignore_ascii_case(file))
        {
            return Ok(Some(p));
        }
    }
    Ok(None)
}
