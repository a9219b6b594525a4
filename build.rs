//! Rebuilds the crate when a file under `schemas/`, `cases/` or the mock's data is added,
//! removed or changed: they are embedded with include_dir, which Cargo cannot see by itself.
fn main() {
    for dir in ["schemas", "cases", "src/mock/data"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
