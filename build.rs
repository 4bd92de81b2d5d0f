// Rebuild when a pack changes: include_dir! does not track the files it embeds.
fn main() {
    println!("cargo:rerun-if-changed=seeds");
    println!("cargo:rerun-if-changed=frontend");
    println!("cargo:rerun-if-changed=migrations");
}
