//! Command lines: splitting a command string into commands and words the way
//! virsh does, and binding words to each command's options.
//!
//! virsh's grammar is its own (positional words fill the next option that
//! takes a value, `--opt=value`, `--` ends options, `;` separates commands,
//! `#` starts a comment) and so are its error texts, which scripts see; a
//! generic argument parser cannot reproduce both, so this is written by hand.

use crate::cmd::{Cmd, OptKind};
use crate::defs::find_command;

/// One word of a command string, or the end of a command.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    End,
}

/// Split a command string into words and command ends: blanks separate
/// words; `;` and newlines end a command; `#` at the start of a word
/// comments out the rest of the line; `\` escapes the next character
/// (outside single quotes); quotes group and are removed.
fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(' ' | '\t')) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        if c == ';' || c == '\n' {
            chars.next();
            out.push(Token::End);
            continue;
        }
        if c == '#' {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            out.push(Token::End);
            continue;
        }
        let mut word = String::new();
        let (mut single, mut double) = (false, false);
        while let Some(&c) = chars.peek() {
            if !single && !double && matches!(c, ' ' | '\t' | ';' | '\n') {
                break;
            }
            chars.next();
            if !single && c == '\\' {
                match chars.next() {
                    Some(n) => word.push(n),
                    None => return Err("dangling \\".into()),
                }
            } else if !double && c == '\'' {
                single = !single;
            } else if !single && c == '"' {
                double = !double;
            } else {
                word.push(c);
            }
        }
        if double {
            return Err("missing \"".into());
        }
        out.push(Token::Word(word));
    }
    Ok(out)
}

/// Parse a command string (one argument, a shell line) into commands.
pub fn parse_string(s: &str) -> Result<Vec<Cmd>, Vec<String>> {
    let tokens = tokenize(s).map_err(|e| vec![e])?;
    let mut cmds = Vec::new();
    let mut words = Vec::new();
    for t in tokens.into_iter().chain(std::iter::once(Token::End)) {
        match t {
            Token::Word(w) => words.push(w),
            Token::End => {
                if !words.is_empty() {
                    cmds.push(parse_words(std::mem::take(&mut words))?);
                }
            }
        }
    }
    Ok(cmds)
}

/// Parse a command given as separate arguments (no `;` splitting).
pub fn parse_argv(args: &[String]) -> Result<Vec<Cmd>, Vec<String>> {
    Ok(vec![parse_words(args.to_vec())?])
}

/// Bind the words of one command to its options.
fn parse_words(words: Vec<String>) -> Result<Cmd, Vec<String>> {
    let mut it = words.into_iter();
    let name = it.next().unwrap_or_default();
    let Some(def) = find_command(&name) else {
        return Err(vec![format!("unknown command: '{name}'")]);
    };
    let mut cmd = Cmd {
        name: def.name,
        opts: def.opts,
        values: Vec::new(),
    };
    let mut data_only = false;
    while let Some(w) = it.next() {
        if !data_only && w == "--" {
            data_only = true;
            continue;
        }
        if !data_only && w.len() > 2 && w.starts_with("--") {
            let body = &w[2..];
            let (oname, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            if oname == "help" {
                // `CMD --help` shows the command's help instead.
                let help = find_command("help").ok_or_else(Vec::new)?;
                return Ok(Cmd {
                    name: help.name,
                    opts: help.opts,
                    values: vec![(0, Some(def.name.to_string()))],
                });
            }
            let Some(i) = def.opts.iter().position(|o| o.name == oname) else {
                return Err(vec![format!(
                    "command '{}' doesn't support option --{oname}",
                    def.name
                )]);
            };
            let opt = &def.opts[i];
            if opt.kind != OptKind::Argv && cmd.values.iter().any(|(j, _)| *j == i) {
                return Err(vec![format!("option --{oname} already seen")]);
            }
            if opt.kind == OptKind::Bool {
                if inline.is_some() {
                    return Err(vec![format!("invalid '=' after option --{oname}")]);
                }
                cmd.values.push((i, None));
            } else {
                let v = match inline {
                    Some(v) => v,
                    None => match it.next() {
                        Some(v) => v,
                        None => {
                            return Err(vec![format!(
                                "expected syntax: --{oname} <{}>",
                                opt.kind.value_word()
                            )])
                        }
                    },
                };
                cmd.values.push((i, Some(v)));
            }
        } else {
            // The next positional option not yet given fills with this word.
            let slot = def.opts.iter().enumerate().find(|(j, o)| {
                o.positional && (o.kind == OptKind::Argv || !cmd.values.iter().any(|(k, _)| k == j))
            });
            match slot {
                Some((j, _)) => cmd.values.push((j, Some(w))),
                None => return Err(vec![format!("unexpected data '{w}'")]),
            }
        }
    }
    let missing: Vec<String> = def
        .opts
        .iter()
        .enumerate()
        .filter(|(i, o)| o.required && !cmd.values.iter().any(|(j, _)| j == i))
        .map(|(_, o)| {
            if matches!(o.kind, OptKind::Data | OptKind::Argv) {
                format!("command '{}' requires <{}> option", def.name, o.name)
            } else {
                format!("command '{}' requires --{} option", def.name, o.name)
            }
        })
        .collect();
    if missing.is_empty() {
        Ok(cmd)
    } else {
        Err(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Vec<String>> {
        let mut out = vec![Vec::new()];
        for t in tokenize(s).unwrap_or_default() {
            match t {
                Token::Word(w) => out.last_mut().map(|v| v.push(w)).unwrap_or(()),
                Token::End => out.push(Vec::new()),
            }
        }
        out.retain(|v| !v.is_empty());
        out
    }

    #[test]
    fn splits_like_virsh() {
        assert_eq!(words(r#"echo a"b c"d"#), vec![vec!["echo", "ab cd"]]);
        assert_eq!(words(r"echo 'a;b' c\;d"), vec![vec!["echo", "a;b", "c;d"]]);
        assert_eq!(
            words(r#"echo a\ b "x\"y" 'q\w'"#),
            vec![vec!["echo", "a b", "x\"y", "q\\w"]]
        );
        assert_eq!(
            words("echo a # c; echo b\necho c"),
            vec![vec!["echo", "a"], vec!["echo", "c"]]
        );
        assert_eq!(words("a;;b"), vec![vec!["a"], vec!["b"]]);
        assert_eq!(tokenize("echo \"a"), Err("missing \"".into()));
        assert_eq!(tokenize("echo a\\"), Err("dangling \\".into()));
    }

    fn err(s: &str) -> Vec<String> {
        parse_string(s).err().unwrap_or_default()
    }

    #[test]
    fn option_errors_match_virsh() {
        assert_eq!(err("frob"), vec!["unknown command: 'frob'"]);
        assert_eq!(
            err("list --foo"),
            vec!["command 'list' doesn't support option --foo"]
        );
        assert_eq!(err("list extra"), vec!["unexpected data 'extra'"]);
        assert_eq!(
            err("dominfo --domain"),
            vec!["expected syntax: --domain <string>"]
        );
        assert_eq!(
            err("setmem t --size"),
            vec!["expected syntax: --size <number>"]
        );
        assert_eq!(
            err("dominfo --domain a --domain b"),
            vec!["option --domain already seen"]
        );
        assert_eq!(err("list --all=x"), vec!["invalid '=' after option --all"]);
        assert_eq!(
            err("setmem"),
            vec![
                "command 'setmem' requires <domain> option",
                "command 'setmem' requires --size option"
            ]
        );
        // A parse error anywhere stops the whole line.
        assert_eq!(err("uri; frob"), vec!["unknown command: 'frob'"]);
    }

    #[test]
    fn positional_and_named_forms_agree() {
        for line in [
            "vcpupin test 1 0-3",
            "vcpupin --domain=test --vcpu 1 --cpulist=0-3",
            "vcpupin --vcpu 1 test 0-3",
        ] {
            let cmds = parse_string(line).unwrap_or_default();
            let c = &cmds[0];
            assert_eq!(
                (c.raw("domain"), c.raw("vcpu"), c.raw("cpulist")),
                (Some("test"), Some("1"), Some("0-3"))
            );
        }
        // As virsh 9.0: a bare word fills the first option not yet given
        // that takes a value, numbers included, unless virsh wants that
        // option named (`schedinfo --weight`, `dumpxml --xpath`).
        let c = parse_string("freecell 0").unwrap_or_default();
        assert_eq!(c[0].raw("cellno"), Some("0"));
        let c = parse_string("nodememstats 3").unwrap_or_default();
        assert_eq!(c[0].raw("cell"), Some("3"));
        let c = parse_string("cpu-stats --start 1 test 2").unwrap_or_default();
        assert_eq!(
            (c[0].raw("domain"), c[0].raw("start"), c[0].raw("count")),
            (Some("test"), Some("1"), Some("2"))
        );
        assert!(parse_string("dumpxml test /domain/name").is_err());
        assert!(parse_string("dommemstat test 5").is_err());
        let c = parse_string("dominfo -- --weird").unwrap_or_default();
        assert_eq!(c[0].raw("domain"), Some("--weird"));
        let c = parse_string("echo a b c").unwrap_or_default();
        assert_eq!(c[0].all("string"), vec!["a", "b", "c"]);
        let c = parse_string("list --help").unwrap_or_default();
        assert_eq!((c[0].name, c[0].raw("command")), ("help", Some("list")));
    }
}
