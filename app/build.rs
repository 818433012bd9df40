// `sqlx::migrate!` embeds the migrations when the crate compiles: a change to them alone must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
