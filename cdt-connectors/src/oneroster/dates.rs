//! Dates written `DD/MM/YYYY` or `MM/DD/YYYY`, read the same way in a whole column.
//!
//! A date such as `15/06/2023` can only be day-first and `06/15/2023` only month-first;
//! `06/07/2023` could be either. A column is read in the order its unambiguous values
//! show: the dates that could be either are read day-first only when some value of the
//! column can only be day-first (else month-first, as US exports write them). A column
//! whose values show no order follows the file's other date columns when they agree
//! (a term's `startDate` of `01/09/2023` follows its `endDate` of `20/12/2023`). What is
//! ambiguous is reported once per column, a column with both orders once as an error,
//! and every message says how the values were read. The work per cell is one parse of
//! the value; what is kept per column is a few counters and the first examples.

use chrono::{Datelike, NaiveDate};

use super::codes::Code;
use super::report::{Finding, Sink};
use super::table::clip;

/// How a `A/B/YYYY` date can be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slash {
    /// Only day-first (`15/06/2023`).
    DayFirst(NaiveDate),
    /// Only month-first (`06/15/2023`).
    MonthFirst(NaiveDate),
    /// Either, with different results (`06/07/2023`): (month-first, day-first).
    Either(NaiveDate, NaiveDate),
    /// Either, with the same result (`05/05/2023`).
    Same(NaiveDate),
}

/// Reads `A/B/YYYY` (one or two digits, then four): `None` for any other shape or
/// when neither order gives a calendar date.
pub(crate) fn slash(v: &str) -> Option<Slash> {
    let mut parts = v.split('/');
    let (first, second, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !(1..=2).contains(&first.len())
        || !(1..=2).contains(&second.len())
        || year.len() != 4
        || ![first, second, year]
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let (first, second, year): (u32, u32, i32) = (first.parse().ok()?, second.parse().ok()?, year.parse().ok()?);
    let month_first = NaiveDate::from_ymd_opt(year, first, second);
    let day_first = NaiveDate::from_ymd_opt(year, second, first);
    Some(match (month_first, day_first) {
        (Some(month), Some(day)) if month == day => Slash::Same(month),
        (Some(month), Some(day)) => Slash::Either(month, day),
        (Some(month), None) => Slash::MonthFirst(month),
        (None, Some(day)) => Slash::DayFirst(day),
        (None, None) => return None,
    })
}

/// A value and the row it is on, kept as an example for a message.
#[derive(Debug)]
struct Example {
    row: u64,
    value: String,
}

/// What one date column has shown so far.
#[derive(Debug)]
pub(crate) struct DateColumn {
    pub(crate) column: &'static str,
    /// The header position of the column.
    pub(crate) pos: usize,
    day_first: Option<Example>,
    month_first: Option<Example>,
    /// The first date that could be either order, and how many there are.
    either: Option<(Example, NaiveDate, NaiveDate)>,
    either_count: u64,
    /// Whether the current row's value could be either order (read month-first).
    pub(crate) row_either: bool,
    /// Indexes of records built with a date of this column that could be either
    /// order, read month-first: turned day-first if the column is.
    pub(crate) records: Vec<u32>,
}

impl DateColumn {
    pub(crate) fn new(column: &'static str, pos: usize) -> Self {
        Self {
            column,
            pos,
            day_first: None,
            month_first: None,
            either: None,
            either_count: 0,
            row_either: false,
            records: Vec::new(),
        }
    }

    /// Notes a `A/B/YYYY` value of row `row`.
    pub(crate) fn note(&mut self, row: u64, v: &str, s: Slash) {
        let example = || Example { row, value: clip(v) };
        match s {
            Slash::DayFirst(_) => {
                if self.day_first.is_none() {
                    self.day_first = Some(example());
                }
            }
            Slash::MonthFirst(_) => {
                if self.month_first.is_none() {
                    self.month_first = Some(example());
                }
            }
            Slash::Either(m, d) => {
                self.row_either = true;
                self.either_count += 1;
                if self.either.is_none() {
                    self.either = Some((example(), m, d));
                }
            }
            Slash::Same(_) => {}
        }
    }

    /// Whether the column is read day-first: some value can only be day-first and
    /// none can only be month-first.
    pub(crate) fn day_first(&self) -> bool {
        self.day_first.is_some() && self.month_first.is_none()
    }

    /// Whether the column shows an order of its own.
    fn shows_order(&self) -> bool {
        self.day_first.is_some() || self.month_first.is_some()
    }

    /// Whether the dates that could be either order are read day-first: the column's
    /// own values say so, or, when they say nothing, the file's other date columns do.
    pub(crate) fn reads_day_first(&self, file_day_first: bool) -> bool {
        if self.shows_order() {
            self.day_first()
        } else {
            file_day_first
        }
    }

    /// Reads a value of the column as the column (or the file) reads so far.
    pub(crate) fn read(&self, v: &str, file_day_first: bool) -> Option<NaiveDate> {
        if let Some(d) = super::values::canonical_date(v) {
            return Some(d);
        }
        match slash(v) {
            Some(Slash::Either(_, d)) if self.reads_day_first(file_day_first) => Some(d),
            _ => super::values::lenient_date(v),
        }
    }

    /// The column's findings, once every row is read; `order` is what the file's date
    /// columns show together, for a column that shows nothing itself.
    pub(crate) fn finish(&self, file: &str, order: Option<&FileOrder<'_>>, sink: &mut Sink) {
        // "`06/07/2023`, which could be either order, was" or "`06/07/2023` and 2
        // other dates that could be either order were".
        let either = |e: &Example| match self.either_count {
            0 | 1 => format!("`{}` (row {}), which could be either order, was", e.value, e.row),
            2 => format!(
                "`{}` (row {}) and 1 other date that could be either order were",
                e.value, e.row
            ),
            n => format!(
                "`{}` (row {}) and {} other dates that could be either order were",
                e.value,
                e.row,
                n - 1
            ),
        };
        match (&self.day_first, &self.month_first, &self.either) {
            (Some(d), Some(m), e) => {
                let later = if d.row > m.row { d } else { m };
                let rest = e.as_ref().map_or(String::new(), |(e, mf, _)| {
                    format!("; {} read month-first: `{}` as {mf}", either(e), e.value)
                });
                sink.push(Finding::new(
                    file,
                    Some(later.row),
                    Some(self.column),
                    Code::ValueMixedDateOrder,
                    format!(
                        "the column has day-first dates (`{}`, row {}) and month-first dates (`{}`, row {}); each was read in the only order it allows (DD/MM/YYYY, MM/DD/YYYY){rest}",
                        d.value, d.row, m.value, m.row
                    ),
                ));
            }
            (None, None, Some((e, mf, df))) if let Some(o) = order => {
                let (how, read) = if o.day_first {
                    ("day-first (DD/MM/YYYY)", df)
                } else {
                    ("month-first (MM/DD/YYYY)", mf)
                };
                sink.push(Finding::new(
                    file,
                    Some(e.row),
                    Some(self.column),
                    Code::ValueDateFormat,
                    format!(
                        "dates are not written YYYY-MM-DD: {} read {how} like the file's other dates (`{}` in {} on row {}): `{}` as {read}",
                        either(e),
                        o.example.value,
                        o.column,
                        o.example.row,
                        e.value
                    ),
                ));
            }
            (None, None, Some((e, mf, _))) => sink.push(Finding::new(
                file,
                Some(e.row),
                Some(self.column),
                Code::ValueAmbiguousDate,
                format!(
                    "no date of the column tells whether it is day-first or month-first: {} read month-first (MM/DD/YYYY): `{}` as {mf}",
                    either(e),
                    e.value
                ),
            )),
            (Some(d), None, Some((e, _, df))) => sink.push(Finding::new(
                file,
                Some(e.row),
                Some(self.column),
                Code::ValueDateFormat,
                format!(
                    "dates are not written YYYY-MM-DD: {} read day-first (DD/MM/YYYY), like `{}` on row {}: `{}` as {df}",
                    either(e),
                    d.value,
                    d.row,
                    e.value
                ),
            )),
            (None, Some(m), Some((e, mf, _))) => sink.push(Finding::new(
                file,
                Some(e.row),
                Some(self.column),
                Code::ValueDateFormat,
                format!(
                    "dates are not written YYYY-MM-DD: {} read month-first (MM/DD/YYYY), like `{}` on row {}: `{}` as {mf}",
                    either(e),
                    m.value,
                    m.row,
                    e.value
                ),
            )),
            _ => {}
        }
    }
}

/// The order the date columns of a file show together: one column's values can only
/// be read in this order and no column's only in the other.
#[derive(Debug)]
pub(crate) struct FileOrder<'a> {
    pub(crate) day_first: bool,
    column: &'static str,
    example: &'a Example,
}

/// What the date columns of a file show together, if they agree.
pub(crate) fn file_order(columns: &[DateColumn]) -> Option<FileOrder<'_>> {
    let day = columns.iter().find_map(|c| c.day_first.as_ref().map(|e| (c.column, e)));
    let month = columns
        .iter()
        .find_map(|c| c.month_first.as_ref().map(|e| (c.column, e)));
    match (day, month) {
        (Some((column, example)), None) => Some(FileOrder {
            day_first: true,
            column,
            example,
        }),
        (None, Some((column, example))) => Some(FileOrder {
            day_first: false,
            column,
            example,
        }),
        _ => None,
    }
}

/// A date read month-first, read day-first instead (`06/07` becomes 6 July).
pub(crate) fn swap(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()).unwrap_or(d)
}

/// The per-value message of a date that is not `YYYY-MM-DD` but readable in one way.
pub(crate) fn noncanonical(v: &str, s: Option<Slash>, read: NaiveDate) -> String {
    match s {
        Some(Slash::DayFirst(_)) => format!("`{v}` is not written YYYY-MM-DD; read day-first (DD/MM/YYYY) as {read}"),
        Some(Slash::MonthFirst(_)) => {
            format!("`{v}` is not written YYYY-MM-DD; read month-first (MM/DD/YYYY) as {read}")
        }
        _ => format!("`{v}` is not written YYYY-MM-DD; read as {read}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn slash_dates_are_told_apart() {
        assert_eq!(slash("15/06/2023"), Some(Slash::DayFirst(d(2023, 6, 15))));
        assert_eq!(slash("8/27/2018"), Some(Slash::MonthFirst(d(2018, 8, 27))));
        assert_eq!(slash("06/07/2023"), Some(Slash::Either(d(2023, 6, 7), d(2023, 7, 6))));
        assert_eq!(slash("05/05/2023"), Some(Slash::Same(d(2023, 5, 5))));
        assert_eq!(slash("13/13/2023"), None);
        assert_eq!(slash("2023/06/07"), None);
        assert_eq!(slash("2023-06-07"), None);
        assert_eq!(swap(d(2023, 6, 7)), d(2023, 7, 6));
    }
}
