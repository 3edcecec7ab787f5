//! End-to-end tests: the `panoptic` binary against real Chromium and pages served on
//! 127.0.0.1 by the test itself. One integration binary for the crate (STYLE.md).

mod actions;
mod ai;
mod azure;
mod cloud;
mod config;
mod frames;
mod generate;
mod grid;
mod heal;
mod http;
mod hygiene;
mod mock;
mod navigation;
mod polling;
mod pool;
mod security;
mod serve;
mod server;
mod shadow;
mod support;
mod telemetry;
mod trace;
mod video;
mod vision;
mod visual;
