//! `cases/` as trials under `cargo test`: every hand-written scenario runs against the embedded
//! mock, its answer must meet the scenario's expectation, and its body (volatile values redacted)
//! must match the insta snapshot in `snapshots/`. (Placeholder until the case runner lands.)

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&args, Vec::new()).exit();
}
