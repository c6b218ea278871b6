//! Reading one CSV table: headers matched without case, a UTF-8 BOM ignored, values
//! trimmed, and every error naming the file, the row as a spreadsheet shows it
//! (the header is row 1) and the column.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{Error, Result};

/// One data row of a table, with its columns looked up by name.
pub(crate) struct Row<'a> {
    file: &'a str,
    number: u64,
    columns: &'a HashMap<String, usize>,
    record: &'a csv::ByteRecord,
}

impl Row<'_> {
    /// The trimmed value of a column, `None` when the column is absent or the cell blank.
    pub(crate) fn get(&self, column: &str) -> Result<Option<&str>> {
        let Some(&i) = self.columns.get(&column.to_ascii_lowercase()) else {
            return Ok(None);
        };
        let Some(bytes) = self.record.get(i) else {
            return Ok(None);
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::csv(
                self.file,
                Some(self.number),
                Some(column),
                format!("not valid UTF-8 (byte {} of the cell)", e.valid_up_to() + 1),
            )
        })?;
        let text = text.trim();
        Ok((!text.is_empty()).then_some(text))
    }

    /// An owned optional value.
    pub(crate) fn opt(&self, column: &str) -> Result<Option<String>> {
        Ok(self.get(column)?.map(str::to_owned))
    }

    /// An error about a cell of this row.
    pub(crate) fn error(&self, column: &str, message: impl Into<String>) -> Error {
        Error::csv(self.file, Some(self.number), Some(column), message)
    }
}

/// Reads a CSV table, checks its required columns, and calls `each` for every data row.
pub(crate) fn read_table<R: Read>(
    file: &str,
    reader: R,
    required_columns: &[&str],
    mut each: impl FnMut(&Row<'_>) -> Result<()>,
) -> Result<()> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let map_err = |e: &csv::Error, row: u64| match e.kind() {
        csv::ErrorKind::Io(io) => Error::csv(file, Some(row), None, format!("read failed: {io}")),
        _ => Error::csv(file, Some(row), None, format!("malformed CSV: {e}")),
    };
    if !csv.read_byte_record(&mut record).map_err(|e| map_err(&e, 1))? {
        return Err(Error::csv(
            file,
            None,
            None,
            "the file is empty: a header row is required",
        ));
    }
    let mut columns = HashMap::new();
    for (i, name) in record.iter().enumerate() {
        let name = name.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(name);
        let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
        columns.entry(name).or_insert(i);
    }
    for col in required_columns {
        if !columns.contains_key(&col.to_ascii_lowercase()) {
            return Err(Error::csv(
                file,
                Some(1),
                Some(col),
                "required column is missing from the header",
            ));
        }
    }
    let mut number = 1;
    loop {
        number += 1;
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(map_err(&e, number)),
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let row = Row {
            file,
            number,
            columns: &columns,
            record: &record,
        };
        each(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str, required: &[&str], col: &str) -> Result<Vec<Option<String>>> {
        let mut out = Vec::new();
        read_table("t.csv", text.as_bytes(), required, |row| {
            out.push(row.opt(col)?);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn headers_match_without_case_and_bom() {
        let got = collect(
            "\u{feff}SourcedID,Name\r\n a ,x\r\n\r\nb,\"y\nz\"\r\n",
            &["sourcedId"],
            "sourcedid",
        )
        .unwrap();
        assert_eq!(got, vec![Some("a".into()), Some("b".into())]);
    }

    #[test]
    fn errors_name_file_row_and_column() {
        let err = collect("name\nx\n", &["sourcedId"], "name").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv, row 1, column sourcedId: required column is missing from the header"
        );
        let mut rows = Vec::new();
        let err = read_table("t.csv", &b"sourcedId\nok\n\xff\xfe\n"[..], &[], |row| {
            rows.push(row.opt("sourcedId")?);
            Ok(())
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("t.csv, row 3, column sourcedId: not valid UTF-8"),
            "{err}"
        );
        let err = collect("", &[], "x").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
