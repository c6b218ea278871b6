//! The stable validation codes, their severities and their documentation.
//!
//! A code is part of the public contract: it is never renamed or reused, so support
//! scripts and spreadsheets can filter on it. `docs/validation-codes.md` is generated
//! from [`Code::ALL`] by a test (`UPDATE_DOCS=1 cargo test -p cdt-connectors`).

use serde::{Serialize, Serializer};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong with the data.
    Info,
    /// Not what the specification says, but read without loss.
    Warning,
    /// The data breaks the specification: a consumer may reject the row or the file.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $(#[$meta:meta])* $variant:ident = $id:literal, $sev:ident, $doc:literal; )*) => {
        /// A validation code. See `docs/validation-codes.md` for every code with its
        /// meaning and the fix.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( #[doc = $doc] $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable id, e.g. `value.invalid_date`.
            #[must_use]
            pub fn id(self) -> &'static str {
                match self { $( Self::$variant => $id, )* }
            }

            /// The severity of every finding with this code.
            #[must_use]
            pub fn severity(self) -> Severity {
                match self { $( Self::$variant => Severity::$sev, )* }
            }

            /// What the code means and how to fix it, for the documentation.
            #[must_use]
            pub fn doc(self) -> &'static str {
                match self { $( Self::$variant => $doc, )* }
            }
        }
    };
}

codes! {
    PackageMissingManifest = "package.missing_manifest", Warning,
        "The bundle has no `manifest.csv`. The OneRoster version is guessed from the `users.csv` header and each file's mode (bulk or delta) is inferred from its content (`lifecycle.inferred_mode`). Add a manifest naming `oneroster.version` and each `file.*` mode.";
    PackageUnknownFile = "package.unknown_file", Info,
        "A CSV file that OneRoster does not define is in the bundle. It is ignored. Remove it, or check the name is spelled as the specification spells it.";
    PackageDuplicateFile = "package.duplicate_file", Error,
        "Two files have the same name once case is ignored (e.g. `users.csv` and `Users.csv`). Only the first is read. Keep one.";
    PackageXlsx = "package.xlsx", Warning,
        "The bundle is an Excel workbook. XLSX is not part of OneRoster: each sheet was converted to CSV and checked with the same rules. Ask the SIS for a CSV export.";
    PackageFileNameCase = "package.file_name_case", Warning,
        "A OneRoster file is named with different case than the specification (e.g. `Users.csv`). It is read as that file; the message names the expected spelling. Strict consumers look for the exact name.";
    PackageNonstandardFileName = "package.nonstandard_file_name", Warning,
        "A file whose name is a OneRoster file name with a date, a district or a prefix added (e.g. `users-2025-11-16.csv`, `users_20251116_district.csv`, `OneRoster_users.csv`). It is read as that file; consumers look for the exact name (`users.csv`). Rename it.";
    PackageAmbiguousFile = "package.ambiguous_file", Error,
        "Two files of the bundle could be the same OneRoster file (e.g. `users-2025-11-16.csv` and `users-2025-11-17.csv`). The message says which file looks like which. When one has the exact name it is read; otherwise none is. Keep one.";
    PackageNothingRecognised = "package.nothing_recognised", Error,
        "No file of the bundle is a OneRoster file, so nothing was checked: the bundle is not valid (`cdt validate` exits with code 2). The message lists what was found. Check the files are named as the specification names them (`users.csv`, `orgs.csv`…).";
    ManifestInvalidHeader = "manifest.invalid_header", Error,
        "The header of `manifest.csv` is not `propertyName,value`. The manifest is ignored.";
    ManifestDuplicateProperty = "manifest.duplicate_property", Error,
        "A property appears twice in `manifest.csv`. The first value is used.";
    ManifestUnknownProperty = "manifest.unknown_property", Warning,
        "A property `manifest.csv` does not define (a `file.*` for an unknown file, a typo). It is ignored.";
    ManifestInvalidManifestVersion = "manifest.invalid_manifest_version", Warning,
        "`manifest.version` is missing or not `1.0`.";
    ManifestMissingVersion = "manifest.missing_oneroster_version", Warning,
        "`oneroster.version` is missing. The version is guessed from the `users.csv` header (a `role` column means 1.1).";
    ManifestInvalidVersion = "manifest.invalid_oneroster_version", Error,
        "`oneroster.version` is not `1.1` or `1.2`. The bundle is read as the version its `users.csv` header suggests.";
    ManifestInvalidFileMode = "manifest.invalid_file_mode", Error,
        "A `file.*` property is blank or not `bulk`, `delta` or `absent`. The file's mode is inferred from its content, and the file is not reported missing.";
    ManifestMissingFileMode = "manifest.missing_file_mode", Warning,
        "A file is in the bundle but the manifest has no `file.*` row for it. It is read as bulk.";
    ManifestFileMissing = "manifest.file_missing", Error,
        "The manifest declares a file `bulk` or `delta`, but the bundle does not have it.";
    ManifestFileUnexpected = "manifest.file_unexpected", Error,
        "The manifest declares a file `absent`, but the bundle has it. Consumers ignore it; `cdt` still reads it so diagnostics can use it.";
    EncodingBom = "encoding.bom", Info,
        "The file starts with a UTF-8 byte-order mark. It is handled, but some consumers read the first column as `\\u{feff}sourcedId` and reject the file.";
    EncodingWindows1252 = "encoding.windows_1252", Warning,
        "The file is not UTF-8; it was read as Windows-1252 (a common SIS export encoding). Export as UTF-8.";
    EncodingInvalidUtf8 = "encoding.invalid_utf8", Error,
        "A cell holds bytes that are neither UTF-8 nor plausible Windows-1252. They were replaced with `\u{fffd}`. Export as UTF-8.";
    EncodingUnsupported = "encoding.unsupported", Error,
        "The file is UTF-16 or UTF-32 (it starts with that byte-order mark). It is not read. Export as UTF-8.";
    CsvEmptyFile = "csv.empty_file", Error,
        "The file is empty: a header row is required.";
    CsvMalformed = "csv.malformed", Error,
        "The file is not valid CSV (e.g. a quote opened and never closed). Reading stopped at the reported row.";
    CsvRowTooLong = "csv.row_too_long", Error,
        "A row is longer than the limit (`Limits::max_row_bytes`), often because a quote was never closed. Reading of the file stopped there.";
    CsvTooManyColumns = "csv.too_many_columns", Error,
        "A row has more cells than the limit (`Limits::max_columns`). Reading of the file stopped there.";
    CsvTooLarge = "csv.file_too_large", Error,
        "The file is larger than the limit (`Limits::max_file_bytes`). Reading of the file stopped there.";
    CsvRowWidth = "csv.row_width_mismatch", Warning,
        "A row has a different number of cells than the header. Missing cells are read as blank and extra cells are ignored.";
    HeaderMissingColumn = "header.missing_column", Error,
        "A column the specification requires is not in the header. Its values are read as blank.";
    HeaderUnknownColumn = "header.unknown_column", Warning,
        "A column the specification does not define. Extension columns must be named `metadata.<name>`. It is ignored.";
    HeaderDuplicateColumn = "header.duplicate_column", Error,
        "Two header cells have the same name once case is ignored. The first is read.";
    HeaderOtherVersion = "header.other_version_column", Warning,
        "A column from another OneRoster version (e.g. `role` in a 1.2 `users.csv`, or a 1.0-style header). It is read leniently.";
    HeaderCase = "header.case_mismatch", Info,
        "A header is spelled with different case than the specification (e.g. `SourcedId`). It is matched anyway; strict consumers reject it.";
    HeaderMissingOptionalColumn = "header.missing_optional_column", Warning,
        "An optional column is not in the header. The specification lists every column in the header, even when its values are blank; its values are read as blank, but consumers that read columns by position misread the file.";
    HeaderColumnOrder = "header.column_order", Error,
        "The columns are not in the specification's order (the message says where the column belongs). `cdt` reads them by name; consumers that read them by position misread the file.";
    HeaderMetadataBeforeSpecColumn = "header.metadata_before_spec_column", Error,
        "A `metadata.*` extension column comes before a column of the specification. Extension columns go after all of the specification's columns.";
    HeaderEmptyColumnName = "header.empty_column_name", Error,
        "A header cell is empty (often a trailing comma). Every column needs a name; the column is ignored.";
    ValueRequired = "value.required_missing", Error,
        "A required value is blank.";
    ValueEnum = "value.invalid_enum", Error,
        "The value is not one the specification allows for this column (the message lists them). 1.2 also allows `ext:` extensions.";
    ValueCase = "value.case_mismatch", Warning,
        "An enumerated value or boolean is spelled with different case than the specification (e.g. `TRUE`, `Student`). It is read anyway.";
    ValueBoolean = "value.invalid_boolean", Error,
        "The value is not `true` or `false`.";
    ValueDate = "value.invalid_date", Error,
        "The value is not a date. Dates are `YYYY-MM-DD`.";
    ValueDateFormat = "value.noncanonical_date", Warning,
        "A date or datetime not written the way the specification says (dates `YYYY-MM-DD`, datetimes `YYYY-MM-DDTHH:MM:SS.sssZ`), but readable; the message says how it was read.";
    ValueDateTime = "value.invalid_datetime", Error,
        "The value is not a datetime. Datetimes are UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`.";
    ValueYear = "value.invalid_year", Error,
        "The value is not a four-digit year.";
    ValueDateOrder = "value.date_order", Error,
        "An end date is before its start date.";
    ValueAmbiguousDate = "value.ambiguous_date", Warning,
        "A date column holds dates such as `06/07/2023` that could be day-first or month-first, and no value of the column (nor of the file's other date columns) tells which. Reported once per column; the message says how they were read (month-first). Export dates as `YYYY-MM-DD`.";
    ValueMixedDateOrder = "value.mixed_date_order", Error,
        "A date column holds both day-first (`15/06/2023`) and month-first (`06/15/2023`) dates. Reported once per column; each value was read in the only order it allows and the message says how the others were read. Export dates as `YYYY-MM-DD`.";
    ValueList = "value.invalid_list", Warning,
        "A list has empty items, or spaces around its commas (e.g. `a,,b`). Items are trimmed and empty ones dropped.";
    ValueGrade = "value.invalid_grade", Warning,
        "A grade that is not a CEDS grade code (`IT PR PK TK KG 01`…`13 PS UG Other`).";
    ValueSourcedId = "value.invalid_sourced_id", Warning,
        "A sourcedId with characters outside `A-Z a-z 0-9 . / @ _ -` or longer than 255 characters. Many consumers reject it.";
    ValueUserIds = "value.invalid_user_ids", Warning,
        "A `userIds` item that is not `{type:id}`.";
    ValueLegacyStatus = "value.legacy_status", Error,
        "`inactive` or `deleted` is a OneRoster 1.0 status; 1.1 and 1.2 have `active` and `tobedeleted`. It is read as `tobedeleted`.";
    IdDuplicate = "id.duplicate_sourced_id", Error,
        "The same sourcedId is on more than one row of a file. Consumers keep one of them (usually the first).";
    LifecycleForbiddenInBulk = "lifecycle.field_forbidden_in_bulk", Error,
        "In a bulk file, `status` and `dateLastModified` must be blank; a record missing from a bulk file is deleted. Leave them blank or declare the file `delta` in the manifest.";
    LifecycleRequiredInDelta = "lifecycle.field_required_in_delta", Error,
        "In a delta file, `status` and `dateLastModified` are required on every row.";
    LifecycleInferredMode = "lifecycle.inferred_mode", Info,
        "No manifest (or no usable mode in it) says whether the file is bulk or delta, so its mode was inferred from its content: `status` and `dateLastModified` filled on every row means delta, blank on every row bulk. Said once per file.";
    LifecycleMixedMode = "lifecycle.mixed_mode", Error,
        "With no mode declared, the file is neither bulk nor delta: `status` and `dateLastModified` are filled on some rows and blank on others. Reported once per file (with the first row of each kind) instead of on every row. Fill both on every row (delta) or leave both blank (bulk), and declare the mode in the manifest.";
    LifecycleDeletedTarget = "lifecycle.reference_to_deleted", Warning,
        "An active record refers to a record that is `tobedeleted` (e.g. an active enrollment of a deleted user).";
    ReferenceMissing = "reference.missing_target", Error,
        "A sourcedId refers to a record that is not in the bundle (an enrollment's class, user or school; a user's orgs or agents…). In a delta bundle the record may exist from an earlier load, so the finding is a warning there (`reference.missing_target_delta`).";
    ReferenceMissingDelta = "reference.missing_target_delta", Warning,
        "A sourcedId refers to a record not in this delta bundle. It may exist from an earlier load; check it does.";
    ReferenceMissingFile = "reference.missing_target_file", Error,
        "A column refers to records of a file the bundle does not have (e.g. `classes.csv` without `courses.csv`).";
    ReferenceOrgType = "reference.wrong_org_type", Warning,
        "A `schoolSourcedId` refers to an org whose type is not `school`.";
    ReferenceEnrollmentRole = "reference.enrollment_role_mismatch", Error,
        "An active enrollment's `role` contradicts the user's own role: a user whose roles (the `users.csv` `role`, or in 1.2 every role in `roles.csv`) are all staff (teacher, aide, proctor, counselor, principal, administrators) or family (parent, guardian, relative) is enrolled as `student`, or a user who is only a student is enrolled as `teacher`, `administrator` or `proctor`. An error: consumers build a class's teachers and students from the users' roles and drop (or worse, follow) the contradicting enrollment, so a teacher loses the class or a student gains a teacher's rights over it. Fix the enrollment's role, or the user's. Users with no role or an `ext:` role are not checked.";
    ReferenceEnrollmentSchool = "reference.enrollment_school_mismatch", Warning,
        "An active enrollment's `schoolSourcedId` is not the `schoolSourcedId` of its class in `classes.csv`. A warning: the enrollment is read without loss and most consumers place it at the class's school, but the two disagree, often because a student moved schools and the SIS updated one of them; check which school is right and make them agree.";
    ReferenceSelf = "reference.self", Error,
        "A record refers to itself (an org that is its own parent, a user who is their own agent).";
    RolesMultiplePrimary = "roles.multiple_primary", Error,
        "A user has more than one `primary` role at the same org in `roles.csv` (1.2).";
    RolesNoRole = "roles.user_without_role", Warning,
        "A user of a 1.2 bundle has no row in `roles.csv`, so it has no role and no org.";
    RolesPrimaryOrg = "roles.primary_org_without_role", Warning,
        "A 1.2 user's `primaryOrgSourcedId` names an org where `roles.csv` gives the user no role.";
}

/// Writes `docs/validation-codes.md`.
#[must_use]
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "# OneRoster validation codes\n\n\
         <!-- Generated from cdt-connectors/src/oneroster/codes.rs by \
         `UPDATE_DOCS=1 cargo test -p cdt-connectors --lib codes`. Do not edit. -->\n\n\
         Every finding of `cdt validate` carries one of these codes. Codes are stable: \
         they are never renamed or reused. Severities: **error** breaks the \
         specification (a consumer may reject the row or the file), **warning** is read \
         without loss but is not what the specification says, **info** is worth knowing.\n\n\
         | Code | Severity | Meaning and fix |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            code.id(),
            code.severity().as_str(),
            code.doc().replace('|', "\\|")
        );
    }
    out
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.id()), "duplicate id {}", c.id());
            let (area, name) = c.id().split_once('.').unwrap();
            assert!(!area.is_empty() && !name.is_empty());
            assert!(
                c.id()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_' || b.is_ascii_digit())
            );
        }
    }

    #[test]
    fn the_codes_document_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/validation-codes.md");
        let want = markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/validation-codes.md is stale: run `UPDATE_DOCS=1 cargo test -p cdt-connectors --lib codes`"
        );
    }
}
