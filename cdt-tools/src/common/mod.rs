//! Helpers shared by the built-in tools, by concern: names and states ([`names`]),
//! schools ([`school`]), what people see compared field by field ([`fields`]), finding the student a query names ([`resolve`]), the checks
//! several tools share ([`checks`]), records as JSON ([`json`]) and gathering findings
//! into a verdict ([`report`]).

pub(crate) mod checks;
pub(crate) mod fields;
pub(crate) mod json;
pub(crate) mod names;
pub(crate) mod report;
pub(crate) mod resolve;
pub(crate) mod school;

pub(crate) use checks::*;
pub(crate) use fields::*;
pub(crate) use json::*;
pub(crate) use names::*;
pub(crate) use report::*;
pub(crate) use resolve::*;
pub(crate) use school::*;

pub(crate) use crate::findings::and_list;
