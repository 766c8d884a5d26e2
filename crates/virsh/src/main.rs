//! virsh: the virt-rs command line shell, byte-compatible with virsh 9.0.
//!
//! Arguments are parsed by hand rather than with clap: virsh's global
//! options follow getopt's rules (stop at the first command word, `-ctest`,
//! `--connect=URI`) and its per-command options have their own grammar and
//! error texts (see `opts`), which scripts depend on and clap cannot produce.
#![warn(missing_docs)]
// The process starts at `entry::main` (C's `main`), not through the Rust
// runtime's start; see entry.rs for why. Test builds keep the harness's.
#![cfg_attr(not(test), no_main)]

mod builtin;
mod checkpoint;
mod cmd;
mod complete;
mod console;
mod ctl;
mod defs;
mod device;
mod devstats;
mod display;
mod domain;
mod edit;
#[cfg(not(test))]
mod entry;
mod event;
mod host;
mod job;
mod moment;
mod network;
mod node;
mod opts;
mod shell;
mod snapshot;
mod stats;
mod storage;
mod table;

use ctl::Ctl;

const VERSION: &str = "9.0.0";

/// Global options, as given before the command.
#[derive(Debug, Default)]
struct Global {
    uri: Option<String>,
    readonly: bool,
    quiet: bool,
    timing: bool,
    rest: Vec<String>,
}

enum Early {
    Exit(u8),
}

fn fail(msg: &str) -> Early {
    eprintln!("error: {msg}");
    Early::Exit(1)
}

fn long_version() -> String {
    format!(
        "Virsh command line tool of libvirt {VERSION}\nSee web site at https://libvirt.org/\n\n\
Compiled with support for:\n Hypervisors: {}\n Miscellaneous: Readline\n",
        virt_drivers::hypervisors().join(" ")
    )
}

/// Parse the global options the way getopt_long with "+" does: options
/// until the first non-option word or `--`.
fn parse_global(args: &[String]) -> Result<Global, Early> {
    let mut g = Global::default();
    let mut i = 0;
    // (short, long, takes value)
    const OPTS: &[(char, &str, bool)] = &[
        ('c', "connect", true),
        ('d', "debug", true),
        ('e', "escape", true),
        ('h', "help", false),
        ('k', "keepalive-interval", true),
        ('K', "keepalive-count", true),
        ('l', "log", true),
        ('q', "quiet", false),
        ('r', "readonly", false),
        ('t', "timing", false),
        ('v', "", false),
        ('V', "", false),
    ];
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            break;
        }
        let mut given: Vec<(char, Option<String>)> = Vec::new();
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            if name == "version" {
                match inline.as_deref() {
                    Some("long") => print!("{}", long_version()),
                    _ => println!("{VERSION}"),
                }
                return Err(Early::Exit(0));
            }
            let Some(&(c, _, takes)) = OPTS.iter().find(|o| !o.1.is_empty() && o.1 == name) else {
                return Err(fail(&format!("unsupported option '{a}'. See --help.")));
            };
            let value = if takes {
                match inline {
                    Some(v) => Some(v),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => {
                        return Err(fail(&format!(
                            "option '-{c}'/'--{name}' requires an argument"
                        )))
                    }
                }
            } else {
                None
            };
            given.push((c, value));
        } else if a.len() > 1 && a.starts_with('-') {
            for (pos, c) in a[1..].char_indices() {
                let Some(&(_, long, takes)) = OPTS.iter().find(|o| o.0 == c) else {
                    return Err(fail(&format!("unsupported option '-{c}'. See --help.")));
                };
                if takes {
                    let attached = &a[1 + pos + c.len_utf8()..];
                    let value = if !attached.is_empty() {
                        attached.to_string()
                    } else if i < args.len() {
                        i += 1;
                        args[i - 1].clone()
                    } else {
                        return Err(fail(&format!(
                            "option '-{c}'/'--{long}' requires an argument"
                        )));
                    };
                    given.push((c, Some(value)));
                    break;
                }
                given.push((c, None));
            }
        } else {
            i -= 1;
            break;
        }
        for (c, v) in given {
            let v = v.unwrap_or_default();
            match c {
                'c' => g.uri = Some(v),
                'd' => match v.parse::<i64>() {
                    Ok(n) if (0..=4).contains(&n) => {}
                    Ok(n) => eprintln!("error: ignoring debug level {n} out of range [0-4]"),
                    Err(_) => return Err(fail("option -d takes a numeric argument")),
                },
                'k' | 'K' if v.parse::<u32>().is_err() => {
                    return Err(fail(&format!("Invalid value for option -{c}")));
                }
                'e' | 'l' => {}
                'h' => {
                    print!("{}", defs::help::usage());
                    return Err(Early::Exit(0));
                }
                'q' => g.quiet = true,
                'r' => g.readonly = true,
                't' => g.timing = true,
                'v' => {
                    println!("{VERSION}");
                    return Err(Early::Exit(0));
                }
                'V' => {
                    print!("{}", long_version());
                    return Err(Early::Exit(0));
                }
                _ => {}
            }
        }
    }
    g.rest = args[i..].to_vec();
    Ok(g)
}

/// Exit statuses, as virsh's.
const SUCCESS: u8 = 0;
const FAILURE: u8 = 1;

/// virsh with `args`, the words after the program name; its exit status.
#[cfg_attr(test, allow(dead_code))]
fn run(args: &[String]) -> u8 {
    let g = match parse_global(args) {
        Ok(g) => g,
        Err(Early::Exit(code)) => return code,
    };
    // The URI: -c, else VIRSH_DEFAULT_CONNECT_URI, else the library's default
    // (LIBVIRT_DEFAULT_URI, then the first backend's own).
    let uri = g.uri.clone().or_else(|| {
        std::env::var("VIRSH_DEFAULT_CONNECT_URI")
            .ok()
            .filter(|u| !u.is_empty())
    });
    let cmds = match g.rest.len() {
        0 => None,
        1 => Some(opts::parse_string(&g.rest[0])),
        _ => Some(opts::parse_argv(&g.rest)),
    };
    let mut ctl = Ctl::new(uri.clone(), g.readonly, g.quiet, g.timing);
    let cmds = match cmds {
        Some(Err(errs)) => {
            shell::report_parse(&mut ctl, &errs);
            return FAILURE;
        }
        Some(Ok(c)) if c.is_empty() => return FAILURE,
        other => other.and_then(Result::ok),
    };
    virt_drivers::register();
    if let Err(f) = ctl.connect(uri.as_deref(), g.readonly) {
        if let Some(e) = f.lib {
            ctl.error(&e.message);
        }
        if cmds.is_some() {
            return FAILURE;
        }
    }
    match cmds {
        Some(cmds) => {
            if shell::run(&mut ctl, &cmds) {
                SUCCESS
            } else {
                FAILURE
            }
        }
        None => {
            shell::interactive(&mut ctl);
            SUCCESS
        }
    }
}
