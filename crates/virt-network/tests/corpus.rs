//! libvirt's networkxml2conftest cases: every network definition in the
//! corpus folder `network-xml/xml2conf` must give the dnsmasq
//! configuration (`.conf`) and DHCP hosts file (`.hostsfile`; none when
//! the case has none) libvirt 9.0 wrote for it.

use virt_network::dnsmasq::{dnsmasq_files, DnsmasqPaths};
use virt_testkit::{corpus_folder, first_difference};

#[test]
fn corpus_network_xml2conf() {
    let Some(dir) = corpus_folder("network-xml/xml2conf", "corpus_network_xml2conf") else {
        return;
    };
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    cases.sort();
    let mut failed = Vec::new();
    for case in &cases {
        let name = case
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let xml = std::fs::read_to_string(case).expect("case file");
        let want_conf = std::fs::read_to_string(case.with_extension("conf")).ok();
        let want_hosts = std::fs::read_to_string(case.with_extension("hostsfile")).ok();
        let paths = DnsmasqPaths {
            state_dir: "/var/lib/libvirt/dnsmasq",
            pid_file: None,
        };
        let got = virt_xml::parse_network(&xml)
            .map_err(|e| e.to_string())
            .and_then(|def| dnsmasq_files(&def, paths).map_err(|e| e.to_string()));
        let problem = match (got, want_conf) {
            (Err(e), _) => Some(format!("refused: {e}")),
            (Ok(_), None) => Some("the case has no .conf".to_string()),
            (Ok(files), Some(conf)) => {
                if files.config != conf {
                    Some(format!(
                        "config: {}",
                        first_difference(&conf, &files.config)
                    ))
                } else if files.hosts.as_deref().filter(|h| !h.is_empty()) != want_hosts.as_deref()
                {
                    Some(format!(
                        "hosts file: want {:?}, got {:?}",
                        want_hosts, files.hosts
                    ))
                } else {
                    None
                }
            }
        };
        if let Some(p) = problem {
            failed.push(format!("{name}: {p}"));
        }
    }
    println!(
        "corpus_network_xml2conf: {} of {} cases passed",
        cases.len() - failed.len(),
        cases.len()
    );
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
}
