//! The integration tests, one binary (a binary per file linked the whole
//! crate eighteen times). Each module runs the real server on SQLite, or on
//! a fresh PostgreSQL database when `TIPLINE_TEST_DATABASE_URL` is set;
//! `process` and `relay_process` run the `tipline` binary itself.

mod common;
mod relay_support;

mod abuse;
mod admin_pages;
mod cases;
mod credit_terms;
mod demo;
mod evidence;
mod hostile_files;
mod hostile_requests;
mod intake;
mod labelled_sets;
mod logins;
mod matching_variants;
mod openapi;
mod operations;
mod outcome_pages;
mod outcomes;
mod packs;
mod private_data;
mod process;
mod registry;
mod registry_routing;
mod relay;
mod relay_process;
mod reporter;
mod reports;
mod retention;
mod returns;
mod schema;
mod search;
mod staff_desk;
mod workflow;
