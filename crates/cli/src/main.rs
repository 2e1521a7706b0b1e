fn main() {
    println!("assay");
}
