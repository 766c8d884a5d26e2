//! `virt-proxy`: the virt-rs daemon (see the library's documentation and
//! the README's daemon section).

use std::process::ExitCode;
use virt_proxy::options::{self, Command};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("virt_proxy=info"))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match options::parse(&args) {
        Ok(Command::Run(o)) => o,
        Ok(Command::Help) => {
            print!("{}", options::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!(
                "virt-proxy (virt-rs) {}, libvirt remote protocol of {}; drivers: {}",
                env!("CARGO_PKG_VERSION"),
                virt_core::version_string(virt_core::LIB_VERSION),
                virt_proxy::drivers::names().join(" ")
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("virt-proxy: {e}");
            return ExitCode::from(2);
        }
    };
    match virt_proxy::run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            eprintln!("virt-proxy: {e}");
            ExitCode::FAILURE
        }
    }
}
