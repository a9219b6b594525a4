//! The one integration test binary (a 2-core CI links it once). Each module covers one part of
//! the product; `support` holds the loopback mock harness they share.

mod baseline_recording;
mod ci_native;
mod ci_trust;
mod cli_output;
mod coverage;
mod documented_constraints;
mod example_pipelines;
mod export;
mod faults;
mod fixtures;
mod fuzz_mock;
mod html_report;
mod layering;
mod migrate;
mod mock_auth;
mod mock_behaviour;
mod mock_hostile;
mod not_exercised;
mod nothing_lost;
mod other_data;
mod plan;
mod politeness;
mod python_sdk;
mod readings;
mod report_schema;
mod reproduce;
mod run_suite;
mod secrets;
mod serve_cli;
mod spec_files;
mod staging;
mod support;
mod tls;
