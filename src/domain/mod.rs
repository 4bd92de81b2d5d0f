//! Pure domain types and rules: no I/O, no diesel, no actix.

pub mod case_state;
pub mod credit_code;
pub mod day;
pub mod deadline;
pub mod errors;
pub mod file_kind;
pub mod flood;
pub mod lists;
pub mod place;
pub mod rating;
pub mod receipt;
pub mod report_calendar;
pub mod role;
pub mod search;
pub mod tip;
pub mod tip_status;
pub mod totp;
pub mod working_days;
