//! Give the shared library libvirt-rs's soname, so programs linked against
//! the installed `libvirt-rs.so` record `libvirt-rs.so.0` as their need.

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libvirt-rs.so.0");
}
